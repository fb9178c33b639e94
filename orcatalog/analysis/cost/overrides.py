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
        other_hours: list[str] = []  # windows (not evaluated) whose prices differ from the base ones
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            applies = np.ones(len(rows), dtype=bool)
            if entry.get("min_prompt_tokens") is not None:
                applies &= per_request_prompt[rows] > float(entry["min_prompt_tokens"])
            if entry.get("utc_start") is not None or entry.get("utc_end") is not None:
                if clock is None:  # the base price holds outside the window: say which hours it does not
                    if _differs(entry, frame, rows):
                        other_hours.append(_hours(entry))
                    else:
                        other_hours.append("")  # a window at the base prices: evaluated or not, the same
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
        if any(other_hours):
            notes.add(rows, f"{_WINDOW_NOTE} (other prices {', '.join(h for h in other_hours if h)} UTC)")
        elif other_hours:
            notes.add(rows, _WINDOW_NOTE)


def tiered_by_prompt_size(frame: pd.DataFrame) -> np.ndarray:
    """Which rows list a pricing override for prompts above a size (``min_prompt_tokens``): their
    base price holds only for shorter prompts (qwen/qwen3.7-flash: $0.03/M, then $0.10/M above 32k
    prompt tokens and $0.20/M above 256k). A bool array, one value per row."""
    out = np.zeros(len(frame), dtype=bool)
    if "pricing_overrides" not in frame.columns or not _any_present(frame["pricing_overrides"]):
        return out
    codes, uniques = pd.factorize(frame["pricing_overrides"].to_numpy(dtype=object), use_na_sentinel=True)
    for code, text in enumerate(uniques):
        try:
            entries = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(entries, list) and any(
            isinstance(e, dict) and e.get("min_prompt_tokens") is not None for e in entries
        ):
            out[codes == code] = True
    return out


def _differs(entry: dict[str, Any], frame: pd.DataFrame, rows: np.ndarray) -> bool:
    """Whether a window's prices differ from the listed base prices (``price_<key>``) of any of ``rows``."""
    for key, value in entry.items():
        if key in ("min_prompt_tokens", "utc_start", "utc_end"):
            continue
        column = f"price_{key}"
        base = frame[column].to_numpy(dtype=float, na_value=np.nan)[rows] if column in frame.columns else None
        if base is None or not np.array_equal(base, np.full(len(rows), _rate(value)), equal_nan=True):
            return True
    return False


def _hours(entry: dict[str, Any]) -> str:
    """An override's daily UTC window in words: ``01:00-04:00`` (HHMM as the spec writes it)."""

    def hhmm(value: Any, default: int) -> str:
        try:
            n = int(float(value)) if value is not None else default
        except (TypeError, ValueError):
            return str(value)
        return f"{n // 100:02d}:{n % 100:02d}"

    return f"{hhmm(entry.get('utc_start'), 0)}-{hhmm(entry.get('utc_end'), 2400)}"


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
