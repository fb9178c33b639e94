"""A ``GET /providers`` body (parsed JSON) -> the providers contract frame. Pure: no HTTP, no files.

The contract is :data:`orcatalog.schema.endpoints.PROVIDER_COLUMNS`; the one rule of its own,
``datacenters`` as a list whatever the body sends (null, ``[]`` or countries), lives in
:func:`_datacenters`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import SchemaError
from ..schema.endpoints import PROVIDER_COLUMNS
from .convert import CONVERTERS, Rows
from .ids import first_duplicate
from .models import frame_from_arrays

__all__ = ["providers_frame"]

_KNOWN = frozenset({c.source[0] for c in PROVIDER_COLUMNS if c.source} | {"datacenters"})


class _ProviderRows(Rows):
    what = "provider"


def _datacenters(rows: Rows) -> dict[str, Any]:
    """``datacenters`` always a list (null -> ``[]``) and whether the body listed them at all."""
    values = rows.top("datacenters")
    listed = [type(v) is list for v in values]
    lists = CONVERTERS["list<string>"]([v if v is not None else [] for v in values], "datacenters", rows)
    return {"datacenters": lists, "datacenters_listed": CONVERTERS["bool"](listed, "datacenters", rows)}


def providers_frame(body: Any, *, url: str | None = None) -> pd.DataFrame:
    """Flatten a providers body (``{"data": [provider, ...]}``) into the providers frame.

    Args:
        body: the parsed body.
        url: where it came from, for messages.

    Returns:
        One row per provider in the API's order (see :mod:`orcatalog.schema.endpoints`);
        unknown fields in ``extra``; nulls stay null except ``datacenters`` (always a list).

    Raises:
        SchemaError: not ``{"data": [...]}``, an entry without a string ``slug``, a duplicate
            slug, or a value of the wrong JSON type (names the provider and field).
    """
    where = f" in {url}" if url else ""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SchemaError(f"expected {{'data': [provider, ...]}}{where}", url=url)
    slugs = [p.get("slug") if type(p) is dict else None for p in data]
    if not all(type(s) is str for s in slugs):
        i = next(i for i, s in enumerate(slugs) if type(s) is not str)
        raise SchemaError(f"provider #{i}{where} is not an object with a string 'slug'", url=url)
    dup = first_duplicate(slugs)
    if dup is not None:
        raise SchemaError(f"duplicate provider slug {dup!r}{where}", url=url)
    rows = _ProviderRows(data, slugs, url)  # type: ignore[arg-type]
    for i, p in enumerate(data):
        for k in p.keys() - _KNOWN:
            rows.keep(i, k, p[k])
    derived = _datacenters(rows)
    cols: dict[str, Any] = {}
    for column in PROVIDER_COLUMNS:
        if column.name in derived:
            cols[column.name] = derived[column.name]
        elif column.source is not None:
            cols[column.name] = CONVERTERS[column.dtype](rows.values(column.source), ".".join(column.source), rows)
    cols["extra"] = CONVERTERS["json"](rows.extras, "extra", rows)
    return frame_from_arrays(cols, rows.n)
