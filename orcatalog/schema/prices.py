"""The price keys and their units, and the rules every price is read by: the one home of the unit
table (:data:`PRICE_UNITS`, :func:`price_unit`, :func:`image_is_token_rate`), the zero/absent rule
(:func:`settled_prices`) and the price-column rule (:func:`is_price_column`).

**Units of the price keys** (decided from the evidence below, not only from the spec's words; the one
table is :data:`PRICE_UNITS`, and every unit label, ``_usd`` / ``_usd_per_mtok`` column name and cost
reads it):

- per token (USD per token in ``price_<key>``, shown as USD per million tokens): ``prompt``,
  ``completion``, ``input_cache_read``, ``input_cache_write``, ``input_cache_write_1h``,
  ``internal_reasoning``, ``audio``, ``audio_output``, ``input_audio_cache`` (the spec says so, and
  the recorded values agree: openai/gpt-audio ``audio`` ``"0.000032"`` is OpenAI's $32 per million
  audio input tokens);
- ``image_output`` and ``image_token``: **per image token**, although the spec calls ``image_output``
  "USD per output image". Every recorded value is a provider's per-million-token image rate:
  google/gemini-2.5-flash-image ``"0.00003"`` is Google's $30 per million image-output tokens,
  openai/gpt-5-image ``"0.00004"`` and gpt-5-image-mini ``"0.000008"`` are OpenAI's $40 and $8 per
  million image-output tokens; as USD per image they would be $0.00003 for an image that costs about
  $0.04. seedream lists ``image_output`` and ``image_token`` as the same value, which at about 3,580
  tokens per image gives the $0.03 per image it costs elsewhere. Image-output tokens are a part of
  ``completion_tokens`` (the API's ``completion_tokens_details.image_tokens``);
- ``image``: **USD per input image** (the spec; the website's "$4.8/K input imgs" for
  anthropic/claude-3.5-sonnet ``"0.0048"``). Every body up to 2026-01-15 holds such per-image values
  (0.0001 to 0.07). But from late January 2026 (and for openai/gpt-5-image since 2025-11) every non-zero
  ``image`` equals the model's own ``prompt`` price: it is then the per-token rate of image *input
  tokens*, which the prompt tokens already count. So ``image``'s unit is decided per row, by
  :func:`image_is_token_rate` (the one place that rule lives): USD per input image, or USD per
  image input token where it equals ``prompt``. The column keeps the API's value; a table's
  ``price_image_usd`` (USD per input image) leaves a per-token rate blank, with a footnote
  (:func:`not_in_column_unit`); change reports show it in ``USD/Mtok`` on such rows, and a switch
  between the two is ``unit changed``; a cost that would read it as a per-image fee gets a note;
- per request: ``request``; per search: ``web_search`` (``"0.014"`` is Google's $14 per 1,000
  grounded searches, ``"0.01"`` OpenAI's $10 per 1,000);
- ``discount``: a fraction (0 to 1), not a price;
- a key not declared here (``video_second``, say, or any key the API adds later) has the unit
  ``"unknown"`` (:data:`UNKNOWN_UNIT`): its ``price_<key>`` keeps the API's number, no display scales
  it to USD per million tokens, and every answer that shows it names it once
  (:func:`unknown_unit_note`). Guessing "per token" would show a price per second or per image a
  million times too high.

**Zero and absent prices** (the rule every comparison and cost uses, via :func:`settled_prices`):
an optional price key (anything but ``prompt`` and ``completion``) that a body leaves out costs
nothing, exactly like ``"0"`` (since January 2026 the API omits optional keys whose price is zero),
so a key going between ``"0"`` and absent is never a change. An absent ``prompt`` or
``completion`` price is *unknown*, not zero. A dynamically priced model (``"-1"``) keeps null.

**The price-column rule** (is this column a price?): a column of the ``price_`` family
(:data:`FAMILIES`), by its name: :func:`is_price_column`, called wherever a column name is asked;
:func:`price_columns` adds that a frame's column holds numbers.
"""

from __future__ import annotations

from typing import Any

from .columns import bool_array


#: Price keys whose absence means "unknown"; every other price key is optional (absent means 0).
BASE_PRICE_KEYS: tuple[str, ...] = ("prompt", "completion")

#: Price keys charged per token (``price_<key>`` in USD per token; shown in USD per million tokens):
#: the spec's and the recordings' word for each (see "Units of the price keys" above).
TOKEN_PRICE_KEYS: tuple[str, ...] = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "internal_reasoning",
    "audio",
    "audio_output",
    "input_audio_cache",
    "image_output",
    "image_token",
)

#: The unit of every declared price key (see "Units of the price keys" above): ``price_<key>``
#: holds USD per this unit (``discount``: a fraction). A key not listed here has the unit
#: :data:`UNKNOWN_UNIT` (:func:`price_unit`).
PRICE_UNITS: dict[str, str] = {
    **dict.fromkeys(TOKEN_PRICE_KEYS, "token"),
    "request": "request",
    "image": "image",
    "web_search": "search",
    "discount": "fraction",
}

#: The unit of a price key this module does not declare: its value is kept as the API wrote it,
#: never scaled to USD per million tokens, and answers that show it say so once
#: (:func:`unknown_unit_note`).
UNKNOWN_UNIT = "unknown"

#: Price keys charged per request / input image / search (``image``: when it is not a per-token
#: rate, :func:`image_is_token_rate`).
PER_UNIT_PRICE_KEYS: tuple[str, ...] = tuple(k for k, unit in PRICE_UNITS.items() if unit not in ("token", "fraction"))


def settled_prices(frame: Any, columns: Any = None) -> Any:
    """The price columns of a contract (or history) frame with the zero/absent rule applied.

    The one place the rule lives (see the module docstring): in every ``price_<key>`` column
    except ``price_prompt`` and ``price_completion``, a null becomes ``0.0`` unless the row is
    dynamically priced (``dynamic_pricing`` true), where it stays null. Values keep the API's unit
    (USD per token, per request, per image, per search).

    Args:
        frame: a DataFrame with ``price_*`` columns (and ideally ``dynamic_pricing``).
        columns: the price columns to return (default every ``price_*`` column of ``frame``).

    Returns:
        A new float64 DataFrame with those columns, same index; ``frame`` is not modified.

    Raises:
        KeyError: a requested column is not in ``frame``.
    """
    import pandas as pd

    return pd.DataFrame(settled_price_arrays(frame, columns), index=frame.index)


def is_price_column(name: Any) -> bool:
    """The price-column rule, in one place: whether ``name`` is a column of the ``price_`` family
    (:data:`FAMILIES`: one ``price_<key>`` column per pricing key, in the API's unit).

    Args:
        name: a column name (anything else is not a price column).

    Returns:
        True for ``price_prompt``, ``price_image_output``, ...; False for ``prompt_usd_per_mtok``,
        ``pricing_overrides`` or a non-string.
    """
    return isinstance(name, str) and name.startswith("price_")


def price_columns(frame: Any) -> list[str]:
    """The frame's price columns: the ``price_`` family (:data:`FAMILIES`; numbers in the API's
    unit). A ``price_*`` column that does not hold numbers is not a price: ``price_source`` of
    :func:`orcatalog.price_at` says where a price came from (exact, nearest, missing)."""
    import pandas as pd

    types = pd.api.types
    return [
        c
        for c in frame.columns
        if is_price_column(str(c))
        and types.is_numeric_dtype(frame[c].dtype)
        and not types.is_bool_dtype(frame[c].dtype)
    ]


def settled_price_arrays(frame: Any, columns: Any = None) -> dict[str, Any]:
    """:func:`settled_prices` as ``{column: float64 numpy array}`` (no DataFrame built; hot paths).

    Raises:
        KeyError: a requested column is not in ``frame``.
    """
    import numpy as np

    names = price_columns(frame) if columns is None else list(columns)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(f"no price column(s) {missing} in the frame")
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(len(frame), bool)
    out = {}
    for name in names:
        column = frame[name]
        values = (
            column.to_numpy(copy=True)
            if column.dtype == np.float64
            else column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        )
        if name[len("price_") :] not in BASE_PRICE_KEYS:
            values[np.isnan(values) & ~dynamic] = 0.0
        out[name] = values
    return out


def price_unit(column: str) -> str:
    """The unit of a price key or ``price_<key>`` column: ``"token"``, ``"request"``, ``"image"``,
    ``"search"``, ``"fraction"`` (:data:`PRICE_UNITS`), or :data:`UNKNOWN_UNIT` for a key not
    declared there (never guessed). The one lookup every unit label reads.

    Args:
        column: a price key (``image_output``) or column (``price_image_output``).

    Returns:
        The unit word.
    """
    key = column[len("price_") :] if is_price_column(column) else column
    return PRICE_UNITS.get(key, UNKNOWN_UNIT)


def image_is_token_rate(image: Any, prompt: Any) -> Any:
    """Whether an ``image`` price is a per-token rate of image input tokens rather than a per-image
    fee: true where it is non-zero and equal to the row's ``prompt`` price (see "Units of the price
    keys" in the module docstring: the API's bodies since late January 2026 write it so).

    Args:
        image, prompt: ``price_image`` and ``price_prompt`` values (USD; scalars or numpy arrays).

    Returns:
        A bool (or a bool array of the same shape).
    """
    import numpy as np

    image = np.asarray(image, dtype=float)
    prompt = np.asarray(prompt, dtype=float)
    return (image > 0) & (image == prompt)
