"""The long-gap rule of time charts: where snapshots stopped for long (:func:`_gaps`), lines and
bands break (:func:`_broken_at_gaps`) instead of bridging the gap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _broken_at_gaps(frame: pd.DataFrame, time: str, period: pd.Timedelta | None = None) -> pd.DataFrame:
    """``frame`` with a row of NaN values in the middle of each long gap of its ``time`` column
    (:func:`_gaps`; ``period``: the frame's period, e.g. a week for a weekly trend), so that lines
    and bands break there instead of bridging it."""
    t = pd.DatetimeIndex(frame[time])
    gaps = sorted(_gaps(t, period))
    if not gaps:
        return frame
    holes = pd.DataFrame({time: [t[i] + (t[i + 1] - t[i]) / 2 for i in gaps]})
    return pd.concat([frame, holes], ignore_index=True).sort_values(time, kind="stable").reset_index(drop=True)


def _gaps(times: pd.DatetimeIndex, period: pd.Timedelta | None = None) -> set[int]:
    """Indices i after which the next snapshot came after a long gap: more than 8 usual intervals
    and more than a day (an hourly series with a missed night is not one). The usual interval is the
    median one, or ``period`` when it is shorter: the period of a trend's rows (a weekly trend's
    week), so that a few sparse snapshots months apart never make 11 weeks without one look usual.
    With two snapshots and no period there is no interval to judge by: more than a day between them
    is a gap. Whatever the usual interval, more than :data:`LONGEST_HELD` (31 days) without a
    snapshot is always a gap: a count or a price is not known to hold for months, so sparse
    snapshots months apart are drawn as the two snapshots of the report are, never as a held line."""
    if len(times) < 2:
        return set()
    steps = np.diff(pd.DatetimeIndex(times).as_unit("ns").asi8)  # in ns, as the limit: any unit the frame has
    usual = [float(np.median(steps))] if len(times) > 2 else []
    if period is not None:
        usual.append(float(period.value))
    limit = max(8 * min(usual) if usual else 0.0, pd.Timedelta("1D").value)
    limit = min(limit, float(LONGEST_HELD.value))
    return {int(i) for i in np.flatnonzero(steps > limit)}


#: The longest time without a snapshot across which a time chart still holds a value (:func:`_gaps`).
LONGEST_HELD = pd.Timedelta("31D")


def _period_of(freq: str) -> pd.Timedelta | None:
    """The length of one period of a pandas frequency (``"W"``: 7 days; ``"MS"``: 31 days, its
    longest), None when ``freq`` is empty or not a frequency."""
    if not freq:
        return None
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return None
    if offset is None:
        return None
    first = (
        pd.Timestamp(year=2000, month=12, day=31) + offset
    )  # a period's start (January, for a monthly one: its longest)
    return pd.Timedelta((first + offset) - first)


def _gap_spans(t: pd.DatetimeIndex, gaps: set[int]) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The grey spans of the long gaps: each from one snapshot to the next (never over a snapshot),
    kept apart at each snapshot by a sliver (0.4% of the time axis, at most a quarter of the gap) so
    that gaps in a row read as gaps between snapshots, not as one gap with snapshots inside it."""
    axis = (t.max() - t.min()) if len(t) > 1 else pd.Timedelta(0)
    spans = []
    for i in sorted(gaps):
        margin = min(axis * 0.004, (t[i + 1] - t[i]) / 4)
        spans.append((t[i] + margin, t[i + 1] - margin))
    return spans


#: The legend entry of the grey spans over long gaps (:func:`_shade_gaps`).
GAP_LABEL = "no snapshots (a long gap)"


def _shade_gaps(ax: Any, t: pd.DatetimeIndex, gaps: set[int]) -> int:
    """Shade each long gap of ``t`` (``gaps``: :func:`_gaps`) grey on ``ax``, between its two
    snapshots (:func:`_gap_spans`), the first span labelled :data:`GAP_LABEL`. Returns how many."""
    spans = _gap_spans(t, gaps)
    for k, (start, end) in enumerate(spans):
        ax.axvspan(start, end, color="grey", alpha=0.12, linewidth=0, label=GAP_LABEL if k == 0 else None)
    return len(spans)
