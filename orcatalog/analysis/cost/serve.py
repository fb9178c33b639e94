"""Which rows can serve a workload, and can the catalog price it there: the one rule,
:func:`_cannot_serve` (its checks are listed in its docstring: what a model produces and accepts,
outputs priced at their own rate, outputs whose price the catalog does not list, completion tokens
priced 0 on a model that is not free, per-unit parts, a total of 0 on a model that lists other
prices, one request larger than the model's context window or output limit), the notes it gives a row it leaves out, and the output modalities a workload asks for
(:func:`_wanted_outputs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...schema import (
    OUTPUT_PRICE_KEYS,
    frame_is_free,
    frame_unlisted_outputs,
    image_is_token_rate,
    price_columns,
    settled_price_arrays,
)
from ...workload import COMPONENTS
from ..catalog import accepts, fits_request, output_modalities_arg, request_tokens_text, serves
from .counts import _nonzero
from .notes import _Notes


_IMAGE_TOKEN_NOTE = (
    "its image price equals its prompt price: a rate per image input token (count those tokens "
    "in prompt_tokens), not a per-image fee, so images= cannot be priced"
)
_REQUEST_NOTE = "lists a per-request price, not counted: the workload names no requests= (pass requests=N)"
_SEARCH_NOTE = (
    "lists no web_search price: its searches run on an OpenRouter search engine whose fee the catalog "
    "does not list, so web_searches= cannot be priced: no cost"
)
_NO_OUTPUT_PRICE_NOTE = (
    "completion price 0 on a model that is not free: its output is not priced per completion token (an "
    "embedding, rerank, speech, transcription or image model, say), so the workload's completion tokens cannot be "
    "priced (give it none for such a model): no cost"
)


def own_price_keys(comp: Any) -> tuple[str, ...]:
    """The price keys of a workload part's own rate, in the order they are read: its own key, then
    the other keys that price the same output (:data:`orcatalog.schema.OUTPUT_PRICE_KEYS`, the
    ``is_free`` rule's table: image output is priced by ``image_output`` or ``image_token``, both per
    image token). The first with a non-zero price is the part's rate (:func:`own_rate`)."""
    keys = [comp.key]
    for modality in comp.outputs:
        keys += [k for k in OUTPUT_PRICE_KEYS.get(modality, ()) if k not in keys]
    return tuple(keys)


def own_rate(comp: Any, rates: Mapping[str, Any]) -> Any:
    """A part's own rate per row (USD per token): the first of :func:`own_price_keys` with a non-zero
    price, else 0 (no separate rate: the part is then priced at its base key, prompt or completion).
    ``rates``: settled rates by key (arrays or scalars; a key absent there is not listed)."""
    rate: Any = np.float64(0.0)
    for key in reversed(own_price_keys(comp)):
        if key in rates:
            value = rates[key]
            rate = np.where(np.isnan(value) | (value == 0), rate, value)
    return rate


def _unlisted_output_note(which: str) -> str:
    return f"produces {which} output at a price the catalog does not list: no cost"


def _unnamed_output_note(comp: Any, modality: str) -> str:
    return (
        f"prices {modality} output at its own {comp.key} rate (USD per token), and the workload asks for "
        f"{modality} output but names no {comp.argument}=: no cost"
    )


def _same_output_rate_note(comp: Any, modality: str) -> str:
    return (
        f"prices {modality} output at its own {comp.key} rate, equal to its completion rate: the cost "
        f"holds however many completion tokens are {modality} ({comp.argument}= not needed)"
    )


def _drop(
    columns: dict[str, np.ndarray], total: np.ndarray, notes: _Notes, dynamic: np.ndarray, rows: np.ndarray, note: str
) -> None:
    """Rows (a mask) that cannot be priced lose their numbers and get ``note`` (in place); dynamic
    rows and rows already without a total keep theirs."""
    rows = rows & ~dynamic & ~np.isnan(total)
    if rows.any():
        for cost in columns.values():
            cost[rows] = np.nan
        total[rows] = np.nan
        notes.add(rows, note)


def _not_free(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` (positions) is not free by the ``is_free`` rule
    (:func:`orcatalog.schema.frame_is_free`; unknown counts as free here: such rows have no total
    anyway)."""
    return ~frame_is_free(frame).to_numpy(dtype=bool, na_value=True)[rows]


def _cannot_serve(
    frame: pd.DataFrame,
    counts: Mapping[str, Any],
    columns: dict[str, np.ndarray],
    total: np.ndarray,
    notes: _Notes,
    dynamic: np.ndarray,
    wanted: tuple[str, ...] | None,
    zero_output: np.ndarray,
    *,
    per_token: bool = False,
) -> np.ndarray:
    """Can this model serve this workload, and can the catalog price it there? The one rule (used by
    :func:`estimate_cost`, :func:`per_token_totals` and so :func:`orcatalog.frontier` and its chart,
    the ``cost`` command, the report, :func:`orcatalog.price_at`). A row that cannot gets a note and
    no number (in place), never a zero; the first check that fails names the note. Checks 1 and 2
    (what the model produces and accepts) come first and hold for every row: a router with
    dynamic pricing or a model without prices that cannot produce the output asked for is left out
    for that reason, not listed as "dynamic pricing" or "no price". Returns the rows they left out
    (the caller adds no other note to them).

    ``wanted`` is the output modalities the workload asks for; ``None`` means the rows' own model
    served it already (usage that happened: :func:`orcatalog.price_at`, reprice), so checks 1 and 2
    are skipped. Unknown (null) modalities never exclude a row.

    1. It produces every modality in ``wanted`` ("does not produce text output").
    2. It accepts and produces what each part the workload counts needs (``inputs`` / ``outputs``
       of :data:`COMPONENTS`): ``audio_tokens`` need audio input, ``images`` image input,
       ``audio_output_tokens`` audio (or speech) output, ``image_output_tokens`` image output
       ("does not accept audio input", "does not produce audio output"). Without this a text-only
       model priced audio output tokens as text and input images at 0, and ranked first.
    3. An output modality the workload asks for (image; audio / speech) that the model prices at
       its own non-zero per-token rate must be counted (``image_output_tokens``, ...): its
       completion tokens would otherwise be priced as text.
    3b. A generated output (image, audio, video, ...) whose price the catalog does not list (the
       ``is_free`` rule, :func:`orcatalog.schema.unlisted_output_prices`): google/lyria-3-pro-preview
       lists prompt and completion "0" and produces audio at $0.08 per song. The row gets "produces
       audio output at a price the catalog does not list" and no cost when its total would be 0 or
       the workload asks for that output; a paid text model that also produces an unlisted output
       keeps its text cost on a text workload.
    4. Completion tokens priced at a rate of 0 on a model that is not free: an embedding or rerank
       model's completion price "0" means it sells no completion tokens, not that they are free.
    5. Per-unit parts, by what an absent (or "0") price means for each (the spec's
       ``PublicPricing`` requires only prompt and completion; the zero/absent rule makes "0" and
       absent one value, :func:`orcatalog.schema.settled_prices`):

       - ``web_searches``: a search is run by an OpenRouter server tool on any model (the spec's
         ``openrouter:web_search``, engines Exa, Firecrawl, Parallel, Perplexity, or the provider's
         native search), and the catalog lists a ``web_search`` price only on models with a native
         search fee (2026-08-17: 157 of 414, Anthropic, OpenAI, Google, Perplexity, xAI, Meta,
         Sakana; before 2026 every other model listed "0"). Absent therefore means "not in the
         catalog", not free: no cost, a note.
       - ``images``: an ``image`` price that is a per-token rate
         (:func:`orcatalog.schema.image_is_token_rate`) cannot price a count of images. Absent means
         no per-image fee on a model that accepts images (2026-08-17: 385 of 414 list none): the
         image is billed as prompt tokens, which the caller counts in ``prompt_tokens``.
       - ``requests``: ``request`` is the model's own fee per request and nothing else charges per
         request, so absent means no fee (cost 0). A listed fee is counted only when the workload
         names ``requests=``; otherwise the row keeps its total and the note says so.
    6. A total of 0 on a model that lists a non-zero price the workload does not name (an image
       model priced only per image token, a video model priced per request): 0 means free, nothing
       else.
    7. One request must fit the model (a workload asked about, not usage that happened): its
       prompt and completion tokens (the workload's, divided by ``requests``; one request when
       ``requests`` is not given, as overrides read it) within ``context_length``, and its
       completion tokens within ``max_completion_tokens``
       (:func:`orcatalog.analysis.catalog.fits_request`, the rule :func:`orcatalog.best_endpoints`
       drops endpoints by). An unknown limit excludes nothing. Checked last: a row that 3-6 left
       without a cost keeps that reason. Without this, 1M prompt + 200k completion tokens as one
       request ranked a model with an 8,192-token window 7th (trial R). Not for a per-token price
       comparison (``per_token``: :func:`per_token_totals`, the frontier), which is no request.
    """

    def drop(rows: np.ndarray, note: str) -> None:
        dropped[rows & ~dynamic & ~np.isnan(total)] = True
        _drop(columns, total, notes, dynamic, rows, note)

    def unserved(rows: np.ndarray, note: str) -> None:  # checks 1 and 2: every row, routers and unknown prices too
        rows = rows & ~cannot
        if rows.any():
            for cost in columns.values():
                cost[rows] = np.nan
            total[rows] = np.nan
            notes.replace(rows, note)  # before any note on pricing (a time window not evaluated)
            cannot[rows] = True

    def counted(argument: str) -> np.ndarray:  # the rows whose count of this part is not 0 (counts may be per row)
        return np.broadcast_to(np.asarray(counts.get(argument, 0.0), dtype=float) > 0, (len(frame),))

    cannot = np.zeros(len(frame), dtype=bool)
    dropped = np.zeros(len(frame), dtype=bool)  # rows a pricing check (3-6) left without a cost
    used = [c for c in COMPONENTS if _nonzero(counts.get(c.argument, 0.0))]
    if wanted is not None:
        if wanted:  # 1
            unserved(
                ~serves(frame, wanted),
                f"does not produce {' + '.join(wanted)} output (see output_modalities=): no cost",
            )
        for comp in used:  # 2
            if comp.inputs and "input_modalities" in frame.columns:
                ok = np.logical_or.reduce([accepts(frame, m) for m in comp.inputs])
                unserved(
                    counted(comp.argument) & ~ok,
                    f"does not accept {' or '.join(comp.inputs)} input ({comp.argument}=): no cost",
                )
            if comp.outputs and "output_modalities" in frame.columns:
                ok = np.logical_or.reduce([serves(frame, m) for m in comp.outputs])
                unserved(
                    counted(comp.argument) & ~ok,
                    f"does not produce {' or '.join(comp.outputs)} output ({comp.argument}=): no cost",
                )
    completion = _nonzero(counts.get("completion_tokens", 0.0))
    same_rate: list[tuple[np.ndarray, str]] = []
    for comp in COMPONENTS:  # 3
        asked = [m for m in comp.outputs if m in (wanted or ())]
        own_columns = [f"price_{k}" for k in own_price_keys(comp) if f"price_{k}" in frame.columns]
        if not asked or comp in used or not completion or not own_columns:
            continue
        settled = settled_price_arrays(frame, [*own_columns, "price_completion"])
        own = own_rate(comp, {c[len("price_") :]: v for c, v in settled.items()})
        drop((own > 0) & (own != settled["price_completion"]), _unnamed_output_note(comp, asked[0]))
        # priced, and said why no split is needed, once no later check drops the row (F19:
        # gpt-audio-mini was priced beside gpt-audio's refusal without a word)
        same_rate.append(((own > 0) & (own == settled["price_completion"]), _same_output_rate_note(comp, asked[0])))
    unlisted = frame_unlisted_outputs(frame)  # 3b: a generated output whose price the catalog does not list
    if (unlisted != "").any():
        for which in pd.unique(unlisted[unlisted != ""]):
            these = unlisted == which
            wants = any(m in (wanted or ()) for m in str(which).split(" + "))
            drop(these if wants else these & (total == 0), _unlisted_output_note(str(which)))
    rows = np.flatnonzero(zero_output & ~np.isnan(total))  # 4
    if len(rows):
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows[_not_free(frame, rows)]] = True
        drop(mask, _NO_OUTPUT_PRICE_NOTE)
    if "cost_web_search" in columns:  # 5: searches
        listed = (
            settled_price_arrays(frame, ["price_web_search"])["price_web_search"] > 0
            if "price_web_search" in frame.columns
            else np.zeros(len(frame), dtype=bool)
        )
        drop(counted("web_searches") & ~listed, _SEARCH_NOTE)
    if "cost_images" in columns and {"price_image", "price_prompt"} <= set(frame.columns):  # 5: images
        image, prompt = frame["price_image"], frame["price_prompt"]
        drop(
            counted("images")
            & image_is_token_rate(
                image.to_numpy(dtype=float, na_value=np.nan), prompt.to_numpy(dtype=float, na_value=np.nan)
            ),
            _IMAGE_TOKEN_NOTE,
        )
    if "requests" not in counts and "price_request" in frame.columns:  # 5: requests (a note, not a drop)
        fee = settled_price_arrays(frame, ["price_request"])["price_request"] > 0
        fee &= ~dynamic & ~np.isnan(total)
        if fee.any():
            notes.add(fee, _REQUEST_NOTE)
    for mask, which in _zero_but_listed(frame, total, dynamic):  # 6
        drop(mask, f"priced only for parts the workload does not name ({which}): no cost")
    if wanted is not None and not per_token:  # 7: after the others, whose reason comes first
        for rows, note in _too_big_for_one_request(frame, counts):
            unserved(rows & ~dropped, note)
    for rows, note in same_rate:
        rows = rows & ~dynamic & ~np.isnan(total)
        if rows.any():
            notes.add(rows, note)
    return cannot


def _too_big_for_one_request(frame: pd.DataFrame, counts: Mapping[str, Any]) -> list[tuple[np.ndarray, str]]:
    """Check 7 of :func:`_cannot_serve`: the rows one request of the workload does not fit
    (:func:`orcatalog.analysis.catalog.fits_request`), each group with its note."""
    n = len(frame)
    requests = np.asarray(counts.get("requests", 1.0), dtype=float)
    requests = np.where(requests > 0, requests, 1.0)
    completion = np.asarray(counts.get("completion_tokens", 0.0), dtype=float) / requests
    prompt = np.asarray(counts.get("prompt_tokens", 0.0), dtype=float) / requests
    none = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    window_ok, output_ok = fits_request(
        frame["context_length"] if "context_length" in frame.columns else none,
        frame["max_completion_tokens"] if "max_completion_tokens" in frame.columns else none,
        prompt,
        completion,
    )
    size = f"{request_tokens_text(float(prompt + completion))} " if np.ndim(prompt + completion) == 0 else ""
    out = f"{request_tokens_text(float(completion))} " if np.ndim(completion) == 0 else ""
    spread = "requests= spreads the tokens over several" if "requests" not in counts else "more requests= spread them"
    return [
        (
            np.broadcast_to(~window_ok, (n,)),
            f"its context window cannot hold one request of {size}tokens (prompt + completion; {spread}): no cost",
        ),
        (
            np.broadcast_to(~output_ok, (n,)),
            f"its max_completion_tokens is below one request's {out}completion tokens ({spread}): no cost",
        ),
    ]


def _zero_but_listed(frame: pd.DataFrame, total: np.ndarray, dynamic: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """Rows with a total of 0 that list a non-zero price, grouped by the keys they list: (mask, "key, key")."""
    zero = np.flatnonzero((total == 0) & ~dynamic)
    if not len(zero):
        return []
    # free (every listed price 0) or not: the is_free column holds the rule's answer; frames
    # without it (price_at's matched rows) apply the rule to the raw prices of those rows
    listed = ~frame_is_free(frame).to_numpy(dtype=bool, na_value=False)[zero]
    if not listed.any():
        return []
    prices = _raw_prices(frame, zero)
    names = np.array([str(c)[len("price_") :] for c in prices], dtype=object)
    positive = np.column_stack([v > 0 for v in prices.values()])[listed]
    groups, keys = pd.factorize(np.array([", ".join(names[row]) for row in positive], dtype=object))
    out = []
    for code, which in enumerate(keys):
        mask = np.zeros(len(frame), dtype=bool)
        mask[zero[listed][groups == code]] = True
        out.append((mask, str(which)))
    return out


def _raw_prices(frame: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The price columns (:func:`orcatalog.schema.price_columns`) of some rows, as float64 values."""
    return {c: _floats(frame[c])[rows] for c in price_columns(frame)}


def _floats(column: pd.Series) -> np.ndarray:
    """A numeric column as float64 values (no copy when it already is; null as NaN)."""
    return column.to_numpy() if column.dtype == np.float64 else column.to_numpy(dtype=float, na_value=np.nan)


def _wanted_outputs(counts: Mapping[str, Any], output_modalities: Any, frame: pd.DataFrame) -> tuple[str, ...]:
    """The output modalities a workload asks for (the one default rule): the ones given, else
    ``text`` for every workload, prompt-only included (pricing 1M prompt tokens alone ranked a free
    speech model first and priced embedding, rerank and speech models by their prompt price), except
    one whose completion tokens are all audio or image output tokens: those parts ask for their own
    output (check 2 of :func:`_cannot_serve`), so it asks for none. A workload for other outputs
    names them (``output_modalities="embeddings"``). A ``frame`` without an ``output_modalities``
    column (a hand-built price table) says nothing of its outputs, as a null list does: no default
    condition (one given is still checked, and needs the column)."""
    if output_modalities is not None:
        return output_modalities_arg(output_modalities)
    if "output_modalities" not in frame.columns:
        return ()
    completion = counts.get("completion_tokens", 0.0)
    own_outputs = sum(counts.get(c.argument, 0.0) for c in COMPONENTS if c.part_of == "completion" and c.outputs)
    return () if completion > 0 and completion - own_outputs <= 0 else ("text",)
