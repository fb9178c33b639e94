"""The drawing rules every chart shares, each in one helper: a given or new Axes (:func:`_axes`);
titles wrapped to the Axes' width (:func:`_title`); plainly labelled log axes (:func:`_plain_log_ticks`,
:func:`_log_if_wide`); concise date ticks (:func:`_time_axis`); a window of days around a single snapshot (:func:`_one_time_window`); a price of 0 on a log axis drawn at a
marked floor, never dropped (:func:`_zero_floor`, :func:`_zero_tick`); a price column's unit on its
axis (:func:`_price_label`) and the check that a price column exists (:func:`_price_field`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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


def _plain_log_ticks(axis: Any, *, narrow: bool = False) -> None:
    """Label a log axis with plain numbers (0.2, 0.5, 1, 2, ...) instead of powers of ten only;
    ``narrow`` (a span under about 4x, where 0.2, 0.5, 1 leave two ticks, and the steps of a decade
    none between 10 and 20): evenly spaced round values across the span (6, 8, 10, 12, ..., 18),
    as a linear axis would have them."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    if narrow:
        axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        axis.set_minor_locator(NullLocator())
        return
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


def _under_x_label(ax: Axes) -> dict[str, Any]:
    """Where a legend below the Axes goes: its top just under the x tick labels and the x label, at
    any figure size (a fixed fraction of the Axes' height put it over a long x label on a small
    chart), as ``ax.legend`` arguments with ``loc="upper center"``. Measured in inches from a layout
    drawn without rendering: call it once the ticks and labels are set, before the legend."""
    from matplotlib.transforms import ScaledTranslation

    fig = _root(ax)
    fig.draw_without_rendering()
    tight = ax.get_tightbbox()  # the Axes with its tick labels, axis labels and title, pixels
    low = ax.get_window_extent().y0 if tight is None else tight.y0
    drop = (ax.get_window_extent().y0 - low) / fig.dpi + 0.05  # inches, plus air
    return {
        "bbox_to_anchor": (0.5, 0),
        "bbox_transform": ax.transAxes + ScaledTranslation(0, -drop, fig.dpi_scale_trans),
    }


def _legend_below(ax: Axes, *handles_labels: Any, ncol: int) -> Any:
    """The one legend below the Axes of the charts that keep their plot's width free: under the x
    labels (:func:`_under_x_label`), in ``ncol`` columns while they fit the figure's width, else
    half as many, down to one (at 7 in, two or four columns ran off both sides). ``handles_labels``:
    the ``(handles, labels)`` of ``ax.legend``, or nothing for the Axes' own. Returns the Legend."""
    under = _under_x_label(ax)
    width = _root(ax).bbox.width
    while True:
        legend = ax.legend(*handles_labels, fontsize="small", loc="upper center", ncol=ncol, frameon=False, **under)
        if ncol == 1 or legend.get_window_extent().width <= 0.98 * width:  # pixels, as drawn
            return legend
        ncol = max(1, ncol // 2)


def _title(ax: Axes, text: str) -> None:
    """Set the title, wrapped to the Axes' width so a long one never runs off the figure."""
    import textwrap

    from matplotlib.font_manager import FontProperties

    size = FontProperties(size=ax.title.get_fontsize()).get_size_in_points()
    width_pt = ax.get_position().width * _root(ax).get_figwidth() * 72
    chars = max(20, int(width_pt / (0.6 * size)))  # 0.6 em: a wide average glyph, so lines fit
    ax.set_title("\n".join(textwrap.wrap(text, chars)) if len(text) > chars else text)


def _time_axis(ax: Axes) -> None:
    """Concise date ticks on the x axis (the year and month once, not on every label). Call it
    after the data are drawn: the axis then starts at a tick at or before the first point, so the
    first date can be read off the axis (trial R F12: the first snapshot sat left of the first tick,
    unlabelled)."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    first = ax.dataLim.x0
    if not np.isfinite(first) or ax.dataLim.width <= 0:
        return  # nothing drawn, or one time (_one_time_window sets that axis)

    def ticks(lo: float, hi: float) -> np.ndarray:  # where the locator puts ticks for a view lo..hi
        return np.asarray(locator.tick_values(mdates.num2date(lo), mdates.num2date(hi)))

    for _ in range(4):  # a wider view may take another interval: look again
        left, right = ax.get_xlim()
        shown = ticks(left, right)
        if ((shown >= left) & (shown <= first)).any():
            return  # a tick at or before the first point is in view
        wider = ticks(left - 0.25 * (right - left), right)
        before = wider[wider <= first]
        if not len(before):
            return
        ax.set_xlim(left=before[-1])


#: The note a time chart of a single snapshot (or period) carries.
ONE_SNAPSHOT_NOTE = "one snapshot"


def _one_time_window(ax: Axes, times: Any, days: float = 3, note: str = ONE_SNAPSHOT_NOTE) -> bool:
    """A time axis with one distinct time (one snapshot, or one period of a trend) would span years
    around its single point: give it ``days`` either side instead and write ``note`` (default
    :data:`ONE_SNAPSHOT_NOTE`, with the time, UTC) in the Axes' top left corner. Call it after the
    data are drawn.

    Returns:
        Whether there was one time (and the window was set).
    """
    import matplotlib.dates as mdates

    distinct = pd.DatetimeIndex(pd.Series(times).dropna().unique())
    if len(distinct) != 1:
        return False
    at = distinct[0].tz_convert(None) if distinct[0].tzinfo is not None else distinct[0]
    ax.set_xlim(mdates.date2num(at - pd.Timedelta(days=days)), mdates.date2num(at + pd.Timedelta(days=days)))
    ax.text(
        0.01,
        0.98,
        f"{note} ({at:%Y-%m-%d %H:%M} UTC): nothing to compare over time yet",
        transform=ax.transAxes,
        va="top",
        fontsize="small",
        color="dimgrey",
    )
    return True


def _zero_floor(ax: Axes, positive_min: float) -> float:
    """Where a price of 0 is drawn on a log y axis: a dotted line at half the lowest positive price,
    labelled in the legend (and its tick ``0``, :func:`_zero_tick`) so it is not read as a price.
    A price of 0 is not a free model (its other prices may not be 0; trial: "0 (free)" on a model
    whose prompt price alone was cut to 0). Returns that height."""
    floor = positive_min / 2
    ax.axhline(floor, color="grey", linestyle=":", linewidth=1, label="price 0, drawn on this line")
    return floor


def _zero_tick(
    ax: Axes, at: float, lowest: float, axis: str = "x", *, separator: bool = True, label: str = "0 (free)"
) -> None:
    """Mark the place ``at`` on a log axis (``"x"`` or ``"y"``) as price 0: its one tick labelled
    ``label`` (``0 (free)`` where the models drawn there are free, ``0`` where only a price is), no
    price tick between it and the lowest price (so nothing there reads as a price), and, with
    ``separator``, a dotted line between it and the lowest price. Call it once the data are drawn:
    it fixes the axis' ticks and limits."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    on = ax.xaxis if axis == "x" else ax.yaxis
    get_lim, set_lim = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    sep = float(np.sqrt(at * lowest))
    right = get_lim()[1]
    set_lim(at / 1.8, right)
    if separator:
        (ax.axvline if axis == "x" else ax.axhline)(sep, color="grey", linestyle=":", linewidth=1)
    major = [float(v) for v in on.get_majorticklocs() if sep * 1.15 < v <= right]  # clear of the 0's label
    minor = [float(v) for v in on.get_minorticklocs() if sep * 1.15 < v <= right and v not in major]
    on.set_major_locator(FixedLocator([at, *major]))
    on.set_minor_locator(FixedLocator(minor))
    on.set_major_formatter(FuncFormatter(lambda v, _: label if np.isclose(v, at) else f"{v:g}"))
    set_lim(at / 1.8, right)


def _price_label(field: str) -> str:
    """The axis label of a price field, in words with its unit (the one labelling rule of the price
    charts): ``prompt price (USD per million tokens)`` for ``prompt_usd_per_mtok``, ``input cache
    read price (USD per million tokens)`` for ``price_input_cache_read_usd_per_mtok``, a raw
    ``price_<key>`` in the API's unit (:func:`orcatalog.schema.price_unit`: ``request price (USD
    per request)``; a key of undeclared unit says ``unit unknown``, never a guess); a table's
    ``price_<key>_usd`` heading in its unit. Any other field keeps its name, with ``(USD)`` when it
    ends in ``_usd``."""
    from ..schema import UNKNOWN_UNIT, is_price_column, price_heading, price_unit

    def words(name: str) -> str:
        return name.removeprefix("price_").replace("_", " ")

    if field.endswith("_usd_per_mtok"):
        return f"{words(field.removesuffix('_usd_per_mtok'))} price (USD per million tokens)"
    column = field.removesuffix("_usd") if field.endswith("_usd") and price_heading(field[:-4]) == field else field
    if is_price_column(column):
        unit = price_unit(column)
        if unit == UNKNOWN_UNIT:
            return f"{words(column)} price (unit unknown: as the API wrote it)"
        if unit == "fraction":
            return f"{words(column)} (fraction)"
        return f"{words(column)} price (USD per {'input image' if unit == 'image' else unit})"
    if field.endswith("_usd"):
        return f"{field} (USD)"
    return field


def _price_field(frame: pd.DataFrame, field: str, argument: str = "field") -> tuple[pd.DataFrame, str, str]:
    """The frame with the price ``field`` names drawn in the unit tables show it in, the name it is
    drawn under, and the column whose unit rule applies to it.

    ``field`` is a price column (:func:`orcatalog.schema.is_price_column`, the one rule, or a
    ``*_usd_per_mtok`` column) or the heading tables print it under
    (:func:`orcatalog.analysis.args.field_arg`). Either name draws the same chart: the column's table
    heading (:func:`orcatalog.schema.price_heading`) in the table's unit, so ``price_input_cache_read``
    and ``price_input_cache_read_usd_per_mtok`` both draw USD per million tokens (the column times
    the factor :func:`orcatalog.schema.price_field` gives for its heading). Anything else (a size such
    as ``context_length``) is refused, naming every accepted price name (and the likely one).

    Returns:
        ``(frame, drawn, column)``: ``drawn`` is the name of the column of ``frame`` to draw.

    Raises:
        InvalidParameterError: ``field`` names no price column of ``frame``.
    """
    from ..analysis.args import field_arg
    from ..schema import price_columns, price_field, price_heading

    prices = list(
        dict.fromkeys([*price_columns(frame), *(str(c) for c in frame.columns if str(c).endswith("_usd_per_mtok"))])
    )
    column, _ = field_arg(argument, field, prices)
    drawn = price_heading(column)
    found = price_field(drawn, prices) if drawn != column else None
    if found is None:
        return frame, column, column
    return frame.assign(**{drawn: frame[column].astype("float64") * found[1]}), drawn, column
