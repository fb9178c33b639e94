"""Endpoints bodies (parsed JSON) -> the endpoints contract frame. Pure functions: no HTTP, no files.

The contract is :data:`orcatalog.schema.endpoints.ENDPOINT_COLUMNS`. Columns with a ``source``
go through the converters of :mod:`.convert` (the same wrong-type rules as models); prices go
through :func:`.models._prices` and :func:`.models._usd_per_mtok`, the one reading of a
``pricing`` object; the derived columns have one function each here (:data:`DERIVED`).

Two body shapes are read: ``GET /models/{author}/{slug}/endpoints`` answers ``{"data": {"id",
"name", ..., "endpoints": [...]}}``, ``GET /endpoints/zdr`` answers ``{"data": [endpoint, ...]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import pandas as pd

from ..errors import SchemaError, UnreadableValueWarning, warn_at_caller
from ..schema import KNOWN_PRICE_KEYS
from ..schema.endpoints import ENDPOINT_COLUMNS, effective_price, status_label
from .convert import CONVERTERS, Rows, key_values
from .ids import first_duplicate
from .models import _is_free, _prices, _usd_per_mtok, frame_from_arrays
from .models import _keep_unknown as keep_unknown

__all__ = ["endpoints_frame", "endpoints_body_frame", "DERIVED"]

_SKIP_PRICES = ("overrides", "discount")
_DERIVED_TOP = {"model_id", "model_name", "tag", "pricing", "status"}
_SOURCES = {c.source for c in ENDPOINT_COLUMNS if c.source}
_KNOWN_TOP = frozenset({p[0] for p in _SOURCES} | _DERIVED_TOP)
#: Objects whose unknown keys go to ``extra`` as ``object.key`` (``pricing`` keeps every key as a price).
_KNOWN_NESTED = {
    top: frozenset(p[1] for p in _SOURCES if len(p) == 2 and p[0] == top)
    for top in {p[0] for p in _SOURCES if len(p) == 2} - {"pricing"}
}


class _EndpointRows(Rows):
    what = "endpoint"


class _Derived:
    def __init__(self, rows: Rows, model_id: str | None, model_name: str | None) -> None:
        self.prices, self.raw_prices, self.dynamic = _prices(rows, skip=_SKIP_PRICES)
        self.model_id = [v if v is not None else model_id for v in rows.top("model_id")]
        self.model_name = [v if v is not None else model_name for v in rows.top("model_name")]
        self.prompt = _usd_per_mtok(self.raw_prices["prompt"], self.prices["prompt"])
        self.completion = _usd_per_mtok(self.raw_prices["completion"], self.prices["completion"])
        self.discount = _discount(rows)  # both effective prices take it off


def _tag(rows: Rows, d: _Derived) -> Any:
    # a body without tags (the 2025 shape) keeps them null: provider_name is the key there
    return CONVERTERS["str"](list(rows.top("tag")), "tag", rows)


def _discount(rows: Rows) -> np.ndarray:
    return CONVERTERS["float64"](rows.values(("pricing", "discount")), "pricing.discount", rows)  # type: ignore[no-any-return]


def _status(rows: Rows, d: _Derived) -> Any:
    """``status``: an integer (negative values are lower ranks) or null; anything else is refused."""
    values = rows.top("status")
    if not set(map(type, values)) <= {int, type(None)} or any(abs(v) > 2**31 for v in set(values) - {None}):
        for i, v in enumerate(values):
            if v is not None and (type(v) is not int or abs(v) > 2**31):
                rows.refuse(i, "status", f"= {v!r} is not an integer status")
    mask = np.array([v is None for v in values], dtype=bool)
    return pd.arrays.IntegerArray(np.array([v or 0 for v in values], dtype=np.int64), mask)


def _status_label(rows: Rows, d: _Derived) -> Any:
    values = rows.top("status")
    if set(map(type, values)) <= {int, type(None)}:  # a handful of values, each labelled once
        label = {v: status_label(v) for v in set(values)}
        labels = [label[v] for v in values]
    else:
        labels = [status_label(v) if type(v) is int else None for v in values]
    return CONVERTERS["str"](labels, "status", rows)


#: One function per derived column of the endpoints contract.
DERIVED: dict[str, Callable[[Rows, _Derived], Any]] = {
    "model_id": lambda rows, d: CONVERTERS["str"](d.model_id, "model_id", rows),
    "model_name": lambda rows, d: CONVERTERS["str"](d.model_name, "model_name", rows),
    "tag": _tag,
    "prompt_usd_per_mtok": lambda rows, d: d.prompt,
    "completion_usd_per_mtok": lambda rows, d: d.completion,
    "effective_prompt_usd_per_mtok": lambda rows, d: effective_price(d.prompt, d.discount),
    "effective_completion_usd_per_mtok": lambda rows, d: effective_price(d.completion, d.discount),
    "is_free": _is_free,  # the models contract's rule: every listed price 0, null when dynamic or unknown
    "dynamic_pricing": lambda rows, d: d.dynamic,
    "status": _status,
    "status_label": _status_label,
}


def endpoints_frame(
    endpoints: list[Any], *, model_id: str | None = None, model_name: str | None = None, url: str | None = None
) -> pd.DataFrame:
    """Flatten endpoint objects into the endpoints contract frame (see :mod:`orcatalog.schema.endpoints`).

    Args:
        endpoints: endpoint objects as parsed from JSON (the 2025 shape without ``tag`` or
            statistics, and the 2026 one).
        model_id, model_name: the model they belong to, for endpoints that do not say (2025).
        url: where they came from, for messages.

    Returns:
        One row per endpoint: prices in USD per token (``price_<key>``) and USD per million
        tokens (``*_usd_per_mtok``), uptimes in percent, latencies in milliseconds, throughputs
        in tokens per second; nulls stay null; unknown fields in ``extra``.

    Raises:
        SchemaError: an endpoint is not an object, lacks ``provider_name`` or ``pricing``, two
            endpoints of one model share a tag, or a value has the wrong JSON type (the message
            names the endpoint and the field).
    """
    return frame_from_arrays(*_columns(endpoints, model_id, model_name, url))


def _columns(
    endpoints: list[Any], model_id: str | None, model_name: str | None, url: str | None
) -> tuple[dict[str, Any], int]:
    """:func:`endpoints_frame`'s columns (arrays by name) and row count: every check and
    conversion, without building the DataFrame (what :func:`check_endpoints_body` runs)."""
    where = f" in {url}" if url else ""
    read = _checked(endpoints, url)
    labels = [f"{m or model_id} @ {t or p}" for m, t, p in zip(read["model_id"], read["tag"], read["provider_name"])]
    dup = first_duplicate(labels)
    if dup is not None:
        raise SchemaError(f"endpoint {dup!r}{where} appears twice (tag is the key within a model)", url=url)
    rows = _EndpointRows(endpoints, labels, url, read=read)
    _keep_unknown(rows)
    derived = _Derived(rows, model_id, model_name)
    cols: dict[str, Any] = {}
    for column in ENDPOINT_COLUMNS:
        if column.source is None:
            cols[column.name] = DERIVED[column.name](rows, derived)
        else:
            cols[column.name] = CONVERTERS[column.dtype](rows.values(column.source), ".".join(column.source), rows)
    for key in (*KNOWN_PRICE_KEYS, *sorted(set(derived.prices) - set(KNOWN_PRICE_KEYS))):
        cols["price_" + key] = derived.prices[key]
    cols["extra"] = CONVERTERS["json"](rows.extras, "extra", rows)
    if rows.unreadable:
        warn_at_caller(  # the user's call, however deep the read (store reads, imports, fetches)
            f"orcatalog: {len(rows.unreadable)} value(s){where} could not be read and were kept in "
            "'extra': " + ", ".join(rows.unreadable[:5]),
            UnreadableValueWarning,
        )
    return cols, rows.n


def endpoint_prices(endpoints: list[Any]) -> dict[str, np.ndarray]:
    """``{pricing key: USD per unit}`` of these endpoint objects, one value per object: the one
    price rule (:func:`orcatalog.frames.models._prices`, ``"-1"`` and unreadable values null)
    without building the frame, and without the one-row-per-endpoint check: the objects may be one
    endpoint's templates over time (:mod:`orcatalog.store.endpoints`).

    Raises:
        SchemaError: an object is not an endpoint (no ``provider_name`` or ``pricing``), or a
            price has the wrong JSON type.
    """
    read = _checked(endpoints, None)
    labels = [f"{m} @ {t or p}" for m, t, p in zip(read["model_id"], read["tag"], read["provider_name"])]
    return _prices(_EndpointRows(endpoints, labels, None, read=read), skip=_SKIP_PRICES)[0]


def _checked(endpoints: list[Any], url: str | None) -> dict[str, list[Any]]:
    """The columns every endpoint must have, read once (a C-level pass each, reused by the frame):
    each endpoint an object with a string ``provider_name`` and a ``pricing`` object, else the
    SchemaError naming the first endpoint that is not."""
    if set(map(type, endpoints)) <= {dict}:
        read = {key: key_values(endpoints, key) for key in ("provider_name", "pricing", "model_id", "tag")}
        if set(map(type, read["provider_name"])) <= {str} and set(map(type, read["pricing"])) <= {dict}:
            return read
    where = f" in {url}" if url else ""
    for i, e in enumerate(endpoints):  # the first endpoint at fault, in body order
        if type(e) is not dict or type(e.get("provider_name")) is not str:
            raise SchemaError(f"endpoint #{i}{where} is not an object with a string 'provider_name'", url=url)
        if type(e.get("pricing")) is not dict:
            raise SchemaError(f"endpoint #{i} ({e['provider_name']}){where} has no 'pricing' object", url=url)
    raise AssertionError("unreachable: some endpoint failed the check above")


def endpoints_body_frame(body: Any, *, url: str | None = None) -> pd.DataFrame:
    """A whole endpoints body as the contract frame: the check run before a body is cached.

    Args:
        body: ``{"data": {"id", "name", ..., "endpoints": [...]}}`` (one model) or ``{"data":
            [endpoint, ...]}`` (``/endpoints/zdr``, every model).
        url: where it came from, for messages.

    Returns:
        The contract frame (see :func:`endpoints_frame`); ``attrs["model"]`` holds the model's
        other fields (``id``, ``name``, ``created``, ``architecture``...) for a one-model body.

    Raises:
        SchemaError: neither shape, or an endpoint breaks the contract.
    """
    columns, data = _body_columns(body, url)
    frame = frame_from_arrays(*columns)
    if isinstance(data, dict):
        frame.attrs["model"] = {k: v for k, v in data.items() if k != "endpoints"}
    return frame


def check_endpoints_body(body: Any, *, url: str | None = None) -> None:
    """Every check of :func:`endpoints_body_frame` (the same code), without building the frame:
    the check a many-model fetch runs on each body before it is cached (its frame is made once,
    of all bodies together); a third of the cost of the frame of a small body is the DataFrame.

    Raises:
        SchemaError: as :func:`endpoints_body_frame`.
    """
    _body_columns(body, url)


def _body_columns(body: Any, url: str | None) -> tuple[tuple[dict[str, Any], int], Any]:
    """The columns of an endpoints body (:func:`_columns`) and its ``data``, after the shape check."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list):
        return _columns(data, None, None, url), data
    if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
        raise SchemaError(
            "expected {'data': {..., 'endpoints': [...]}} or {'data': [...]}" + (f" from {url}" if url else ""), url=url
        )
    model_id, name = data.get("id"), data.get("name")
    model_id = model_id if isinstance(model_id, str) else None
    return _columns(data["endpoints"], model_id, name if isinstance(name, str) else None, url), data


def _keep_unknown(rows: Rows) -> None:
    """Endpoint fields, and fields of known objects, that the contract does not know go to ``extra``
    (the models' rule, with the endpoint's known fields)."""
    keep_unknown(rows, _KNOWN_TOP, _KNOWN_NESTED)
