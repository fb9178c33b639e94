"""What the replay server answers to a list request, as pure functions: the spec-shaped envelope
around the recorded bytes, the filters and sort orders a recorded body can answer, the 400s the
API gives for values it does not know, and the optional filling of spec-required fields.

The envelope is the one ``ModelsListResponse`` of the OpenAPI spec: ``{"data": [...],
"total_count": N, "links": {"next": ...}}``, for every query. Inside ``data`` each model is the
recorded bytes of that model, unchanged (the whole recorded array, whitespace and all, when
nothing is filtered out).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import orjson

from ..fetch.params import ANSWERED_FILTERS, ANSWERED_SORTS, CATEGORIES, SORTS
from ..frames.models import modalities
from ..schema import OUTPUT_MODALITIES

__all__ = [
    "ANSWERED_FILTERS",
    "ANSWERED_SORTS",
    "OUTPUT_MODALITIES",
    "unanswerable",
    "lacking",
    "invalid",
    "filter_models",
    "model_spans",
    "envelope",
    "fill_required",
]

#: Filters that read one model field: applied only when the body has that field at all.
_FIELD_OF = {"supported_parameters": "supported_parameters", "sort=newest": "created"}
_PAGING = frozenset({"offset", "limit"})
#: Fields the spec's ``Model`` requires and allows to be null (filled with null on request).
_REQUIRED_NULLABLE = ("context_length", "per_request_limits", "default_parameters", "supported_voices")


def unanswerable(query: Mapping[str, str]) -> list[str]:
    """Names of ``/models`` query parameters the replay server cannot apply from a recorded body.

    Args:
        query: the query parameters as sent (e.g. from :func:`orcatalog.fetch.params.list_query`).

    Returns:
        The parameter names it ignores, in query order (``sort`` when its order needs other data).
    """
    out = [k for k in query if k not in ANSWERED_FILTERS and k not in _PAGING]
    if "sort" in query and query["sort"] not in ANSWERED_SORTS:
        out.append("sort")
    return out


def lacking(models: list[dict[str, Any]], query: Mapping[str, str]) -> list[str]:
    """Query parameters whose model field no model of this body has (a 2024 body has no
    ``supported_parameters`` or ``created``): applying them would wrongly answer nothing."""
    out = []
    for param, field in _FIELD_OF.items():
        name, _, value = param.partition("=")
        if name in query and (not value or query[name] == value) and not any(field in m for m in models):
            out.append(name)
    return out


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def invalid(query: Mapping[str, str]) -> str | None:
    """The API's 400 message for a value it does not know (sort, category, output modality), or None."""
    if "sort" in query and query["sort"] not in SORTS:
        return f"Invalid sort {query['sort']!r}: expected one of {', '.join(SORTS)}"
    if "category" in query and query["category"] not in CATEGORIES:
        return f"Invalid category {query['category']!r}: expected one of {', '.join(CATEGORIES)}"
    if "output_modalities" in query and query["output_modalities"] != "all":
        unknown = [m for m in _split(query["output_modalities"]) if m not in OUTPUT_MODALITIES]
        if unknown or not _split(query["output_modalities"]):
            return f"Invalid output_modalities {query['output_modalities']!r}: expected 'all' or some of {', '.join(OUTPUT_MODALITIES)}"
    return None


def _modalities(model: Mapping[str, Any], side: str) -> list[str]:
    """The model's input or output modalities (a model that states none is taken as text)."""
    arch = model.get("architecture")
    found = modalities(arch if isinstance(arch, dict) else {})
    if found is None:
        return ["text"]
    stated = found[0] if side == "input" else found[1]
    return [m for m in stated or () if isinstance(m, str)] or ["text"]


def _price(model: Mapping[str, Any], key: str) -> float | None:
    """USD per million tokens, or None when missing, not a number or dynamic (``-1``)."""
    raw = (model.get("pricing") or {}).get(key)
    try:
        value = float(raw) if isinstance(raw, (str, int, float)) else math.nan
    except ValueError:
        return None
    return None if math.isnan(value) or value < 0 else value * 1e6


def _average_price(model: Mapping[str, Any]) -> float | None:
    """The spec's sort key for pricing: the average of prompt and completion price."""
    prompt, completion = _price(model, "prompt"), _price(model, "completion")
    return None if prompt is None or completion is None else (prompt + completion) / 2


def filter_models(models: list[dict[str, Any]], query: Mapping[str, str]) -> list[dict[str, Any]]:
    """Apply the list filters and sort a recorded body can answer, as the replay server does.

    ``output_modalities`` defaults to ``text`` like the real server. Parameters this function
    cannot answer are not applied (see :func:`unanswerable` and :func:`lacking`).
    """
    out = list(models)
    outputs = query.get("output_modalities", "text")
    if outputs != "all":
        wanted = set(_split(outputs))
        out = [m for m in out if wanted & set(_modalities(m, "output"))]
    if "input_modalities" in query:
        need = set(_split(query["input_modalities"]))
        out = [m for m in out if need <= set(_modalities(m, "input"))]
    if "q" in query:
        q = query["q"].lower()
        out = [m for m in out if q in str(m.get("id", "")).lower() or q in str(m.get("name", "")).lower()]
    if "context" in query:
        ctx = int(query["context"])
        out = [m for m in out if isinstance(m.get("context_length"), int) and m["context_length"] >= ctx]
    for param, key, op in (
        ("min_price", "prompt", float.__ge__),
        ("max_price", "prompt", float.__le__),
        ("min_output_price", "completion", float.__ge__),
        ("max_output_price", "completion", float.__le__),
    ):
        if param in query:
            bound = float(query[param])
            out = [m for m in out if (p := _price(m, key)) is not None and op(p, bound)]
    if "model_authors" in query:
        authors = set(_split(query["model_authors"]))
        out = [m for m in out if str(m.get("id", "")).lstrip("~").split("/")[0] in authors]
    skipped = set(lacking(models, query))
    if "supported_parameters" in query and "supported_parameters" not in skipped:
        params = set(_split(query["supported_parameters"]))
        out = [m for m in out if params <= set(m.get("supported_parameters") or [])]
    sort = query.get("sort")
    if sort in ("pricing-low-to-high", "pricing-high-to-low"):
        priced = [m for m in out if _average_price(m) is not None]
        unpriced = [m for m in out if _average_price(m) is None]
        priced.sort(key=lambda m: _average_price(m) or 0.0, reverse=sort == "pricing-high-to-low")
        out = priced + unpriced  # models without a price go last, as the API puts unscored ones
    elif sort == "context-high-to-low":
        out.sort(key=lambda m: m.get("context_length") or 0, reverse=True)
    elif sort == "newest" and "sort" not in skipped:
        out.sort(key=lambda m: m.get("created") or 0, reverse=True)
    return out


def _ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def model_spans(raw: bytes) -> tuple[bytes, list[bytes]] | None:
    """The recorded bytes of a body's ``data`` array and of each model in it, or None when the
    body is not an object with a ``data`` array."""
    text = raw.decode("utf-8")
    decoder = json.JSONDecoder()
    try:
        i = _ws(text, 0)
        if text[i] != "{":
            return None
        i = _ws(text, i + 1)
        while text[i] == '"':
            key, i = decoder.raw_decode(text, i)  # a JSON string (text[i] is '"'): public, no scanstring
            i = _ws(text, i)
            if text[i] != ":":
                return None
            i = _ws(text, i + 1)
            if key == "data" and text[i] == "[":
                start, models = i, []
                i = _ws(text, i + 1)
                while text[i] != "]":
                    _value, end = decoder.raw_decode(text, i)
                    models.append(text[i:end].encode())
                    i = _ws(text, end)
                    if text[i] == ",":
                        i = _ws(text, i + 1)
                return text[start : i + 1].encode(), models
            _value, i = decoder.raw_decode(text, i)
            i = _ws(text, i)
            if text[i] == ",":
                i = _ws(text, i + 1)
    except (IndexError, ValueError):
        return None
    return None


def envelope(data: bytes, total_count: int, next_link: str | None) -> bytes:
    """The spec's list reply around ``data`` (a JSON array's bytes, embedded as they are)."""
    return (
        b'{"data":'
        + data
        + b',"total_count":'
        + str(total_count).encode()
        + b',"links":'
        + orjson.dumps({"next": next_link})
        + b"}"
    )


def fill_required(model: dict[str, Any]) -> dict[str, Any] | None:
    """The model with the spec's required fields it lacks filled, or None when it lacks none.

    Nullable ones become null; ``links`` is derived as the API derives it
    (``{"details": "/api/v1/models/<canonical_slug>/endpoints"}``) when ``canonical_slug`` is
    there. Nothing is invented: a required field that is neither stays absent.
    """
    added: dict[str, Any] = {k: None for k in _REQUIRED_NULLABLE if k not in model}
    if "links" not in model and isinstance(model.get("canonical_slug"), str):
        added["links"] = {"details": f"/api/v1/models/{model['canonical_slug']}/endpoints"}
    return {**model, **added} if added else None
