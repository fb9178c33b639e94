"""Usage rows priced at the prices in effect when they happened, not today's: :func:`price_at`.

Each row is joined to the latest observation of its model at or before its time in a snapshot
history, and priced by the cost rules of :mod:`.cost` (the components table, overrides at the row's
time). A pure function on frames: no HTTP, no files. Costs are in USD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema import bool_array, is_price_column
from ..suggest import closest, did_you_mean
from ..times import STALE_AFTER, parse_time_column
from .args import frame_arg, one_scope
from .cost import COUNT_RULE, TOKEN_ARGUMENTS, _any_present, _check_parts, _costs, bad_counts

__all__ = ["price_at"]


def price_at(
    usage: pd.DataFrame,
    history: pd.DataFrame,
    *,
    model: str = "model",
    time: str = "timestamp",
    scope: str | None = None,
) -> pd.DataFrame:
    """Price usage rows at the prices in effect when they happened, not today's.

    Each usage row (a model id and a time) is joined to the latest observation of that model at
    or before its time in ``history`` (one scope). ``price_source`` says how good the match is:
    ``exact`` — the observation is at or before the row's time and at most one snapshot step old:
    the history's step (the median gap between its snapshot times), capped at
    :data:`orcatalog.times.STALE_AFTER` (7 days, the one staleness rule), so a sparse history (two
    snapshots 59 days apart) does not stretch "exact" to a price weeks old; ``nearest`` — an older
    observation (``age`` tells how old; e.g. the model was absent from the snapshots around that
    time, or the history has no snapshot within a week before the row); ``missing`` — the model is
    unknown, or the row is before its first observation. ``attrs["interval"]`` is the step used.

    When the usage frame has token columns named like :func:`estimate_cost`'s arguments
    (``prompt_tokens``, ``completion_tokens``, ``cached_tokens``, ``reasoning_tokens``,
    ``requests``, ...), each row is priced by the same rules (overrides evaluated at the row's time)
    and ``cost_<component>`` / ``total_usd`` are added (USD).

    Args:
        usage: one row per request or per aggregated usage line.
        history: ``SnapshotStore.history()`` (columns ``id``, ``fetched_at``, prices).
        model: the usage column holding model ids.
        time: the usage column holding times (UTC unless they carry a zone).
        scope: which scope of ``history`` to use when it holds several (default: its only one).

    Returns:
        ``usage`` (same row order, same index) plus ``observed_at``, ``age``
        (Timedelta), ``price_source``, ``snapshot_id``, the matched ``price_<key>`` columns
        (USD per unit) and, with token columns, the costs and ``note``.

    Raises:
        InvalidParameterError: a missing column, several scopes without ``scope=``, unreadable times,
            negative token counts.
    """
    if not isinstance(usage, pd.DataFrame):
        raise InvalidParameterError(f"usage must be a pandas DataFrame, got {type(usage).__name__}")
    for name, column in (("model", model), ("time", time)):
        if column not in usage.columns:
            raise InvalidParameterError(f"usage has no {name} column {column!r}; pass {name}=<column name>")
    history = frame_arg("history", history, "id", "fetched_at", "price_prompt", "price_completion")
    history = one_scope(history, scope)
    if history.empty:
        raise InvalidParameterError("the history is empty: import or snapshot the catalog first")
    usage_times = pd.DatetimeIndex(_times(usage[time], time)).as_unit("ns")
    counts = _token_counts(usage)
    code, hrow = _join(usage[model], usage_times, history)
    found = hrow >= 0
    matched = _matched_rows(history, hrow, found)
    observed = pd.DatetimeIndex(matched["fetched_at"]).as_unit("ns")
    age = np.where(found, usage_times.asi8 - observed.asi8, np.iinfo(np.int64).min).view("timedelta64[ns]")
    interval = _interval(history)
    source = np.where(~found, 2, np.where(age <= interval.to_timedelta64(), 0, 1)).astype(np.int8)
    added: dict[str, Any] = {
        "observed_at": observed,
        "age": pd.TimedeltaIndex(age),
        "price_source": pd.Categorical.from_codes(source, categories=["exact", "nearest", "missing"]),
    }
    added.update({c: matched[c].array for c in matched.columns if is_price_column(c) or c == "snapshot_id"})
    if counts:
        added.update(_priced(matched, counts, usage_times, found=found, known=code >= 0))
    extra = pd.DataFrame(added, index=usage.index, copy=False)
    out = pd.concat([usage.drop(columns=[c for c in extra.columns if c in usage.columns]), extra], axis=1)
    out.attrs = {"interval": str(interval)}
    return out


def _token_counts(usage: pd.DataFrame) -> dict[str, np.ndarray]:
    """The usage's token columns (named like :func:`orcatalog.estimate_cost`'s arguments) as float
    arrays, checked: empty when it has none.

    Raises:
        InvalidParameterError: a column named almost like a token argument (a misspelling would
            silently cost nothing), a count that is not a number >= 0, parts above their whole.
    """
    for other in usage.columns:  # a misspelt token column would silently cost nothing
        close = closest(str(other), TOKEN_ARGUMENTS, cutoff=0.8)
        if close and other not in TOKEN_ARGUMENTS and close not in usage.columns:
            raise InvalidParameterError(
                f"usage column {other!r} is not a token column{did_you_mean(str(other), TOKEN_ARGUMENTS, cutoff=0.8)}; "
                f"token columns: {', '.join(TOKEN_ARGUMENTS)}"
            )
    counts = {}
    for c in (c for c in TOKEN_ARGUMENTS if c in usage.columns):
        values = pd.to_numeric(usage[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = bad_counts(values)  # the one rule of a count (analysis/cost/counts.py)
        if bad.any():
            row = usage.index[int(np.flatnonzero(bad)[0])]
            raise InvalidParameterError(
                f"usage[{c!r}] at row {row!r} is {usage[c].iloc[int(np.flatnonzero(bad)[0])]}: "
                f"each token count must be {COUNT_RULE} (write 0 for none)"
            )
        counts[c] = values
    _check_parts(counts, usage.index)
    return counts


def _join(ids: pd.Series, usage_times: pd.DatetimeIndex, history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each usage row's model as a code into the history's ids (-1: unknown or null) and the
    history row of its latest observation at or before its time (-1: none)."""
    # join on integer codes and nanosecond integers: merge_asof is fastest on plain numbers
    history_codes, known_ids = pd.factorize(history["id"])
    right = pd.DataFrame(
        {
            "_code": history_codes,
            "_t": history["fetched_at"].array.as_unit("ns").asi8
            if hasattr(history["fetched_at"].array, "as_unit")
            else pd.to_datetime(history["fetched_at"], utc=True).dt.as_unit("ns").array.asi8,
            "_hrow": np.arange(len(history)),
        }
    ).sort_values("_t", kind="stable")
    codes, uniques = pd.factorize(ids)  # hash the usage ids once, then look up the few distinct ones
    lookup = pd.Index(known_ids).get_indexer(uniques)  # codes of -1 (a null id) must not index it from the end
    code = np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1) if len(lookup) else np.full(len(codes), -1)
    keep = np.flatnonzero((code >= 0) & ~usage_times.isna())
    keep = keep[np.argsort(usage_times.asi8[keep])]
    left = pd.DataFrame({"_code": code[keep], "_t": usage_times.asi8[keep], "_row": keep})
    merged = pd.merge_asof(left, right, on="_t", by="_code", direction="backward")
    hrow = np.full(len(ids), -1, dtype=np.int64)
    hrow[keep] = merged["_hrow"].fillna(-1).to_numpy(dtype=np.int64)
    return code, hrow


def _matched_rows(history: pd.DataFrame, hrow: np.ndarray, found: np.ndarray) -> pd.DataFrame:
    """The history rows ``hrow`` points at (missing values where it is -1): prices, overrides,
    ``snapshot_id``, ``fetched_at`` and ``dynamic_pricing`` (False where nothing matched)."""
    wanted = [c for c in history.columns if is_price_column(c)]
    wanted += [c for c in ("pricing_overrides", "snapshot_id", "fetched_at") if c in history.columns]
    matched = pd.DataFrame({c: history[c].array.take(hrow, allow_fill=True) for c in wanted}, copy=False)
    if "dynamic_pricing" in history.columns:
        matched["dynamic_pricing"] = bool_array(history["dynamic_pricing"])[np.where(found, hrow, 0)] & found
    return matched


def _priced(
    matched: pd.DataFrame,
    counts: dict[str, np.ndarray],
    usage_times: pd.DatetimeIndex,
    *,
    found: np.ndarray,
    known: np.ndarray,
) -> dict[str, Any]:
    """The ``cost_<component>``, ``total_usd`` (USD) and ``note`` columns of the usage rows priced at
    their matched prices, overrides evaluated at each row's time of day; a row without a match
    says why (``known``: its id is in the history)."""
    has_windows = "pricing_overrides" in matched.columns and _any_present(matched["pricing_overrides"])
    clock = (
        (usage_times.hour * 100 + usage_times.minute + usage_times.second / 60.0).to_numpy(dtype=float)
        if has_windows
        else None
    )
    result = _costs(matched, counts, clock)
    columns: dict[str, Any] = dict(result["columns"])
    notes = result["notes"]
    notes.codes[~found] = -1
    unknown = ~known  # an id that no snapshot of the history lists (a typo, or another catalog)
    notes.add(~found & unknown, "unknown model: no snapshot of the history lists this id")
    timeless = np.asarray(usage_times.isna())  # an empty time: no observation can be before it
    notes.add(~found & ~unknown & timeless, "the row has no time: fill in its time column")
    notes.add(~found & ~unknown & ~timeless, "no observation of this model at or before this time")
    columns["note"] = notes.strings()
    return columns


def _times(column: pd.Series, name: str) -> pd.Series:
    """Usage times as UTC by the one time rule (:func:`orcatalog.times.parse_time_column`)."""
    return parse_time_column(column, name)


def _interval(history: pd.DataFrame) -> pd.Timedelta:
    """How old an ``exact`` observation may be: the store's snapshot step (the median gap between the
    history's snapshot times), capped at :data:`orcatalog.times.STALE_AFTER` (the one staleness rule);
    0 for a single snapshot."""
    times = history.attrs.get("snapshot_times")
    if isinstance(times, Mapping) and times:
        stamps = pd.DatetimeIndex(pd.to_datetime(next(iter(times.values())), utc=True))
    else:
        stamps = pd.DatetimeIndex(pd.unique(history["fetched_at"]))
    stamps = stamps.sort_values()
    if len(stamps) < 2:
        return pd.Timedelta(0)
    step = pd.Timedelta(int(np.median(np.diff(stamps.as_unit("ns").asi8))), unit="ns").round("s")
    return min(step, STALE_AFTER)
