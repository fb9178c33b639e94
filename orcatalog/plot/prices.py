"""Charts of prices: one model's prices over time (:func:`plot_price_history`), price against
context window with the Pareto frontier (:func:`plot_price_vs_context`) and the market's median
prices over time (:func:`plot_market_trend`). Prices in USD per million tokens."""

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
    _plain_log_ticks,
    _price_field,
    _price_label,
    _time_axis,
    _title,
    _zero_floor,
    _zero_tick,
)
from ._gaps import _broken_at_gaps, _gaps, _period_of, _shade_gaps
from ._labels import _place_labels, _spread

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_MAX_LABELS = 12


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
    frame, how = _prices_in_unit(history, frame, field, column)
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
    n_gone = _mark_no_longer_listed(ax, history, column, series, drawn_series, gone, colors)
    hatched = [
        _mark_dynamic(ax, t, drawn, flags, everyone, colors[k % len(colors)])
        for k, ((_, t, _), drawn, flags) in enumerate(zip(series, drawn_series, dynamic))
    ]
    ax.autoscale_view()
    if zero_at is not None:  # the floor line's tick reads 0, not a price
        _zero_tick(ax, zero_at, float(positive.min()), "y", separator=False)
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
        ax.legend(handles, labels, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, alpha=0.3)
    _time_axis(ax)
    return ax


#: The marker and legend entry where a drawn price stops being listed (:func:`_mark_no_longer_listed`).
GONE_MARKER = "X"
GONE_LABEL = "no longer listed (the key or the model is gone: not a price of 0)"


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
    n = 0
    for k, ((mid, t, _), drawn) in enumerate(zip(series, drawn_series)):
        times = pd.DatetimeIndex(t)
        when = list(pd.DatetimeIndex(events.loc[events["id"].astype(str) == mid, "fetched_at"]))
        for last_listed, left_at in gone.loc[gone["id"] == mid, ["last_listed", "left_at"]].itertuples(index=False):
            if np.isfinite(drawn[times == last_listed]).any():  # it left with a price listed (else: marked already)
                when.append(left_at)
        for at in when:
            before = np.flatnonzero((times < at) & np.isfinite(drawn))
            if not len(before):
                continue
            ax.plot(
                [at],
                [drawn[before[-1]]],
                linestyle="None",
                marker=GONE_MARKER,
                markersize=8,
                color=colors[k % len(colors)],
                markeredgecolor="black",
                markeredgewidth=0.6,
                zorder=4,
                label="_nolegend_",
                gid=f"{mid} no longer listed",
            )
            n += 1
    return n


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

    said = f"{'gaps where' if drawn else 'not drawn:'} priced by {how}"
    return mid + "\n" + "\n".join("  " + line for line in textwrap.wrap(said, 44))


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


def plot_price_vs_context(
    models: pd.DataFrame,
    *,
    x: str = "prompt_usd_per_mtok",
    y: str = "context_length",
    ax: Axes | None = None,
    label_frontier: bool = True,
    output_modalities: Any = "text",
) -> Axes:
    """Price against context window, log-log, with the Pareto frontier drawn and labelled.

    Free models (``is_free``: every price they list is 0) cannot sit on a log axis: they are drawn as green triangles in their own
    column at the left edge, a factor of 4 below the lowest paid price, behind a dotted separator,
    and that column's only tick is labelled ``0 (free)`` (no price tick stands there), so a free
    model is never read as a price; they are counted in the legend. A model priced 0 on ``x`` that lists
    other prices (an image model priced per image token) has no place on this axis: it is not drawn,
    and the legend counts it; so is a 0 of a model whose output's price the catalog does not list
    (google/lyria-3-pro-preview's audio: :func:`orcatalog.schema.output_price_unlisted`), counted
    apart as "output price not listed". So is a value that is not a price in ``x``'s unit by the rule tables
    blank by (:func:`orcatalog.schema.not_in_column_unit`: a ``price_image`` that is a per-token
    rate, equal to the prompt price, is never drawn on a per-image axis).

    Args:
        models: a contract frame (one row per model).
        x, y: the price and size columns (default prompt price in USD per million tokens, context
            length in tokens); ``x`` may be the name tables print a price under
            (``price_input_cache_read_usd_per_mtok``: :func:`orcatalog.schema.price_field`).
        ax: where to draw.
        output_modalities: the workload's output (default text): only models that serve it are
            drawn (:func:`orcatalog.analysis.catalog.serves`, the output rule of
            :func:`orcatalog.frontier` and costs); the others (rerank,
            embeddings, speech, image, ... for text) are counted in the legend, never drawn as
            paid models beside a frontier they cannot be on. ``"all"``: no output condition.
        label_frontier: write the ids of the frontier models next to their points (placed so
            that no two labels overlap; draw it on its final Axes, as labels are laid out in pixels);
            at most :data:`orcatalog.plot._labels.MAX_LABELS`, spread along the frontier, and the
            legend says how many when not all are labelled.

    Returns:
        The Axes (log-log; a scatter of paid models, one of free models, the frontier line).

    Raises:
        InvalidParameterError: missing columns; no model with a value of ``x`` to draw; ``ax`` that
            is not an Axes.
    """
    from ..analysis.catalog import serves
    from ..analysis.trends import frontier
    from ..schema import frame_unlisted_outputs, how_priced, not_in_column_unit, output_price_unlisted

    models = frame_arg("models", models, "id", y)
    asked = x  # the name the user gave, for messages
    models, x, column = _price_field(models, x, "x")  # drawn in the table's unit, by either name
    xs = models[x].to_numpy(dtype=float, na_value=np.nan)
    ys = models[y].to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(xs) & ~np.isnan(ys) & (ys > 0)
    # only the models of the frontier's workload (its one rule): a rerank or speech model is not
    # drawn as a paid model beside a text-only frontier; the legend counts them
    other_work = ok & ~serves(models, output_modalities)
    off_outputs = _outputs_of(models, other_work)
    ok &= ~other_work
    # free is the one is_free rule (every listed price zero); a price of 0 here with other prices listed
    # (an image model priced per image token) is no price on this axis: not drawn, counted in the legend
    listed_free = models["is_free"].fillna(False).to_numpy(dtype=bool) if "is_free" in models.columns else True
    elsewhere = ok & (xs == 0) & ~listed_free
    # a 0 of a model whose output's price the catalog does not list (Lyria's audio): neither free nor
    # priced otherwise, the rule price sorts and tables follow (schema.output_price_unlisted)
    unlisted = elsewhere & output_price_unlisted(models)
    elsewhere &= ~unlisted
    # a value that is not a price in the axis's unit (the one rule tables blank by, e.g. a price_image
    # that is a per-token rate) is not drawn either, counted in the legend
    other_unit = ok & not_in_column_unit(models, column) & ~elsewhere
    ok &= ~other_unit
    paid, free = ok & (xs > 0), ok & (xs == 0) & listed_free
    ways = "; ".join(sorted({str(w) for w, r in zip(how_priced(models, column), other_unit.tolist()) if r and w}))
    if not (paid | free).any():  # an empty chart says nothing: say why instead
        why = f" ({other_unit.sum()} list it in another unit: {ways})" if other_unit.any() else ""
        raise InvalidParameterError(f"no model has a value of {asked} to draw{why}")
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
    if unlisted.any():
        made = " / ".join(sorted(set(frame_unlisted_outputs(models)[unlisted].tolist())))
        ax.plot([], [], " ", label=f"{unlisted.sum()} priced 0 here, {made} output price not listed: not drawn")
    if other_unit.any():
        ax.plot([], [], " ", label=f"{other_unit.sum()} not drawn, {asked} in another unit: {ways}")
    if other_work.any():
        said = "text" if output_modalities == "text" else str(output_modalities)
        ax.plot([], [], " ", label=f"{other_work.sum()} not drawn, no {said} workload: {off_outputs}")
    # the cost rule's candidates (paid, serve a text workload): oc.frontier's set, of the points drawn
    front = frontier(models[paid], x=x, y=y, output_modalities=output_modalities)  # only points drawn
    fx = front[x].to_numpy(dtype=float)
    fy = front[y].to_numpy(dtype=float)
    shown = len(_spread(len(front))) if label_frontier else 0
    said = f"frontier ({len(front)})" if shown == len(front) else f"frontier ({len(front)}, {shown} labelled)"
    ax.step(fx, fy, where="post", color="tab:red", linewidth=1.5, label=said)
    ax.scatter(fx, fy, color="tab:red", s=22, zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax.xaxis)
    if free.any():
        _zero_tick(ax, floor, lowest)
    yl = "context window (tokens)" if y == "context_length" else y
    ax.set(xlabel=_price_label(x), ylabel=yl)
    _title(ax, "Price vs context")
    # below the Axes, never over a point
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    ax.grid(True, which="both", alpha=0.2)
    if label_frontier and len(fy):
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, max(top, float(np.nanmax(fy)) * 3))  # headroom above the top label (a factor: log axis)
        free_marks = {(float(floor), float(v)) for v in ys[free]}  # the free models' column at the left edge
        placed = _place_labels(ax, list(zip(fx, fy, front["id"].astype(str))), step_line=True, avoid=sorted(free_marks))
        if len(placed) != shown:  # a label with no room was left out: the legend says how many are labelled
            legend = ax.get_legend()
            for text in legend.get_texts() if legend is not None else []:
                if text.get_text() == said:
                    text.set_text(f"frontier ({len(front)}, {len(placed)} labelled)")
    return ax


#: The legend's words for the bar of a period that stands alone (no band: :func:`plot_market_trend`).
ALONE_NOTE = "the same, a bar where a period stands alone"


def _alone(finite: np.ndarray) -> np.ndarray:
    """Per row, whether it has a value and neither neighbour has one (a period alone between long
    gaps, or the only one): a band through it would have no width."""
    before = np.r_[False, finite[:-1]]
    after = np.r_[finite[1:], False]
    return finite & ~before & ~after


def _outputs_of(models: pd.DataFrame, rows: np.ndarray) -> str:
    """The outputs of ``rows`` in words, most common first (``rerank 3, speech 2``), for the legend
    of models left out of a chart's workload."""
    if not rows.any() or "output_modalities" not in models.columns:
        return "other outputs"

    def words(value: Any) -> str:
        listed = [] if value is None or isinstance(value, float) else [str(v) for v in value]
        return "+".join(listed) or "none listed"

    counts = pd.Series([words(v) for v in models["output_modalities"][rows]]).value_counts()
    return "; ".join(f"{k} {n}" for k, n in counts.items())


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
        said = f"{side}: middle half of models (25th-75th percentile)"
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
                else f"{said}, a bar (no band: {'one period' if alone.sum() == 1 else 'periods alone'})"
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
    ax.legend(
        handles, labels, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False
    )  # below the Axes, prompt's entries left of completion's: the plot keeps its width
    _time_axis(ax)
    _one_time_window(ax, trend["period"], note="one period")  # days around it, not years
    ax.grid(True, alpha=0.3)
    return ax
