"""Recorded endpoints and providers bodies: reading their files, the endpoint a file's name
declares, and a body's kind."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


from ...errors import (
    InvalidParameterError,
    SchemaError,
)
from ...frames import bodies
from ...frames.models import BODY_WAYS, body_kind
from ...times import as_utc
from ..intake import given_time, warn_if_name_disagrees
from .schema import MODEL_PATH, PROVIDERS_PATH, ZDR_PATH, _MODEL_PATH, EndpointBody
from .split import _endpoints_of


def declared_endpoint(name: str) -> str | None:
    """The endpoint a recorded body file's name declares (an archive member by its own name):
    ``providers-<time>`` -> ``/providers``, ``endpoints-zdr-<time>`` -> ``/endpoints/zdr``,
    ``endpoints-<author>--<slug>-<time>`` -> a model's endpoints (:data:`MODEL_PATH`); None for
    any other name."""
    base = _own_name(name)
    if base.startswith("providers-"):
        return PROVIDERS_PATH
    if base.startswith("endpoints-zdr-") and not base.startswith("endpoints-zdr--"):
        return ZDR_PATH
    if base.startswith("endpoints-") and "--" in base:
        return MODEL_PATH
    return None


def _own_name(name: str) -> str:
    """A body's own file name: a path's last part, an archive member's (``a.tar.xz:./x.json``) its own."""
    base = Path(name).name
    for suffix in bodies.ARCHIVE_SUFFIXES:
        base = base.partition(suffix + ":")[2] or base
    return Path(base).name


def _check_endpoint(endpoint: str | None) -> None:
    """Raises InvalidParameterError for an ``endpoint=`` that no endpoints or providers body comes from."""
    if endpoint is not None and (
        not isinstance(endpoint, str)
        or (endpoint not in (ZDR_PATH, PROVIDERS_PATH) and not _MODEL_PATH.fullmatch(endpoint))
    ):
        raise InvalidParameterError(
            f"endpoint must be '{ZDR_PATH}', '{PROVIDERS_PATH}' or a model's '{MODEL_PATH}', got {endpoint!r}"
        )


def read_endpoint_files(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    fetched_at: Any = None,
    base_url: str | None = None,
    endpoint: str | None = None,
) -> list[EndpointBody]:
    """Recorded ``endpoints-*`` and ``providers-*`` bodies (files, folders, archives), dated by
    ``fetched_at`` or by their names; the endpoint each came from is ``endpoint`` or the one its
    name declares (:func:`declared_endpoint`), and its kind follows from that (:func:`_kind`).

    Raises:
        InvalidParameterError: a body without a time, a bad ``endpoint``, a name that declares
            another endpoint than ``endpoint``, an empty body of no declared endpoint;
        SchemaError (also a body that is not what its name declares); BodyFileError; FileNotFoundError.
    """
    _check_endpoint(endpoint)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    for given in map(Path, paths):  # a count body named on its own is refused; in a folder it is passed over
        if given.is_file() and given.name.startswith("models-count"):
            raise InvalidParameterError(
                f"{given} is a /models/count body, not an endpoints or providers body: {BODY_WAYS['count']}"
            )
    files = [p for p in bodies.expand(list(paths)) if not p.name.startswith("models-count")]
    if fetched_at is not None:  # one time for one body: refused before any file is read or warned of
        plain = [p for p in files if not bodies.is_archive_name(p.name)]
        if len(plain) > 1:
            raise InvalidParameterError(f"fetched_at= applies to a single body, but {len(plain)} were given")
    out = []
    for name, data in bodies.read_files(files):
        if _own_name(name).startswith("models-count"):  # an archive's count bodies, as a folder's: passed over
            continue
        body = bodies.parse(name, data)  # what the file is, before when it was fetched
        named = declared_endpoint(name)
        if endpoint is not None and named is not None and _family(named) != _family(endpoint):
            raise InvalidParameterError(f"{name}: its name declares {named}, but endpoint={endpoint!r} was given")
        declared = endpoint or named
        how = f"name the file endpoints-zdr-<UTC time>.json or providers-<UTC time>.json, or {_PASS}"
        kind = _kind(body, name, declared, how)
        if named == MODEL_PATH and endpoint is None:
            _warn_if_other_model(name, body)
        if fetched_at is not None:
            when, precision = given_time(fetched_at)  # a date only: day precision, as a file named by its date
            warn_if_name_disagrees(name, when)
        else:
            dated = bodies.dated_name(name)
            if dated is None:
                if kind == "endpoints":  # a file that is no endpoints body says so first
                    _endpoints_of(body, name, declared)
                raise InvalidParameterError(
                    f"{name}: no fetch time; name the file with its UTC time "
                    "(endpoints-openai--gpt-4o-2026-08-31T120000Z.json) or pass fetched_at="
                )
            when, precision = dated
        when = as_utc(when)
        out.append(EndpointBody(name, when, body, kind, base_url, precision, declared))
    if fetched_at is not None and len(out) != 1:
        raise InvalidParameterError(f"fetched_at= applies to a single body, but {len(out)} were given")
    return out


_PASS = f"pass endpoint='{ZDR_PATH}' or endpoint='{PROVIDERS_PATH}'"


def _warn_if_other_model(name: str, body: Any) -> None:
    """A file named for one model's endpoints (``endpoints-<author>--<slug>-<time>``) whose body is
    another model's is recorded as the body's (what the API answered), with a warning naming both."""
    data = body.get("data") if isinstance(body, dict) else None
    model = data.get("id") if isinstance(data, dict) else None
    own, prefix = _own_name(name), f"endpoints-{model.replace('/', '--')}" if isinstance(model, str) else ""
    rest = own[len(prefix) :] if prefix and own.startswith(prefix) else None
    # the name's model ends where its time (-2026...) or its suffix (.json) starts: gpt-4o-mini is not gpt-4o
    if isinstance(model, str) and not (
        rest is not None and (rest[:1] == "." or (rest[:1] == "-" and rest[1:2].isdigit()))
    ):
        from ...errors import OrcatalogWarning, warn_at_caller

        warn_at_caller(
            f"orcatalog: {name}: its name names another model than its body, {model!r}; "
            "recorded as the body's (rename the file to say which model it holds)",
            OrcatalogWarning,
        )


def _family(endpoint: str) -> str:
    return endpoint if endpoint in (ZDR_PATH, PROVIDERS_PATH) else MODEL_PATH


def _kind(body: Any, source: str, endpoint: str | None, how: str = _PASS) -> str:
    """A body's kind, ``providers`` or ``endpoints``: from the endpoint it came from when that is
    known (fetched, or declared by a file's name or ``endpoint=``), else from its shape (a list of
    objects with a ``slug`` is ``/providers``). An empty list has no shape to tell by.

    Raises:
        InvalidParameterError: an empty list of no declared endpoint (``how`` says how to declare it).
        SchemaError: a non-empty list whose shape is the other kind's.
    """
    other = body_kind(body)
    if other is not None and other[0] not in ("endpoints", "zdr", "providers"):
        way = BODY_WAYS.get(other[0])
        raise SchemaError(
            f"{source} is {other[1]}, not an endpoints or providers body" + (f": {way}" if way else ""), url=source
        )
    data = body.get("data") if isinstance(body, dict) else None
    shape = None  # an empty list: /endpoints/zdr and /providers alike
    if isinstance(data, list) and data:
        shape = "providers" if isinstance(data[0], dict) and "slug" in data[0] else "endpoints"
    elif not isinstance(data, list):
        shape = "endpoints"  # one model's body (its shape checked when it is split)
    if endpoint is None:
        if shape is None:
            raise InvalidParameterError(
                f"{source}: an empty list ({{'data': []}}) may come from {ZDR_PATH} or {PROVIDERS_PATH}; "
                f"declare which: {how}"
            )
        return shape
    kind = "providers" if endpoint == PROVIDERS_PATH else "endpoints"
    if shape is not None and shape != kind:
        what = "a providers list" if shape == "providers" else "endpoints"
        raise SchemaError(f"{source}: declared as {endpoint}, but the body holds {what}", url=source)
    return kind
