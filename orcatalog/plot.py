"""Charts of catalog frames, history and analysis results (matplotlib, imported on first use).

Every function takes frames and an optional ``ax=``, draws on it (or on a new figure), and returns
the Axes. None fetches, reads files or calls ``show()``. Prices are in USD per million tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis.args import frame_arg
from .errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_price_history", "plot_price_vs_context", "plot_market_trend", "plot_catalog_size", "plot_cost",
           "plot_endpoints"]

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
        parts = [f"{workload[c.argument]:,} {c.name.replace('_', ' ')}" for c in COMPONENTS
                 if c.part_of == side and workload.get(c.argument)]  # fmt: skip
        if workload.get(f"{side}_tokens"):
            sides.append(f"{workload[f'{side}_tokens']:,} {side}" + (f" ({', '.join(parts)})" if parts else ""))
    counted = [f"{workload[c.argument]:,} {c.argument.replace('_', ' ')}" for c in COMPONENTS
               if c.part_of is None and not c.argument.endswith("_tokens") and c.argument != "requests"
               and workload.get(c.argument)]  # fmt: skip
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


def plot_price_history(
    history: pd.DataFrame,
    ids: str | list[str] | None = None,
    *,
    field: str = "prompt_usd_per_mtok",
    ax: Axes | None = None,
) -> Axes:
    """One step line per model: its price at each snapshot, with each change marked by a dot.

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
    history = frame_arg("history", history, "id", "fetched_at", field)
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
    values = []
    import matplotlib

    palette = matplotlib.colormaps["tab20" if len(ids) > 10 else "tab10"]  # no colour twice (up to 20 lines)
    colors = [palette(i) for i in range(palette.N)]
    for k, mid in enumerate(ids):
        g = frame[frame["id"] == mid].sort_values("fetched_at")
        y = g[field].to_numpy(dtype=float, na_value=np.nan)
        (line,) = ax.step(g["fetched_at"], y, where="post", label=mid, linewidth=1.5, color=colors[k % len(colors)])
        change = np.r_[False, y[1:] != y[:-1]] & ~np.isnan(y)
        ax.plot(g["fetched_at"][change], y[change], "o", color=line.get_color(), markersize=5)
        values.append(y)
    _log_if_wide(ax, np.concatenate(values) if values else np.array([]))
    unit = "USD per million tokens" if field.endswith("_usd_per_mtok") else field
    names = {"prompt_usd_per_mtok": "Prompt price history", "completion_usd_per_mtok": "Completion price history"}
    ax.set(title=names.get(field, f"Price history: {field}"), xlabel="snapshot time (UTC)", ylabel=unit)
    if ids:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, alpha=0.3)
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

    Free models (price 0) cannot sit on a log axis: they are drawn as green triangles on the
    left edge, at half the lowest paid price, and counted in the legend.

    Args:
        models: a contract frame (one row per model).
        x, y: the price and size columns (default prompt price in USD per million tokens, context
            length in tokens).
        ax: where to draw.
        label_frontier: write the ids of the frontier models next to their points.

    Returns:
        The Axes (log-log; a scatter of paid models, one of free models, the frontier line).

    Raises:
        InvalidParameterError: missing columns; ``ax`` that is not an Axes.
    """
    from .analysis.trends import frontier

    models = frame_arg("models", models, "id", x, y)
    xs = models[x].to_numpy(dtype=float, na_value=np.nan)
    ys = models[y].to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(xs) & ~np.isnan(ys) & (ys > 0)
    paid, free = ok & (xs > 0), ok & (xs == 0)
    ax = _axes(ax)
    ax.scatter(xs[paid], ys[paid], s=14, alpha=0.5, label=f"paid models ({paid.sum()})")
    floor = np.nanmin(xs[paid]) / 2 if paid.any() else 1e-3
    if free.any():
        ax.scatter(np.full(free.sum(), floor), ys[free], marker="<", color="tab:green", s=24, alpha=0.6,
                   label=f"free models ({free.sum()}), drawn at the left edge")  # fmt: skip
    front = frontier(models[paid], x=x, y=y)
    fx = front[x].to_numpy(dtype=float)
    fy = front[y].to_numpy(dtype=float)
    ax.step(fx, fy, where="post", color="tab:red", linewidth=1.5, label=f"frontier ({len(front)})")
    ax.scatter(fx, fy, color="tab:red", s=22, zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    if label_frontier and len(fy):
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, max(top, float(np.nanmax(fy)) * 3))  # headroom above the top label (a factor: log axis)
        left, right = np.log10(ax.get_xlim())
        for i, (mid, px, py) in enumerate(zip(front["id"].astype(str), fx, fy)):
            # the step line arrives from below and leaves rightwards: label up and to the left, or,
            # near the left edge where there is no room, down and to the right, under the line
            room = (np.log10(px) - left) / (right - left) > 0.25
            ax.annotate(mid, (px, py), textcoords="offset points", fontsize=7, ha="right" if room else "left",
                        xytext=(-6, 5 + 10 * (i % 3)) if room else (6, -14 - 10 * (i % 3)),
                        arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5})  # fmt: skip
    _plain_log_ticks(ax.xaxis)
    xl = "prompt price (USD per million tokens)" if x == "prompt_usd_per_mtok" else x
    yl = "context window (tokens)" if y == "context_length" else y
    ax.set(title="Price vs context", xlabel=xl, ylabel=yl)
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(True, which="both", alpha=0.2)
    return ax


def plot_market_trend(trend: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Median prompt and completion prices over time, with the interquartile range shaded.

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
    for side, color in (("prompt", "tab:blue"), ("completion", "tab:orange")):
        ax.plot(trend["period"], trend[f"{side}_median"], color=color, marker=".", label=f"{side} median")
        ax.fill_between(trend["period"], trend[f"{side}_q1"], trend[f"{side}_q3"], color=color, alpha=0.12,
                        label=f"{side} interquartile range")  # fmt: skip
        for edge in ("q1", "q3"):  # the band's own edges, so overlapping bands stay readable
            ax.plot(trend["period"], trend[f"{side}_{edge}"], color=color, linewidth=0.8, linestyle="--", alpha=0.7)
    _log_if_wide(ax, trend[["prompt_q1", "completion_q3"]].to_numpy(dtype=float).ravel())
    ax.set(title="Market price trend (paid models)", xlabel="period (UTC)", ylabel="USD per million tokens")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, alpha=0.3)
    return ax


def plot_catalog_size(history_or_sizes: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Catalog size over time (line, left axis) and the models added, removed and returned at each
    snapshot (bars, right axis).

    Args:
        history_or_sizes: ``SnapshotStore.history()`` or :func:`orcatalog.catalog_size`'s result.
        ax: where to draw.

    Returns:
        The Axes of the size line (``ax.right`` holds the twin Axes of the bars).

    Raises:
        InvalidParameterError: neither kind of frame; ``ax`` that is not an Axes.
    """
    from .analysis.trends import catalog_size

    frame = history_or_sizes
    if isinstance(frame, pd.DataFrame) and "n_models" not in frame.columns:
        frame = catalog_size(frame)
    sizes = frame_arg("sizes", frame, "fetched_at", "n_models", "added", "removed", "returned")
    ax = _axes(ax)
    ax.plot(sizes["fetched_at"], sizes["n_models"], color="black", linewidth=1.5, label="models listed")
    right = ax.twinx()
    t = pd.DatetimeIndex(sizes["fetched_at"]).as_unit("ns")
    span = (t.max() - t.min()) if len(t) > 1 else pd.Timedelta("1D")
    width = max(span / 150, pd.Timedelta("1h"))  # visible at any density of snapshots
    series = sizes.iloc[1:] if len(sizes) > 1 else sizes  # the first snapshot "adds" everything
    right.bar(series["fetched_at"], series["added"], width=width, color="tab:green", alpha=0.6, label="added")
    right.bar(series["fetched_at"], series["returned"], width=width, bottom=series["added"], color="tab:blue",
              alpha=0.6, label="returned")  # fmt: skip
    right.bar(series["fetched_at"], -series["removed"], width=width, color="tab:red", alpha=0.6, label="removed")
    right.axhline(0, color="grey", linewidth=0.5)
    right.set_ylabel("models added / returned (+) and removed (-) per snapshot")
    ax.set(title="Catalog size", xlabel="snapshot time (UTC)", ylabel="models listed")
    lines, labels = ax.get_legend_handles_labels()
    bars, bar_labels = right.get_legend_handles_labels()
    ax.legend(lines + bars, labels + bar_labels, fontsize="small", loc="upper left")
    ax.grid(True, alpha=0.3)
    ax.right = right  # type: ignore[attr-defined]
    return ax


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
        raise InvalidParameterError("plot_cost draws one catalog: pass estimate_cost() of a catalog (fetch_models or "
                                    "SnapshotStore.load), not of a history")  # fmt: skip
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
    ax.set(title=f"Cost of {_workload_text(cost.attrs.get('workload'))}: the {len(rows)} cheapest models",
           xlabel="USD", ylabel="")  # fmt: skip
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
    for provider in providers:
        mask = ok & (rows["provider_name"].astype(str).to_numpy() == provider)
        if mask.any():
            ax.scatter(xs[mask], ys[mask], s=40, color=colours[provider], label=provider, zorder=3)
    points: dict[tuple[float, float], list[str]] = {}  # endpoints at the same spot share one label
    for tag, px, py, good in zip(rows["tag"].astype(str), xs, ys, ok):
        if good:
            points.setdefault((float(px), float(py)), []).append(tag)
    for i, ((px, py), tags) in enumerate(sorted(points.items())):
        ax.annotate("\n".join(tags), (px, py), textcoords="offset points", fontsize=8, va="bottom",
                    xytext=(5, 4 if i % 2 == 0 else -6 - 11 * len(tags)))  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    if ok.any():  # room for the labels: a log axis needs a factor of headroom
        ax.set_xlim(xs[ok].min() / 1.5, xs[ok].max() * 2.5)
        ax.set_ylim(ys[ok].min() / 1.3, ys[ok].max() * 1.3)
    _plain_log_ticks(ax.xaxis)
    _plain_log_ticks(ax.yaxis)
    missing = rows["tag"].astype(str).to_numpy()[~ok]
    if len(missing):
        ax.text(0.01, 0.01, "not drawn (no throughput data or no paid price): " + ", ".join(missing),
                transform=ax.transAxes, fontsize=7, color="grey", va="bottom")  # fmt: skip
    ax.set(title=f"{model_id}: {price} price vs throughput ({throughput}) per endpoint",
           xlabel=f"throughput {throughput} (tokens per second, last 30 min)",
           ylabel=f"{price} price after discount (USD per million tokens)")  # fmt: skip
    if ok.any():
        ax.legend(fontsize="small", title="provider", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, which="both", alpha=0.25)
    return ax
