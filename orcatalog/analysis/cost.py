"""What a workload costs: :func:`estimate_cost` (per model, or per model and snapshot), by the cost
rules every priced row follows (:data:`orcatalog.workload.COMPONENTS`, the one table of priced
dimensions and their argument names; overrides; the zero/absent rule). Usage rows priced at the prices in effect when
they happened are :mod:`.price_at`, which prices each row by these same rules.

Pure functions on contract frames (``fetch_models``, ``SnapshotStore.load`` / ``history``): no
HTTP, no files. Prices come from the ``price_<key>`` columns (USD per token, per request, per input
image, per search: :data:`orcatalog.schema.PRICE_UNITS`) read through
:func:`orcatalog.schema.settled_prices` (the zero/absent rule), and from ``pricing_overrides`` as the
spec's ``PricingOverride`` defines it. Costs are in USD. Which models a workload is priced on (output
modalities, free and paid) is the rule of :mod:`orcatalog.analysis.catalog`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema import (
    bool_array,
    frame_is_free,
    frame_unlisted_outputs,
    image_is_token_rate,
    price_columns,
    settled_price_arrays,
)
from ..times import parse_time
from ..workload import COMPONENTS, TOKEN_ARGUMENTS
from .args import frame_arg
from .catalog import accepts, output_modalities_arg, serves

__all__ = ["estimate_cost", "check_workload", "per_token_totals", "COMPONENTS", "TOKEN_ARGUMENTS"]


#: The token counts (prompt and completion and their parts), and the item counts that are always
#: counted (``requests`` is counted only when given).
_TOKEN_COUNTS = tuple(c.argument for c in COMPONENTS if c.argument.endswith("_tokens"))
_ITEM_COUNTS = tuple(c.argument for c in COMPONENTS if not c.argument.endswith("_tokens") and c.argument != "requests")

#: The API's ChatUsage names (nested, or flattened with dots) -> our argument names (from COMPONENTS).
_USAGE_NAMES = {c.usage: c.argument for c in COMPONENTS if c.usage}

_DYNAMIC_NOTE = "dynamic pricing: the price is decided per request (router or alias), so no cost"
_UNKNOWN_NOTE = "no prompt/completion price in the catalog"
_WINDOW_NOTE = "time-of-day price not evaluated: pass at="
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
    "embedding, rerank, speech or image model, say), so the workload's completion tokens cannot be priced: no cost"
)


def _unlisted_output_note(which: str) -> str:
    return f"produces {which} output at a price the catalog does not list: no cost"


def _unnamed_output_note(comp: Any, modality: str) -> str:
    return (
        f"prices {modality} output at its own {comp.key} rate (USD per token), and the workload asks for "
        f"{modality} output but names no {comp.argument}=: no cost"
    )


#: The most a workload may count of one thing (tokens, requests, searches, images): ten trillion,
#: above a year of any single user's traffic. More is a slip (an exponent too many), not a workload.
MAX_COUNT = 10**13
#: What a count must be, in words (every refusal of a count says it).
COUNT_RULE = f"a whole number from 0 to {MAX_COUNT:,} (10^13)"


def bad_counts(values: Any) -> np.ndarray:
    """The one rule of a workload's counts (tokens, requests, searches, images), elementwise: True
    where a value is not a whole number from 0 to :data:`MAX_COUNT` (NaN, infinite, negative,
    fractional or too large). Used by :func:`estimate_cost` / :func:`check_workload` (scalars),
    :func:`orcatalog.analysis.price_at` (usage columns) and the command line's count options."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(~np.isfinite(v) | (v < 0) | (v > MAX_COUNT) | (v != np.floor(v)))


def _count(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or bad_counts(value):
        raise InvalidParameterError(f"{name}={value!r} is invalid: give {COUNT_RULE} of tokens or items")
    return float(value)


def _flatten_usage(usage: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in usage.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten_usage(value, name + "."))
        else:
            out[name] = value
    return out


def _usage_counts(usage: Mapping[str, Any]) -> dict[str, float]:
    """A ChatUsage mapping (nested or dotted names, or our argument names) -> our arguments."""
    flat = _flatten_usage(usage)
    out: dict[str, float] = {}
    for name, value in flat.items():
        target = _USAGE_NAMES.get(name, name if name in TOKEN_ARGUMENTS else None)
        if target is not None and value is not None:
            out[target] = _count(name, value)
    if "prompt_tokens" not in out and "completion_tokens" not in out:
        raise InvalidParameterError(
            "the usage mapping has neither prompt_tokens nor completion_tokens (the API's usage object names)"
        )
    return out


def _check_parts(counts: Mapping[str, Any], rows: pd.Index | None = None) -> None:
    """Parts of prompt/completion tokens may not exceed them (row-wise for arrays; ``rows`` names
    the usage rows in the message)."""
    for side in ("prompt", "completion"):
        whole = np.asarray(counts.get(f"{side}_tokens", 0.0), dtype=float)
        parts = [c.argument for c in COMPONENTS if c.part_of == side and np.any(counts.get(c.argument, 0.0))]
        over = sum(np.asarray(counts[p], dtype=float) for p in parts) > whole if parts else np.False_
        if np.any(over):
            what = f"{parts[0]} is a part" if len(parts) == 1 else f"{' + '.join(parts)} are parts"
            where = f" (usage row {rows[int(np.flatnonzero(over)[0])]!r})" if rows is not None and np.ndim(over) else ""
            raise InvalidParameterError(
                f"{what} of {side}_tokens (as in the API's usage object) and cannot exceed it{where}"
            )


def _rate(value: Any) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return np.nan
    return rate if rate >= 0 else np.nan  # "-1": dynamic


def _in_window(clock: np.ndarray, start: Any, end: Any) -> np.ndarray:
    """The spec's daily UTC window [utc_start, utc_end) in HHMM, wrapping past midnight when start > end."""
    lo = float(start) if start is not None else 0.0
    hi = float(end) if end is not None else 2400.0
    if lo <= hi:
        return (clock >= lo) & (clock < hi)
    return (clock >= lo) | (clock < hi)


def _apply_overrides(
    frame: pd.DataFrame,
    rates: dict[str, np.ndarray],
    per_request_prompt: np.ndarray,
    clock: np.ndarray | None,
    notes: _Notes,
) -> None:
    """Replace base rates where a pricing override applies (in place). Later entries win per key;
    keys an entry does not name keep the base price."""
    if "pricing_overrides" not in frame.columns:
        return
    cells = frame["pricing_overrides"]
    if not _any_present(cells):
        return
    codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=True)
    for code, text in enumerate(uniques):
        rows = np.flatnonzero(codes == code)
        try:
            entries = json.loads(text)
        except (TypeError, ValueError):
            entries = None
        if not isinstance(entries, list):
            notes.add(rows, "pricing_overrides unreadable; base prices used")
            continue
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            applies = np.ones(len(rows), dtype=bool)
            if entry.get("min_prompt_tokens") is not None:
                applies &= per_request_prompt[rows] > float(entry["min_prompt_tokens"])
            if entry.get("utc_start") is not None or entry.get("utc_end") is not None:
                if clock is None:
                    notes.add(rows, _WINDOW_NOTE)
                    continue
                applies &= _in_window(clock[rows], entry.get("utc_start"), entry.get("utc_end"))
            hit = rows[applies]
            if not len(hit):
                continue
            for key, value in entry.items():
                if key in ("min_prompt_tokens", "utc_start", "utc_end"):
                    continue
                if np.ndim(rates.get(key, 0.0)) == 0:
                    rates[key] = np.full(len(frame), rates.get(key, 0.0), dtype=float)
                rates[key][hit] = _rate(value)


def _any_present(column: pd.Series) -> bool:
    """Whether a column holds any non-null cell (a categorical's codes are checked, not its values)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return bool((column.array.codes >= 0).any())
    return bool(column.notna().any())


class _Notes:
    """Per-row notes kept as codes into a short list of texts (most rows have none)."""

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, dtype=np.int32)
        self.texts: list[str] = []

    def add(self, rows: np.ndarray, text: str) -> None:
        """Add ``text`` to the note of ``rows`` (an index array or a boolean mask)."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        for code in np.unique(self.codes[rows]):
            combined = (
                text if code < 0 else self.texts[code] if text in self.texts[code] else f"{self.texts[code]}; {text}"
            )
            if combined not in self.texts:
                self.texts.append(combined)
            target = rows[self.codes[rows] == code]
            self.codes[target] = self.texts.index(combined)

    def replace(self, rows: np.ndarray, text: str) -> None:
        """Make ``text`` the whole note of ``rows`` (a boolean mask): a reason that comes first."""
        self.codes[rows] = -1
        self.add(rows, text)

    def categorical(self, order: np.ndarray | None = None) -> pd.Categorical:
        codes = self.codes if order is None else self.codes[order]
        return pd.Categorical.from_codes(codes, categories=pd.Index(self.texts, dtype=object), validate=False)


def _rates(frame: pd.DataFrame, keys: set[str]) -> dict[str, Any]:
    """Base rates (USD per unit) of these price keys, the zero/absent rule applied; every key of
    ``COMPONENTS`` gets an array, or a scalar when the frame has no such column (absent optional
    keys cost 0, absent prompt/completion are NaN)."""
    present = [f"price_{k}" for k in sorted(keys | {"discount"}) if f"price_{k}" in frame.columns]
    settled = settled_price_arrays(frame, present)
    rates: dict[str, Any] = {c.key: np.float64(0.0) for c in COMPONENTS}  # scalars broadcast: no arrays of zeros
    rates["prompt"] = rates["completion"] = np.float64(np.nan)
    for col, values in settled.items():
        rates[col[len("price_") :]] = values
    return rates


def _costs(
    frame: pd.DataFrame,
    counts: Mapping[str, Any],
    clock: np.ndarray | None,
    wanted: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """``cost_<component>`` arrays (for the components the workload uses), ``total_usd`` and notes
    for every row of ``frame``; counts are scalars or per-row arrays (tokens are totals, spread
    evenly over ``requests``; the request fee counts only when ``requests`` is in ``counts``).
    ``wanted``: the output modalities the workload asks for, or None when the rows' own model served
    it (usage that happened); which rows can be priced is :func:`_cannot_serve`."""
    n = len(frame)
    used = {c for c in COMPONENTS if c.name in ("prompt", "completion") or _nonzero(counts.get(c.argument, 0.0))}
    rates = _rates(frame, {c.key for c in used} | {c.part_of for c in used if c.part_of})
    notes = _Notes(n)
    requests = np.asarray(counts.get("requests", 1.0), dtype=float)
    prompt_tokens = np.asarray(counts.get("prompt_tokens", 0.0), dtype=float)
    per_request_prompt = np.broadcast_to(prompt_tokens / np.where(requests > 0, requests, 1.0), (n,))
    _apply_overrides(frame, rates, per_request_prompt, clock, notes)
    amounts = {c.name: np.asarray(counts.get(c.argument, 0.0), dtype=float) for c in COMPONENTS}
    for comp in COMPONENTS:  # the base prompt/completion cost only the tokens no part claims
        if comp.part_of is not None and comp.argument in counts:
            amounts[comp.part_of] = amounts[comp.part_of] - amounts[comp.name]
    columns: dict[str, np.ndarray] = {}
    zero_output = np.zeros(n, dtype=bool)  # completion-side tokens priced at a rate of 0
    for comp in COMPONENTS:
        amount = amounts[comp.name]
        if comp.part_of is None and comp.name not in ("prompt", "completion") and not _nonzero(amount):
            continue  # a dimension the workload does not use: no column of zeros
        if comp.part_of is None:
            rate = rates[comp.key]
        else:
            if not _nonzero(amount):
                continue
            own = rates[comp.key]
            rate = np.where(np.isnan(own) | (own == 0), rates[comp.part_of], own)  # no separate rate: the base one
        if comp.name in ("prompt", "completion") and not _nonzero(amount):
            cost = np.where(np.isnan(rate), np.nan, 0.0)  # unknown base price: unknown cost, even for 0 tokens
        else:
            cost = np.multiply(amount, rate)
        if "completion" in (comp.name, comp.part_of):
            zero_output |= (amount > 0) & (rate == 0)
        # a fresh array of n rows (owned and writable: edited in place below), never a view of a rate
        columns[f"cost_{comp.name}"] = cost if np.shape(cost) == (n,) else np.array(np.broadcast_to(cost, (n,)))
    costs = iter(columns.values())
    total = next(costs).copy()  # prompt and completion are always there
    for cost in costs:
        total += cost
    if "discount" in rates:
        total *= 1.0 - np.nan_to_num(rates["discount"])
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(n, dtype=bool)
    cannot = _cannot_serve(frame, counts, columns, total, notes, dynamic, wanted, zero_output)
    dynamic = dynamic & ~cannot
    if dynamic.any():
        for cost in columns.values():
            cost[dynamic] = np.nan
        total[dynamic] = np.nan
        notes.add(dynamic, _DYNAMIC_NOTE)
    unknown = np.isnan(total) & (notes.codes < 0)
    if unknown.any():
        unknown &= ~dynamic
        notes.add(unknown, _UNKNOWN_NOTE)
    columns["total_usd"] = total
    for values in columns.values():
        _tidy(values)
    return {"columns": columns, "notes": notes}


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
    """

    def drop(rows: np.ndarray, note: str) -> None:
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
    for comp in COMPONENTS:  # 3
        asked = [m for m in comp.outputs if m in (wanted or ())]
        if not asked or comp in used or not completion or f"price_{comp.key}" not in frame.columns:
            continue
        settled = settled_price_arrays(frame, [f"price_{comp.key}", "price_completion"])
        own = settled[f"price_{comp.key}"]
        drop((own > 0) & (own != settled["price_completion"]), _unnamed_output_note(comp, asked[0]))
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
    return cannot


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


def _nonzero(amount: Any) -> bool:
    """Whether a count (a number, or an array of per-row counts) is non-zero anywhere."""
    return bool(amount) if isinstance(amount, (int, float)) else bool(np.asarray(amount).any())


def _tidy(values: np.ndarray) -> None:
    """Round (in place) to 1e-12 USD: tokens x per-token floats leave binary noise (3.5999999999999996 for
    $3.60) that no price or count justifies; the smallest real cost (one token at $0.01 per
    million) is 1e-8 USD, so nothing of value is lost."""
    np.multiply(values, 1e12, out=values)  # what np.round(values, 12) does, without its temporaries
    np.rint(values, out=values)
    np.divide(values, 1e12, out=values)


def _check_models(models: Any) -> pd.DataFrame:
    return frame_arg("models", models, "id", "price_prompt", "price_completion")


def estimate_cost(
    models: pd.DataFrame,
    prompt_tokens: int | float | Mapping[str, Any] = 0,
    completion_tokens: int | float = 0,
    *,
    cached_tokens: int | float = 0,
    cache_write_tokens: int | float = 0,
    reasoning_tokens: int | float = 0,
    requests: int | None = None,
    web_searches: int | float = 0,
    images: int | float = 0,
    audio_tokens: int | float = 0,
    audio_output_tokens: int | float = 0,
    image_output_tokens: int | float = 0,
    at: Any = None,
    output_modalities: Any = None,
) -> pd.DataFrame:
    """What one workload costs on each model, in USD, component by component.

    Token arguments mean what the API's usage object (``ChatUsage``) means: ``cached_tokens``,
    ``cache_write_tokens`` and ``audio_tokens`` (audio input) are *parts of* ``prompt_tokens``;
    ``reasoning_tokens``, ``audio_output_tokens`` and ``image_output_tokens`` are parts of
    ``completion_tokens``. Each part is priced at its own key (``input_cache_read``,
    ``input_cache_write``, ``audio``, ``internal_reasoning``, ``audio_output``, ``image_output``: all
    USD per token, see :data:`orcatalog.schema.PRICE_UNITS`) when that key has a non-zero price, else
    at the base prompt or completion price (zero and absent both mean "no separate rate"); the rest of
    the prompt and completion tokens at ``prompt`` / ``completion``. ``requests``, ``web_searches``
    and ``images`` (input images) are counted at ``request`` (USD per request), ``web_search`` (per
    search) and ``image`` (per input image), and only when the workload names them: without
    ``requests=`` no request fee is counted, and a model that lists one says so in ``note``. An
    absent optional price costs zero (the zero/absent rule, :func:`orcatalog.schema.settled_prices`),
    an absent prompt or completion price is unknown. A ``discount`` multiplies the total by
    ``1 - discount``.

    **Which models are priced** (the one rule, ``_cannot_serve`` in this module, listed in its
    docstring; the ``cost`` command, the report and :func:`orcatalog.frontier` use it too): a model
    must produce every modality in ``output_modalities`` (default: ``text`` when some completion
    tokens are not audio or image output tokens), accept what the counted parts send
    (``audio_tokens``: audio input, ``images``: image input) and produce what they ask for
    (``audio_output_tokens``: audio or speech, ``image_output_tokens``: image), and the catalog must
    price the workload there. A row that cannot be priced for the workload has no total (NaN), no
    rank (NA) and a ``note`` saying why, never a zero: "does not accept audio input", "does not
    produce audio output"; an output asked for but not counted on a model that prices it at its own
    rate; completion tokens priced 0 on a model that is not free (embedding, rerank); web searches
    on a model that lists no ``web_search`` price (the search engine's fee is not in the catalog);
    an ``image`` price that is a per-token rate when ``images`` are counted; a total of 0 on a model
    that lists prices only for parts the workload does not name. An absent ``request`` price is no
    fee, an absent ``image`` price no per-image fee (the image is billed as prompt tokens). A total
    of 0 therefore means a free model (every price it lists is zero).

    Counts are totals for the workload, spread evenly over ``requests`` requests. Overrides
    (``pricing_overrides``, the spec's ``PricingOverride``) apply per request: an entry applies when
    all its conditions hold — the request's whole prompt (``prompt_tokens / requests``, parts
    included) is strictly greater than ``min_prompt_tokens``, and ``at`` falls in the daily UTC window
    ``[utc_start, utc_end)`` (HHMM, wrapping past midnight when start > end); later entries win per
    key; keys an entry leaves out keep the base price. With ``at=None`` a time-window entry does not
    apply and the ``note`` says so.

    Worked example: a model at prompt $3/M, completion $15/M, ``input_cache_read`` $0.30/M and an
    override ``{"min_prompt_tokens": 200000, "prompt": "0.000006"}``; ``prompt_tokens=100_000,
    cached_tokens=40_000, completion_tokens=2_000`` costs 60,000 x $3/M = $0.18 (prompt) +
    40,000 x $0.30/M = $0.012 (cached) + 2,000 x $15/M = $0.03 (completion) = $0.222; the override
    does not apply (100,000 is not above 200,000).

    Token counts differ between tokenizers: the same text is a different number of tokens on
    different models (see the ``tokenizer`` column). This function prices the counts you give for
    every model alike and does not pretend otherwise; compare models with counts from each one's own
    tokenizer when it matters.

    Args:
        models: a contract frame (one row per model), or a history frame (one row per model and
            snapshot: cost over time).
        prompt_tokens: prompt tokens in total, or a usage mapping with the API's names
            (``{"prompt_tokens": .., "completion_tokens": .., "prompt_tokens_details":
            {"cached_tokens": ..}, ...}``; dotted names like ``prompt_tokens_details.cached_tokens``
            too); then give no other token argument.
        completion_tokens: completion (output) tokens in total.
        cached_tokens, cache_write_tokens, audio_tokens: parts of prompt_tokens (tokens).
        reasoning_tokens, audio_output_tokens, image_output_tokens: parts of completion_tokens
            (tokens; image_output_tokens is the API's ``completion_tokens_details.image_tokens``).
        requests: how many requests the workload is (>= 1), or None: tokens are then one request's
            and no request fee is counted.
        web_searches, images: counts (searches, input images).
        at: when the requests are made, for time-window overrides: any time
            :func:`orcatalog.times.parse_time` reads (UTC unless it says otherwise).
        output_modalities: what the models must produce: a name, comma-separated names or a list
            from the API's output modality enum (``text``, ``image``, ``embeddings``, ``audio``,
            ``video``, ``rerank``, ``speech``, ``transcription``), or ``"all"`` (alias ``"any"``) for no
            condition; an empty value is refused (:func:`orcatalog.fetch.params.modalities`, the one
            vocabulary); default above.

    Returns:
        One row per model (per model and snapshot for a history frame): ``id`` (plus ``fetched_at``
        and ``snapshot_id`` for history), ``cost_<component>`` (USD) for prompt, cached, cache_write,
        audio_input, completion, reasoning, audio_output, image_output, requests, web_search, images,
        ``total_usd``, ``x_cheapest`` (total / the cheapest non-zero total of the same
        snapshot; 0 for free models), ``rank`` (nullable Int64: 1 = cheapest; equal totals share a rank; NA without a total) and ``note`` (why a total
        is missing).
        A catalog comes back sorted cheapest first; a history keeps its own order (time, then id)
        with ``rank`` within each snapshot. No number is ever
        negative, and a missing total always has a note. ``attrs["workload"]`` holds the non-zero
        counts priced (argument names, e.g. ``{"prompt_tokens": 1000000, "requests": 1}``).

    Raises:
        InvalidParameterError: not a contract frame; a count that is negative, not a number, or
            parts exceeding their whole; requests < 1; an unreadable ``at``; an unknown output modality.
    """
    given = locals()  # the arguments, read by the names of COMPONENTS (the one list of them)
    models = _check_models(models)
    counts = check_workload(**{name: given[name] for name in TOKEN_ARGUMENTS}, at=at)
    wanted = _wanted_outputs(counts, output_modalities)
    clock = _clock(at, len(models))
    # columns read off a view without attrs: pandas deep-copies a frame's attrs (a history's
    # snapshot times) into every column it hands out, which would cost more than the arithmetic
    view = pd.DataFrame(models, copy=False)
    out = _result(view, _costs(view, counts, clock, wanted))
    out.attrs = {k: v for k, v in models.attrs.items() if isinstance(v, (str, int, float, bool)) or v is None}
    out.attrs["workload"] = {k: int(v) if float(v).is_integer() else v for k, v in counts.items() if v}
    out.attrs["output_modalities"] = list(wanted)
    return out


#: Output modalities whose models sell no completion tokens: a per-token workload for them is its
#: prompt tokens alone (an embedding or rerank model's completion price "0" is not a free output).
_PROMPT_ONLY_OUTPUTS = ("embeddings", "rerank")
#: Output modalities whose models are priced on an input part: a transcription model's rate is per
#: audio input token (whisper: prompt 0, audio $2.50/M), so its per-token workload is audio tokens.
_INPUT_PART_OUTPUTS = {
    "transcription": next(c.argument for c in COMPONENTS if c.part_of == "prompt" and "audio" in c.inputs)
}
#: Output modalities no per-token workload can price: video models list a fee per request (or per
#: second), not per token, so there is nothing per token to rank them on.
_NOT_PER_TOKEN_OUTPUTS = ("video",)


def _per_token_workload(wanted: tuple[str, ...]) -> dict[str, float]:
    """The per-token workload of :func:`per_token_totals` for these output modalities (token counts
    by argument name): one million prompt tokens, plus one million completion tokens unless every
    modality asked for sells none; the completion tokens of an output priced per token of its own
    (image, audio, speech: the ``outputs`` of :data:`COMPONENTS`) are counted as that part, shared
    evenly among the modalities asked for (text takes the rest); a transcription workload's prompt
    tokens are audio input tokens.

    Raises:
        InvalidParameterError: an output no per-token workload can price (video).
    """
    refused = [m for m in wanted if m in _NOT_PER_TOKEN_OUTPUTS]
    if refused:
        raise InvalidParameterError(
            f"output_modalities={','.join(wanted)!r}: {refused[0]} models are priced per request (or per "
            "second), not per token, so no per-token workload ranks them; price them with "
            f"estimate_cost(..., requests=N, output_modalities={refused[0]!r})"
        )
    counts = {"prompt_tokens": 1e6}
    for modality, part in _INPUT_PART_OUTPUTS.items():
        if modality in wanted:
            counts[part] = 1e6
    sold = [m for m in wanted if m not in _PROMPT_ONLY_OUTPUTS and m not in _INPUT_PART_OUTPUTS]
    if sold:
        counts["completion_tokens"] = 1e6
        parts = {m: c.argument for c in COMPONENTS if c.part_of == "completion" for m in c.outputs if m in sold}
        for part in dict.fromkeys(parts.values()):
            counts[part] = 1e6 / len(sold)
    return counts


def per_token_totals(models: pd.DataFrame, *, output_modalities: Any = "text") -> np.ndarray:
    """What a per-token workload for ``output_modalities`` costs on each row, in USD, in the frame's
    own order: NaN where the workload cannot be priced, by the one rule of :func:`estimate_cost`
    (``_cannot_serve``). :func:`orcatalog.frontier` (and so the price-vs-context chart) picks its
    candidates with it: a total above 0 is a paid model that serves the workload, 0 a free one.

    The workload is what models of that output are priced on (``_per_token_workload``):

    - ``text`` (the default): one million prompt and one million completion tokens;
    - ``image``, ``audio``, ``speech``: one million prompt tokens and one million completion tokens
      counted as that output's own part (``image_output_tokens``, ``audio_output_tokens``), so a
      model that prices image or speech output per token of its own is priced on that rate;
    - ``embeddings``, ``rerank``: one million prompt tokens alone (such models sell no completion
      tokens; counting them made every paid embedding model "cannot be priced");
    - ``transcription``: one million prompt tokens, all audio input (``audio_tokens``);
    - ``"all"``: one million prompt tokens, no output condition;
    - ``video``: refused (priced per request, not per token).

    Several modalities (AND) share the completion tokens evenly among their own parts.

    Args:
        models: a contract frame with ``price_prompt`` and ``price_completion``.
        output_modalities: as :func:`estimate_cost` (default text).

    Returns:
        A float64 array, one value per row.

    Raises:
        InvalidParameterError: not a contract frame; an unknown output modality; ``video`` (no
            per-token price to rank on).
    """
    models = _check_models(models)
    wanted = output_modalities_arg(output_modalities)
    counts = _per_token_workload(wanted)
    view = pd.DataFrame(models, copy=False)
    return np.asarray(_costs(view, counts, None, wanted)["columns"]["total_usd"], dtype=float)


def check_workload(
    prompt_tokens: int | float | Mapping[str, Any] = 0,
    completion_tokens: int | float = 0,
    *,
    cached_tokens: int | float = 0,
    cache_write_tokens: int | float = 0,
    reasoning_tokens: int | float = 0,
    requests: int | None = None,
    web_searches: int | float = 0,
    images: int | float = 0,
    audio_tokens: int | float = 0,
    audio_output_tokens: int | float = 0,
    image_output_tokens: int | float = 0,
    at: Any = None,
    output_modalities: Any = None,
) -> dict[str, float]:
    """The counts of one workload, checked as :func:`estimate_cost` checks them, without a catalog
    (the command line checks its options with it before fetching anything).

    Returns:
        ``{argument name: count}`` (floats; ``requests`` only when given).

    Raises:
        InvalidParameterError: as :func:`estimate_cost`.
    """
    given = locals()  # the arguments, read by the names of COMPONENTS (the one list of them)
    tokens = {name: given[name] for name in _TOKEN_COUNTS}
    if isinstance(prompt_tokens, Mapping):
        if any(v for name, v in tokens.items() if name != "prompt_tokens"):
            raise InvalidParameterError("give either a usage mapping or token arguments, not both")
        counts = _usage_counts(prompt_tokens)
    else:
        counts = {k: _count(k, v) for k, v in tokens.items()}
    for name in _ITEM_COUNTS:
        counts[name] = _count(name, given[name])
    if requests is not None:
        if (
            isinstance(requests, bool)
            or not isinstance(requests, (int, np.integer))
            or requests < 1
            or bad_counts(requests)
        ):
            raise InvalidParameterError(
                f"requests={requests!r} is invalid: give an int from 1 to {MAX_COUNT:,} (or None)"
            )
        counts["requests"] = float(requests)
    _check_parts(counts)
    _clock(at, 0)
    if output_modalities is not None:
        output_modalities_arg(output_modalities)
    return counts


def _wanted_outputs(counts: Mapping[str, Any], output_modalities: Any) -> tuple[str, ...]:
    """The output modalities a workload asks for: the ones given, else ``text`` when some completion
    tokens are not audio or image output tokens (those parts ask for their own output, check 2 of
    :func:`_cannot_serve`), else none."""
    if output_modalities is not None:
        return output_modalities_arg(output_modalities)
    text = counts.get("completion_tokens", 0.0) - sum(
        counts.get(c.argument, 0.0) for c in COMPONENTS if c.part_of == "completion" and c.outputs
    )
    return ("text",) if text > 0 else ()


def _clock(at: Any, n: int) -> np.ndarray | None:
    if at is None:
        return None
    when = parse_time(at, "at")  # the one time rule (orcatalog.times)
    return np.full(n, when.hour * 100 + when.minute + when.second / 60.0)


def _ranks(total: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its rank within its group (1 = cheapest; equal totals share a rank; 0 when the
    total is missing, made NA by :func:`_result`) and its group's cheapest non-zero total.

    Costs repeat a lot (one value per model version, not per snapshot), so the distinct totals
    are hashed once and counted per group; no 70k-row sort is needed. Very long histories with
    many distinct totals fall back to pandas' grouped rank.
    """
    codes, uniques = pd.factorize(total, use_na_sentinel=True)
    n_values = len(uniques)
    order = np.argsort(uniques, kind="stable")
    n_groups = int(group.max()) + 1 if len(group) else 0
    ok = codes >= 0
    all_ok = bool(ok.all())
    if n_groups * n_values <= 4_000_000:
        # one cell per (group, distinct total): its count, then the rows of the group below it
        unique_rank = np.empty(n_values, dtype=np.int64)
        unique_rank[order] = np.arange(n_values)
        cell = group * n_values if all_ok else group[ok] * n_values
        cell += unique_rank[codes] if all_ok else unique_rank[codes[ok]]
        counts = np.bincount(cell, minlength=n_groups * n_values)
        below = np.cumsum(counts.reshape(n_groups, n_values), axis=1).ravel()
        below -= counts
        if all_ok:
            rank = below[cell]
            rank += 1
        else:
            rank = np.zeros(len(total), dtype=np.int64)
            rank[ok] = below[cell] + 1
        values = uniques[order]
        first_paid = int(np.searchsorted(values, 0.0, side="right"))  # values are sorted: the paid ones follow
        paid = counts.reshape(n_groups, n_values)[:, first_paid:] > 0
        if paid.size:
            cheapest = np.where(paid.any(axis=1), values[first_paid:][paid.argmax(axis=1)], np.nan)
        else:  # no row has a paid total (only routers or free models, or no rows): nothing is cheapest
            cheapest = np.full(n_groups, np.nan)
    else:
        ranked = pd.Series(total).groupby(group).rank(method="min").to_numpy()
        rank = np.zeros(len(total), dtype=np.int64)
        rank[ok] = ranked[ok].astype(np.int64)
        cheapest = np.full(n_groups, np.nan)
        np.fmin.at(cheapest, group, np.where(total > 0, total, np.nan))
    return rank, cheapest[group] if len(group) else np.zeros(0)


def _result(models: pd.DataFrame, result: dict[str, Any]) -> pd.DataFrame:
    """The cost frame: a catalog sorted cheapest first; a history kept in its own (time) order.
    Either way ``rank`` and ``x_cheapest`` are within each snapshot."""
    is_history = "fetched_at" in models.columns  # load()/fetch_models() frames keep the time in attrs
    keys = [k for k in ["id", *(["fetched_at", "snapshot_id"] if is_history else [])] if k in models.columns]
    columns = result["columns"]
    total = columns["total_usd"]
    group = _groups(models) if is_history else np.zeros(len(models), dtype=np.int64)
    rank, cheapest = _ranks(total, group)
    rank = pd.arrays.IntegerArray(rank, np.isnan(total))  # no total, no rank: NA, never 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(total == 0, 0.0, total / cheapest)
    if is_history:  # the history's rows and order stay
        data: dict[str, Any] = {k: models[k].array for k in keys}
        data.update(columns)
        data.update(x_cheapest=x, rank=rank, note=result["notes"].categorical())
    else:
        order = np.argsort(np.where(np.isnan(total), np.inf, total), kind="stable")
        data = {k: models[k].array.take(order) for k in keys}
        data.update({name: values[order] for name, values in columns.items()})
        data.update(x_cheapest=x[order], rank=rank[order], note=result["notes"].categorical(order))
    return pd.DataFrame(data, copy=False)


def _groups(frame: pd.DataFrame) -> np.ndarray:
    """Integer snapshot codes (one per row) of a history frame."""
    column = frame["snapshot_id"] if "snapshot_id" in frame.columns else frame["fetched_at"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.array.codes, dtype=np.int64)
    return pd.factorize(column, sort=False)[0].astype(np.int64)
