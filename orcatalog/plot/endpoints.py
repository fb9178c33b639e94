"""The endpoints (providers) of one model: price against throughput (:func:`plot_endpoints`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.args import frame_arg
from ..errors import InvalidParameterError
from ..schema.endpoints import endpoint_label
from ._axes import _axes, _plain_log_ticks, _root, _title
from ._labels import _place_labels

#: A provider's marker, by its rank among the chart's providers: the next one every ten colours.
_MARKERS = ("o", "s", "^", "D", "v")

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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

    Endpoints at the same spot are drawn side by side (a few points apart on the screen, their
    data unchanged) under one label naming each. Endpoints the plot cannot place (no throughput
    data: the API gives statistics only with a key; a free or unknown price on a log axis) are
    named in a note below the points; when none can be placed there is no chart.

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
            endpoint to draw (none has throughput data or a paid price: the message says which);
            ``ax`` that is not an Axes.
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
    fetched = endpoints["error"].isna() if "error" in endpoints.columns else True  # not a failed model's row
    rows = endpoints[(endpoints["model_id"] == model_id) & fetched]
    if rows.empty:
        raise InvalidParameterError(f"no endpoint of {model_id!r} in the frame")
    y_col, x_col = f"effective_{price}_usd_per_mtok", f"throughput_{throughput}"
    xs = rows[x_col].to_numpy(dtype=float, na_value=np.nan)
    ys = rows[y_col].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0)
    labels = [endpoint_label(t, p) for t, p in zip(rows["tag"], rows["provider_name"])]
    if not ok.any():  # an empty chart would answer nothing
        raise InvalidParameterError(_nothing_to_draw(model_id, x_col, xs, ys, price))
    from matplotlib.transforms import offset_copy

    ax = _axes(ax)
    providers = list(dict.fromkeys(rows["provider_name"].astype(str)))
    # a colour and a marker per provider: ten colours, then the next marker (trial: the 11th
    # provider took the first one's blue)
    colours = {p: f"C{i % 10}" for i, p in enumerate(providers)}
    markers = {p: _MARKERS[(i // 10) % len(_MARKERS)] for i, p in enumerate(providers)}
    # endpoints at the same spot are drawn side by side (shifted a few points apart on the screen,
    # their data unchanged), so none hides another; their shared label names each
    names = rows["provider_name"].astype(str).to_numpy()
    at_spot: dict[tuple[float, float], list[int]] = {}
    for j in np.flatnonzero(ok):
        at_spot.setdefault((float(xs[j]), float(ys[j])), []).append(int(j))
    shift = {j: (k - (len(js) - 1) / 2) * 9.0 for js in at_spot.values() if len(js) > 1 for k, j in enumerate(js)}
    style = {"s": 40.0, "zorder": 3, "edgecolors": "white", "linewidths": 0.6}
    for provider in providers:
        mask = ok & (names == provider)
        plain = mask & np.array([j not in shift for j in range(len(xs))], dtype=bool)
        label = provider
        if plain.any():
            ax.scatter(xs[plain], ys[plain], color=colours[provider], marker=markers[provider], label=label, **style)  # type: ignore[arg-type]
            label = "_nolegend_"
        for moved_at in np.flatnonzero(mask & ~plain).tolist():
            moved = offset_copy(ax.transData, fig=_root(ax), x=shift[moved_at], y=0.0, units="points")
            ax.scatter(
                [xs[moved_at]],
                [ys[moved_at]],
                color=colours[provider],
                marker=markers[provider],
                label=label,
                transform=moved,
                **style,  # type: ignore[arg-type]
            )
            label = "_nolegend_"
    points: dict[tuple[float, float], list[str]] = {}  # endpoints at the same spot share one label
    for tag, px, py, good in zip(labels, xs, ys, ok):
        if good:
            points.setdefault((float(px), float(py)), []).append(tag)
    ax.set_xscale("log")
    ax.set_yscale("log")
    if ok.any():  # room for the labels: a log axis needs a factor of headroom
        ax.set_xlim(xs[ok].min() / 1.5, xs[ok].max() * 2.5)
        ax.set_ylim(ys[ok].min() / 1.3, ys[ok].max() * 1.3)
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        _plain_log_ticks(axis, narrow=hi / lo < 4)  # a span under 4x: round values across it
    # the labels, once the scales and limits are set: none over another, with leader lines (the
    # frontier's placement; trial: eu-west-1 over google-vertex/global, together over fireworks)
    _place_labels(ax, [(px, py, "\n".join(tags)) for (px, py), tags in sorted(points.items())], fontsize=8)
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
    missing = np.array(labels, dtype=object)[~ok]
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


def _nothing_to_draw(model_id: str, x_col: str, xs: np.ndarray, ys: np.ndarray, price: str) -> str:
    """Why no endpoint of ``model_id`` can be placed on the log-log plot, and what to do instead."""
    if not np.isfinite(xs).any():
        why = f"none has {x_col} (the API gives statistics only to requests with an API key)"
    elif not (np.isfinite(ys) & (ys > 0)).any():
        why = f"none has a paid {price} price (free or unknown prices have no place on a log axis)"
    else:
        why = f"none has both {x_col} and a paid {price} price"
    return (
        f"no endpoint of {model_id!r} to draw: {why}; compare its endpoints with "
        "estimate_cost(endpoints, ...) or best_endpoints(...)"
    )
