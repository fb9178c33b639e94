"""What a models body says, read for :class:`~orcatalog.fetch.client.Client`: a list body with its
provenance (:class:`ListBody`), the checks of the single-object bodies (``/model/{id}``:
:func:`_model_frame`, ``/models/count``: :func:`_count`), whether a list body may go on to another
page (:func:`_may_continue`, at most :data:`_MAX_PAGES` pages), and the provenance a frame carries
in ``attrs`` (:func:`_provenance`).

Layer: fetch (JSON in; the contract frame itself is :mod:`orcatalog.frames.models`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from ..errors import SchemaError
from ..frames.models import models_frame
from ..scope import scope_of
from .http import Fetched
from .redact import redact_url

_MAX_PAGES = 1000


@dataclass(frozen=True)
class ListBody:
    """A list body as fetched, with its provenance (:meth:`Client.fetch_body`).

    Attributes:
        body: the parsed body; pages merged into one ``data`` list.
        fetched_at: when it was fetched (UTC; the earliest page).
        endpoint: ``/models`` or ``/models/user``.
        params: the query sent (API strings).
        url: the first page's URL, secrets removed.
        from_cache: whether every page came from the HTTP cache.
        key_fingerprint: the key's fingerprint for ``/models/user`` (never the key), else None.
        scope: what the list covers (:func:`orcatalog.scope.scope_of`).
    """

    body: dict[str, Any]
    fetched_at: datetime
    endpoint: str
    params: dict[str, str]
    url: str
    from_cache: bool
    key_fingerprint: str | None
    scope: str


def _model_frame(body: Any, *, url: str) -> pd.DataFrame:
    """A ``/model/{id}`` body as a one-row contract frame; SchemaError for anything else."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise SchemaError(f"GET {url}: expected {{'data': <model object>}}", url=url)
    return models_frame([data], url=url)


def _count(body: Any, *, url: str) -> int:
    """The count of a ``/models/count`` body; SchemaError unless it is a non-negative integer."""
    data = body.get("data") if isinstance(body, dict) else None
    count = data.get("count") if isinstance(data, dict) else None
    if type(count) is not int or count < 0:
        raise SchemaError(f"GET {url}: expected {{'data': {{'count': <int >= 0>}}}}", url=url)
    return count


def _may_continue(body: Mapping[str, Any]) -> bool:
    """False when a list body says it is complete (no ``links.next``, ``total_count`` not above its size)."""
    links = body.get("links")
    if isinstance(links, dict) and links.get("next"):
        return True
    total = body.get("total_count")
    data = body.get("data")
    return isinstance(total, int) and isinstance(data, list) and total > len(data)


def _provenance(
    frame: pd.DataFrame,
    fetched: list[Fetched],
    path: str,
    query: Mapping[str, str],
    total: int | None,
    base_url: str,
) -> None:
    first = fetched[0]
    frame.attrs.update(
        {
            "url": first.url,
            "base_url": redact_url(base_url),
            "endpoint": path,
            "params": dict(query),
            "fetched_at": pd.Timestamp(min(f.fetched_at for f in fetched)),
            "from_cache": all(f.from_cache for f in fetched),
            "stale": any(f.stale for f in fetched),
            "server_date": pd.Timestamp(first.server_date) if first.server_date else None,
            "pages": len(fetched),
            "total_count": total,
            "scope": scope_of(base_url, path, query, None),
        }
    )
