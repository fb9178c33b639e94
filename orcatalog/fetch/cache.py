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
  miss with a warning (the next fresh answer replaces it);
- several threads and processes on one folder: a busy or locked database is waited on (SQLite's
  busy timeout, then bounded retries), never taken for damage; only a file *proven* damaged or
  foreign (:func:`_is_damage`, the one rule) is moved aside, and never while another session or
  process uses the folder (:class:`_Users`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: only this process's sessions are seen (see _Users)
    fcntl = None  # type: ignore[assignment]

import orjson
import requests
from cattrs.preconf.orjson import make_converter as make_orjson_converter
from requests_cache import CachedSession, SQLiteCache
from requests_cache.cache_keys import create_key
from requests_cache.serializers import SerializerPipeline
from requests_cache.serializers.cattrs import CattrStage

from ..errors import CacheDamageWarning, CacheError, InvalidParameterError
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
        return {
            k: (
                {n: (REDACTED if str(n).lower() in SENSITIVE_HEADERS else v) for n, v in v.items()}
                if k == "headers" and isinstance(v, dict)
                else _blank_credential_headers(v)
            )
            for k, v in value.items()
        }
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
    if (
        getattr(settings, "key_fn", None) is cache_key
        and getattr(getattr(responses, "serializer", None), "name", None) == SERIALIZER.name
    ):
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
        except Exception as exc:  # any damage in a row means the same: ignore the row
            _damaged_row(exc)
            raise ValueError(f"damaged cache entry ({type(exc).__name__})") from None
        return response

    def copy(self) -> _TolerantStage:
        return _TolerantStage(self.inner.copy())


def _damaged_row(reason: BaseException) -> None:
    warnings.warn(
        f"orcatalog: ignored a damaged HTTP cache entry ({type(reason).__name__}); the next fresh answer replaces it",
        CacheDamageWarning,
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
    """The cache file, created empty and private (0600) when missing, in a private folder (0700).

    An existing file is never opened here: closing any descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's included, so another thread's open transaction would
    silently lose its lock (the cause of "disk I/O error" and "malformed" under concurrency).
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    path = directory / CACHE_FILE_NAME
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        pass
    else:
        os.close(fd)  # a new file: no connection of this process can hold it yet
    os.chmod(path, 0o600)
    return path


#: The tables requests-cache's SQLite backend keeps, and the columns it reads from each.
_OUR_TABLES = {"responses": {"key", "value"}, "redirects": {"key", "value"}}
#: SQLite result codes that prove a file damaged or not a database (a busy, locked or I/O error proves nothing).
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
#: Seconds SQLite waits for a lock before it reports the database busy, on every connection.
BUSY_TIMEOUT = 30.0
#: How often opening the cache is tried while it stays busy, and the first wait between tries (doubling).
_OPEN_TRIES, _OPEN_WAIT = 6, 0.05


class _NotOurCache(sqlite3.DatabaseError):
    """The file is SQLite, but its content is damaged or of another schema: proven, not a busy file."""


def _is_damage(exc: sqlite3.Error) -> bool:
    """The cache rule: only a file *proven* damaged or foreign may be moved aside."""
    return isinstance(exc, _NotOurCache) or (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGE_CODES


def _check_database(path: Path) -> None:
    """Raise sqlite3.DatabaseError when the file is not a usable SQLite database of this cache
    (damaged, or another schema: foreign tables, or our tables without the columns we read), and
    put it in WAL mode (once, here, under the busy timeout) so that requests-cache never has to."""
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
    try:
        row = con.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise _NotOurCache(f"quick_check: {row}")
        tables = [name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            needed = _OUR_TABLES.get(table)
            if needed is None:
                raise _NotOurCache(f"not an orcatalog cache: it has a table {table!r}")
            columns = {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}
            if not needed <= columns:
                raise _NotOurCache(f"table {table!r} lacks column(s) {sorted(needed - columns)}")
        con.execute("PRAGMA journal_mode=WAL")
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
        CacheDamageWarning,
        stacklevel=4,
    )
    logger.warning("moved unreadable cache file %s aside to %s: %s", path, aside, reason)
    return aside


class _Users:
    """Who uses a cache folder, so that a damaged file is moved aside only when nobody has it open.

    Every session of this process on a folder counts here; other processes are seen through an
    advisory lock (``flock``) on ``http_cache.sqlite.lock`` that each process holds *shared* while
    it has sessions on the folder. Moving aside takes it *exclusive* without waiting: it succeeds
    only when no other process holds the cache. (Without ``fcntl``, only this process is seen.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[Path, tuple[int | None, int]] = {}  # folder -> (lock fd, sessions)

    def enter(self, folder: Path) -> None:
        with self._lock:
            fd, count = self._folders.get(folder, (None, 0))
            if count == 0:
                fd = os.open(folder / (CACHE_FILE_NAME + ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_SH)
            self._folders[folder] = (fd, count + 1)

    def leave(self, folder: Path) -> None:
        with self._lock:
            fd, count = self._folders.get(folder, (None, 0))
            if count <= 1:
                self._folders.pop(folder, None)
                if fd is not None:
                    os.close(fd)  # releases the flock
            else:
                self._folders[folder] = (fd, count - 1)

    def alone(self, folder: Path) -> contextlib.AbstractContextManager[bool]:
        """A block in which this caller is the cache's only user (True) or not (False)."""
        return self._alone(folder)

    @contextlib.contextmanager
    def _alone(self, folder: Path) -> Iterator[bool]:
        with self._lock:
            fd, count = self._folders.get(folder, (None, 0))
            if count != 1 or fd is None:  # another session of this process has it open
                yield False
                return
            if fcntl is None:
                yield True
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # another process holds it
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_SH)


_USERS = _Users()


class OrcatalogCachedSession(CachedSession):
    """The ``CachedSession`` :func:`cached_session` makes: it counts as a user of its cache folder
    (:class:`_Users`, entered by :func:`cached_session`) until it is closed or collected."""

    def __init__(self, folder: Path, **kwargs: Any) -> None:
        self._released = weakref.finalize(self, _USERS.leave, folder)
        super().__init__(**kwargs)

    def close(self) -> None:
        """Close the session and its database connection, and stop counting as a user of the folder."""
        super().close()
        self._released()


def _open_backend(directory: Path, sleep: Callable[[float], object] | None = None) -> SQLiteCache:
    """The SQLite backend on ``<directory>/http_cache.sqlite``: a busy or locked file (another
    process or thread at work) is waited on, a bounded number of times (``_OPEN_WAIT`` seconds,
    doubling, between tries, on the injected ``sleep``; default ``time.sleep``, looked up when
    used); a file proven damaged or foreign is moved aside, only when no one else uses the folder
    (else CacheError).

    Raises:
        CacheError: the file stayed busy, or is damaged while another process uses it.
    """
    path = _prepare_private_file(directory)
    last: sqlite3.Error | None = None
    for attempt in range(_OPEN_TRIES):
        try:
            _check_database(path)
            return SQLiteCache(path, serializer=SERIALIZER, wal=True, timeout=BUSY_TIMEOUT)
        except sqlite3.Error as exc:
            last = exc
            if not _is_damage(exc):
                if attempt + 1 < _OPEN_TRIES:  # busy, locked, or a transient I/O error: wait, try again
                    (sleep or time.sleep)(_OPEN_WAIT * 2**attempt)
                continue
        with _USERS.alone(directory) as alone:
            if not alone:
                raise CacheError(
                    f"the HTTP cache file {path} is damaged ({last}), but another orcatalog session or "
                    "process is using it, so it was left in place; try again when it has finished, or "
                    "point ORCATALOG_CACHE_DIR elsewhere"
                )
            try:
                _check_database(path)  # still damaged now that nobody else can be replacing it?
            except sqlite3.Error as exc:
                if not _is_damage(exc):
                    raise
                _move_aside(path, exc)
                path = _prepare_private_file(directory)
    raise CacheError(f"the HTTP cache in {directory} stayed busy after {_OPEN_TRIES} tries: {last}")


def cached_session(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    expire_after: timedelta | int | float = DEFAULT_EXPIRE_AFTER,
    sleep: Callable[[float], object] | None = None,
) -> CachedSession:
    """A ``CachedSession`` on ``<cache_dir>/http_cache.sqlite`` set up as described in this module.

    Several threads and processes may use one folder at once: SQLite waits up to
    :data:`BUSY_TIMEOUT` seconds for a lock, opening is retried while the file is busy, and only a
    file proven damaged or foreign is moved aside, never while another session uses it.

    Args:
        cache_dir: folder for the cache file; default :func:`default_cache_dir`.
        expire_after: freshness of an entry (a timedelta, or seconds); default 5 minutes.
        sleep: the wait between two tries to open a busy file (seconds); default ``time.sleep``.
            :class:`~orcatalog.fetch.client.Client` passes its own ``sleep``, so tests inject it.

    Raises:
        CacheError: the folder cannot be created, the file cannot be opened even after moving a
            broken one aside, or it stayed busy.
    """
    directory = (Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()).absolute()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        _USERS.enter(directory)
    except OSError as exc:
        raise CacheError(f"cannot open the HTTP cache in {directory}: {exc}") from exc
    try:
        backend = _open_backend(directory, sleep)
        return OrcatalogCachedSession(
            directory,
            backend=backend,
            expire_after=expire_after,
            allowable_codes=(200,),
            allowable_methods=("GET",),
            key_fn=cache_key,
            stale_if_error=False,
            cache_control=False,
        )
    except (OSError, sqlite3.Error, CacheError) as exc:
        _USERS.leave(directory)
        if isinstance(exc, CacheError):
            raise
        raise CacheError(f"cannot open the HTTP cache in {directory}: {exc}") from exc
