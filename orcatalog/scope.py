"""What a catalog snapshot covers (its *scope*): the one rule, used by the fetch layer, the store and diff.

Two frames or snapshots are comparable only when their scopes are equal: a model "missing" from
a filtered, regional or per-key list did not vanish from the catalog. The scope is computed from
what was *asked*, never from what came back:

- the endpoint (``/models`` or ``/models/user``);
- the filters, except ``output_modalities=all`` (orcatalog's default, which means "no filter") and
  ``sort`` (an order, not a filter: a sorted catalog lists the same models);
- the server's default: a ``/models`` (or ``/models/count``) query without ``output_modalities``
  is answered with the text-output models only (the spec: it "defaults to text"; image, video,
  speech, embedding and rerank models are left out), so it *is* ``output_modalities=text``: a bare
  ``GET /models`` body, such as every file collected by other tools, is the scope
  ``/models output_modalities=text`` (:data:`SERVER_DEFAULT_SCOPE`), never ``catalog``
  (``/models/user`` documents no such filter: nothing is added there);
- the region: the ``region`` filter or an in-region host (``eu.openrouter.ai``, ``us.openrouter.ai``)
  are the same scope, ``region=eu`` / ``region=us``;
- any other host (a proxy, a mirror, a replay server) is its own scope ``base=<scheme://host/path>``;
  the port of a loopback host is left out, so two replay servers of the same recorded bodies on
  different random ports compare;
- for ``/models/user``, the key's fingerprint (never the key).

The whole public catalog, ``GET /models?output_modalities=all`` of ``https://openrouter.ai/api/v1``
(what orcatalog's own fetches and snapshots ask), is ``catalog``.

The "unfiltered list" rule (a whole list: ``/models`` with no filter but the output modalities of
the whole catalog or of the server's default list, on any host) also lives here, once:
:func:`is_unfiltered` for a fetch, :func:`unfiltered_rows` for a store's manifest; and so does the
default scope rule, :func:`default_scope`, the scope a store answers in when none is named (both
store layouts and the partial-catalog flag call them; no other module matches query texts).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CATALOG_SCOPE",
    "SERVER_DEFAULT_SCOPE",
    "scope_of",
    "frame_scope",
    "is_unfiltered",
    "unfiltered_rows",
    "default_scope",
    "asks_server_default",
]

#: The scope of ``GET /models?output_modalities=all`` of the public API: the whole catalog.
CATALOG_SCOPE = "catalog"

#: The scope of a bare ``GET /models`` of the public API (the server's default, text-output list),
#: the same as ``output_modalities=text``.
SERVER_DEFAULT_SCOPE = "/models output_modalities=text"

#: Endpoints whose ``output_modalities`` filter defaults to ``text`` on the server (the spec).
_TEXT_BY_DEFAULT = frozenset({"/models", "/models/count"})

#: The filters of the server's default list.
_SERVER_DEFAULT = {"output_modalities": "text"}

_PUBLIC_HOST = "openrouter.ai"
_REGION_HOSTS = {"eu.openrouter.ai": "eu", "us.openrouter.ai": "us"}
_API_PATH = "/api/v1"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_part(base_url: str | None) -> tuple[str | None, str | None]:
    """(region, base) from a base URL: the in-region hosts give a region, any other non-public host a base."""
    if base_url is None:
        return None, None
    parts = urlsplit(str(base_url))
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if host == _PUBLIC_HOST and path == _API_PATH:
        return None, None
    if host in _REGION_HOSTS and path == _API_PATH:
        return _REGION_HOSTS[host], None
    netloc = host if parts.port is None or _is_loopback(host) else f"{host}:{parts.port}"
    return None, f"{parts.scheme}://{netloc}{path}"  # no user info, query or fragment: never a secret


#: Query parameters that order a list without choosing its models: never a filter.
_ORDERINGS = frozenset({"sort"})


def _filters(endpoint: str, params: Mapping[str, Any] | None) -> dict[str, str]:
    """The filters of a query as the server applies them: the server's default ``output_modalities=text``
    where the endpoint has one and the query names none, every parameter but ``output_modalities=all``
    (orcatalog's default, which means "no filter") and the orderings (``sort``)."""
    given = {str(k): str(v) for k, v in (params or {}).items()}
    if endpoint in _TEXT_BY_DEFAULT:
        given.setdefault("output_modalities", "text")
    return {k: v for k, v in given.items() if k not in _ORDERINGS and not (k == "output_modalities" and v == "all")}


def asks_server_default(endpoint: str, params: Mapping[str, Any] | None = None) -> bool:
    """Whether a query leaves the output modalities to the server, which then lists only models with
    text output (``/models`` or ``/models/count`` without ``output_modalities``). A body that answered
    such a query holds no model whose output modalities lack ``text``.

    Args:
        endpoint: the path asked, e.g. ``/models``.
        params: the query parameters sent (API strings).
    """
    return endpoint in _TEXT_BY_DEFAULT and "output_modalities" not in (params or {})


def is_unfiltered(endpoint: str, params: Mapping[str, Any] | None = None) -> bool:
    """Whether a list fetch asks for a whole list: ``/models`` with no filter but the output
    modalities of the whole catalog (``output_modalities=all``) or of the server's default list (no
    ``output_modalities``, or ``text``), on whatever host; ``sort`` only orders the list. Such a list
    is never empty, and one that lost many models is flagged partial. The one "unfiltered list" rule.

    Args:
        endpoint: ``/models`` or ``/models/user``.
        params: the query parameters sent (API strings), paging (``offset``, ``limit``) left out.
    """
    return endpoint == "/models" and _filters(endpoint, params) in ({}, _SERVER_DEFAULT)


def unfiltered_rows(queries: Iterable[Any], endpoints: Iterable[Any] | None = None) -> list[bool]:
    """:func:`is_unfiltered` for each row of a store's manifest, whose ``query`` column holds the
    parameters as JSON text (``"{}"``, ``'{"output_modalities": "all"}'``; a missing query is ``{}``,
    the server's default list).

    Args:
        queries: the ``query`` column.
        endpoints: the ``endpoint`` column; None asks only whether a row has no filter (any list
            endpoint, as the partial-catalog rule counts ``/models/user``).

    Returns:
        One bool per row (a mask for the manifest).
    """
    import numpy as np  # not at import: the CLI's start stays fast

    columns: list[Any] = [_sequence(queries)] + ([_sequence(endpoints)] if endpoints is not None else [])
    codes, firsts = distinct_rows(columns)
    answers = []
    for first in firsts.tolist():  # the rule once per distinct (query, endpoint): a handful among thousands of rows
        query = _at(columns[0], first)
        params = json.loads(query) if isinstance(query, str) else {}
        answers.append(is_unfiltered(str(_at(columns[1], first)) if endpoints is not None else "/models", params))
    return np.asarray(answers, dtype=bool)[codes].tolist()


def distinct_rows(columns: list[Any]) -> tuple[Any, Any]:
    """Rows of equal columns numbered: each row's number (numpy ints) and, per number, the position
    of its first row, so a per-row rule runs once per distinct row (missing values count as equal).

    Args:
        columns: pandas columns, numpy arrays or lists, of one length.
    """
    import numpy as np
    import pandas as pd

    n = len(columns[0])
    combined = np.zeros(n, dtype=np.int64)
    for column in columns:  # mixed radix over each column's codes: one int per distinct row
        codes, uniques = pd.factorize(_sequence(column), use_na_sentinel=False)
        combined = combined * max(1, len(uniques)) + codes
    codes, _ = pd.factorize(combined)
    firsts = np.full(codes.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(firsts, codes, np.arange(n))
    return codes, firsts


def _sequence(values: Iterable[Any]) -> Any:
    """A pandas column or numpy array as it is (factorized without a copy); anything else as a
    numpy object array."""
    import numpy as np

    if hasattr(values, "iloc") or isinstance(values, np.ndarray):
        return values
    return np.asarray(list(values), dtype=object)


def _at(values: Any, i: int) -> Any:
    return values.iloc[i] if hasattr(values, "iloc") else values[i]


def scope_of(
    base_url: str | None,
    endpoint: str = "/models",
    params: Mapping[str, Any] | None = None,
    key_fingerprint: str | None = None,
) -> str:
    """The scope of a list fetch, from what was asked (see the module docstring for the rule).

    Args:
        base_url: the API base URL (None means the public API).
        endpoint: ``/models`` or ``/models/user``.
        params: the query parameters sent (API strings), e.g. ``{"output_modalities": "all"}``.
        key_fingerprint: for ``/models/user``, the key's fingerprint.

    Returns:
        ``"catalog"`` for the whole public catalog (``output_modalities=all``),
        ``"/models output_modalities=text"`` for the server's default list (no ``output_modalities``),
        else a readable text such as ``"/models region=eu output_modalities=text"`` or
        ``"/models input_modalities=image"`` (filters in name order).

    Raises:
        Nothing.
    """
    filters = _filters(endpoint, params)
    region, base = _host_part(base_url)
    if "region" in filters:
        region = filters.pop("region")
    if endpoint == "/models" and not filters and not key_fingerprint and region is None and base is None:
        return CATALOG_SCOPE
    parts = [endpoint]
    if region is not None:
        parts.append(f"region={region}")
    if base is not None:
        parts.append(f"base={base}")
    parts += [f"{k}={filters[k]}" for k in sorted(filters)]
    if key_fingerprint:
        parts.append(f"key={key_fingerprint}")
    return " ".join(parts)


def frame_scope(attrs: Mapping[str, Any]) -> str | None:
    """The scope of a frame from its ``attrs``: ``attrs["scope"]`` when present, else computed by
    :func:`scope_of` from its provenance (``base_url``, ``endpoint``, ``params``,
    ``key_fingerprint``); None when the frame carries no provenance at all.

    Args:
        attrs: a frame's ``attrs``.

    Returns:
        The scope text or None.
    """
    if attrs.get("scope") is not None:
        return str(attrs["scope"])
    if "params" not in attrs and "base_url" not in attrs:
        return None
    return scope_of(
        attrs.get("base_url"),
        attrs.get("endpoint") or "/models",
        attrs.get("params") or {},
        attrs.get("key_fingerprint"),
    )


def source_of(base_url: str | None) -> str:
    """Where a body came from, as its scope says it: ``""`` for the public API, ``"region=eu"``
    for an in-region host, ``"base=<url>"`` for any other (a replay server, a proxy): the part of
    :func:`scope_of` after the endpoint for a query without filters.

    Args:
        base_url: the API base URL (None means the public API).
    """
    return scope_of(base_url, "/endpoints/zdr").partition(" ")[2]


def scope_source(scope: str) -> str:
    """The :func:`source_of` part of a scope of an endpoints or providers snapshot (its endpoint,
    then ``region=`` or ``base=``: they take no filters)."""
    return str(scope).partition(" ")[2]


def default_source(scopes: Iterable[Any]) -> str:
    """The source endpoint and provider history answers from when none is named: the public API
    when any snapshot is from it, else the newest snapshot's (``scopes`` in time order), so a
    replay server's bodies never mix into the API's series.

    Args:
        scopes: the snapshots' scopes, oldest first.
    """
    sources = [scope_source(s) for s in scopes]
    return "" if not sources or "" in sources else sources[-1]


def default_scope(manifest: Any) -> str:
    """The scope a store answers in when none is named (``load``, ``history``, ``diff`` of the CLI, ``watch``,
    ``report``): ``catalog`` when the store holds such snapshots (or none at all); else the server's
    default list of the public API (:data:`SERVER_DEFAULT_SCOPE`, the scope of recorded bare
    ``GET /models`` bodies); else the newest whole list (:func:`is_unfiltered`) of another host or
    region, such as a replay server; else the scope of the newest snapshot.

    Args:
        manifest: the store's snapshots in time order, with the columns ``scope`` (by today's rule),
            ``query`` (JSON text) and ``endpoint``.

    Returns:
        A scope text.
    """
    if len(manifest) == 0:
        return CATALOG_SCOPE
    scopes = manifest["scope"]
    for wanted in (CATALOG_SCOPE, SERVER_DEFAULT_SCOPE):
        if (scopes == wanted).any():
            return wanted
    whole = manifest[unfiltered_rows(manifest["query"], manifest["endpoint"])]
    return str((whole if len(whole) else manifest)["scope"].iloc[-1])
