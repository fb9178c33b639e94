"""The catalog's size over time, with the models added, returned and removed (:func:`plot_catalog_size`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.args import frame_arg
from ._axes import _axes, _one_time_window, _legend_below, _time_axis, _title
from ._gaps import _gaps, _shade_gaps

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_catalog_size(history_or_sizes: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Catalog size over time (step line from 0, left axis) and the models added, removed and
    returned (bars, right axis, in models per period; each bar sums the snapshots of one period, an hour, 2, 3, 6 or 12
    hours, a day, 2 days, a week, ... whichever is the first at least 1/150 of the span and at least
    the usual time between snapshots, named on the axis, so that snapshots an hour apart never hide
    each other's bars; a bar covers the time its changes happened in, so it ends at its snapshots, none
    after the last, and one after a longer gap spans the gap, hatched, its changes averaged per period
    so that the axis has one unit). A count holds until the next snapshot; across a
    long gap without snapshots (see :func:`_gaps`) the line breaks over a grey span (from that
    snapshot to the next only, :func:`_gap_spans`), and a snapshot
    with such a gap on both sides is a dot. The line is drawn over the bars; the legend sits below
    the Axes.

    Args:
        history_or_sizes: ``SnapshotStore.history()`` or :func:`orcatalog.catalog_size`'s result.
        ax: where to draw.

    Returns:
        The Axes of the size line (``ax.right`` holds the twin Axes of the bars; the line's
        x/y data have a NaN inside each gap).

    Raises:
        InvalidParameterError: neither kind of frame; ``ax`` that is not an Axes.
    """
    from ..analysis.trends import catalog_size

    frame = history_or_sizes
    if isinstance(frame, pd.DataFrame) and "n_models" not in frame.columns:
        frame = catalog_size(frame)
    sizes = frame_arg("sizes", frame, "fetched_at", "n_models", "added", "removed", "returned")
    ax = _axes(ax)
    t = pd.DatetimeIndex(sizes["fetched_at"]).as_unit("ns")
    n = sizes["n_models"].to_numpy(dtype=float)
    gaps = _gaps(t)
    # a count holds until the next snapshot (steps, not slopes); across a long gap nothing is known
    xs, ys = [], []
    for i in range(len(t)):
        xs.append(t[i])
        ys.append(n[i])
        if i + 1 < len(t):
            xs.append(t[i + 1] if i not in gaps else t[i])
            ys.append(n[i] if i not in gaps else np.nan)
    ax.plot(xs, ys, color="black", linewidth=1.5, label="models listed")
    # a snapshot with a long gap (or the series' end) on both sides has no line: a dot shows its count
    alone = [i for i in range(len(t)) if (i == len(t) - 1 or i in gaps) and (i == 0 or i - 1 in gaps)]
    ax.plot(t[alone], n[alone], color="black", linestyle="None", marker="o", markersize=3, label="_nolegend_")
    _shade_gaps(ax, t, gaps)
    ax.set_ylim(0, max(float(np.nanmax(n)) * 1.08, 1) if len(n) else 1)  # from 0: a drop is seen at its true size
    right = ax.twinx()
    bars = _events_per_bar(sizes, t, gaps)
    wide = (bars["span"] > bars.attrs["width"]).to_numpy()
    labelled: set[str] = set()

    def label(part: pd.DataFrame, kind: str) -> str | None:
        """One legend entry per colour, on the first bars of it that are drawn (a height not 0)."""
        if kind in labelled or not part[kind].to_numpy().any():
            return None
        labelled.add(kind)
        return kind

    for gap, alpha, hatch in ((False, 0.6, None), (True, 0.25, "//")):  # a gap's bar: light, hatched
        part = bars[wide == gap]
        if part.empty:
            continue
        width = (part["span"] / pd.Timedelta("1D")).to_numpy(dtype=float)  # matplotlib's date unit: days
        style = {"width": width, "alpha": alpha, "hatch": hatch, "linewidth": 0}
        # one unit on the axis: models per period; a gap's bar is its changes averaged per period
        per = np.maximum(part["span"] / bars.attrs["width"], 1.0).to_numpy(dtype=float) if gap else 1.0
        added, returned, removed = (part[c].to_numpy(dtype=float) / per for c in ("added", "returned", "removed"))
        right.bar(part["at"], added, color="tab:green", label=label(part, "added"), **style)
        right.bar(part["at"], returned, bottom=added, color="tab:blue", label=label(part, "returned"), **style)
        right.bar(part["at"], -removed, color="tab:red", label=label(part, "removed"), **style)
    # no zero line across the chart: at the size line's height it read like a count of models; the
    # bars meet at 0 and the right axis's tick names it
    partial = _partial_rows(frame, t)
    if len(partial):  # a partial catalog's "removed" may only be missing from that body: say so on the chart
        for i in partial:
            ax.axvline(t[i], color="tab:orange", linestyle="--", linewidth=1, label=None)
        ax.plot(
            t[partial],
            n[partial],
            color="tab:orange",
            linestyle="None",
            marker="X",
            markersize=7,
            label="partial snapshot (far fewer models: its removed may only be missing from that body)",
        )
    rate = np.maximum(bars["span"] / bars.attrs["width"], 1.0).to_numpy(dtype=float) if len(bars) else 1.0
    up, down = (bars["added"] + bars["returned"]).to_numpy(dtype=float) / rate, bars["removed"].to_numpy(float) / rate
    reach = float(max(up.max(), down.max(), 1)) if len(bars) else 1.0
    right.set_ylim(-1.5 * reach, 1.5 * reach)  # 0 in the middle; the bars stay below the size line near the top
    period = _duration_words(bars.attrs["width"])
    # a hatched bar drawn (a gap's bar with a change to show): only then does the legend explain one
    changed = (bars[["added", "returned", "removed"]].to_numpy(dtype=float) != 0).any(axis=1) if len(bars) else False
    longer = bool(((bars["span"] > bars.attrs["width"]).to_numpy() & changed).any())
    # short enough to fit a notebook-sized figure; what a hatched bar means is the legend's to say
    right.set_ylabel(f"models added / returned (+), removed (-) per {period}")
    if len(t) < 2:  # one snapshot time: no change to count, so no empty axis for it (trial)
        right.set_axis_off()
    ax.set_zorder(right.get_zorder() + 1)  # the size line and its dots over the bars, never under them
    ax.patch.set_visible(False)
    ax.set(xlabel="snapshot time (UTC)", ylabel="models listed")
    _title(ax, "Catalog size")
    from matplotlib.lines import Line2D

    lines, labels = ax.get_legend_handles_labels()
    if alone:  # the legend's line shows the dots too
        lines[0] = Line2D([], [], color="black", linewidth=1.5, marker="o", markersize=3)
    kinds = ["added", "returned", "removed"]
    pairs = sorted(zip(*right.get_legend_handles_labels()), key=lambda hl: kinds.index(hl[1]))
    bars, bar_labels = [h for h, _ in pairs], [lb for _, lb in pairs]
    if longer:
        from matplotlib.patches import Patch

        bars.append(Patch(facecolor="lightgrey", edgecolor="grey", hatch="//", linewidth=0))
        bar_labels.append(f"wide hatched bar: a longer gap's changes, averaged per {period}")
    ax.grid(True, alpha=0.3)
    _time_axis(ax)
    _one_time_window(ax, t)  # one snapshot: days around it, not years
    # below the Axes' date labels, never over the line or the bars
    _legend_below(ax, lines + bars, labels + bar_labels, ncol=min(len(labels + bar_labels), 4))
    ax.right = right  # type: ignore[attr-defined]
    return ax


def _partial_rows(frame: pd.DataFrame, t: pd.DatetimeIndex) -> list[int]:
    """The rows of the partial snapshots (``attrs["partial_times"]`` of a history or of
    :func:`orcatalog.catalog_size`'s frame, by scope), in time order."""
    from ..analysis.args import is_partial_at

    return [i for i in range(len(t)) if is_partial_at(frame, t[i])]


def _events_per_bar(sizes: pd.DataFrame, t: pd.DatetimeIndex, gaps: set[int] | None = None) -> pd.DataFrame:
    """The catalog-size chart's bars: models added, returned and removed, summed over periods of
    one bar's width so that bars of snapshots an hour apart add up instead of covering each other.
    The width is the first of :data:`_BAR_PERIODS` at least 1/150 of the time span and at least the
    usual (median) time between snapshots outside the long gaps (``gaps``: :func:`_gaps`, the rule
    the line breaks by; a day when every interval is one): daily snapshots get daily bars, never
    "per 6 hours" bars with empty periods between them, and two snapshots 59 days apart never make a
    "per 13 weeks" axis. Periods are counted back from the last snapshot.

    A bar covers the time its changes happened in: a snapshot's changes happened since the one
    before it, so a bar ends at its last snapshot (none is drawn after the last one) and starts at
    its period's start or the snapshot before its first, whichever is later; a snapshot more than
    one period after the one before it, or after a long gap, has a bar of its own, spanning that
    whole gap (what was added over 59 days is not drawn as one week's). Columns ``at`` (the bar's middle), ``span`` (its
    width, a Timedelta), ``added``, ``returned``, ``removed``; ``attrs["width"]`` is the period. The
    first snapshot's "added" (everything) is left out."""
    span = (t.max() - t.min()) if len(t) > 1 else pd.Timedelta("1D")
    gaps = _gaps(t) if gaps is None else gaps
    steps = pd.Series(t).diff().iloc[1:]
    held = steps[[i not in gaps for i in range(len(steps))]]
    usual = held.median() if len(held) else pd.Timedelta("1D") if len(t) > 1 else pd.Timedelta(0)
    width = next((w for w in _BAR_PERIODS if w >= span / 150 and w >= usual), _BAR_PERIODS[-1])
    columns = ["added", "returned", "removed"]
    if len(t) < 2:
        out = pd.DataFrame({"at": pd.DatetimeIndex([], tz="UTC"), "span": pd.TimedeltaIndex([])})
        out[columns] = np.zeros((0, 3), dtype=np.int64)
        out.attrs["width"] = width
        return out
    when, before = t[1:], t[:-1]
    counts = sizes[columns].to_numpy()[1:]
    back = ((t.max() - when) // width).to_numpy()  # 0: the period that ends at the last snapshot
    alone = np.asarray((when - before) > width) | np.isin(np.arange(len(when)), sorted(gaps))
    key = np.where(alone, -1 - np.arange(len(when)), back)  # after a longer gap: a bar of its own
    rows = []
    for k in pd.unique(key):  # in time order
        idx = np.flatnonzero(key == k)
        first, last = idx[0], idx[-1]
        start = before[first] if alone[first] else max(t.max() - width * (int(back[first]) + 1), before[first])
        rows.append((start + (when[last] - start) / 2, when[last] - start, *counts[idx].sum(axis=0)))
    out = pd.DataFrame(rows, columns=["at", "span", *columns])
    out.attrs["width"] = width
    return out


#: The periods a catalog-size bar may sum over: the shortest one that is at least 1/150 of the span.
_BAR_PERIODS = tuple(pd.Timedelta(p) for p in ("1h", "2h", "3h", "6h", "12h", "1D", "2D", "7D", "14D", "30D", "91D"))


def _duration_words(width: pd.Timedelta) -> str:
    """A bar's period in words: ``hour``, ``6 hours``, ``day``, ``2 days``, ``week``."""
    hours = int(width / pd.Timedelta("1h"))
    if hours < 24:
        return "hour" if hours == 1 else f"{hours} hours"
    days = hours // 24
    if days % 7 == 0:
        return "week" if days == 7 else f"{days // 7} weeks"
    return "day" if days == 1 else f"{days} days"
