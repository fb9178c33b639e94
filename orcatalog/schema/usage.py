"""The column contracts of usage frames, in one place (beside the models contract,
:mod:`orcatalog.schema.columns`, which owns the :class:`~orcatalog.schema.Column` type and the dtype
names).

**Activity** (``GET /activity``, a management key's last 30 completed UTC days): one row per date,
model and endpoint. The API writes ``date`` as ``"YYYY-MM-DD 00:00:00"`` (the spec says
``YYYY-MM-DD``; both are read) and ``provider_name`` as a lowercase slug, sometimes with a
quantization suffix (``"minimax/fp8"``), not a display name. ``usage`` is what OpenRouter billed
(its credits); for BYOK rows (own provider key) it is 0 or a small fee and
``byok_usage_inference`` carries the provider's own cost. Fixed columns:

{activity_table}

Then ``extra``: every field the contract does not know, as ``{{field: value}}`` JSON, or null.

**Generation** (``GET /generation?id=``): one row, a generation's stats. Fixed columns:

{generation_table}

Then ``extra`` as above (the spec lists many more fields: app, origin, preset, provider responses).

**A usage table** (:func:`orcatalog.read_usage`: a CSV or parquet file) needs :data:`USAGE_REQUIRED`
columns; the token columns are the activity contract's (and :func:`orcatalog.estimate_cost`'s
argument names: ``cached_tokens``, ``cache_write_tokens``, ... are read too); ``usage_usd`` is
optional (without it nothing is compared with the bill).

The homes of the rules: the flattening is :mod:`orcatalog.frames.usage`; the bill a row stands for
is :func:`billed_usd`; repricing is :mod:`orcatalog.analysis.reprice`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .columns import Column

__all__ = ["ACTIVITY_COLUMNS", "GENERATION_COLUMNS", "USAGE_REQUIRED", "billed_usd"]

ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("date", "datetime64[s, UTC]", "the UTC day of the row, at 00:00 UTC", ("date",)),
    Column("model", "str", "public model id, e.g. deepseek/deepseek-v4-flash-0731", ("model",)),
    Column(
        "model_permaslug", "str", "dated permanent slug, e.g. deepseek/deepseek-v4-flash-20260731", ("model_permaslug",)
    ),
    Column(
        "provider_name",
        "str",
        "provider as the API writes it here: a lowercase slug, maybe with a quantization suffix (minimax/fp8)",
        ("provider_name",),
    ),
    Column("provider_slug", "str", "provider_name without the quantization suffix (minimax)"),
    Column("quantization", "str", "the suffix after '/' in provider_name (fp8), or null"),
    Column("endpoint_id", "str", "the endpoint's id (a UUID in the API)", ("endpoint_id",)),
    Column("requests", "Int64", "requests that day", ("requests",)),
    Column(
        "prompt_tokens",
        "Int64",
        "prompt tokens that day (cached ones included; the API does not say how many)",
        ("prompt_tokens",),
    ),
    Column(
        "completion_tokens", "Int64", "completion tokens that day (reasoning ones included)", ("completion_tokens",)
    ),
    Column(
        "reasoning_tokens", "Int64", "reasoning tokens that day, a part of completion_tokens", ("reasoning_tokens",)
    ),
    Column("usage_usd", "float64", "USD billed by OpenRouter (credits spent)", ("usage",)),
    Column(
        "byok_usage_inference_usd",
        "float64",
        "USD the provider billed on the user's own key (BYOK)",
        ("byok_usage_inference",),
    ),
    Column(
        "byok_requests",
        "Int64",
        "requests made with the user's own provider key (not in the spec; null when absent)",
        ("byok_requests",),
    ),
    Column("workspace_id", "str", "workspace of the row (only with group_by=workspace), or null", ("workspace_id",)),
)

GENERATION_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", "generation id (gen-...)", ("id",)),
    Column("created_at", "datetime64[s, UTC]", "when the generation was created (UTC, whole seconds)"),
    Column("model", "str", "model id", ("model",)),
    Column("provider_name", "str", "provider that served it (display name), or null", ("provider_name",)),
    Column("api_type", "str", "completions, embeddings, ..., or null", ("api_type",)),
    Column("streamed", "boolean", "the response was streamed, or null", ("streamed",)),
    Column("cancelled", "boolean", "the generation was cancelled, or null", ("cancelled",)),
    Column("is_byok", "boolean", "served on the user's own provider key", ("is_byok",)),
    Column("finish_reason", "str", "normalised finish reason, or null", ("finish_reason",)),
    Column("tokens_prompt", "Int64", "prompt tokens (OpenRouter's normalised count)", ("tokens_prompt",)),
    Column("tokens_completion", "Int64", "completion tokens (normalised count)", ("tokens_completion",)),
    Column("native_tokens_prompt", "Int64", "prompt tokens as the provider counted them", ("native_tokens_prompt",)),
    Column(
        "native_tokens_completion",
        "Int64",
        "completion tokens as the provider counted them",
        ("native_tokens_completion",),
    ),
    Column(
        "native_tokens_reasoning",
        "Int64",
        "reasoning tokens (provider's count), a part of completion",
        ("native_tokens_reasoning",),
    ),
    Column(
        "native_tokens_cached",
        "Int64",
        "cached prompt tokens (provider's count), a part of prompt",
        ("native_tokens_cached",),
    ),
    Column(
        "native_tokens_completion_images",
        "Int64",
        "image tokens of the completion (provider's count)",
        ("native_tokens_completion_images",),
    ),
    Column("total_cost_usd", "float64", "total cost in USD", ("total_cost",)),
    Column("usage_usd", "float64", "USD billed by OpenRouter", ("usage",)),
    Column(
        "upstream_inference_cost_usd",
        "float64",
        "USD the upstream provider charged, or null",
        ("upstream_inference_cost",),
    ),
    Column("cache_discount", "float64", "discount from caching (USD), or null", ("cache_discount",)),
    Column("latency_ms", "float64", "total latency in milliseconds, or null", ("latency",)),
    Column("generation_time_ms", "float64", "generation time in milliseconds, or null", ("generation_time",)),
    Column("moderation_latency_ms", "float64", "moderation latency in milliseconds, or null", ("moderation_latency",)),
)

#: The columns a usage table must have (CSV or parquet); the rest of the activity contract is optional.
USAGE_REQUIRED: tuple[str, ...] = ("model", "prompt_tokens", "completion_tokens")


def billed_usd(usage_usd: Any, byok_usage_inference_usd: Any = None) -> np.ndarray:
    """What a usage row cost its owner, in USD: OpenRouter's bill (``usage_usd``) plus, for BYOK
    rows, what the provider billed on the user's own key (``byok_usage_inference_usd``; null or
    absent counts 0). A null ``usage_usd`` stays null (unknown, never 0).

    Args:
        usage_usd: per-row USD (array-like).
        byok_usage_inference_usd: per-row USD, or None when the table has no such column.

    Returns:
        A float64 array (USD).
    """
    billed = np.asarray(usage_usd, dtype=float)
    if byok_usage_inference_usd is None:
        return billed.copy()
    return billed + np.nan_to_num(np.asarray(byok_usage_inference_usd, dtype=float))


def _table(columns: tuple[Column, ...]) -> str:
    return "\n".join(
        f"- ``{c.name}`` ({c.dtype}): {c.doc}" + (f" (from ``{'.'.join(c.source)}``)" if c.source else "")
        for c in columns
    )


__doc__ = __doc__.format(  # the docstring renders the declared contracts
    activity_table=_table(ACTIVITY_COLUMNS), generation_table=_table(GENERATION_COLUMNS)
)
