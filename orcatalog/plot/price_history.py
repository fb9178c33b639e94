"""One model's prices over time (:func:`plot_price_history`): a step line per model that breaks at
long gaps between snapshots and where the model was not listed, drawn in the field's unit only.
The marks beside the lines (a price no longer listed, a dynamic price) are drawn by :mod:`._history_marks`.
Prices in USD per million tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.args import frame_arg
from ..errors import InvalidParameterError
from ._axes import (
    _axes,
    _log_if_wide,
    _price_field,
    _price_label,
    _time_axis,
    _title,
    _zero_floor,
    _zero_tick,
)
from ._gaps import _gaps, _shade_gaps
from ._history_marks import (
    DYNAMIC_LABEL,
    GONE_LABEL,
    GONE_MARKER,
    _dynamic_flags,
    _mark_dynamic,
    _mark_no_longer_listed,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_MAX_LABELS = 12


#: Line styles and markers cycled with the colours, so series stay apart even where they coincide.
_LINESTYLES = ("-", "--", "-.", ":")


#: No "X": that shape marks a price no longer listed (:data:`._history_marks.GONE_MARKER`; re-check trial).
_MARKERS = ("o", "s", "^", "D", "v", "P", "d", "<", ">", "p", "h", "*")


#: Marker size (points) of a price drawn by one series, and how much larger it is for each series
#: whose marker is drawn over it at the same time and price (:func:`_covered_by_later`).
MARKER_SIZE = 5.0
MARKER_RING = 3.0


def _face(k: int, color: Any) -> Any:
    """The face of the ``k``-th series' markers: filled, or hollow (every other series) and
    see-through, so a marker beneath a hollow one shows."""
    return "none" if k % 2 else color


def _covered_by_later(k: int, marks: list[tuple[np.ndarray, np.ndarray, Any, Any]]) -> np.ndarray:
    """For each marker of series ``k``: how many series drawn after it (above it) have a marker at
    the same time and price. Such a marker is drawn :data:`MARKER_RING` points larger per series
    above it, so a ring of each shows (trial: the report's top mover had the price of two other
    drawn models on three snapshots, and its markers sat exactly under theirs)."""
    t, y = marks[k][0], marks[k][1]
    later = [set(zip(np.asarray(lt).tolist(), ly.tolist())) for lt, ly, _, _ in marks[k + 1 :]]
    return np.array([sum(p in points for points in later) for p in zip(np.asarray(t).tolist(), y.tolist())], dtype=int)


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
    0 is drawn on a dotted floor line (labelled in the legend; its axis tick reads ``0``),
    never left out. A value that is not a price in the field's unit
    (:func:`orcatalog.schema.not_in_column_unit`: the per-token 0 of a model priced per image
    token, request, ...; a ``price_image`` that is a per-token rate) is not drawn, and the model's
    legend entry says how it is priced. Where a model's price was dynamic (the API listed ``"-1"``,
    decided per request) its line has a gap, hatched in its colour and named in the legend
    (:data:`DYNAMIC_LABEL`, :func:`_mark_dynamic`). No line holds a price across a long gap
    without snapshots (the one rule of :func:`orcatalog.plot._gaps._gaps`, drawn grey): the price
    after it is a marker of its own. Where a price stops being listed (its key vanished, or the
    model left the catalog, for good or until a later snapshot lists it again: the one rule of
    :func:`orcatalog.analysis.changes.absences`) an ``X`` in the model's colour marks it at its
    last price (:data:`GONE_LABEL`), never a drop to 0, and no line holds a price while the model
    was not listed: its first price back is a marker of its own. The title names the price in the axis's words.

    Args:
        history: ``SnapshotStore.history()`` (one scope).
        ids: the models to draw (default: the ones whose price changed, at most 12).
        field: the price column (default prompt, USD per million tokens), or the name tables print
            it under (``price_input_cache_read_usd_per_mtok``: :func:`orcatalog.schema.price_field`).
        ax: where to draw.

    Returns:
        The Axes (one line per model, labelled by id; log scale when prices span 20x or more).

    Raises:
        InvalidParameterError: not a history frame, unknown field or ids; ``ax`` that is not an Axes.
    """
    history = frame_arg("history", history, "id", "fetched_at")
    asked = field  # the name the user gave, for messages
    history, field, column = _price_field(history, field)  # drawn in the table's unit, by either name
    frame = history[["id", "fetched_at", field]].assign(id=history["id"].astype(str), _dynamic=_dynamic_flags(history))
    frame = _zero_held(frame, field, column)
    frame, how = _prices_in_unit(history, frame, field, column)
    if ids is None:
        changed = frame.groupby("id")[field].nunique(dropna=True)
        moved = changed[changed > 1].sort_values(ascending=False)
        ids = list(moved.index[:_MAX_LABELS])
        # a subset says so (trial Q: 12 of 38 drawn and nothing said it)
        subset = (
            f"{len(ids)} of the {len(moved)} models whose price moved (most prices first)"
            if len(moved) > len(ids)
            else ""
        )
    else:
        subset = ""
    if isinstance(ids, str):
        ids = [ids]
    unknown = [i for i in ids if i not in set(frame["id"])]
    if unknown:
        raise InvalidParameterError(f"no model(s) {unknown} in the history")
    ax = _axes(ax)
    import matplotlib

    palette = matplotlib.colormaps["tab20" if len(ids) > 10 else "tab10"]  # no colour twice (up to 20 lines)
    colors = [palette(i) for i in range(palette.N)]
    series, dynamic = [], []
    for mid in ids:
        g = frame[frame["id"] == mid].sort_values("fetched_at")
        series.append((mid, g["fetched_at"], g[field].to_numpy(dtype=float, na_value=np.nan)))
        dynamic.append(g["_dynamic"].to_numpy(dtype=bool))
    values = np.concatenate([y for _, _, y in series]) if series else np.array([])
    if series and not np.isfinite(values).any():  # nothing to draw: an empty chart dated 1970 says nothing
        priced = [f"{mid} is priced by {how[mid]}" for mid in ids if mid in how]
        why = f" ({'; '.join(priced)}: not per token)" if priced else ""
        raise InvalidParameterError(f"no values of {asked} for {', '.join(ids)} in the history{why}")
    if series:  # the date axis first: setting its units recomputes the data limits from the lines
        ax.xaxis.update_units(np.asarray(series[0][1]))
    _log_if_wide(ax, values)
    positive = values[np.isfinite(values) & (values > 0)]
    zero_at = None
    if ax.get_yscale() == "log" and (values == 0).any() and len(positive):
        zero_at = _zero_floor(ax, float(positive.min()))
    import matplotlib.dates as mdates
    from matplotlib.transforms import ScaledTranslation

    drawn_series = [np.where(y == 0, zero_at, y) if zero_at is not None else y for _, _, y in series]
    # A shifted transform hides the data from autoscaling: give it every point before the lines,
    # or it meets an empty (singular) y range and says so in a warning that reaches the user.
    for (_, t, _), drawn in zip(series, drawn_series):
        finite = np.isfinite(drawn)
        if finite.any():
            ax.update_datalim(np.column_stack([mdates.date2num(np.asarray(t)[finite]), drawn[finite]]))
    _not_singular(ax, np.concatenate(drawn_series) if drawn_series else np.array([]))
    everyone = pd.DatetimeIndex(frame["fetched_at"].unique()).sort_values()
    gaps = _gaps(everyone)  # the one long-gap rule: no line holds a price across one
    _shade_gaps(ax, everyone, gaps)
    from ..analysis.changes import absences

    gone = absences(history, ids)  # the one rule of a model no longer listed (partial catalogs aside)
    returned = gone[gone["back_at"].notna()]
    marks: list[tuple[np.ndarray, np.ndarray, Any, Any]] = []  # each series' markers: times, prices, line, transform
    for k, ((mid, t, y), drawn) in enumerate(zip(series, drawn_series)):
        # Series that coincide stay visible: earlier lines are wider and below, and each line is
        # shifted by at most 1.6 points (a hair, not a price) up or down, in a cycle of five.
        shifted = ax.transData + ScaledTranslation(0, ((k % 5) - 2) * 0.8 / 72, ax.figure.dpi_scale_trans)
        style: dict[str, Any] = {
            "color": colors[k % len(colors)],
            "linestyle": _LINESTYLES[k % len(_LINESTYLES)],
            "transform": shifted,
        }
        times = pd.DatetimeIndex(t)
        ends = _line_ends(times, everyone, gaps, pd.DatetimeIndex(returned.loc[returned["id"] == mid, "last_listed"]))
        (line,) = ax.step(
            *_held_until(times, drawn, ends),
            where="post",
            label=mid if mid not in how else _priced_otherwise_label(mid, how[mid], drawn=not np.isnan(y).all()),
            linewidth=1.2 + 1.6 * (len(series) - 1 - k) / max(len(series) - 1, 1),
            zorder=2 + k / 100,
            **style,
        )
        # the first price, every change, and the first price after each break (no line reaches it)
        after_gap = np.isin(np.arange(len(y)), np.asarray(ends, dtype=int) + 1)
        change = (np.r_[True, y[1:] != y[:-1]] | after_gap) & ~np.isnan(y)
        marks.append((np.asarray(t)[change], drawn[change], line, shifted))
        line.set_marker(_MARKERS[k % len(_MARKERS)])  # the legend shows each series' marker, as drawn (trial R)
        line.set_markerfacecolor(_face(k, line.get_color()))
        line.set_markevery([])
    for k, (t_mark, y_mark, line, shifted) in enumerate(marks):
        below = _covered_by_later(k, marks)
        for depth in np.unique(below):  # a marker with others drawn over it is larger: a ring of it shows
            at = below == depth
            ax.plot(
                t_mark[at],
                y_mark[at],
                _MARKERS[k % len(_MARKERS)],
                color=line.get_color(),
                markersize=MARKER_SIZE + MARKER_RING * depth,
                zorder=3 + k / 100,
                markerfacecolor=_face(k, line.get_color()),
                transform=shifted,
            )
    n_gone = _mark_no_longer_listed(ax, history, column, series, drawn_series, gone, colors)
    hatched = [
        _mark_dynamic(ax, t, drawn, flags, everyone, colors[k % len(colors)])
        for k, ((_, t, _), drawn, flags) in enumerate(zip(series, drawn_series, dynamic))
    ]
    ax.autoscale_view()
    if zero_at is not None:  # the floor line's tick reads 0, not a price
        _zero_tick(ax, zero_at, float(positive.min()), "y", separator=False, label="0")  # a price, not a free model
    unit = _price_label(field)
    ax.set(xlabel="snapshot time (UTC)", ylabel=unit)
    _title(ax, _history_title(unit))
    if ids:
        handles, labels = ax.get_legend_handles_labels()
        if n_gone:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color="grey", marker=GONE_MARKER, linestyle="None", markersize=8))
            labels.append(GONE_LABEL)
        if any(hatched):
            from matplotlib.patches import Patch

            handles.append(Patch(facecolor="none", edgecolor="grey", hatch="///", linewidth=0))
            labels.append(DYNAMIC_LABEL)
        if subset:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], linestyle="None"))
            labels.append(subset)
        ax.legend(handles, labels, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, alpha=0.3)
    _time_axis(ax)
    return ax


def _history_title(axis_label: str) -> str:
    """A price-history title in the words of the price axes (``Input cache read price history``
    for ``input cache read price (USD per million tokens)``), never a raw column name."""
    words = axis_label.split(" (", 1)[0]
    return f"{words[:1].upper()}{words[1:]} history"


def _line_ends(
    times: pd.DatetimeIndex, everyone: pd.DatetimeIndex, gaps: set[int], returns: pd.DatetimeIndex
) -> list[int]:
    """The indices i of a model's snapshot ``times`` after which its line stops: its next snapshot
    comes after a long gap of the history (``gaps`` of ``everyone``, :func:`orcatalog.plot._gaps._gaps`:
    a price is not known to hold across months without a snapshot), or the model was not listed in
    between (``returns``: its last listings before an absence it came back from,
    :func:`orcatalog.analysis.changes.absences`: no price held while it was not listed)."""
    ends = set(_before_gaps(times, everyone, gaps))
    ends.update(int(i) for i in np.flatnonzero(times[:-1].isin(returns)))
    return sorted(ends)


def _held_until(times: pd.DatetimeIndex, drawn: np.ndarray, ends: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """A model's step line (times, values) that stops after each of the indices ``ends``
    (:func:`_line_ends`). Each break is a NaN at the same time as the snapshot before it (a post
    step holds a value until the next point, so a hole later than it would still draw part of the break)."""
    xs, ys = list(times), list(drawn)
    for i in reversed(ends):
        xs.insert(i + 1, times[i])
        ys.insert(i + 1, np.nan)
    return pd.DatetimeIndex(xs).tz_localize(None).as_unit("ns").to_numpy(), np.asarray(ys, dtype=float)


def _before_gaps(times: pd.DatetimeIndex, everyone: pd.DatetimeIndex, gaps: set[int]) -> list[int]:
    """The indices i of a model's snapshot ``times`` whose next one comes after a long gap of the
    history (``gaps`` of ``everyone``)."""
    starts = [everyone[j] for j in sorted(gaps)]
    return [i for i in range(len(times) - 1) if any(times[i] <= g < times[i + 1] for g in starts)]


def _not_singular(ax: Any, drawn: np.ndarray) -> None:
    """One price for every point (a single model that never changed, or several at one price) is
    no y range: give the axis one around it (a factor of 2 on a log axis, 10% or 0..1 on a linear
    one) before matplotlib meets identical limits and warns."""
    finite = drawn[np.isfinite(drawn)]
    if not len(finite) or finite.min() != finite.max():
        return
    v = float(finite[0])
    if ax.get_yscale() == "log":
        ax.set_ylim(v / 2, v * 2)
    else:
        ax.set_ylim(*((v * 0.9, v * 1.1) if v > 0 else (-0.05, 1.0)))
    ax.set_autoscaley_on(False)


def _priced_otherwise_label(mid: str, how: str, *, drawn: bool) -> str:
    """A legend entry of a model whose values are left out where they are not its price: its id,
    then how it is priced, wrapped so the legend does not squeeze the axes."""
    import textwrap

    said = f"{'line breaks where it is' if drawn else 'not drawn:'} priced by {how}"
    return mid + "\n" + "\n".join("  " + line for line in textwrap.wrap(said, 44))


def _zero_held(frame: pd.DataFrame, field: str, column: str) -> pd.DataFrame:
    """``frame`` with an optional price key (not ``prompt`` or ``completion``) that a model listed as
    ``"0"`` and then stopped listing drawn at 0 while it stays unlisted: ``"0"`` and an absent
    optional key are one price (:func:`orcatalog.schema.settled_prices`; no event either,
    :func:`orcatalog.price_changes`), so the line carries on instead of stopping as if the model or
    its price were gone (trial N: glm-4.7's cache read went ``"0"`` -> absent). A key that vanishes
    after a price above 0 stays a gap (``no longer listed``); a key never listed is not drawn."""
    from ..schema import BASE_PRICE_KEYS

    if column.removeprefix("price_") in BASE_PRICE_KEYS:
        return frame
    order = np.lexsort((frame["fetched_at"].to_numpy(), frame["id"].to_numpy(dtype=object).astype(str)))
    values = frame[field].to_numpy(dtype=float, na_value=np.nan)[order]
    dynamic = frame["_dynamic"].to_numpy(dtype=bool)[order]
    # what the key said last, a dynamic row breaking the run (after "-1" nothing is known to be 0)
    said = pd.Series(np.where(dynamic, -1.0, values))
    before = said.groupby(frame["id"].to_numpy(dtype=object)[order]).ffill().to_numpy()
    held = np.zeros(len(frame), dtype=bool)
    held[order] = np.isnan(values) & ~dynamic & (before == 0)
    if not held.any():
        return frame
    return frame.assign(**{field: np.where(held, 0.0, frame[field].to_numpy(dtype=float, na_value=np.nan))})


def _prices_in_unit(
    history: pd.DataFrame, frame: pd.DataFrame, field: str, column: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` with the values of ``field`` (``column``, or the name tables print it under) that
    are not a price in its unit left out (NaN, a gap in the line: :func:`orcatalog.schema.not_in_column_unit`,
    e.g. the per-token 0 of a model priced per image token), and for each model concerned how it
    is priced (:func:`orcatalog.schema.how_priced`)."""
    from ..schema import how_priced, not_in_column_unit

    rows = not_in_column_unit(history, column)
    if not rows.any():
        return frame, {}
    ways = how_priced(history, column)
    ids = frame["id"].tolist()
    how = {ids[i]: str(ways[i]) for i in np.flatnonzero(rows).tolist() if ways[i]}
    return frame.assign(**{field: frame[field].astype("float64").mask(rows)}), how
