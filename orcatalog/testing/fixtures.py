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
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from typing import Any

__all__ = ["spec_endpoints_body", "PROVIDERS"]

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
    value = Decimal(base) if base not in (None, "", "-1") else Decimal(fallback)
    return str((value * Decimal(str(factor))).normalize()) if value > 0 else "0"


def _stats(rng: random.Random, median: float) -> dict[str, float]:
    p50 = round(median, 1)
    return {"p50": p50, "p75": round(p50 * 1.2, 1), "p90": round(p50 * 1.5, 1), "p99": round(p50 * 2.4, 1)}


def spec_endpoints_body(model: dict[str, Any], *, providers: int | None = None, zdr_share: float = 0.5) -> dict[str, Any]:
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
