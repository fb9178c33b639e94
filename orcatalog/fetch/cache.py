"""The default HTTP cache: a requests-cache ``CachedSession`` on a private SQLite file.

requests-cache does the caching; this module adds what it lacks for an API keyed by bearer tokens:

- the cache key includes a fingerprint (SHA-256) of the ``Authorization`` header in any casing,
  so two API keys never share a ``/models/user`` entry (requests-cache leaves that header out of
  the key by default, so a naive setup *does* share);
- a serializer stage removes credentials from the stored request and response headers in any
  casing, redirect history included (requests-cache only redacts the exact names it is given, and
  only in the final request);
- JSON serialization of the response metadata (no pickle: a tampered pickle row can run code),
  followed by the body bytes as received, so a cache hit parses the catalog only once;
- a private directory (0700) and file (0600), and a junk or half-written file, or an SQLite file of
  another schema, is moved aside with a warning instead of failing every call; a damaged row is a
  miss with a warning (the next fresh answer replaces it).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import sqlite3
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import requests
from cattrs.preconf.orjson import make_converter as make_orjson_converter
from requests_cache import CachedSession, SQLiteCache
from requests_cache.cache_keys import create_key
from requests_cache.serializers import SerializerPipeline
from requests_cache.serializers.cattrs import CattrStage

from ..errors import CacheError, InvalidParameterError
from .redact import REDACTED, active_secrets, scrub, secret_forms

logger = logging.getLogger(__name__)

#: Headers that carry credentials; matched case-insensitively.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

#: Default freshness: the API's edge cache holds the catalog about 5 minutes, so less buys nothing.
DEFAULT_EXPIRE_AFTER = timedelta(minutes=5)

CACHE_FILE_NAME = "http_cache.sqlite"


def key_fingerprint(api_key: str) -> str:
    """A short, non-reversible fingerprint of an API key (first 16 hex chars of SHA-256)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


def auth_header_value(headers: Any) -> str | None:
    """The Authorization header's value, whatever its casing, or None."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value:
            return str(value)
    return None


def cache_key(request: requests.PreparedRequest, **kwargs: Any) -> str:
    """requests-cache's key, plus a fingerprint of the credential when the request carries one."""
    base = create_key(request, **kwargs)
    auth = auth_header_value(request.headers)
    return f"{base}-{key_fingerprint(auth)}" if auth else base


def _request_credentials(record: Any) -> list[str]:
    """Every credential header value of a stored response's record: its request's, and those of
    every hop of its redirect history (the first hop carries the key; a cross-host hop loses it)."""
    found: list[str] = []
    if isinstance(record, dict):
        request = record.get("request")
        headers = request.get("headers") if isinstance(request, dict) else None
        if isinstance(headers, dict):
            found += [str(v) for k, v in headers.items() if str(k).lower() in SENSITIVE_HEADERS and v]
        for hop in record.get("history") or ():
            found += _request_credentials(hop)
    return found


def _blank_credential_headers(value: Any) -> Any:
    """Every ``headers`` object of the record with credential headers (any casing) set to REDACTED."""
    if isinstance(value, dict):
        return {k: ({n: (REDACTED if str(n).lower() in SENSITIVE_HEADERS else v) for n, v in v.items()}
                    if k == "headers" and isinstance(v, dict) else _blank_credential_headers(v))
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_blank_credential_headers(v) for v in value]
    return value


class _Scrub:
    """Serializer stage on the response record (a dict, after cattrs): before anything is written,
    credential headers of any casing become ``REDACTED`` in the response, its request and every
    hop of its redirect history, and the key they carried (and any key of a request running now,
    and anything shaped like an OpenRouter key) is removed from every other string of the record:
    URLs of every hop, ``Location`` headers, a header echoing ``Bearer <key>``, hop bodies.
    requests-cache itself only redacts the exact header names it is given, in the final request.
    The body (``_content``) is left as received: a keyed answer that echoes its key is refused
    before it can be cached (:mod:`.http`)."""

    def dumps(self, record: dict[str, Any]) -> dict[str, Any]:
        secrets = [f for value in _request_credentials(record) for f in secret_forms(value)]
        forms = sorted({*secrets, *active_secrets()}, key=len, reverse=True)
        body = record.pop("_content", None)
        clean = scrub(_blank_credential_headers(record), forms)
        if body is not None:
            clean["_content"] = body
        return clean  # type: ignore[no-any-return]

    def loads(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def copy(self) -> _Scrub:
        return self


def require_key_separation(session: Any) -> None:
    """Refuse to send a credential through a cache that could share or store it.

    A ``requests_cache.CachedSession`` keeps answers to two API keys apart only when its cache key
    includes the credential (:func:`cache_key`), and keeps the key out of the file only with this
    module's serializer. Any other cached session would serve key A's ``/models/user`` list to key B.

    Args:
        session: the session about to send a request that carries a credential.

    Raises:
        InvalidParameterError: ``session`` is a cached session not made by :func:`cached_session`.
    """
    settings = getattr(session, "settings", None)
    responses = getattr(getattr(session, "cache", None), "responses", None)
    if settings is None or responses is None:
        return  # not a requests-cache session: nothing is stored
    if getattr(settings, "key_fn", None) is cache_key and getattr(getattr(responses, "serializer", None), "name", None) == SERIALIZER.name:
        return
    raise InvalidParameterError(
        "this requests_cache.CachedSession does not put the API key in its cache key, so two keys "
        "would share /models/user answers (and it may store the key). Omit session= to use "
        "orcatalog's cache, or pass session=orcatalog.fetch.cache.cached_session(<cache dir>)."
    )


def _bytes_default(value: Any) -> Any:
    """orjson fallback: any other bytes field (a request body) as UTF-8 text or base64."""
    if isinstance(value, (bytes, bytearray)):
        try:
            return {"utf8": bytes(value).decode("utf-8")}
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _bytes_from_json(value: Any, _type: Any) -> bytes:
    if not value:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dict) and "utf8" in value:
        return str(value["utf8"]).encode("utf-8")
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"])
    return base64.b64decode(value)


class _FramedJSON:
    """Final stage: one JSON line of response metadata, a newline, then the body bytes as received.

    The body is not wrapped in a JSON string (no escaping, no base64), so a cache hit parses the
    catalog once, in orcatalog, instead of three times. orjson never writes a raw newline, so the
    first newline always ends the JSON part. Nothing here is executable on load (unlike pickle).
    """

    def dumps(self, value: dict[str, Any]) -> bytes:
        body = value.pop("_content", None) or b""
        return orjson.dumps(value, default=_bytes_default) + b"\n" + bytes(body)

    def copy(self) -> _FramedJSON:
        return self

    def loads(self, value: bytes) -> dict[str, Any]:
        try:
            head, _, body = bytes(value).partition(b"\n")
            record = orjson.loads(head)
            record["_content"] = body
        except (TypeError, ValueError) as exc:
            _damaged_row(exc)
            raise ValueError(f"damaged cache entry ({type(exc).__name__})") from None
        return record


class _TolerantStage:
    """Wraps the cattrs stage: a stored row that does not load becomes a ``ValueError``, which
    requests-cache treats as a miss (the next fresh answer replaces the row), with a warning,
    instead of a ``ClassValidationError`` out of every call."""

    def __init__(self, inner: CattrStage) -> None:
        self.inner = inner

    @property
    def decode_content(self) -> bool:
        return bool(self.inner.decode_content)

    @decode_content.setter
    def decode_content(self, value: bool) -> None:
        self.inner.decode_content = value

    def dumps(self, value: Any) -> Any:
        return self.inner.dumps(value)

    def loads(self, value: Any) -> Any:
        try:
            response = self.inner.loads(value)
            if response.status_code != 200 or not isinstance(response.url, str):  # only 200s are stored
                raise TypeError(f"a stored response with status {response.status_code!r}")
        except Exception as exc:  # noqa: BLE001 - any damage in a row means the same: ignore the row
            _damaged_row(exc)
            raise ValueError(f"damaged cache entry ({type(exc).__name__})") from None
        return response

    def copy(self) -> _TolerantStage:
        return _TolerantStage(self.inner.copy())


def _damaged_row(reason: BaseException) -> None:
    warnings.warn(
        f"orcatalog: ignored a damaged HTTP cache entry ({type(reason).__name__}); the next fresh "
        "answer replaces it",
        RuntimeWarning,
        stacklevel=2,
    )


def _json_stage() -> CattrStage:
    stage = CattrStage(make_orjson_converter)
    stage.converter.register_unstructure_hook(bytes, lambda v: v)  # _FramedJSON places it
    stage.converter.register_structure_hook(bytes, _bytes_from_json)
    return stage


#: Response metadata as a JSON-ready record, credentials removed from it, then JSON and the body as raw bytes.
SERIALIZER = SerializerPipeline(
    [_TolerantStage(_json_stage()), _Scrub(), _FramedJSON()],
    name="orcatalog-json",
    is_binary=True,
)


def default_cache_dir() -> Path:
    """Where the HTTP cache lives: ``$ORCATALOG_CACHE_DIR``, else the user cache dir (``~/.cache/orcatalog``)."""
    env = os.environ.get("ORCATALOG_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("orcatalog"))


def _prepare_private_file(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    path = directory / CACHE_FILE_NAME
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


#: The tables requests-cache's SQLite backend keeps, and the columns it reads from each.
_OUR_TABLES = {"responses": {"key", "value"}, "redirects": {"key", "value"}}


def _check_database(path: Path) -> None:
    """Raise sqlite3.DatabaseError when the file is not a usable SQLite database of this cache
    (damaged, or another schema: foreign tables, or our tables without the columns we read)."""
    con = sqlite3.connect(path, timeout=30)
    try:
        row = con.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {row}")
        tables = [name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            needed = _OUR_TABLES.get(table)
            if needed is None:
                raise sqlite3.DatabaseError(f"not an orcatalog cache: it has a table {table!r}")
            columns = {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}
            if not needed <= columns:
                raise sqlite3.DatabaseError(f"table {table!r} lacks column(s) {sorted(needed - columns)}")
    finally:
        con.close()


def _move_aside(path: Path, reason: Exception) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            os.replace(p, Path(str(aside) + suffix))
    warnings.warn(
        f"orcatalog: the HTTP cache file {path} was unreadable ({reason}); moved it to {aside} "
        "and started an empty cache",
        RuntimeWarning,
        stacklevel=3,
    )
    logger.warning("moved unreadable cache file %s aside to %s: %s", path, aside, reason)
    return aside


def cached_session(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    expire_after: timedelta | int | float = DEFAULT_EXPIRE_AFTER,
) -> CachedSession:
    """A ``CachedSession`` on ``<cache_dir>/http_cache.sqlite`` set up as described in this module.

    Args:
        cache_dir: folder for the cache file; default :func:`default_cache_dir`.
        expire_after: freshness of an entry (a timedelta, or seconds); default 5 minutes.

    Raises:
        CacheError: the folder cannot be created or the file cannot be opened even after moving a
            broken one aside.
    """
    directory = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    try:
        path = _prepare_private_file(directory)
        try:
            _check_database(path)
        except sqlite3.DatabaseError as exc:
            _move_aside(path, exc)
            path = _prepare_private_file(directory)
        backend = SQLiteCache(path, serializer=SERIALIZER, wal=True, timeout=30)
    except (OSError, sqlite3.Error) as exc:
        raise CacheError(f"cannot open the HTTP cache in {directory}: {exc}") from exc
    return CachedSession(
        backend=backend,
        expire_after=expire_after,
        allowable_codes=(200,),
        allowable_methods=("GET",),
        key_fn=cache_key,
        stale_if_error=False,
        cache_control=False,
    )
