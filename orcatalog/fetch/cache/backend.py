"""Opening the SQLite backend: a busy or locked file is waited on (SQLite's busy timeout, then
bounded retries), never taken for damage; only a file *proven* damaged or foreign
(:func:`_is_damage`, the one rule) is moved aside, and never while someone else uses the folder.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from requests_cache import SQLiteCache

from ...errors import CacheError
from .file import _move_aside, _prepare_private_file
from .serializer import SERIALIZER
from .users import _USERS


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
