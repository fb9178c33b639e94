"""Choosing between providers: :func:`best_endpoints` (the cheapest endpoint per model that meets
a workload's constraints, and why each other one was dropped). Pure functions on endpoints frames
(:func:`orcatalog.fetch_endpoints`); no HTTP, no files.

What a workload costs on an endpoint is not computed here: :func:`orcatalog.estimate_cost` prices
an endpoints frame, each endpoint as if it were a model (:mod:`orcatalog.analysis.cost.endpoints`:
its ``price_<key>`` columns, its ``pricing_overrides`` and its ``discount``), so the zero/absent
rule, the override tiers and the discount have one home, in :mod:`orcatalog.analysis.cost`. The rules for which endpoint is chosen live here: why one is dropped
in :func:`_drop_reason`, which of the rest wins in :func:`_rank`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema import usd_text
from ..schema.endpoints import endpoint_label
from ..workload import TOKEN_ARGUMENTS
from .args import frame_arg
from .catalog import fits_request, request_tokens_text
from .cost.endpoints import ENDPOINT_KEYS

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
    positions = endpoints.reset_index(drop=True)  # the cost frame keeps this index: each row's position
    costs = estimate_cost(positions, prompt_tokens, completion_tokens, **workload).sort_index()
    costs = costs.drop(columns=[*(k for k in ENDPOINT_KEYS if k in costs.columns), "x_cheapest", "rank"])
    costs.index = endpoints.index
    return costs


def errors_absent(endpoints: pd.DataFrame) -> np.ndarray:
    """True on rows that are endpoints (not a many-model fetch's row for a model that failed)."""
    if "error" not in endpoints.columns:
        return np.ones(len(endpoints), dtype=bool)
    return endpoints["error"].isna().to_numpy()


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
    **workload: Any,
) -> pd.DataFrame:
    """The cheapest endpoint per model that meets the constraints, and why every other was dropped.

    The workload is priced on each endpoint by :func:`orcatalog.estimate_cost` (list prices,
    long-context overrides, then the endpoint's discount; USD). An endpoint is dropped, with the
    first reason that holds, when: its model could not be fetched (``error``); one request does
    not fit it (:func:`orcatalog.analysis.catalog.fits_request`: its ``context_length`` is below
    the prompt + completion tokens of one request, or its ``max_completion_tokens`` below the
    completion tokens of one request; estimate_cost gives such an endpoint no total); it has no
    total (dynamic or missing price); its ``context_length`` is below ``min_context``; its latency (``latency_<latency>``, ms to first token) is
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
        workload: the rest of :func:`orcatalog.estimate_cost`'s workload, by its names
            (:data:`orcatalog.workload.TOKEN_ARGUMENTS`: ``cached_tokens``, ``cache_write_tokens``,
            ``audio_tokens``, ``reasoning_tokens``, ``audio_output_tokens``, ``image_output_tokens``,
            ``web_searches``, ``images``), plus ``at`` and ``output_modalities``; each means what it
            means there (parts of the prompt or completion tokens, priced at their own rates).

    Returns:
        One row per endpoint, grouped by model (chosen first, then by cost): ``model_id``, ``tag``,
        ``provider_name``, ``total_usd``, ``context_length``, ``latency_ms``, ``uptime_pct``,
        ``throughput_p50`` (tokens/s), ``chosen`` (bool: the answer for its model), ``reason`` (null
        for the chosen one) and ``note`` (estimate_cost's note). ``best[best.chosen]`` is one row
        per model that has a qualifying endpoint.

    Raises:
        InvalidParameterError: not an endpoints frame, a bad workload or constraint (negative, not
            a number, an unknown percentile or window), a workload name estimate_cost does not take.
    """
    endpoints = frame_arg("endpoints", endpoints, "model_id", "tag", "price_prompt", "price_completion")
    _check_constraints(min_context, max_latency_ms, min_uptime, latency=latency, uptime=uptime)
    _check_workload_names(workload)
    costs = endpoint_costs(endpoints, prompt_tokens, completion_tokens, requests=requests, **workload)
    limits = _Limits(
        min_context=min_context,
        max_latency_ms=max_latency_ms,
        min_uptime=min_uptime,
        latency=latency,
        uptime=uptime,
        prompt_per_request=float(prompt_tokens) / requests,
        out_per_request=float(completion_tokens) / requests,
    )
    result = _rank(_table(endpoints, costs, limits), _column(endpoints, "status"))
    _explain_the_others(result)
    result["reason"] = result["reason"].astype("str").where(result["reason"].notna(), None)
    result.attrs["workload"] = costs.attrs.get("workload", {})
    result.attrs["constraints"] = {
        k: v
        for k, v in (("min_context", min_context), ("max_latency_ms", max_latency_ms), ("min_uptime", min_uptime))
        if v is not None
    }
    return result


#: The workload names best_endpoints takes besides its own arguments: estimate_cost's (one table).
_WORKLOAD_NAMES = (
    *(a for a in TOKEN_ARGUMENTS if a not in ("prompt_tokens", "completion_tokens", "requests")),
    "at",
    "output_modalities",
)


def _check_workload_names(workload: dict[str, Any]) -> None:
    """Refuse a keyword that is not one of estimate_cost's workload arguments.

    Raises:
        InvalidParameterError: naming the keyword, the likely one, and the accepted names.
    """
    from ..suggest import did_you_mean

    for name in workload:
        if name not in _WORKLOAD_NAMES:
            raise InvalidParameterError(
                f"best_endpoints() got an unknown argument {name!r}{did_you_mean(name, _WORKLOAD_NAMES)}; "
                f"workload arguments: prompt_tokens, completion_tokens, requests, {', '.join(_WORKLOAD_NAMES)}"
            )


@dataclass(frozen=True)
class _Limits:
    """The constraints of :func:`best_endpoints`, checked, with the workload's size per request (tokens)."""

    min_context: int | None
    max_latency_ms: float | None
    min_uptime: float | None
    latency: str
    uptime: str
    prompt_per_request: float
    out_per_request: float


def _check_constraints(min_context: Any, max_latency_ms: Any, min_uptime: Any, *, latency: str, uptime: str) -> None:
    """Refuse an unknown latency percentile or uptime window, and a constraint that is not a number
    >= 0 (an uptime above 100 %).

    Raises:
        InvalidParameterError: naming the argument and what is accepted.
    """
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


def _column(endpoints: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats (NaN for missing values), all NaN when the frame lacks it."""
    if name not in endpoints.columns:
        return np.full(len(endpoints), np.nan)
    return endpoints[name].to_numpy(dtype=float, na_value=np.nan)


def _table(endpoints: pd.DataFrame, costs: pd.DataFrame, limits: _Limits) -> pd.DataFrame:
    """:func:`best_endpoints`'s rows in the endpoints' order, each with the reason it is dropped
    (:func:`_drop_reason`; null when it qualifies) and nothing chosen yet."""
    n = len(endpoints)
    total = costs["total_usd"].to_numpy(dtype=float, na_value=np.nan)
    context, max_out = _column(endpoints, "context_length"), _column(endpoints, "max_completion_tokens")
    lat, up = _column(endpoints, f"latency_{limits.latency}"), _column(endpoints, f"uptime_last_{limits.uptime}")
    errors = endpoints["error"] if "error" in endpoints.columns else pd.Series([None] * n, index=endpoints.index)
    notes = costs["note"].astype(object).where(costs["note"].notna() & errors_absent(endpoints), None)
    window_ok, output_ok = fits_request(context, max_out, limits.prompt_per_request, limits.out_per_request)
    # models some of whose endpoints report the latency asked: the others' is not reported, not keyless
    reported = set(endpoints.loc[~np.isnan(lat), "model_id"].astype(str)) if n else set()
    models = endpoints["model_id"].astype(str).to_numpy()
    reasons = [
        _drop_reason(
            errors.iloc[i],
            notes.iloc[i],
            total[i],
            context[i],
            max_out[i],
            lat[i],
            up[i],
            limits,
            window_ok[i],
            output_ok[i],
            models[i] in reported,
        )
        for i in range(n)
    ]
    return pd.DataFrame(
        {
            "model_id": endpoints["model_id"].to_numpy(),
            "tag": endpoints["tag"].to_numpy(),
            "provider_name": endpoints["provider_name"].to_numpy() if "provider_name" in endpoints.columns else None,
            "total_usd": total,
            "context_length": endpoints["context_length"].array if "context_length" in endpoints.columns else None,
            "latency_ms": lat,
            "uptime_pct": up,
            "throughput_p50": _column(endpoints, "throughput_p50"),
            "chosen": False,
            "reason": pd.array(reasons, dtype="object"),
            "note": notes.to_numpy(),
        }
    )


def _drop_reason(
    error: Any,
    note: Any,
    total: float,
    context: float,
    max_out: float,
    lat: float,
    up: float,
    limits: _Limits,
    window_ok: bool,
    output_ok: bool,
    latency_elsewhere: bool = False,
) -> str | None:
    """Why one endpoint cannot serve the workload: the first rule of :func:`best_endpoints` that
    holds, in words, or None when it qualifies. ``window_ok`` / ``output_ok``: one request fits
    (:func:`orcatalog.analysis.catalog.fits_request`, the rule estimate_cost leaves such an endpoint
    without a cost by; the reason here gives the numbers). ``latency_elsewhere``: other endpoints
    of the model report the latency asked, so the body was fetched with a key and this one's is
    simply not reported."""
    per_request = limits.prompt_per_request + limits.out_per_request
    if isinstance(error, str):
        return f"fetch failed: {error}"
    if not window_ok:
        return f"context {context:,.0f} < one request ({request_tokens_text(per_request)} tokens)"
    if not output_ok:
        return f"max_completion_tokens {max_out:,.0f} < {request_tokens_text(limits.out_per_request)} per request"
    if np.isnan(total):
        return f"no price: {note or 'dynamic or missing price'}"
    if limits.min_context is not None and not context >= limits.min_context:
        return f"context {context:,.0f} < min_context {limits.min_context:,}"
    if limits.max_latency_ms is not None and np.isnan(lat):
        if latency_elsewhere:  # trial: the key explanation was wrong where the others had statistics
            return f"latency {limits.latency} unknown (not reported for this endpoint)"
        return f"latency {limits.latency} unknown (the API gives statistics only with an API key)"
    if limits.max_latency_ms is not None and lat > limits.max_latency_ms:
        return f"latency {limits.latency} {lat:,.0f} ms > {limits.max_latency_ms:,.0f} ms"
    if limits.min_uptime is not None and np.isnan(up):
        return f"uptime {limits.uptime} unknown"
    if limits.min_uptime is not None and up < limits.min_uptime:
        return f"uptime {limits.uptime} {up:.2f}% < {limits.min_uptime:g}%"
    return None


def _rank(result: pd.DataFrame, status: np.ndarray) -> pd.DataFrame:
    """The rows grouped by model, qualifying ones first, cheapest first (ties: a normal ``status``,
    then lower latency, then higher uptime, then tag), with the first qualifying row of each model
    marked ``chosen``."""
    qualifies = result["reason"].isna().to_numpy()
    degraded = np.where(np.isnan(status), 1, status != 0)  # a normal status (0) wins a tie
    order = np.lexsort(
        (
            result["tag"].fillna("").astype(object).to_numpy(),
            -np.nan_to_num(result["uptime_pct"].to_numpy(), nan=-1.0),
            np.nan_to_num(result["latency_ms"].to_numpy(), nan=np.inf),
            degraded,
            np.where(qualifies, result["total_usd"].to_numpy(), np.inf),
            ~qualifies,
            result["model_id"].fillna("").astype(object).to_numpy(),
        )
    )
    result = result.iloc[order].reset_index(drop=True)
    result.loc[~result["model_id"].duplicated() & result["reason"].isna(), "chosen"] = True
    return result


def _explain_the_others(result: pd.DataFrame) -> None:
    """Give each qualifying row that was not chosen its reason: how much more it costs than its
    model's chosen endpoint, or that it lost the tie."""
    first = result["chosen"].to_numpy(dtype=bool)
    best = result[first].set_index("model_id")
    best["tag"] = [endpoint_label(t, p) for t, p in zip(best["tag"], best["provider_name"])]
    for j in np.flatnonzero(result["reason"].isna().to_numpy() & ~first):
        winner = best.loc[result.at[int(j), "model_id"]]
        extra = result.at[int(j), "total_usd"] - winner["total_usd"]
        if extra == 0:
            result.at[int(j), "reason"] = (
                f"same cost as {winner['tag']}, which wins the tie (normal status, "
                "then lower latency, then higher uptime)"
            )
            continue
        ratio = result.at[int(j), "total_usd"] / winner["total_usd"] if winner["total_usd"] else np.inf
        result.at[int(j), "reason"] = f"not the cheapest: +{usd_text(extra)} (x{ratio:.2f}) over {winner['tag']}"
