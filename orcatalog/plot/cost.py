"""Charts of what a workload costs: the cheapest models by cost component (:func:`plot_cost`) and
a usage repriced on alternatives against the actual bill (:func:`plot_reprice`). USD."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.args import frame_arg
from ..errors import InvalidParameterError
from ._axes import _axes, _title

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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


def _workload_text(workload: Any) -> str:
    """``estimate_cost``'s ``attrs["workload"]`` in words, parts in brackets:
    ``100,000 prompt (60,000 cached) + 5,000 completion tokens, 2 web searches``."""
    from ..analysis.cost import COMPONENTS

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


def plot_reprice(summary: pd.DataFrame, n: int = 10, *, ax: Axes | None = None) -> Axes:
    """The ``n`` cheapest alternatives of a repricing as horizontal bars (their totals, USD) with
    the actual bill as a vertical line.

    The bill drawn is what the rows those alternatives can serve were billed (the ``billed_usd``
    of :meth:`orcatalog.analysis.reprice.Repricing.summary`): one line when the shown alternatives
    serve the same rows, else a tick on each bar at its own bill and a line at the period's bill.
    A label says the share of rows an alternative can serve when it is not all of them. The legend
    sits outside the Axes, to the right, clear of the bars and the bill line.

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
    # outside the Axes, right of it (as plot_cost's): never over the last bar or the bill line
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.grid(True, axis="x", alpha=0.3)
    return ax
