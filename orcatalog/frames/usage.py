"""Usage bodies (parsed JSON) -> the usage contract frames. Pure functions: no HTTP, no files.

The contracts are :data:`orcatalog.schema.usage.ACTIVITY_COLUMNS` and
:data:`~orcatalog.schema.usage.GENERATION_COLUMNS`. Columns with a ``source`` go through the
converters of :mod:`.convert` (the models' wrong-type rules: a count that is a string of words, a
boolean where a number belongs, is refused with a :class:`~orcatalog.errors.SchemaError` naming the
row and the field); unknown fields go to ``extra`` by the models' one rule
(:func:`orcatalog.frames.models._keep_unknown`). The derived columns have one function each here.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..errors import SchemaError
from ..schema import Column
from ..schema.usage import ACTIVITY_COLUMNS, GENERATION_COLUMNS
from ..times import NotATime, iso_times
from .convert import CONVERTERS, Rows
from .models import _keep_unknown as keep_unknown
from .models import frame_from_arrays

__all__ = ["activity_frame", "activity_body_frame", "generation_frame", "generation_body_frame", "provider_parts"]

#: ``"YYYY-MM-DD"`` (the spec) or ``"YYYY-MM-DD 00:00:00"`` (what the API sends), optionally with a UTC mark.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?:Z|\+00:00)?")
_UTC = pd.DatetimeTZDtype("s", "UTC")


class _ActivityRows(Rows):
    what = "activity row"


class _GenerationRows(Rows):
    what = "generation"


def _times(values: list[Any], field: str, rows: Rows, *, required: bool) -> Any:
    """ISO texts (a day or a time, UTC) -> ``datetime64[s, UTC]``; anything else is refused."""
    for i, v in enumerate(values):
        if v is None and not required:
            continue
        if type(v) is not str:
            rows.refuse(i, field, f"= {v!r} is not a date string")
        if field == "date" and not _DAY.fullmatch(v):
            rows.refuse(i, field, f"= {v!r} is not a day (YYYY-MM-DD or 'YYYY-MM-DD 00:00:00')")
    try:
        parsed = iso_times(pd.Series(values, dtype=object))  # the one reading of time text
    except NotATime as exc:
        raise SchemaError(f"{rows.what} {field}: not ISO 8601 times ({exc})", url=rows.url) from None
    return parsed.dt.floor("s").astype(_UTC).array


def provider_parts(provider_name: Any) -> tuple[Any, Any]:
    """``"minimax/fp8"`` -> ``("minimax", "fp8")``; ``"deepseek"`` -> ``("deepseek", None)``: the one
    reading of the activity's provider slug. Works on one value; None stays None."""
    if not isinstance(provider_name, str):
        return None, None
    slug, sep, quant = provider_name.partition("/")
    return slug, (quant if sep and quant else None)


def _build(rows: Rows, columns: tuple[Column, ...], derived: dict[str, Any]) -> pd.DataFrame:
    known = {c.source[0] for c in columns if c.source} | set(derived.get("_sources", ()))
    keep_unknown(rows, frozenset(known), {})
    cols: dict[str, Any] = {}
    for column in columns:
        if column.name in derived:
            cols[column.name] = derived[column.name]
        else:
            assert column.source is not None
            cols[column.name] = CONVERTERS[column.dtype](rows.values(column.source), column.source[0], rows)
    cols["extra"] = CONVERTERS["json"](rows.extras, "extra", rows)
    return frame_from_arrays(cols, rows.n)


def _objects(items: Any, what: str, url: str | None) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(type(i) is dict for i in items):
        raise SchemaError(f"{what}{f' in {url}' if url else ''}: expected a list of objects", url=url)
    return items


def activity_frame(items: list[dict[str, Any]], *, url: str | None = None) -> pd.DataFrame:
    """Activity items -> the activity contract frame (:data:`~orcatalog.schema.usage.ACTIVITY_COLUMNS`
    then ``extra``), one row per item, in the API's order.

    Args:
        items: the ``data`` list of a ``GET /activity`` body.
        url: the request URL (secrets removed), for messages.

    Returns:
        The frame: ``date`` as UTC midnight, counts as ``Int64``, USD as ``float64``.

    Raises:
        SchemaError: not a list of objects; a row without ``date`` or ``model``; a value of the
            wrong JSON type (names the row and the field).
    """
    items = _objects(items, "activity", url)
    ids = [f"#{i} {m.get('date')} {m.get('model')}" for i, m in enumerate(items)]
    rows = _ActivityRows(items, ids, url)
    for field in ("date", "model"):
        missing = [i for i, v in enumerate(rows.top(field)) if v is None]
        if missing:
            rows.refuse(missing[0], field, "is missing (every activity row has a date and a model)")
    parts = [provider_parts(p) for p in rows.top("provider_name")]
    derived = {
        "date": _times(rows.top("date"), "date", rows, required=True),
        "provider_slug": CONVERTERS["str"]([p[0] for p in parts], "provider_name", rows),
        "quantization": CONVERTERS["str"]([p[1] for p in parts], "provider_name", rows),
    }
    return _build(rows, ACTIVITY_COLUMNS, derived)


def activity_body_frame(body: Any, *, url: str) -> pd.DataFrame:
    """A ``GET /activity`` body ``{"data": [...]}`` -> :func:`activity_frame`; SchemaError otherwise
    (the check the fetch layer runs before a body can be cached)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SchemaError(f"GET {url}: expected {{'data': [activity rows]}}", url=url)
    if data and all(isinstance(d, dict) and "date" not in d and "model" not in d for d in data):
        what = (
            "a models catalog (GET /models: its rows have id and pricing)"
            if all("pricing" in d for d in data)
            else f"rows with {', '.join(map(repr, list(data[0])[:6]))}"
        )
        raise SchemaError(
            f"{url}: not an /activity body: it holds {what}, while every activity row has a date and a model", url=url
        )
    return activity_frame(data, url=url)


def generation_frame(item: dict[str, Any], *, url: str | None = None) -> pd.DataFrame:
    """One generation object -> a one-row generation contract frame
    (:data:`~orcatalog.schema.usage.GENERATION_COLUMNS` then ``extra``).

    Raises:
        SchemaError: not an object, no ``id``, or a value of the wrong JSON type.
    """
    items = _objects([item], "generation", url)
    rows = _GenerationRows(items, [str(item.get("id"))], url)
    if item.get("id") is None:
        rows.refuse(0, "id", "is missing")
    derived = {
        "created_at": _times(rows.top("created_at"), "created_at", rows, required=False),
        "_sources": ("created_at",),
    }
    return _build(rows, GENERATION_COLUMNS, derived)


def generation_body_frame(body: Any, *, url: str) -> pd.DataFrame:
    """A ``GET /generation`` body ``{"data": {...}}`` -> :func:`generation_frame`; SchemaError otherwise."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise SchemaError(f"GET {url}: expected {{'data': <generation object>}}", url=url)
    return generation_frame(data, url=url)
