"""The marks a price history draws beside its lines (:func:`orcatalog.plot.plot_price_history`):
an ``X`` where a drawn price stops being listed (:func:`_mark_no_longer_listed`) and a hatched span
where a model's price was dynamic (:func:`_mark_dynamic`), each with its legend words."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


#: The marker and legend entry where a drawn price stops being listed (:func:`_mark_no_longer_listed`).
GONE_MARKER = "X"
GONE_LABEL = "no longer listed (the key or the model is gone: not a price of 0)"


def _mark_no_longer_listed(
    ax: Any,
    history: pd.DataFrame,
    column: str,
    series: list[tuple[str, pd.Series, np.ndarray]],
    drawn_series: list[np.ndarray],
    gone: pd.DataFrame,
    colors: list[Any],
) -> int:
    """Mark with :data:`GONE_MARKER`, in the model's colour at its last drawn price, the first
    snapshot where that price is no longer listed: its key vanished (:func:`orcatalog.price_changes`'s
    ``no longer listed``, the one rule of price events: never a cut to 0) or the model itself was
    not listed (``gone``: :func:`orcatalog.analysis.changes.absences`, for good or until it came
    back). Returns how many marks were drawn."""
    from ..analysis.changes import price_changes

    ids = [mid for mid, _, _ in series]
    events = price_changes(history[history["id"].astype(str).isin(ids)], fields=[column])
    events = events[events["kind"] == "no longer listed"]
    marks: list[tuple[int, str, Any, float]] = []  # (series, model, time, price) of each mark, in draw order
    for k, ((mid, t, _), drawn) in enumerate(zip(series, drawn_series)):
        times = pd.DatetimeIndex(t)
        when = list(pd.DatetimeIndex(events.loc[events["id"].astype(str) == mid, "fetched_at"]))
        for last_listed, left_at in gone.loc[gone["id"] == mid, ["last_listed", "left_at"]].itertuples(index=False):
            if np.isfinite(drawn[times == last_listed]).any():  # it left with a price listed (else: marked already)
                when.append(left_at)
        for at in when:
            before = np.flatnonzero((times < at) & np.isfinite(drawn))
            if len(before):
                marks.append((k, mid, at, float(drawn[before[-1]])))
    for i, (k, mid, at, price) in enumerate(marks):
        # marks of several models at one time and price: each one drawn under others is larger, so
        # a ring of each shows (re-check trial: three qwen-plus models left together, one X seen)
        above = sum(1 for _, _, at2, price2 in marks[i + 1 :] if at2 == at and price2 == price)
        ax.plot(
            [at],
            [price],
            linestyle="None",
            marker=GONE_MARKER,
            markersize=8 + 4 * above,
            color=colors[k % len(colors)],
            markeredgecolor="black",
            markeredgewidth=0.6,
            zorder=4,
            label="_nolegend_",
            gid=f"{mid} no longer listed",
        )
    return len(marks)


#: The legend entry of the hatched spans where a model's price was dynamic.
DYNAMIC_LABEL = 'dynamic price ("-1": decided per request), not plotted'


def _dynamic_flags(history: pd.DataFrame) -> np.ndarray:
    """Per row, whether the model was dynamically priced there (``dynamic_pricing``: the API
    listed ``"-1"``); all False for a history without that column."""
    from ..schema import bool_array

    if "dynamic_pricing" not in history.columns:
        return np.zeros(len(history), dtype=bool)
    return np.asarray(bool_array(history["dynamic_pricing"]), dtype=bool)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The ``[start, stop)`` index ranges of the runs of True in ``flags``."""
    edges = np.diff(np.r_[0, flags.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _mark_dynamic(
    ax: Any, times: pd.Series, drawn: np.ndarray, flags: np.ndarray, everyone: pd.DatetimeIndex, color: Any
) -> int:
    """Hatch, in the model's colour, each span of snapshots where its price was dynamic (``flags``),
    so the gap in its line is explained: from the first snapshot of the run to the model's next
    snapshot (or, after its last one, to the history's next snapshot, ``everyone``), at the height of
    the price before it (else after it; a band a factor of 1.3 either side on a log axis, 4% of the
    axis on a linear one; the whole height when it has none). Returns the number of spans drawn."""
    import matplotlib.dates as mdates

    t = pd.DatetimeIndex(times)
    finite = np.isfinite(drawn)
    lo, hi = ax.get_ylim()
    n = 0
    for start, stop in _runs(flags):
        if stop < len(t):
            end = t[stop]
        else:
            later = everyone[everyone > t[stop - 1]]
            end = later[0] if len(later) else t[stop - 1] + pd.Timedelta(hours=1)
        x0, x1 = mdates.date2num(t[start]), mdates.date2num(end)
        before = np.flatnonzero(finite[:start])
        after = np.flatnonzero(finite[stop:])
        style = {"facecolor": "none", "edgecolor": color, "hatch": "///", "linewidth": 0, "zorder": 1.5}
        if len(before) or len(after):
            level = float(drawn[before[-1]] if len(before) else drawn[stop + after[0]])
            if ax.get_yscale() == "log":
                band = (level / 1.3, level * 1.3)
            else:
                band = (level - 0.04 * (hi - lo), level + 0.04 * (hi - lo))
            ax.fill_between([x0, x1], [band[0]] * 2, [band[1]] * 2, label="_nolegend_", **style)
        else:
            ax.axvspan(x0, x1, label="_nolegend_", **style)
        n += 1
    return n
