"""The long-gap rule of time charts: where snapshots stopped for long (:func:`_gaps`), lines and
bands break (:func:`_broken_at_gaps`) instead of bridging the gap."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _broken_at_gaps(frame: pd.DataFrame, time: str) -> pd.DataFrame:
    """``frame`` with a row of NaN values in the middle of each long gap of its ``time`` column
    (:func:`_gaps`), so that lines and bands break there instead of bridging it."""
    t = pd.DatetimeIndex(frame[time])
    gaps = sorted(_gaps(t))
    if not gaps:
        return frame
    holes = pd.DataFrame({time: [t[i] + (t[i + 1] - t[i]) / 2 for i in gaps]})
    return pd.concat([frame, holes], ignore_index=True).sort_values(time, kind="stable").reset_index(drop=True)


def _gaps(times: pd.DatetimeIndex) -> set[int]:
    """Indices i after which the next snapshot came after a long gap: more than 8 times the median
    interval and more than a day (an hourly series with a missed night is not one). With two
    snapshots there is no interval to judge by: more than a day between them is a gap."""
    if len(times) < 2:
        return set()
    steps = np.diff(pd.DatetimeIndex(times).as_unit("ns").asi8)  # in ns, as the limit: any unit the frame has
    limit = max(8 * float(np.median(steps)) if len(times) > 2 else 0.0, pd.Timedelta("1D").value)
    return {int(i) for i in np.flatnonzero(steps > limit)}
