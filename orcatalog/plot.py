"""Charts of catalog frames, history and analysis results (matplotlib, imported on first use).

Every function takes frames and an optional ``ax=``, draws on it (or on a new figure), and returns
the Axes. None fetches, reads files or calls ``show()``. Prices are in USD per million tokens.

Drawing rules, each in one helper: titles wrap to the Axes' width (:func:`_title`); a log axis
labels plain numbers (:func:`_plain_log_ticks`); a price of 0 on a log axis is drawn at a marked
floor line, never dropped (:func:`_zero_floor`); point labels never overlap (:func:`_place_labels`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis.args import frame_arg
from .errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_price_history",
    "plot_price_vs_context",
    "plot_market_trend",
    "plot_catalog_size",
    "plot_cost",
    "plot_endpoints",
    "plot_reprice",
]

_MAX_LABELS = 12


def _axes(ax: Any, figsize: tuple[float, float] = (10, 6)) -> Axes:
    """``ax``, or the Axes of a new figure when it is None.

    Raises:
        InvalidParameterError: ``ax`` is something else than a matplotlib Axes.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise InvalidParameterError(
            f"ax must be a matplotlib Axes (fig, ax = plt.subplots(); or an item of an array of them), got "
            f"{type(ax).__name__}"
        )
    return ax


def _workload_text(workload: Any) -> str:
    """``estimate_cost``'s ``attrs["workload"]`` in words, parts in brackets:
    ``100,000 prompt (60,000 cached) + 5,000 completion tokens, 2 web searches``."""
    from .analysis.cost import COMPONENTS

    if not isinstance(workload, dict) or not workload:
        return "the workload"
    sides = []
    for side in ("prompt", "completion"):
        parts = [
            f"{workload[c.argument]:,} {c.name.replace('_', ' ')}"
            for c in COMPONENTS
            if c.part_of == side and workload.get(c.argument)
        ]
        if workload.get(f"{side}_tokens"):
            sides.append(f"{workload[f'{side}_tokens']:,} {side}" + (f" ({', '.join(parts)})" if parts else ""))
    counted = [
        f"{workload[c.argument]:,} {c.argument.replace('_', ' ')}"
        for c in COMPONENTS
        if c.part_of is None
        and not c.argument.endswith("_tokens")
        and c.argument != "requests"
        and workload.get(c.argument)
    ]
    if workload.get("requests", 1) != 1:
        counted.append(f"over {workload['requests']:,} requests")
    return ", ".join([" + ".join(sides) + " tokens"] * bool(sides) + counted) or "the workload"


def _plain_log_ticks(axis: Any) -> None:
    """Label a log axis with plain numbers (0.2, 0.5, 1, 2, ...) instead of powers of ten only."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _log_if_wide(ax: Axes, values: np.ndarray, axis: str = "y") -> None:
    """Log scale (plainly labelled) when positive values span 20x or more."""
    positive = values[np.isfinite(values) & (values > 0)]
    if len(positive) and positive.max() / positive.min() > 20:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        _plain_log_ticks(ax.yaxis if axis == "y" else ax.xaxis)


def _root(ax: Axes) -> Figure:
    """The top-level Figure the Axes is drawn on (through any subfigure)."""
    fig: Any = ax.figure
    return fig if not hasattr(fig, "figure") or fig.figure is fig else fig.figure


def _title(ax: Axes, text: str) -> None:
    """Set the title, wrapped to the Axes' width so a long one never runs off the figure."""
    import textwrap

    from matplotlib.font_manager import FontProperties

    size = FontProperties(size=ax.title.get_fontsize()).get_size_in_points()
    width_pt = ax.get_position().width * _root(ax).get_figwidth() * 72
    chars = max(20, int(width_pt / (0.6 * size)))  # 0.6 em: a wide average glyph, so lines fit
    ax.set_title("\n".join(textwrap.wrap(text, chars)) if len(text) > chars else text)


def _time_axis(ax: Axes) -> None:
    """Concise date ticks on the x axis (the year and month once, not on every label)."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _zero_floor(ax: Axes, positive_min: float) -> float:
    """Where a price of 0 is drawn on a log y axis: a dotted line at half the lowest positive price,
    labelled in the legend (and its tick ``0 (free)``, :func:`_zero_tick`) so it is not read as a
    price. Returns that height."""
    floor = positive_min / 2
    ax.axhline(floor, color="grey", linestyle=":", linewidth=1, label="price 0 (free), drawn on this line")
    return floor


def _place_labels(
    ax: Axes, points: list[tuple[float, float, str]], fontsize: float = 7, step_line: bool = False, avoid: Any = ()
) -> list[Any]:
    """Label data points with their names so that no two labels overlap and none sits on another
    labelled point (nor, with ``step_line``, on the post-step line through the points): each label
    tries spots around its point (up-left, up-right, down-right, down-left, then further out) and
    takes the first free one (greedy, in display pixels, in the order given); ``avoid`` holds more
    (x, y) data points to keep clear where possible. Returns the annotations.

    The Axes' final size must be known: call it after the scales and limits are set.
    """
    fig = _root(ax)
    fig.draw_without_rendering()  # settle the layout: pixel positions below are the final ones
    to_px = ax.transData.transform
    box = ax.get_window_extent()  # the figure's own renderer (public: no private matplotlib call)
    k = fig.dpi / 72.0  # pixels per point
    anchors = [tuple(to_px((x, y))) for x, y, _ in points]
    taken: list[tuple[float, float, float, float]] = []
    dots = [(px - 4 * k, py - 4 * k, px + 4 * k, py + 4 * k) for px, py in anchors]
    segments = [(px - 4 * k, py - 4 * k, px + 4 * k, py + 4 * k) for px, py in (to_px(xy) for xy in avoid)]
    if step_line:  # where="post": across at each point's height, then up or down to the next point
        for (x0, y0), (x1, y1) in zip(anchors, anchors[1:]):
            segments.append((min(x0, x1), y0 - k, max(x0, x1), y0 + k))
            segments.append((x1 - k, min(y0, y1), x1 + k, max(y0, y1)))
    annotations = []
    for i, ((x, y, text), (px, py)) in enumerate(zip(points, anchors)):
        ann = ax.annotate(
            text,
            (x, y),
            textcoords="offset points",
            xytext=(0, 0),
            fontsize=fontsize,
            va="center",
            arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5},
        )
        extent = ann.get_window_extent()
        w, h = extent.width + 2 * k, extent.height + 2 * k  # a little air around each label
        others = dots[:i] + dots[i + 1 :] + segments
        clean, fallback = None, None  # the first spot free of labels and points; of labels only
        for reach in range(1, 40):
            for dx, dy in ((-6, 1), (6, 1), (6, -1), (-6, -1)):
                oy = dy * (8 if reach == 1 else 4 + 9 * reach)
                left = px + dx * k - (w if dx < 0 else 0)
                bottom = py + oy * k - h / 2
                cand = (left, bottom, left + w, bottom + h)
                inside = box.x0 <= cand[0] and cand[2] <= box.x1 and box.y0 <= cand[1] and cand[3] <= box.y1
                if not inside or any(_overlap(cand, t) for t in taken):
                    continue
                if not any(_overlap(cand, d) for d in others):
                    clean = (cand, dx, oy)
                    break
                fallback = fallback or (cand, dx, oy)
            if clean is not None:
                break
        best = clean or fallback
        if best is None:  # no room inside the Axes: stack it above the highest label so far
            top = max([t[3] for t in taken] + [py])
            best = ((px - w, top + k, px, top + k + h), -6, (top + k + h / 2 - py) / k)
        cand, dx, oy = best
        ann.xyann = (dx, oy)
        ann.set_horizontalalignment("right" if dx < 0 else "left")
        taken.append(cand)
        annotations.append(ann)
    return annotations


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: Line styles and markers cycled with the colours, so series stay apart even where they coincide.
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p", "h", "*")


def plot_price_history(
    history: pd.DataFrame,
    ids: str | list[str] | None = None,
    *,
    field: str = "prompt_usd_per_mtok",
    ax: Axes | None = None,
) -> Axes:
    """One step line per model: its price at each snapshot, with its first price and each change
    marked. Each model has its own colour, line style and marker, and lines drawn earlier are
    wider, so a model whose prices coincide with another's stays visible. On a log axis a price of
    0 is drawn on a dotted floor line (labelled in the legend; its axis tick reads ``0 (free)``),
    never left out.

    Args:
        history: ``SnapshotStore.history()`` (one scope).
        ids: the models to draw (default: the ones whose price changed, at most 12).
        field: the price column (default prompt, USD per million tokens).
        ax: where to draw.

    Returns:
        The Axes (one line per model, labelled by id; log scale when prices span 20x or more).

    Raises:
        InvalidParameterError: not a history frame, unknown field or ids; ``ax`` that is not an Axes.
    """
    history = frame_arg("history", history, "id", "fetched_at")
    _price_field(history, field)
    frame = history[["id", "fetched_at", field]].assign(id=history["id"].astype(str))
    if ids is None:
        changed = frame.groupby("id")[field].nunique(dropna=True)
        ids = list(changed[changed > 1].sort_values(ascending=False).index[:_MAX_LABELS])
    elif isinstance(ids, str):
        ids = [ids]
    unknown = [i for i in ids if i not in set(frame["id"])]
    if unknown:
        raise InvalidParameterError(f"no model(s) {unknown} in the history")
    ax = _axes(ax)
    import matplotlib

    palette = matplotlib.colormaps["tab20" if len(ids) > 10 else "tab10"]  # no colour twice (up to 20 lines)
    colors = [palette(i) for i in range(palette.N)]
    series = []
    for mid in ids:
        g = frame[frame["id"] == mid].sort_values("fetched_at")
        series.append((mid, g["fetched_at"], g[field].to_numpy(dtype=float, na_value=np.nan)))
    values = np.concatenate([y for _, _, y in series]) if series else np.array([])
    if series and not np.isfinite(values).any():  # nothing to draw: an empty chart dated 1970 says nothing
        raise InvalidParameterError(f"no values of {field} for {', '.join(ids)} in the history")
    _log_if_wide(ax, values)
    positive = values[np.isfinite(values) & (values > 0)]
    zero_at = None
    if ax.get_yscale() == "log" and (values == 0).any() and len(positive):
        zero_at = _zero_floor(ax, float(positive.min()))
    import matplotlib.dates as mdates
    from matplotlib.transforms import ScaledTranslation

    for k, (mid, t, y) in enumerate(series):
        drawn = np.where(y == 0, zero_at, y) if zero_at is not None else y
        # Series that coincide stay visible: earlier lines are wider and below, and each line is
        # shifted by at most 1.6 points (a hair, not a price) up or down, in a cycle of five.
        shifted = ax.transData + ScaledTranslation(0, ((k % 5) - 2) * 0.8 / 72, ax.figure.dpi_scale_trans)
        style: dict[str, Any] = {
            "color": colors[k % len(colors)],
            "linestyle": _LINESTYLES[k % len(_LINESTYLES)],
            "transform": shifted,
        }
        (line,) = ax.step(
            t,
            drawn,
            where="post",
            label=mid,
            linewidth=1.2 + 1.6 * (len(series) - 1 - k) / max(len(series) - 1, 1),
            zorder=2 + k / 100,
            **style,
        )
        change = np.r_[True, y[1:] != y[:-1]] & ~np.isnan(y)  # the first price and every change
        marker = _MARKERS[k % len(_MARKERS)]
        ax.plot(
            t[change],
            drawn[change],
            marker,
            color=line.get_color(),
            markersize=5,
            zorder=3 + k / 100,
            markerfacecolor="white" if k % 2 else line.get_color(),
            transform=shifted,
        )
        line.set_marker(marker)  # the legend shows each series' marker
        line.set_markevery([])
        finite = np.isfinite(drawn)  # a shifted transform hides the data from autoscaling: add it
        if finite.any():
            ax.update_datalim(np.column_stack([mdates.date2num(np.asarray(t)[finite]), drawn[finite]]))
    ax.autoscale_view()
    if zero_at is not None:  # the floor line's tick reads 0, not a price
        _zero_tick(ax, zero_at, float(positive.min()), "y", separator=False)
    unit = _price_label(field)
    names = {"prompt_usd_per_mtok": "Prompt price history", "completion_usd_per_mtok": "Completion price history"}
    ax.set(xlabel="snapshot time (UTC)", ylabel=unit)
    _title(ax, names.get(field, f"Price history: {field}"))
    if ids:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, alpha=0.3)
    _time_axis(ax)
    return ax


def plot_price_vs_context(
    models: pd.DataFrame,
    *,
    x: str = "prompt_usd_per_mtok",
    y: str = "context_length",
    ax: Axes | None = None,
    label_frontier: bool = True,
) -> Axes:
    """Price against context window, log-log, with the Pareto frontier drawn and labelled.

    Free models (``is_free``: every price they list is 0) cannot sit on a log axis: they are drawn as green triangles in their own
    column at the left edge, a factor of 4 below the lowest paid price, behind a dotted separator,
    and that column's only tick is labelled ``0 (free)`` (no price tick stands there), so a free
    model is never read as a price; they are counted in the legend. A model priced 0 on ``x`` that lists
    other prices (an image model priced per image token) has no place on this axis: it is not drawn,
    and the legend counts it.

    Args:
        models: a contract frame (one row per model).
        x, y: the price and size columns (default prompt price in USD per million tokens, context
            length in tokens).
        ax: where to draw.
        label_frontier: write the ids of the frontier models next to their points (placed so
            that no two labels overlap; draw it on its final Axes, as labels are laid out in pixels).

    Returns:
        The Axes (log-log; a scatter of paid models, one of free models, the frontier line).

    Raises:
        InvalidParameterError: missing columns; ``ax`` that is not an Axes.
    """
    from .analysis.trends import frontier

    models = frame_arg("models", models, "id", y)
    _price_field(models, x)
    xs = models[x].to_numpy(dtype=float, na_value=np.nan)
    ys = models[y].to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(xs) & ~np.isnan(ys) & (ys > 0)
    # free is the one is_free rule (every listed price zero); a price of 0 here with other prices listed
    # (an image model priced per image token) is no price on this axis: not drawn, counted in the legend
    listed_free = models["is_free"].fillna(False).to_numpy(dtype=bool) if "is_free" in models.columns else True
    paid, free, elsewhere = ok & (xs > 0), ok & (xs == 0) & listed_free, ok & (xs == 0) & ~listed_free
    ax = _axes(ax)
    ax.scatter(xs[paid], ys[paid], s=14, alpha=0.5, label=f"paid models ({paid.sum()})")
    lowest = float(np.nanmin(xs[paid])) if paid.any() else 1e-2
    floor = lowest / 4  # the free column: apart from every price, in a column of its own
    if free.any():
        ax.scatter(
            np.full(free.sum(), floor),
            ys[free],
            marker="<",
            color="tab:green",
            s=24,
            alpha=0.6,
            label=f"free models ({free.sum()}), drawn at 0 (left column)",
        )
    if elsewhere.any():
        ax.plot([], [], " ", label=f"{elsewhere.sum()} priced 0 here but not free (other prices): not drawn")
    front = frontier(models, x=x, y=y)  # the one candidate rule (paid, text output): the same set as oc.frontier
    fx = front[x].to_numpy(dtype=float)
    fy = front[y].to_numpy(dtype=float)
    ax.step(fx, fy, where="post", color="tab:red", linewidth=1.5, label=f"frontier ({len(front)})")
    ax.scatter(fx, fy, color="tab:red", s=22, zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax.xaxis)
    if free.any():
        _zero_tick(ax, floor, lowest)
    xl = "prompt price (USD per million tokens)" if x == "prompt_usd_per_mtok" else _price_label(x)
    yl = "context window (tokens)" if y == "context_length" else y
    ax.set(xlabel=xl, ylabel=yl)
    _title(ax, "Price vs context")
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(True, which="both", alpha=0.2)
    if label_frontier and len(fy):
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, max(top, float(np.nanmax(fy)) * 3))  # headroom above the top label (a factor: log axis)
        free_marks = {(float(floor), float(v)) for v in ys[free]}  # the free models' column at the left edge
        _place_labels(ax, list(zip(fx, fy, front["id"].astype(str))), step_line=True, avoid=sorted(free_marks))
    return ax


def _price_label(field: str) -> str:
    """An axis label that says a price column's unit: ``*_usd_per_mtok`` per million tokens, a raw
    ``price_<key>`` in the API's unit (:data:`orcatalog.schema.PRICE_UNITS`: per token unless listed)."""
    from .schema import PRICE_UNITS

    if field.endswith("_usd_per_mtok"):
        return "USD per million tokens"
    if field.startswith("price_"):
        unit = PRICE_UNITS.get(field[len("price_") :], "token")
        return f"{field} ({unit})" if unit == "fraction" else f"{field} (USD per {unit})"
    if field.endswith("_usd"):
        return f"{field} (USD)"
    return field


def _price_field(frame: pd.DataFrame, field: str) -> None:
    """Refuse a ``field`` the frame lacks, naming the price columns it has (and the likely one)."""
    if isinstance(field, str) and field in frame.columns:
        return
    from .suggest import did_you_mean

    prices = [c for c in frame.columns if str(c).endswith(("_usd_per_mtok", "_usd")) or str(c).startswith("price_")]
    raise InvalidParameterError(
        f"field {field!r} is not a column of this frame{did_you_mean(str(field), prices)}; "
        f"price fields: {', '.join(map(str, prices)) or 'none'}"
    )


def _zero_tick(ax: Axes, at: float, lowest: float, axis: str = "x", *, separator: bool = True) -> None:
    """Mark the place ``at`` on a log axis (``"x"`` or ``"y"``) as price 0: its one tick labelled
    ``0 (free)``, no price tick between it and the lowest price (so nothing there reads as a price),
    and, with ``separator``, a dotted line between it and the lowest price. Call it once the data
    are drawn: it fixes the axis' ticks and limits."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    on = ax.xaxis if axis == "x" else ax.yaxis
    get_lim, set_lim = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    sep = float(np.sqrt(at * lowest))
    right = get_lim()[1]
    set_lim(at / 1.8, right)
    if separator:
        (ax.axvline if axis == "x" else ax.axhline)(sep, color="grey", linestyle=":", linewidth=1)
    major = [float(v) for v in on.get_majorticklocs() if sep * 1.15 < v <= right]  # clear of the "0 (free)" label
    minor = [float(v) for v in on.get_minorticklocs() if sep * 1.15 < v <= right and v not in major]
    on.set_major_locator(FixedLocator([at, *major]))
    on.set_minor_locator(FixedLocator(minor))
    on.set_major_formatter(FuncFormatter(lambda v, _: "0 (free)" if np.isclose(v, at) else f"{v:g}"))
    set_lim(at / 1.8, right)


def plot_market_trend(trend: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Median prompt and completion prices over time, with the interquartile range shaded.

    Each band spans the middle half of paid models' prices in a period (25th to 75th percentile).
    Completion prices are higher than prompt prices, but their spread is wide, so the two bands
    usually overlap: where they do, the colours mix (a legend entry says so) and each band's own
    dashed edges show where it ends.

    Args:
        trend: :func:`orcatalog.market_trend` without ``by`` (one row per period).
        ax: where to draw.

    Returns:
        The Axes (two median lines and two bands; log scale when prices span 20x or more).

    Raises:
        InvalidParameterError: not a market_trend frame, or a grouped one; ``ax`` that is not an Axes.
    """
    trend = frame_arg("trend", trend, "period", "prompt_median", "completion_median")
    if "group" in trend.columns:
        raise InvalidParameterError("plot_market_trend draws one market: pass market_trend(history) without by=")
    ax = _axes(ax)
    import matplotlib.colors as mcolors
    from matplotlib.patches import Patch

    colors = {"prompt": "tab:blue", "completion": "tab:orange"}
    trend = _broken_at_gaps(trend, "period")  # no line or band across a long gap without snapshots
    for side, color in colors.items():
        ax.plot(trend["period"], trend[f"{side}_median"], color=color, marker=".", label=f"{side} median")
        ax.fill_between(
            trend["period"],
            trend[f"{side}_q1"],
            trend[f"{side}_q3"],
            color=color,
            alpha=0.15,
            label=f"{side}: middle half of models (25th-75th percentile)",
        )
        for edge in ("q1", "q3"):  # the band's own edges, so overlapping bands stay readable
            ax.plot(trend["period"], trend[f"{side}_{edge}"], color=color, linewidth=0.8, linestyle="--", alpha=0.7)
    _log_if_wide(ax, trend[["prompt_q1", "completion_q3"]].to_numpy(dtype=float).ravel())
    ax.set(xlabel="period (UTC)", ylabel="USD per million tokens")
    _title(ax, "Market price trend (paid models)")
    handles, labels = ax.get_legend_handles_labels()
    both = np.array(mcolors.to_rgb(colors["prompt"])) * 0.5 + np.array(mcolors.to_rgb(colors["completion"])) * 0.5
    handles.append(Patch(facecolor=(*both, 0.3), edgecolor="none"))
    labels.append("where the two bands overlap")
    ax.legend(
        handles, labels, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False
    )  # below the Axes: the plot keeps its width
    _time_axis(ax)
    ax.grid(True, alpha=0.3)
    return ax


def plot_catalog_size(history_or_sizes: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Catalog size over time (step line from 0, left axis) and the models added, removed and
    returned (bars, right axis; each bar sums the snapshots of one period, an hour, 2, 3, 6 or 12
    hours, a day, 2 days, a week, ... whichever is the first at least 1/150 of the span, named on the axis, so that snapshots an hour apart never hide each other's bars). A count holds until the next snapshot; across a
    long gap without snapshots (see :func:`_gaps`) the line breaks over a grey span, and a snapshot
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
    from .analysis.trends import catalog_size

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
    for k, i in enumerate(sorted(gaps)):
        ax.axvspan(
            t[i], t[i + 1], color="grey", alpha=0.12, linewidth=0, label="no snapshots (a long gap)" if k == 0 else None
        )
    ax.set_ylim(0, max(float(np.nanmax(n)) * 1.08, 1) if len(n) else 1)  # from 0: a drop is seen at its true size
    right = ax.twinx()
    bars = _events_per_bar(sizes, t)
    width = bars.attrs["width"]
    right.bar(bars["at"], bars["added"], width=width, color="tab:green", alpha=0.6, label="added")
    right.bar(
        bars["at"], bars["returned"], width=width, bottom=bars["added"], color="tab:blue", alpha=0.6, label="returned"
    )
    right.bar(bars["at"], -bars["removed"], width=width, color="tab:red", alpha=0.6, label="removed")
    right.axhline(0, color="grey", linewidth=0.5)
    reach = float(max(bars["added"].add(bars["returned"]).max(), bars["removed"].max(), 1)) if len(bars) else 1.0
    right.set_ylim(-1.5 * reach, 1.5 * reach)  # 0 in the middle; the bars stay below the size line near the top
    right.set_ylabel(f"models added / returned (+) and removed (-) per {_duration_words(width)}")
    ax.set_zorder(right.get_zorder() + 1)  # the size line and its dots over the bars, never under them
    ax.patch.set_visible(False)
    ax.set(xlabel="snapshot time (UTC)", ylabel="models listed")
    _title(ax, "Catalog size")
    from matplotlib.lines import Line2D

    lines, labels = ax.get_legend_handles_labels()
    if alone:  # the legend's line shows the dots too
        lines[0] = Line2D([], [], color="black", linewidth=1.5, marker="o", markersize=3)
    bars, bar_labels = right.get_legend_handles_labels()
    # below the Axes, never over the line or the bars
    ax.legend(
        lines + bars,
        labels + bar_labels,
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=len(labels + bar_labels),
        frameon=False,
    )
    ax.grid(True, alpha=0.3)
    _time_axis(ax)
    ax.right = right  # type: ignore[attr-defined]
    return ax


def _events_per_bar(sizes: pd.DataFrame, t: pd.DatetimeIndex) -> pd.DataFrame:
    """The catalog-size chart's bars: models added, returned and removed, summed over periods of
    one bar's width (the first of :data:`_BAR_PERIODS` at least 1/150 of the time span) so that bars of snapshots an hour
    apart add up instead of covering each other. Columns ``at`` (the period's middle), ``added``,
    ``returned``, ``removed``; ``attrs["width"]`` is the period. The first snapshot's "added"
    (everything) is left out."""
    span = (t.max() - t.min()) if len(t) > 1 else pd.Timedelta("1D")
    width = next((w for w in _BAR_PERIODS if w >= span / 150), _BAR_PERIODS[-1])
    events = sizes.iloc[1:] if len(sizes) > 1 else sizes
    when = t[1:] if len(sizes) > 1 else t
    period = ((when - t.min()) // width).to_numpy()
    summed = events[["added", "returned", "removed"]].set_axis(range(len(events))).groupby(period, sort=True).sum()
    out = summed.reset_index(drop=True)
    out.insert(0, "at", t.min() + width * summed.index.to_numpy() + width / 2)
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


def plot_cost(cost: pd.DataFrame, n: int = 20, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the ``n`` cheapest models of an :func:`orcatalog.estimate_cost` result,
    stacked by cost component.

    Args:
        cost: ``estimate_cost(...)`` for a catalog (one row per model).
        n: how many models (the first ``n`` rows with a total; the result is sorted cheapest first).
        ax: where to draw.

    Returns:
        The Axes (one bar per model, one colour per component, USD on the x axis).

    Raises:
        InvalidParameterError: not an estimate_cost frame, or n < 1; ``ax`` that is not an Axes.
    """
    cost = frame_arg("cost", cost, "id", "total_usd")
    if "fetched_at" in cost.columns:
        raise InvalidParameterError(
            "plot_cost draws one catalog: pass estimate_cost() of a catalog (fetch_models or "
            "SnapshotStore.load), not of a history"
        )
    if cost["total_usd"].notna().sum() == 0:
        raise InvalidParameterError("no model in the cost frame has a total to draw")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidParameterError(f"n={n!r} is invalid: give an int >= 1")
    rows = cost[cost["total_usd"].notna()].head(n).iloc[::-1]
    components = [c for c in cost.columns if c.startswith("cost_") and rows[c].fillna(0).any()]
    ax = _axes(ax, figsize=(10, max(3.0, 0.3 * len(rows) + 1.5)))
    left = np.zeros(len(rows))
    labels = rows["id"].astype(str).to_numpy()
    for comp in components:
        values = rows[comp].fillna(0).to_numpy(dtype=float)
        ax.barh(labels, values, left=left, label=comp[len("cost_") :])
        left += values
    ax.set(xlabel="USD", ylabel="")
    _title(ax, f"Cost of {_workload_text(cost.attrs.get('workload'))}: the {len(rows)} cheapest models")
    ax.tick_params(axis="y", labelsize=8)
    if components:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, axis="x", alpha=0.3)
    return ax


def plot_endpoints(
    endpoints: pd.DataFrame,
    model_id: str | None = None,
    *,
    price: str = "completion",
    throughput: str = "p50",
    ax: Axes | None = None,
) -> Axes:
    """Price against throughput for the endpoints (providers) of one model, log-log, every point
    labelled with its tag; the cheapest-and-fastest corner is bottom right.

    Endpoints the plot cannot place (no throughput data: the API gives statistics only with a
    key; a free or unknown price on a log axis) are named in a note below the points.

    Args:
        endpoints: a frame from :func:`orcatalog.fetch_endpoints`.
        model_id: the model to draw (needed when the frame holds several).
        price: ``"completion"`` or ``"prompt"``: the effective price after discount, USD per million tokens.
        throughput: percentile of ``throughput_<p>`` (tokens per second): p50, p75, p90 or p99.
        ax: where to draw.

    Returns:
        The Axes (one point per endpoint, one colour per provider).

    Raises:
        InvalidParameterError: not an endpoints frame, an unknown model, price or percentile, no
            endpoint to draw; ``ax`` that is not an Axes.
    """
    endpoints = frame_arg("endpoints", endpoints, "model_id", "tag", "provider_name")
    if price not in ("prompt", "completion"):
        raise InvalidParameterError(f"price={price!r} is invalid: give 'prompt' or 'completion'")
    if throughput not in ("p50", "p75", "p90", "p99"):
        raise InvalidParameterError(f"throughput={throughput!r} is invalid: give p50, p75, p90 or p99")
    models = endpoints["model_id"].dropna().unique()
    if model_id is None:
        if len(models) != 1:
            raise InvalidParameterError(f"the frame holds {len(models)} models: pass model_id= (one of them)")
        model_id = str(models[0])
    rows = endpoints[(endpoints["model_id"] == model_id) & endpoints["tag"].notna()]
    if rows.empty:
        raise InvalidParameterError(f"no endpoint of {model_id!r} in the frame")
    y_col, x_col = f"effective_{price}_usd_per_mtok", f"throughput_{throughput}"
    xs = rows[x_col].to_numpy(dtype=float, na_value=np.nan)
    ys = rows[y_col].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0)
    ax = _axes(ax)
    providers = list(dict.fromkeys(rows["provider_name"].astype(str)))
    colours = {p: f"C{i % 10}" for i, p in enumerate(providers)}
    # endpoints at the same spot are drawn as concentric dots (the first drawn largest), so none hides another
    names = rows["provider_name"].astype(str).to_numpy()
    order = sorted((int(j) for j in np.flatnonzero(ok)), key=lambda j: providers.index(names[j]))
    spots = [(float(xs[i]), float(ys[i])) for i in order]
    sizes = np.full(len(xs), 40.0)
    for k, at in enumerate(order):
        sizes[at] = 40.0 * 2.2 ** spots[k + 1 :].count(spots[k])  # larger by the dots drawn over it
    for provider in providers:
        mask = ok & (names == provider)
        if mask.any():
            ax.scatter(
                xs[mask],
                ys[mask],
                s=sizes[mask],
                color=colours[provider],
                label=provider,
                zorder=3,
                edgecolors="white",
                linewidths=0.6,
            )
    points: dict[tuple[float, float], list[str]] = {}  # endpoints at the same spot share one label
    for tag, px, py, good in zip(rows["tag"].astype(str), xs, ys, ok):
        if good:
            points.setdefault((float(px), float(py)), []).append(tag)
    for i, ((px, py), tags) in enumerate(sorted(points.items())):
        ax.annotate(
            "\n".join(tags),
            (px, py),
            textcoords="offset points",
            fontsize=8,
            va="bottom",
            xytext=(5, 4 if i % 2 == 0 else -6 - 11 * len(tags)),
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    if ok.any():  # room for the labels: a log axis needs a factor of headroom
        ax.set_xlim(xs[ok].min() / 1.5, xs[ok].max() * 2.5)
        ax.set_ylim(ys[ok].min() / 1.3, ys[ok].max() * 1.3)
    _plain_log_ticks(ax.xaxis)
    _plain_log_ticks(ax.yaxis)
    ax.set(
        xlabel=f"throughput {throughput} (tokens per second, last 30 min)",
        ylabel=f"{price} price after discount\n(USD per million tokens)",
    )
    if ok.any():
        legend = ax.legend(
            fontsize="small", title="provider", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0
        )
        for handle in legend.legend_handles:  # one marker size in the legend, whatever the dots' sizes
            handle.set_sizes([40.0])  # type: ignore[union-attr]
        _root(ax).draw_without_rendering()  # the legend's room is taken before the title is wrapped
    _title(ax, f"{model_id}: {price} price vs throughput ({throughput}) per endpoint")
    missing = rows["tag"].astype(str).to_numpy()[~ok]
    if len(missing):  # wrapped to the Axes' width (known now), inside the frame
        import textwrap

        chars = max(30, int(ax.get_position().width * _root(ax).get_figwidth() * 72 / (0.6 * 7)))
        ax.text(
            0.01,
            0.01,
            textwrap.fill(
                "not drawn (no throughput data or no paid price): " + ", ".join(missing),
                chars,
                break_on_hyphens=False,
                break_long_words=False,
            ),
            transform=ax.transAxes,
            fontsize=7,
            color="grey",
            va="bottom",
        )
    ax.grid(True, which="both", alpha=0.25)
    return ax


def plot_reprice(summary: pd.DataFrame, n: int = 10, *, ax: Axes | None = None) -> Axes:
    """The ``n`` cheapest alternatives of a repricing as horizontal bars (their totals, USD) with
    the actual bill as a vertical line.

    The bill drawn is what the rows those alternatives can serve were billed (the ``billed_usd``
    of :meth:`orcatalog.analysis.reprice.Repricing.summary`): one line when the shown alternatives
    serve the same rows, else a tick on each bar at its own bill and a line at the period's bill.
    A label says the share of rows an alternative can serve when it is not all of them.

    Args:
        summary: ``oc.reprice(...).summary()`` (sorted: most rows served, then cheapest).
        n: how many alternatives (the first ``n`` rows that served any row).
        ax: where to draw.

    Returns:
        The Axes (USD on the x axis).

    Raises:
        InvalidParameterError: not a repricing summary, no alternative served a row, n < 1; ``ax``
            that is not an Axes.
    """
    summary = frame_arg("summary", summary, "alternative", "total_usd", "billed_usd", "served_share")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidParameterError(f"n={n!r} is invalid: give an int >= 1")
    served = summary[summary["served_share"] > 0]
    if served.empty:
        raise InvalidParameterError("no alternative could serve any usage row: nothing to draw")
    rows = served.head(n).iloc[::-1]
    ax = _axes(ax, figsize=(10, max(3.0, 0.35 * len(rows) + 1.8)))
    shares = rows["served_share"].to_numpy(dtype=float)
    labels = [a if s >= 0.9995 else f"{a} ({s:.0%} of rows)" for a, s in zip(rows["alternative"].astype(str), shares)]
    totals = rows["total_usd"].to_numpy(dtype=float)
    billed = rows["billed_usd"].to_numpy(dtype=float)
    ax.barh(labels, totals, color="tab:blue", label="priced on the alternative")
    if np.isnan(billed).all():  # usage without a bill: nothing to draw it against
        ax.plot([], [], linestyle="none", label="no bill in the usage (no usage_usd)")
    elif np.allclose(billed, billed[0], rtol=1e-9, atol=1e-12):
        ax.axvline(billed[0], color="tab:red", linewidth=2, label=f"actual bill of those rows: ${billed[0]:,.2f}")
    else:
        ax.plot(
            billed,
            labels,
            linestyle="none",
            marker="|",
            markersize=14,
            color="tab:red",
            label="actual bill of the rows each can serve",
        )
        total = summary.attrs.get("billed_total_usd")
        if isinstance(total, (int, float)) and np.isfinite(total):
            ax.axvline(total, color="tab:red", linestyle="--", label=f"actual bill of the period: ${total:,.2f}")
    ax.set(xlabel="USD over the period", ylabel="")
    _title(ax, f"Your usage priced on the {len(rows)} cheapest alternatives")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(True, axis="x", alpha=0.3)
    return ax
