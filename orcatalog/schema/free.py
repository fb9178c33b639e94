"""Which models are free: the one home of the ``is_free`` rule (:func:`is_free_rule`: its prices
half, :func:`lists_only_zero_prices`, and its outputs half, :func:`unlisted_output_prices`) and of
the rows priced only otherwise (:func:`priced_only_otherwise`: a per-token 0 that is not a price), and
of which rows a price sort puts last (:func:`without_token_price`, :func:`priced_first`).

**Free** (``is_free``; the one rule is :func:`is_free_rule`): a model is free only if every price it
lists is zero **and** every non-text output it produces (image, audio, speech, video, ...) has a
listed price key for it (:data:`OUTPUT_PRICE_KEYS`; a ``"0"`` counts) or it is an explicit
``:free`` variant. Otherwise its price for that output is *not listed*: ``is_free`` is null
(unknown, neither free nor paid), and a cost for it gets the note "produces audio output at a price
the catalog does not list", never $0 rank 1. The case: google/lyria-3-pro-preview and
lyria-3-clip-preview (2026-08-17) list prompt and completion ``"0"`` and nothing else, produce
audio, and cost $0.08 per song / $0.04 per clip by their descriptions. ``openrouter/free`` (a router
listing ``"0"``, text output only, routing to free models) is free by the rule.
"""

from __future__ import annotations

from typing import Any

from .columns import bool_array
from .prices import BASE_PRICE_KEYS, price_columns, settled_price_arrays


#: The price keys that price each generated (non-text) output modality: a model producing it
#: lists one of them (``"0"`` counts) or its price for that output is "not listed" (the ``is_free``
#: rule, :func:`unlisted_output_prices`). A generated modality not named here (``video``, or one the
#: API adds later) is priced by any key that starts with its name (``video``, ``video_second``). A
#: listed ``request`` price prices whatever a request produces, so it counts for every output
#: (runway/gen-4.5: video at ``request`` $0.25).
OUTPUT_PRICE_KEYS: dict[str, tuple[str, ...]] = {
    "image": ("image_output", "image_token"),
    "audio": ("audio_output",),
    "speech": ("audio_output",),
}

#: Output modalities that are not generated media priced on their own: text is priced by
#: ``completion``; embeddings, rerank scores and transcripts are what the input tokens buy.
UNPRICED_OUTPUTS: tuple[str, ...] = ("text", "embeddings", "rerank", "transcription")


def unlisted_output_prices(prices: Any, outputs: Any, ids: Any) -> Any:
    """The generated outputs each row produces at a price the catalog does not list: part of the
    ``is_free`` rule (:func:`is_free_rule`), in one place.

    A model that produces image, audio, speech, video, ... output lists a price key for it
    (:data:`OUTPUT_PRICE_KEYS`, or ``request``; a ``"0"`` counts) or is an explicit ``:free`` variant; otherwise
    what it charges for that output is not in the catalog. Real case (2026-08-17 body):
    google/lyria-3-pro-preview and lyria-3-clip-preview list prompt and completion ``"0"`` and
    nothing else, produce audio (music), and their descriptions say $0.08 per song / $0.04 per clip.

    Args:
        prices: ``{key or price_<key>: float array}`` as the body listed them (absent as NaN, not
            settled to 0).
        outputs: the rows' output modalities (lists; None when unknown: nothing is missing).
        ids: the rows' model ids (``...:free`` rows miss nothing).

    Returns:
        A numpy object array: per row, the unlisted outputs joined with ``" + "`` ("" for none).
    """
    import numpy as np

    listed = {str(k).removeprefix("price_"): ~np.isnan(np.asarray(v, dtype=float)) for k, v in prices.items()}
    n = len(ids)
    out = np.full(n, "", dtype=object)
    free_variant = np.fromiter((str(mid).endswith(":free") for mid in ids), dtype=bool, count=n)
    groups: dict[tuple[str, ...], list[int]] = {}  # rows by their generated outputs (few distinct sets)
    for i, mods in enumerate(outputs):
        if mods is None or free_variant[i]:
            continue
        if type(mods) is not list and np.ndim(mods) == 0 and not isinstance(mods, str):  # a list: the usual case
            continue
        generated = tuple(str(m) for m in ([mods] if isinstance(mods, str) else mods) if m not in UNPRICED_OUTPUTS)
        if generated:
            groups.setdefault(generated, []).append(i)
    for generated, members in groups.items():
        rows = np.asarray(members)
        missing = np.full(len(rows), "", dtype=object)
        for m in generated:
            keys = (*(OUTPUT_PRICE_KEYS.get(m) or tuple(k for k in listed if k.startswith(m))), "request")
            has = np.zeros(len(rows), dtype=bool)
            for k in keys:
                if k in listed:
                    has |= listed[k][rows]
            missing[~has] = [f"{x} + {m}" if x else m for x in missing[~has]]
        out[rows] = missing
    return out


def is_free_rule(prices: Any, outputs: Any, ids: Any, dynamic: Any) -> Any:
    """The ``is_free`` rule, in one place: a model is free only if every price it lists is zero
    (:func:`lists_only_zero_prices`) **and** every generated output it produces has a listed price
    (:func:`unlisted_output_prices`; a ``"0"`` counts) or it is an explicit ``:free`` variant.

    - True: free (e.g. every ``...:free`` variant; ``openrouter/free``, a router that lists prompt
      and completion ``"0"``, produces only text and routes to free models: free by the rule);
    - False: some listed price is above zero (paid, whatever it lists or not for its outputs);
    - NA (unknown): prompt or completion missing, dynamically priced (``"-1"``), or every listed
      price is zero but a generated output's price is not listed (google/lyria-3-pro-preview:
      prompt and completion ``"0"``, audio output, $0.08 per song in its description). NA, not
      False: the catalog does not say what it costs, so it is neither free nor priced; ``select``
      (free= True or False), the report's free table and costs leave it out, and a cost names
      the unlisted output in its note.

    Args:
        prices: ``{key or price_<key>: float array}`` as listed (absent as NaN).
        outputs: the rows' output modalities (None where unknown).
        ids: the rows' model ids.
        dynamic: bool array, dynamically priced rows.

    Returns:
        A ``pandas.arrays.BooleanArray``.
    """
    import numpy as np
    import pandas as pd

    arrays = {str(k).removeprefix("price_"): np.asarray(v, dtype=float) for k, v in prices.items()}
    free = lists_only_zero_prices(arrays)
    unlisted = unlisted_output_prices(arrays, outputs, ids) != ""
    unknown = np.isnan(arrays["prompt"]) | np.isnan(arrays["completion"]) | np.asarray(dynamic, dtype=bool)
    return pd.arrays.BooleanArray(free & ~unlisted, unknown | (free & unlisted))


def _rule_inputs(frame: Any) -> tuple[dict[str, Any], list[Any], list[str]]:
    """A frame's listed prices (absent as NaN), output modalities and ids, as the rule takes them
    (frames without ``output_modalities`` or ``id``: unknown outputs, nothing unlisted)."""
    import numpy as np

    n = len(frame)
    prices = {c: frame[c].to_numpy(dtype=float, na_value=np.nan) for c in price_columns(frame)}
    outputs = frame["output_modalities"].tolist() if "output_modalities" in frame.columns else [None] * n
    ids = frame["id"].astype(str).tolist() if "id" in frame.columns else [""] * n
    return prices, outputs, ids


def frame_unlisted_outputs(frame: Any) -> Any:
    """:func:`unlisted_output_prices` on a frame's columns (one value per row, "" for none)."""
    return unlisted_output_prices(*_rule_inputs(frame))


def frame_is_free(frame: Any) -> Any:
    """:func:`is_free_rule` on a frame: its ``is_free`` column when it has one, else the rule on its
    price columns, ``output_modalities`` and ``id``. Returns a ``pandas.arrays.BooleanArray``."""
    import numpy as np
    import pandas as pd

    if "is_free" in frame.columns:
        return pd.array(frame["is_free"], dtype="boolean")
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(len(frame), bool)
    return is_free_rule(*_rule_inputs(frame), dynamic)


def lists_only_zero_prices(prices: Any) -> Any:
    """Whether every price a row lists is zero: the prices half of the ``is_free`` rule
    (:func:`is_free_rule` adds the outputs half).

    Args:
        prices: ``{key or price_<key>: float array}`` in the API's unit (absent as NaN); ``discount``
            (a fraction, not a price) and ``overrides`` are ignored.

    Returns:
        A bool array: prompt and completion are 0 and no other key is above 0 (absent and ``"0"``
        cost nothing). Unknown prompt/completion gives False here; the caller marks it null.
    """
    import numpy as np

    arrays = {str(k).removeprefix("price_"): np.asarray(v, dtype=float) for k, v in prices.items()}
    out = (arrays["prompt"] == 0) & (arrays["completion"] == 0)
    for key, values in arrays.items():
        if key not in (*BASE_PRICE_KEYS, "discount", "overrides"):
            out &= ~(values > 0)
    return out


def priced_only_otherwise(frame: Any) -> Any:
    """Rows that list no per-token price but do list another: prompt and completion are 0 while the
    row is not free by the ``is_free`` rule (:func:`lists_only_zero_prices`; the column when the
    frame has it, else computed from the settled prices). Such a model is priced per image token,
    request, audio second, ...; its per-token 0 is not a price to show beside free models' (tables
    show it blank, with a footnote).

    Args:
        frame: a contract (or history) frame with ``price_prompt`` and ``price_completion``.

    Returns:
        A numpy bool array, one value per row (False for dynamically priced or unknown rows).
    """
    import numpy as np

    prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
    completion = frame["price_completion"].to_numpy(dtype=float, na_value=np.nan)
    if "is_free" in frame.columns:
        free = frame["is_free"].to_numpy(dtype=bool, na_value=True)  # unknown (dynamic): not "priced otherwise"
    else:
        free = lists_only_zero_prices(settled_price_arrays(frame))
    return (prompt == 0) & (completion == 0) & ~free


def output_price_unlisted(frame: Any) -> Any:
    """Rows that list every price as zero but produce an output whose price the catalog does not
    list: the rows :func:`is_free_rule` makes NA for that reason (not dynamic, not unknown).
    google/lyria-3-pro-preview lists prompt and completion ``"0"`` and makes audio at $0.08 a song
    (its description): its per-token 0 is not what it costs, and it is neither free nor priced
    otherwise (:func:`priced_only_otherwise` leaves it out: it lists no other price).

    Args:
        frame: a contract (or history) frame with ``price_prompt`` and ``price_completion``
            (without ``output_modalities`` no row is concerned).

    Returns:
        A numpy bool array, one value per row.
    """
    import numpy as np

    prices, outputs, ids = _rule_inputs(frame)
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(len(frame), bool)
    zero = lists_only_zero_prices(prices)
    return np.asarray(zero & (unlisted_output_prices(prices, outputs, ids) != "") & ~dynamic, dtype=bool)


def without_token_price(frame: Any) -> Any:
    """Rows that have no per-token price to rank by: the one rule a price sort (``sort=
    "pricing-low-to-high"`` or ``"pricing-high-to-low"``, :func:`priced_first`) puts after the
    priced rows, in either direction. A row is without one when its prompt or completion price is
    unknown (dynamically priced, ``"-1"``; absent), when it is priced otherwise
    (:func:`priced_only_otherwise`: per image token, request, ...) or when its output's price is
    not listed (:func:`output_price_unlisted`). Free models (``is_free`` True) have one: 0.

    Args:
        frame: a contract frame with ``price_prompt`` and ``price_completion``.

    Returns:
        A numpy bool array, one value per row.
    """
    import numpy as np

    prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
    completion = frame["price_completion"].to_numpy(dtype=float, na_value=np.nan)
    unknown = np.isnan(prompt) | np.isnan(completion)
    return np.asarray(unknown | priced_only_otherwise(frame) | output_price_unlisted(frame), dtype=bool)


def priced_first(frame: Any) -> Any:
    """``frame`` in its order, except that the rows :func:`without_token_price` come after the
    others (each part keeps its order; the index is renumbered, ``attrs`` kept; ``frame`` itself
    when it is in that order already). What a listing
    sorted by price shows: the API ranks a model by the mean of its prompt and completion prices,
    so a music model listing ``"0"`` for both (its audio priced nowhere in the catalog) would rank
    among the cheapest.

    Args:
        frame: a contract frame in the order the API answered.

    Returns:
        The frame so ordered.
    """
    import numpy as np

    after = without_token_price(frame)
    if not after.any() or after[int(np.argmax(after)) :].all():
        return frame  # already so ordered
    order = np.r_[np.flatnonzero(~after), np.flatnonzero(after)]
    out = frame.take(order).reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out
