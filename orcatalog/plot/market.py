"""The market's median prompt and completion prices over time, with their interquartile bands
(:func:`plot_market_trend`). Prices in USD per million tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.args import frame_arg
from ..errors import InvalidParameterError
from ._axes import (
    _axes,
    _log_if_wide,
    _one_time_window,
    _time_axis,
    _legend_below,
    _title,
)
from ._gaps import _broken_at_gaps, _period_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes


#: The legend's words for the bar of a period that stands alone (no band: :func:`plot_market_trend`).
ALONE_NOTE = "the same, a bar where a period stands alone"


def _alone(finite: np.ndarray) -> np.ndarray:
    """Per row, whether it has a value and neither neighbour has one (a period alone between long
    gaps, or the only one): a band through it would have no width."""
    before = np.r_[False, finite[:-1]]
    after = np.r_[finite[1:], False]
    return finite & ~before & ~after


def plot_market_trend(trend: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Median prompt and completion prices over time, with the interquartile range shaded.

    Each band spans the middle half of paid models' prices in a period (25th to 75th percentile).
    Completion prices are higher than prompt prices, but their spread is wide, so the two bands
    usually overlap: where they do, the colours mix (a legend entry says so) and each band's own
    dashed edges show where it ends. A period alone between long gaps (:func:`_gaps`), or the only
    one, has no band (it would have no width): its quartiles are two bars side by side, prompt left
    of completion, and its medians are dots; the legend names only what is drawn.

    Args:
        trend: :func:`orcatalog.market_trend` without ``by`` (one row per period).
        ax: where to draw.

    Returns:
        The Axes (two median lines, two bands, and for periods alone two vertical-line
        collections with gid ``"<side> quartiles alone"``; log scale when prices span 20x or more).

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
    # no line or band across a long gap without snapshots, at any frequency (8 periods or more)
    trend = _broken_at_gaps(trend, "period", _period_of(str(trend.attrs.get("freq", ""))))
    # a period alone between gaps (or the only one) has no band to draw: its quartiles are a bar
    alone = _alone(trend["prompt_median"].notna().to_numpy() | trend["completion_median"].notna().to_numpy())
    from matplotlib.lines import Line2D
    from matplotlib.transforms import ScaledTranslation

    keys: list[tuple[Any, str]] = []
    banded = {}
    for k, (side, color) in enumerate(colors.items()):
        (median,) = ax.plot(trend["period"], trend[f"{side}_median"], color=color, marker=".", label=f"{side} median")
        keys.append((median, f"{side} median"))
        q1, q3 = (trend[f"{side}_{edge}"].astype("float64").mask(alone) for edge in ("q1", "q3"))
        banded[side] = bool((q1.notna() & q3.notna()).any())
        said = f"{side}: middle half (25th-75th percentile)"  # short: two columns of these fit the figure
        if banded[side]:
            ax.fill_between(trend["period"], q1, q3, color=color, alpha=0.15, label=said)
            for edge in (q1, q3):  # the band's own edges, so overlapping bands stay readable
                ax.plot(trend["period"], edge, color=color, linewidth=0.8, linestyle="--", alpha=0.7)
            keys.append((Patch(facecolor=color, alpha=0.15, edgecolor="none"), said))
        if alone.any():  # beside each other (3 points apart), never over each other
            import matplotlib.dates as mdates

            x = mdates.date2num(pd.DatetimeIndex(trend.loc[alone, "period"]).tz_localize(None))
            lows, highs = (trend.loc[alone, f"{side}_{e}"].to_numpy(dtype=float, na_value=np.nan) for e in ("q1", "q3"))
            # a shifted transform hides the bars from autoscaling: give it their ends
            ends = np.column_stack([np.r_[x, x], np.r_[lows, highs]])
            ax.update_datalim(ends[np.isfinite(ends).all(axis=1)])
            shifted = ax.transData + ScaledTranslation((2 * k - 1) * 3 / 72, 0, ax.figure.dpi_scale_trans)
            ax.vlines(
                trend.loc[alone, "period"],
                trend.loc[alone, f"{side}_q1"].astype("float64"),
                trend.loc[alone, f"{side}_q3"].astype("float64"),
                color=color,
                linewidth=5,
                alpha=0.35,
                transform=shifted,
                label="_nolegend_",
                gid=f"{side} quartiles alone",
            )
            bar = (
                f"{side}: {ALONE_NOTE}"
                if banded[side]
                else f"{said}, a bar: {'one period' if alone.sum() == 1 else 'periods alone'}, no band"
            )
            keys.append((Line2D([], [], color=color, linewidth=5, alpha=0.35), bar))
    _log_if_wide(ax, trend[["prompt_q1", "completion_q3"]].to_numpy(dtype=float).ravel())
    ax.set(xlabel="period (UTC)", ylabel="USD per million tokens")
    _title(ax, "Market price trend (paid models)")
    handles, labels = [h for h, _ in keys], [lb for _, lb in keys]
    if all(banded.values()):  # two bands to overlap
        both = np.array(mcolors.to_rgb(colors["prompt"])) * 0.5 + np.array(mcolors.to_rgb(colors["completion"])) * 0.5
        after = sum(lb.startswith("prompt") for lb in labels)  # at the foot of prompt's column
        handles.insert(after, Patch(facecolor=(*both, 0.3), edgecolor="none"))
        labels.insert(after, "where the two bands overlap")
    _time_axis(ax)
    _one_time_window(ax, trend["period"], note="one period")  # days around it, not years
    _legend_below(ax, handles, labels, ncol=2)  # prompt's entries left of completion's: the plot keeps its width
    ax.grid(True, alpha=0.3)
    return ax
