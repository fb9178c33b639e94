"""Choosing between providers: :func:`best_endpoints` (the cheapest endpoint per model that meets
a workload's constraints, and why each other one was dropped). Pure functions on endpoints frames
(:func:`orcatalog.fetch_endpoints`); no HTTP, no files.

What a workload costs on an endpoint is not computed here: each endpoint is handed to
:func:`orcatalog.estimate_cost` as if it were a model (its ``price_<key>`` columns, its
``pricing_overrides`` and its ``discount`` as the ``price_discount`` that function applies), so
the zero/absent rule, the override tiers and the discount have one home, in
:mod:`orcatalog.analysis.cost`. The rule for which endpoint is chosen lives in :func:`best_endpoints`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from .args import frame_arg

__all__ = ["best_endpoints", "endpoint_costs"]

_UPTIME = ("5m", "30m", "1d")
_PERCENTILES = ("p50", "p75", "p90", "p99")


def endpoint_costs(
    endpoints: pd.DataFrame, prompt_tokens: Any = 0, completion_tokens: Any = 0, **workload: Any
) -> pd.DataFrame:
    """:func:`orcatalog.estimate_cost` of one workload on every endpoint, in the endpoints' order.

    Args:
        endpoints: an endpoints frame.
        prompt_tokens, completion_tokens, workload: as for :func:`orcatalog.estimate_cost`.

    Returns:
        estimate_cost's columns (``cost_<component>``, ``total_usd`` in USD, ``note``), one row per
        endpoint, index aligned with ``endpoints``.

    Raises:
        InvalidParameterError: not an endpoints frame, or a bad workload (estimate_cost's checks).
    """
    from .cost import estimate_cost

    endpoints = frame_arg("endpoints", endpoints, "model_id", "tag", "price_prompt", "price_completion")
    keep = [
        c
        for c in endpoints.columns
        if c.startswith("price_") or c in ("pricing_overrides", "dynamic_pricing", "is_free")
    ]
    view = endpoints[keep].copy()
    # an endpoint serves its model's outputs; a listing that does not name them is "unknown", which the
    # serving rule (analysis.catalog.serves) does not exclude
    view["output_modalities"] = endpoints["output_modalities"] if "output_modalities" in endpoints.columns else None
    view.insert(0, "id", [str(i) for i in range(len(endpoints))])
    if "discount" in endpoints.columns:
        view["price_discount"] = endpoints["discount"].to_numpy(dtype=float, na_value=np.nan)
    costs = estimate_cost(view, prompt_tokens, completion_tokens, **workload)
    costs.index = costs.pop("id").astype(int)
    costs = costs.sort_index().drop(columns=["x_cheapest", "rank"])
    costs.index = endpoints.index
    return costs


def errors_absent(endpoints: pd.DataFrame) -> np.ndarray:
    """True on rows that are endpoints (not a many-model fetch's row for a model that failed)."""
    if "error" not in endpoints.columns:
        return np.ones(len(endpoints), dtype=bool)
    return endpoints["error"].isna().to_numpy()


def _money(value: float) -> str:
    return f"${value:,.6f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def best_endpoints(
    endpoints: pd.DataFrame,
    *,
    prompt_tokens: int | float,
    completion_tokens: int | float = 0,
    min_context: int | None = None,
    max_latency_ms: float | None = None,
    min_uptime: float | None = None,
    latency: str = "p50",
    uptime: str = "1d",
    requests: int = 1,
) -> pd.DataFrame:
    """The cheapest endpoint per model that meets the constraints, and why every other was dropped.

    The workload is priced on each endpoint by :func:`orcatalog.estimate_cost` (list prices,
    long-context overrides, then the endpoint's discount; USD). An endpoint is dropped, with the
    first reason that holds, when: its model could not be fetched (``error``); it has no total
    (dynamic or missing price); its ``context_length`` is below ``min_context`` or below one
    request (prompt + completion tokens per request); its ``max_completion_tokens`` is below the
    completion tokens of one request; its latency (``latency_<latency>``, ms to first token) is
    above ``max_latency_ms`` or unknown; its uptime (``uptime_last_<uptime>``, percent) is below
    ``min_uptime`` or unknown. Among those left, the cheapest total wins (ties:
    a normal ``status``, then lower latency, then higher uptime, then tag); the others say how much
    more they cost.

    Args:
        endpoints: a frame from :func:`orcatalog.fetch_endpoints` (one model or many).
        prompt_tokens, completion_tokens: the workload's tokens in total (spread over ``requests``).
        min_context: minimum context window in tokens.
        max_latency_ms: maximum time to first token in milliseconds, at the ``latency`` percentile.
        min_uptime: minimum uptime in percent (0..100), over the ``uptime`` window.
        latency: percentile of the latency constraint: p50, p75, p90 or p99.
        uptime: window of the uptime constraint: 5m, 30m or 1d.
        requests: how many requests the workload is (>= 1).

    Returns:
        One row per endpoint, grouped by model (chosen first, then by cost): ``model_id``, ``tag``,
        ``provider_name``, ``total_usd``, ``context_length``, ``latency_ms``, ``uptime_pct``,
        ``throughput_p50`` (tokens/s), ``chosen`` (bool: the answer for its model), ``reason`` (null
        for the chosen one) and ``note`` (estimate_cost's note). ``best[best.chosen]`` is one row
        per model that has a qualifying endpoint.

    Raises:
        InvalidParameterError: not an endpoints frame, a bad workload or constraint (negative, not
            a number, an unknown percentile or window).
    """
    endpoints = frame_arg("endpoints", endpoints, "model_id", "tag", "price_prompt", "price_completion")
    if latency not in _PERCENTILES:
        raise InvalidParameterError(f"latency={latency!r} is invalid: give one of {', '.join(_PERCENTILES)}")
    if uptime not in _UPTIME:
        raise InvalidParameterError(f"uptime={uptime!r} is invalid: give one of {', '.join(_UPTIME)}")
    for name, value, high in (
        ("min_context", min_context, None),
        ("max_latency_ms", max_latency_ms, None),
        ("min_uptime", min_uptime, 100.0),
    ):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not value >= 0
            or (high is not None and value > high)
        ):
            raise InvalidParameterError(
                f"{name}={value!r} is invalid: give a number >= 0" + (" and <= 100" if high else "")
            )
    costs = endpoint_costs(endpoints, prompt_tokens, completion_tokens, requests=requests)
    n = len(endpoints)

    def column(name: str) -> np.ndarray:
        if name not in endpoints.columns:
            return np.full(n, np.nan)
        return endpoints[name].to_numpy(dtype=float, na_value=np.nan)

    total = costs["total_usd"].to_numpy(dtype=float, na_value=np.nan)
    context, max_out = column("context_length"), column("max_completion_tokens")
    lat, up = column(f"latency_{latency}"), column(f"uptime_last_{uptime}")
    per_request = (float(prompt_tokens) + float(completion_tokens)) / requests
    out_per_request = float(completion_tokens) / requests
    errors = endpoints["error"] if "error" in endpoints.columns else pd.Series([None] * n, index=endpoints.index)
    notes = costs["note"].astype(object).where(costs["note"].notna() & errors_absent(endpoints), None)
    reasons: list[str | None] = []
    for i in range(n):
        error = errors.iloc[i]
        reason = None
        if isinstance(error, str):
            reason = f"fetch failed: {error}"
        elif np.isnan(total[i]):
            reason = f"no price: {notes.iloc[i] or 'dynamic or missing price'}"
        elif min_context is not None and not context[i] >= min_context:
            reason = f"context {context[i]:,.0f} < min_context {min_context:,}"
        elif not np.isnan(context[i]) and context[i] < per_request:
            reason = f"context {context[i]:,.0f} < one request ({per_request:,.0f} tokens)"
        elif not np.isnan(max_out[i]) and max_out[i] < out_per_request:
            reason = f"max_completion_tokens {max_out[i]:,.0f} < {out_per_request:,.0f} per request"
        elif max_latency_ms is not None and np.isnan(lat[i]):
            reason = f"latency {latency} unknown (the API gives statistics only with an API key)"
        elif max_latency_ms is not None and lat[i] > max_latency_ms:
            reason = f"latency {latency} {lat[i]:,.0f} ms > {max_latency_ms:,.0f} ms"
        elif min_uptime is not None and np.isnan(up[i]):
            reason = f"uptime {uptime} unknown"
        elif min_uptime is not None and up[i] < min_uptime:
            reason = f"uptime {uptime} {up[i]:.2f}% < {min_uptime:g}%"
        reasons.append(reason)
    result = pd.DataFrame(
        {
            "model_id": endpoints["model_id"].to_numpy(),
            "tag": endpoints["tag"].to_numpy(),
            "provider_name": endpoints["provider_name"].to_numpy() if "provider_name" in endpoints.columns else None,
            "total_usd": total,
            "context_length": endpoints["context_length"].array if "context_length" in endpoints.columns else None,
            "latency_ms": lat,
            "uptime_pct": up,
            "throughput_p50": column("throughput_p50"),
            "chosen": False,
            "reason": pd.array(reasons, dtype="object"),
            "note": notes.to_numpy(),
        }
    )
    qualifies = result["reason"].isna().to_numpy()
    degraded = column("status")
    degraded = np.where(np.isnan(degraded), 1, degraded != 0)  # a normal status (0) wins a tie
    order = np.lexsort(
        (
            result["tag"].fillna("").astype(object).to_numpy(),
            -np.nan_to_num(up, nan=-1.0),
            np.nan_to_num(lat, nan=np.inf),
            degraded,
            np.where(qualifies, total, np.inf),
            ~qualifies,
            result["model_id"].fillna("").astype(object).to_numpy(),
        )
    )
    result = result.iloc[order].reset_index(drop=True)
    first = ~result["model_id"].duplicated() & result["reason"].isna()
    result.loc[first, "chosen"] = True
    best = result[first].set_index("model_id")
    for j in np.flatnonzero(result["reason"].isna() & ~first):
        winner = best.loc[result.at[int(j), "model_id"]]
        extra = result.at[int(j), "total_usd"] - winner["total_usd"]
        if extra == 0:
            result.at[int(j), "reason"] = (
                f"same cost as {winner['tag']}, which wins the tie (normal status, "
                "then lower latency, then higher uptime)"
            )
            continue
        ratio = result.at[int(j), "total_usd"] / winner["total_usd"] if winner["total_usd"] else np.inf
        result.at[int(j), "reason"] = f"not the cheapest: +{_money(extra)} (x{ratio:.2f}) over {winner['tag']}"
    result["reason"] = result["reason"].astype("str").where(result["reason"].notna(), None)
    result.attrs["workload"] = costs.attrs.get("workload", {})
    result.attrs["constraints"] = {
        k: v
        for k, v in (("min_context", min_context), ("max_latency_ms", max_latency_ms), ("min_uptime", min_uptime))
        if v is not None
    }
    return result
