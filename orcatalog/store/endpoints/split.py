"""An endpoint object split into its template and its statistics, and joined back; the
endpoint list of a body (see the package docstring, Templates)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import orjson

from ...errors import (
    SchemaError,
)
from .schema import STATS, ZDR_PATH


def _key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def _split(endpoint: dict[str, Any]) -> tuple[bytes, list[float]]:
    """An endpoint object -> (its template JSON, its statistic values; NaN where not a number)."""
    template = dict(endpoint)
    holes: list[str] = []
    values: list[float] = []
    for path, _ in STATS:
        parent: Any = template
        if len(path) == 2:
            inner = template.get(path[0])
            if type(inner) is not dict:
                values.append(np.nan)
                continue
            parent = template[path[0]] = dict(inner)
        v = parent.get(path[-1])
        if type(v) in (int, float):
            holes.append(("i" if type(v) is int else "f") + ".".join(path))
            values.append(float(v))
            parent[path[-1]] = None
        else:
            values.append(np.nan)
    return orjson.dumps({"t": template, "h": holes}), values


def _join(template: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """The endpoint object back from its template and its row's statistics."""
    obj = template["t"]
    for hole in template["h"]:
        path = hole[1:].split(".")
        column = _STAT_BY_PATH[tuple(path)]
        v = values[column]
        target = obj if len(path) == 1 else obj[path[0]]
        target[path[-1]] = int(v) if hole[0] == "i" else float(v)
    return obj  # type: ignore[no-any-return]


_STAT_BY_PATH = dict(STATS)


def _endpoints_of(body: Any, source: str, endpoint: str | None = None) -> tuple[list[Any], dict[str, Any], str | None]:
    """The endpoint list of a body, the body without it (key kept, value null) and its model id.

    Raises:
        SchemaError: neither endpoints body shape, or not the shape of the declared ``endpoint``.
    """
    data = body.get("data") if isinstance(body, dict) else None
    if endpoint is not None and isinstance(data, list) != (endpoint == ZDR_PATH):
        want = "{'data': [endpoint, ...]}" if endpoint == ZDR_PATH else "{'data': {..., 'endpoints': [...]}}"
        raise SchemaError(f"{source}: declared as {endpoint}, but the body is not {want}", url=source)
    if isinstance(data, list):  # GET /endpoints/zdr
        return data, {**body, "data": None}, None
    if isinstance(data, dict) and isinstance(data.get("endpoints"), list):
        model = data.get("id")
        return (
            data["endpoints"],
            {**body, "data": {**data, "endpoints": None}},
            model if isinstance(model, str) else None,
        )
    raise SchemaError(f"{source}: expected {{'data': {{..., 'endpoints': [...]}}}} or {{'data': [...]}}", url=source)
