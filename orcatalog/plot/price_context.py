"""Price against context window, log-log, with the Pareto frontier drawn and labelled
(:func:`plot_price_vs_context`). Prices in USD per million tokens, context in tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.args import frame_arg
from ..errors import InvalidParameterError
from ._axes import (
    _axes,
    _plain_log_ticks,
    _price_field,
    _price_label,
    _legend_below,
    _title,
    _zero_tick,
)
from ._labels import _place_labels, _spread

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_price_vs_context(
    models: pd.DataFrame,
    *,
    x: str | None = None,
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
        x, y: the price and size columns (default: context length in tokens against the price
            :func:`orcatalog.frontier` ranks on: the prompt price in USD per million tokens for
            text, the workload's USD per million tokens, ``workload_usd_per_mtok``, for any other
            output, whose models are not sold per prompt token); ``x`` may be the name tables print
            a price under (``price_input_cache_read_usd_per_mtok``: :func:`orcatalog.schema.price_field`).
        ax: where to draw.
        output_modalities: the workload's output (default text): only models that serve it are
            drawn (:func:`orcatalog.analysis.catalog.serves`, the output rule of
            :func:`orcatalog.frontier` and costs); the others (rerank,
            embeddings, speech, image, ... for text) are counted in the legend, never drawn as
            paid models beside a frontier they cannot be on. ``"all"``: no output condition. A
            model that produces the output but cannot be priced on the workload (a router, an
            output price the catalog does not list) is counted with the cost rule's reason.
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
    from ..analysis.cost.overrides import tiered_by_prompt_size
    from ..analysis.cost.per_token import WORKLOAD_COLUMN, price_axis, workload_words
    from ..analysis.trends import frontier
    from ..schema import frame_unlisted_outputs, how_priced, not_in_column_unit, output_price_unlisted

    models = frame_arg("models", models, "id", y)
    models, x = price_axis(models, x, output_modalities)  # the frontier's axis, by its one rule
    asked = x  # the name the user gave, for messages
    models, x, column = _price_field(models, x, "x")  # drawn in the table's unit, by either name
    xs = models[x].to_numpy(dtype=float, na_value=np.nan)
    ys = models[y].to_numpy(dtype=float, na_value=np.nan)
    sized = ~np.isnan(ys) & (ys > 0)
    # only the models of the frontier's workload (its one rule): a rerank or speech model is not
    # drawn as a paid model beside a text-only frontier; the legend counts them
    other_work = sized & ~serves(models, output_modalities)
    off_outputs = _outputs_of(models, other_work)
    # a model of this output with no value to draw: the workload cannot price it (a router, an output
    # price not listed), or it lists no such price; counted in the legend, never left out in silence
    unpriced = sized & ~other_work & np.isnan(xs)
    ok = sized & ~np.isnan(xs) & ~other_work
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
        if unpriced.any() or other_work.any():
            why += f" among the models that produce {output_modalities!r} output:"
        if unpriced.any():  # they produce it, and the cost rule says why it cannot price them
            reasons = _no_value_why(models, unpriced, x, output_modalities, short=False)
            why += f" {int(unpriced.sum())} do, with no {asked}: {reasons}"
            why += ";" if other_work.any() else ""
        if other_work.any():  # trial Q: the models are there, they produce another output
            why += f" {int(other_work.sum())} produce {off_outputs} (output_modalities= draws them, e.g. 'all')"
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
    if unpriced.any():
        ax.plot(
            [],
            [],
            " ",
            label=f"{unpriced.sum()} not drawn, no {'price for this workload' if x == WORKLOAD_COLUMN else asked}: "
            + _no_value_why(models, unpriced, x, output_modalities),
        )
    # the cost rule's candidates (paid, serve a text workload): oc.frontier's set, of the points drawn
    front = frontier(models[paid], x=x, y=y, output_modalities=output_modalities)  # only points drawn
    fx = front[x].to_numpy(dtype=float)
    fy = front[y].to_numpy(dtype=float)
    shown = len(_spread(len(front))) if label_frontier else 0
    said = f"frontier ({len(front)})" if shown == len(front) else f"frontier ({len(front)}, {shown} labelled)"
    ax.step(fx, fy, where="post", color="tab:red", linewidth=1.5, label=said)
    tiered = int(tiered_by_prompt_size(front).sum())  # the axis is the base price (trial R)
    if tiered:
        ax.plot([], [], " ", label=f"{tiered} on the frontier cost more above a prompt size (pricing_overrides)")
    ax.scatter(fx, fy, color="tab:red", s=22, zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax.xaxis)
    if free.any():
        _zero_tick(ax, floor, lowest)
    yl = "context window (tokens)" if y == "context_length" else y
    xl = _price_label(x)
    if x == WORKLOAD_COLUMN:  # which workload, in words
        xl = f"{output_modalities} workload price (USD per million tokens; workload: {workload_words(output_modalities)})"
    ax.set(xlabel=xl, ylabel=yl)
    _title(ax, "Price vs context")
    _legend_below(ax, ncol=2)  # below the Axes' x label, never over a point
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


def _no_value_why(models: pd.DataFrame, rows: np.ndarray, x: str, output_modalities: Any, *, short: bool = True) -> str:
    """Why ``rows`` have no value of ``x`` to draw: the cost rule's notes for the workload's price
    (:func:`orcatalog.analysis.cost.per_token.unpriced_reasons`), else dynamic pricing (a router or
    alias, ``"-1"``) and "not listed" counted apart; ``short`` for a legend line."""
    from ..analysis.cost.per_token import WORKLOAD_COLUMN, unpriced_reasons

    if x == WORKLOAD_COLUMN:
        return unpriced_reasons(models, rows, output_modalities, short=short)
    dynamic = rows & (
        models["dynamic_pricing"].fillna(False).to_numpy(dtype=bool) if "dynamic_pricing" in models else False
    )
    said = [f"dynamic pricing ({int(dynamic.sum())})"] if dynamic.any() else []
    if (rows & ~dynamic).any():
        said.append(f"not listed ({int((rows & ~dynamic).sum())})")
    return "; ".join(said)


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
