"""The column contracts of the endpoints and providers frames, in one place (beside the models
contract, :mod:`orcatalog.schema.columns`, whose dtype names they use, and the price rules of
:mod:`orcatalog.schema.prices`).

**Endpoints** (``GET /models/{{author}}/{{slug}}/endpoints``, ``GET /endpoints/zdr``): one row per
endpoint, i.e. per provider deployment of a model. ``tag`` is the key within a model: two endpoints
can share a ``provider_name`` (two Amazon Bedrock regions) but never a tag. Bodies before
2025-05-22 have no ``tag``: it stays null there (nulls stay null), ``provider_name`` is then the key,
and :func:`endpoint_label` names an endpoint either way. Fixed columns:

{endpoint_table}

Then one ``price_<key>`` column per pricing key (the models contract's family and rules:
:data:`orcatalog.schema.KNOWN_PRICE_KEYS` always, USD per token or per request / image / search;
absent optional prices cost nothing via :func:`orcatalog.schema.settled_prices`; ``"-1"`` is null
plus ``dynamic_pricing``), then ``extra``. ``pricing.discount`` is its own column, never a price. A many-model
fetch adds ``error`` last (:data:`ERROR_COLUMN`).

**Providers** (``GET /providers``): one row per provider. Fixed columns:

{provider_table}

The homes of the rules: the flattening is :mod:`orcatalog.frames.endpoints` and
:mod:`orcatalog.frames.providers`; the status label is :func:`status_label`; the effective price
after a discount is :func:`effective_price`.
"""

from __future__ import annotations

from typing import Any

from .columns import Column

__all__ = [
    "ENDPOINT_COLUMNS",
    "ERROR_COLUMN",
    "PROVIDER_COLUMNS",
    "STATUS_LABELS",
    "status_label",
    "endpoint_label",
    "effective_price",
    "PERCENTILES",
]


def endpoint_label(tag: Any, provider_name: Any) -> str:
    """How an endpoint is named to a reader: its ``tag``, or its ``provider_name`` when the body
    had no tag (the 2025 shape, where the provider name was the key within a model)."""
    return str(tag) if isinstance(tag, str) else str(provider_name)


#: The percentiles of ``latency_last_30m`` and ``throughput_last_30m``.
PERCENTILES: tuple[str, ...] = ("p50", "p75", "p90", "p99")

#: Readable labels of the spec's ``EndpointStatus`` values. The spec lists the values (0, -1, -2,
#: -3, -5, -10) without naming them; 0 is the normal state of every healthy endpoint in the
#: recordings, and the negative values are the router's lower ranks of a struggling endpoint
#: (gpt-4o on Azure had -2 with 91 % uptime), hence "degraded" and the value kept beside it.
STATUS_LABELS: dict[int, str] = {
    0: "ok",
    -1: "degraded",
    -2: "degraded",
    -3: "degraded",
    -5: "degraded",
    -10: "degraded",
}

ENDPOINT_COLUMNS: tuple[Column, ...] = (
    Column("model_id", "str", "the model: the endpoint's model_id, else the body's data.id (2025 bodies)"),
    Column("model_name", "str", "the model's display name (endpoint's model_name, else data.name)"),
    Column("provider_name", "str", "provider display name (not unique within a model)", ("provider_name",)),
    Column("tag", "str", "endpoint key within a model, e.g. amazon-bedrock/eu-west-1 (null in bodies without tag)"),
    Column("name", "str", "endpoint display name, 'Provider | provider-side model slug'", ("name",)),
    Column(
        "quantization", "str", "weights precision (fp8, bf16, 'unknown', ...), null in 2025 bodies", ("quantization",)
    ),
    Column("context_length", "Int64", "context window of this endpoint in tokens", ("context_length",)),
    Column("max_completion_tokens", "Int64", "max output tokens of this endpoint, or null", ("max_completion_tokens",)),
    Column("max_prompt_tokens", "Int64", "max prompt tokens of this endpoint, or null", ("max_prompt_tokens",)),
    Column("prompt_usd_per_mtok", "float64", "list prompt price in USD per million tokens (exact decimal scaling)"),
    Column("completion_usd_per_mtok", "float64", "list completion price in USD per million tokens (exact scaling)"),
    Column(
        "discount",
        "float64",
        "pricing.discount as a fraction (0 = none, 1 = free); null when absent",
        ("pricing", "discount"),
    ),
    Column("effective_prompt_usd_per_mtok", "float64", "prompt price after the discount, USD per million tokens"),
    Column(
        "effective_completion_usd_per_mtok", "float64", "completion price after the discount, USD per million tokens"
    ),
    Column(
        "is_free",
        "boolean",
        "every price the endpoint lists is 0 (null when dynamically priced or prompt/completion unknown)",
    ),
    Column("dynamic_pricing", "bool", "some price was '-1' (decided per request)"),
    Column(
        "pricing_overrides",
        "json",
        "pricing.overrides (long-context tiers, time windows), or null",
        ("pricing", "overrides"),
    ),
    Column("status", "Int64", "the spec's EndpointStatus (0 normal, negative: lower rank), or null"),
    Column("status_label", "str", "readable status: ok, degraded, unknown (see STATUS_LABELS), or null"),
    Column(
        "uptime_last_5m",
        "float64",
        "uptime over the last 5 minutes in percent (0..100), null when too few data",
        ("uptime_last_5m",),
    ),
    Column("uptime_last_30m", "float64", "uptime over the last 30 minutes in percent, or null", ("uptime_last_30m",)),
    Column("uptime_last_1d", "float64", "uptime over the last day in percent, or null", ("uptime_last_1d",)),
    *(
        Column(
            f"latency_{p}",
            "float64",
            f"time to first token over the last 30 minutes, {p}, in milliseconds (null without an API key)",
            ("latency_last_30m", p),
        )
        for p in PERCENTILES
    ),
    *(
        Column(
            f"throughput_{p}",
            "float64",
            f"output speed over the last 30 minutes, {p}, in tokens per second",
            ("throughput_last_30m", p),
        )
        for p in PERCENTILES
    ),
    Column(
        "supported_parameters", "list<string>", "request parameters this endpoint accepts", ("supported_parameters",)
    ),
    Column(
        "supports_implicit_caching",
        "boolean",
        "caches prompts without explicit markers, or null",
        ("supports_implicit_caching",),
    ),
    Column(
        "supports_voice_cloning",
        "boolean",
        "TTS endpoint accepts reference audio, or null",
        ("supports_voice_cloning",),
    ),
    *(
        Column(
            f"tool_choice_{k}",
            "boolean",
            f"supports_tool_choice.{k}: tool_choice '{k}' accepted, or null",
            ("supports_tool_choice", k),
        )
        for k in ("none", "auto", "required", "function")
    ),
)

#: The last column of a many-model fetch (``fetch_endpoints(models=...)``): null on endpoint rows;
#: a model that could not be fetched is one row with its ``model_id``, this message, and nulls.
ERROR_COLUMN = Column(
    "error", "str", "why this model's endpoints could not be fetched ('NotFoundError: ...'), or null on an endpoint row"
)

PROVIDER_COLUMNS: tuple[Column, ...] = (
    Column("slug", "str", "provider slug, the key (differs from the name: 'Google' -> google-vertex)", ("slug",)),
    Column("name", "str", "display name (the provider_name of endpoints)", ("name",)),
    Column("headquarters", "str", "ISO 3166-1 alpha-2 country of the headquarters, or null", ("headquarters",)),
    Column(
        "datacenters",
        "list<string>",
        "ISO 3166-1 alpha-2 countries of its datacenters; always a list "
        "(the body's null is an empty list, see datacenters_listed)",
    ),
    Column("datacenters_listed", "bool", "the body gave a datacenters list (false when it sent null)"),
    Column("privacy_policy_url", "str", "privacy policy URL, or null", ("privacy_policy_url",)),
    Column("terms_of_service_url", "str", "terms of service URL, or null", ("terms_of_service_url",)),
    Column("status_page_url", "str", "status page URL, or null", ("status_page_url",)),
    Column("extra", "json", "every field the contract does not know, as {path: value}, or null"),
)


def status_label(status: Any) -> str | None:
    """The readable label of an ``EndpointStatus`` value: ``"ok"`` (0), ``"degraded"`` (a
    negative value the spec lists), ``"unknown"`` (any other integer), None for null."""
    if status is None:
        return None
    return STATUS_LABELS.get(int(status), "unknown")


def effective_price(list_price: Any, discount: Any) -> Any:
    """The price after a discount: ``list_price * (1 - discount)`` (the spec's rule). A null
    discount is no discount. Works on floats and numpy arrays; NaN (unknown) stays NaN.

    Args:
        list_price: a price in any unit (the result has the same unit).
        discount: the fraction taken off (0..1), or NaN/None for none.
    """
    import numpy as np

    d = np.nan_to_num(np.asarray(discount, dtype=float), nan=0.0)
    return np.asarray(list_price, dtype=float) * (1.0 - d)


def _table(columns: tuple[Column, ...]) -> str:
    return "\n".join(
        f"- ``{c.name}`` ({c.dtype}): {c.doc}" + (f" (from ``{'.'.join(c.source)}``)" if c.source else "")
        for c in columns
    )


__doc__ = __doc__.format(  # the docstring renders the declared contracts
    endpoint_table=_table(ENDPOINT_COLUMNS), provider_table=_table(PROVIDER_COLUMNS)
)
