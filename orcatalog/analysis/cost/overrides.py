"""Pricing overrides (``pricing_overrides``, the spec's ``PricingOverride``): the one rule of when
an entry applies to a request (its whole prompt strictly above ``min_prompt_tokens``; ``at`` in the
daily UTC window ``[utc_start, utc_end)``, HHMM, wrapping past midnight; later entries win per key;
keys an entry leaves out keep the base price), and the time of day ``at=`` names (:func:`_clock`,
read by the one time rule, :func:`orcatalog.times.parse_time`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ...times import parse_time
from .notes import _Notes


_WINDOW_NOTE = "time-of-day price not evaluated: pass at="


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


def _clock(at: Any, n: int) -> np.ndarray | None:
    if at is None:
        return None
    when = parse_time(at, "at")  # the one time rule (orcatalog.times)
    return np.full(n, when.hour * 100 + when.minute + when.second / 60.0)
