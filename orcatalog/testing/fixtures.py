"""Endpoints bodies written to the OpenAPI spec's shape (``PublicEndpoint``) for models that have no
recording: deterministic stand-ins for models served by many providers, for tests, benches and
offline notebooks. They are fixtures, not data: prices are the model's catalog price scaled by a
per-provider factor, statistics are drawn from a generator seeded by the model id.

Each endpoint carries every field the spec's ``PublicEndpoint`` requires, plus the few the
official SDK (generated from a newer spec) requires (``supports_tool_choice``, ``service_tier``,
``supports_diarization``, ``native_tools``), so both accept the bodies.

Units follow the recorded 2026 bodies (the spec's own example gives latency as 0.25, which the
recordings contradict): latency in milliseconds, throughput in tokens per second, uptime in
percent, prices as decimal strings in USD per token.

Also usage stand-ins: :func:`spec_activity_body` (the spec's example activity) and
:func:`spec_generation_body` (a ``GenerationResponse`` for one request of an activity row).
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from typing import Any

__all__ = ["spec_endpoints_body", "PROVIDERS", "spec_activity_body", "spec_generation_body", "generation_id"]

#: (provider name, tag, quantization) of the fixture providers: names as in the recorded
#: providers list; two regions of one provider share a name, as Amazon Bedrock does.
PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("DeepInfra", "deepinfra/fp8", "fp8"),
    ("Together", "together", "fp16"),
    ("Fireworks", "fireworks", "fp8"),
    ("Novita", "novita/bf16", "bf16"),
    ("Groq", "groq", "unknown"),
    ("Cerebras", "cerebras", "unknown"),
    ("SambaNova", "sambanova", "bf16"),
    ("Amazon Bedrock", "amazon-bedrock", "unknown"),
    ("Amazon Bedrock", "amazon-bedrock/eu-west-1", "unknown"),
    ("Google", "google-vertex/global", "unknown"),
    ("Parasail", "parasail/fp4", "fp4"),
    ("Baseten", "baseten/fp8", "fp8"),
)

_PARAMETERS = ["max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice", "response_format", "seed"]


def _rng(model_id: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(model_id.encode()).digest()[:8], "big"))


def _price(base: str | None, factor: float, fallback: str) -> str:
    value = Decimal(base) if base is not None and base not in ("", "-1") else Decimal(fallback)
    return str((value * Decimal(str(factor))).normalize()) if value > 0 else "0"


def _stats(rng: random.Random, median: float) -> dict[str, float]:
    p50 = round(median, 1)
    return {"p50": p50, "p75": round(p50 * 1.2, 1), "p90": round(p50 * 1.5, 1), "p99": round(p50 * 2.4, 1)}


def spec_endpoints_body(
    model: dict[str, Any], *, providers: int | None = None, zdr_share: float = 0.5
) -> dict[str, Any]:
    """A spec-shaped ``GET /models/{author}/{slug}/endpoints`` body for one catalog model.

    Args:
        model: a model object of a models body (``id``, ``name``, ``pricing``, ``context_length``...).
        providers: how many endpoints (1..12); default drawn from the model id (2 to 12).
        zdr_share: the fraction of endpoints marked zero-data-retention (in ``_zdr``, which
            :class:`~orcatalog.testing.ReplayServer` strips before serving; it picks the
            ``/endpoints/zdr`` answer).

    Returns:
        ``{"data": {"id", "name", "created", "description", "architecture", "endpoints": [...]}}``,
        the same for the same model every time.
    """
    model_id = str(model["id"])
    rng = _rng(model_id)
    n = providers if providers is not None else rng.randint(2, len(PROVIDERS))
    chosen = rng.sample(PROVIDERS, max(1, min(n, len(PROVIDERS))))
    given = model.get("pricing")
    pricing: dict[str, Any] = given if isinstance(given, dict) else {}
    given_context = model.get("context_length")
    context: int = given_context if isinstance(given_context, int) and given_context > 0 else 131072
    endpoints = []
    for name, tag, quantization in chosen:
        factor = round(rng.uniform(0.6, 1.4), 2)
        has_stats = rng.random() > 0.1
        endpoint: dict[str, Any] = {
            "name": f"{name} | {model_id}",
            "model_id": model_id,
            "model_name": model.get("name") or model_id,
            "context_length": rng.choice([context, context, context // 2 or context]),
            "pricing": {
                "prompt": _price(pricing.get("prompt"), factor, "0.0000002"),
                "completion": _price(pricing.get("completion"), factor, "0.0000008"),
                "discount": rng.choice([0, 0, 0, 0.1]),
            },
            "provider_name": name,
            "tag": tag,
            "quantization": quantization,
            "max_completion_tokens": rng.choice([None, 8192, 16384, 32768]),
            "max_prompt_tokens": None,
            "supported_parameters": _PARAMETERS[: rng.randint(3, len(_PARAMETERS))],
            "status": rng.choice([0, 0, 0, 0, 0, -1, -2]),
            "uptime_last_30m": round(rng.uniform(85, 100), 2) if has_stats else None,
            "uptime_last_5m": round(rng.uniform(80, 100), 2) if has_stats and rng.random() > 0.3 else None,
            "uptime_last_1d": round(rng.uniform(90, 100), 3),
            "supports_implicit_caching": rng.random() > 0.5,
            "supports_voice_cloning": False,
            # required by the official SDK (generated from a newer spec than ../shared/spec):
            "supports_tool_choice": {"none": True, "auto": True, "required": rng.random() > 0.2, "function": True},
            "supports_diarization": False,
            "service_tier": None,
            "native_tools": {},
            "latency_last_30m": _stats(rng, rng.uniform(200, 3000)) if has_stats else None,
            "throughput_last_30m": _stats(rng, rng.uniform(15, 400)) if has_stats else None,
            "_zdr": rng.random() < zdr_share,
        }
        endpoints.append(endpoint)
    head = {k: model.get(k) for k in ("id", "name", "created", "description", "architecture")}
    return {"data": {**head, "endpoints": endpoints}}


def spec_activity_body() -> dict[str, Any]:
    """An ``ActivityResponse`` as the spec's own example writes it (``date`` as ``YYYY-MM-DD``,
    ``provider_name`` as a display name, no ``byok_requests``): the other shape a reader must take."""
    return {
        "data": [
            {
                "byok_usage_inference": 0.012,
                "completion_tokens": 125,
                "date": "2025-08-24",
                "endpoint_id": "550e8400-e29b-41d4-a716-446655440000",
                "model": "openai/gpt-4.1",
                "model_permaslug": "openai/gpt-4.1-2025-04-14",
                "prompt_tokens": 50,
                "provider_name": "OpenAI",
                "reasoning_tokens": 25,
                "requests": 5,
                "usage": 0.015,
            }
        ]
    }


def generation_id(row: dict[str, Any], index: int) -> str:
    """The id under which the replay server answers ``GET /generation`` for activity row ``index``."""
    digest = hashlib.sha256(f"{index}|{row.get('date')}|{row.get('model')}|{row.get('endpoint_id')}".encode())
    return "gen-replay-" + digest.hexdigest()[:20]


def spec_generation_body(row: dict[str, Any], index: int) -> dict[str, Any]:
    """A ``GenerationResponse`` (the spec's shape, every required field) for one request of an
    activity row: its model and provider, its per-request average tokens and cost. A fixture, not
    data: latency and times are drawn from a generator seeded by the row."""
    rng = _rng(generation_id(row, index))
    requests = max(int(row.get("requests") or 1), 1)
    prompt = int(row.get("prompt_tokens") or 0) // requests
    completion = int(row.get("completion_tokens") or 0) // requests
    reasoning = min(int(row.get("reasoning_tokens") or 0) // requests, completion)
    usage = round(float(row.get("usage") or 0) / requests, 6)
    byok = bool(row.get("byok_requests"))
    upstream = round(float(row.get("byok_usage_inference") or 0) / requests, 6) if byok else None
    latency = round(rng.uniform(300, 4000))
    day = str(row.get("date") or "2026-01-01")[:10]
    return {
        "data": {
            "id": generation_id(row, index),
            "upstream_id": f"chatcmpl-{rng.getrandbits(64):016x}",
            "total_cost": usage,
            "cache_discount": None,
            "upstream_inference_cost": upstream,
            "created_at": f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(10**6):06d}+00:00",
            "model": row.get("model"),
            "app_id": None,
            "streamed": True,
            "cancelled": False,
            "provider_name": row.get("provider_name"),
            "latency": latency,
            "moderation_latency": None,
            "generation_time": latency - round(rng.uniform(50, 250)),
            "finish_reason": "stop",
            "service_tier": None,
            "tokens_prompt": prompt,
            "tokens_completion": completion,
            "native_tokens_prompt": prompt,
            "native_tokens_completion": completion,
            "native_tokens_completion_images": 0,
            "native_tokens_reasoning": reasoning,
            "native_tokens_cached": 0,
            "num_media_prompt": 0,
            "num_input_audio_prompt": 0,
            "num_media_completion": 0,
            "num_search_results": 0,
            "num_fetches": 0,
            "web_search_engine": None,
            "origin": "",
            "usage": usage,
            "is_byok": byok,
            "native_finish_reason": "stop",
            "external_user": None,
            "api_type": "completions" if completion else "embeddings",
            "preset_id": None,
            "router": None,
            "provider_responses": None,
            "user_agent": None,
            "http_referer": None,
            "data_region": "global",
            "workspace_id": None,
        }
    }
