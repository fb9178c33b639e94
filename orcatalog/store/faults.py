"""The store's exception table: what the object-store libraries raise (botocore, through s3fs and
aiobotocore; a missing s3fs; deltalake's ``DeltaError``, in one line without its Rust backtrace) as
the store's typed error, :class:`~orcatalog.errors.StoreError`, from one table
(:data:`EXCEPTION_TABLE`), as :func:`orcatalog.fetch.faults.map_exception` does for requests, urllib3
and the HTTP cache. The command line asks :func:`map_exception`; nothing checks an
exception's module name.

The store itself reads and writes through :class:`MappedFileSystem`, so a library caller meets the
same typed errors as the command line.

What a delta-rs (``deltalake``) failure means depends on what the store was doing: a lost commit is a
conflict, any other failed commit a write error, a log that cannot be read damage. That is one more
table, :data:`DELTA_TABLE`, read by :func:`map_delta`; the Delta layout (:mod:`.delta`,
:mod:`.endpoints`) catches :func:`delta_failures` and raises what :func:`map_delta` says, and no
other module names a ``deltalake.exceptions`` class. Messages keep the store's path and lose every
secret of its storage options.

fsspec's own failures are ``OSError`` subclasses (``FileNotFoundError``, ``PermissionError``) and stay
what they are: every caller already knows those.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import SnapshotConflictError, SnapshotNotFoundError, StoreDamagedError, StoreError, StoreWriteError

__all__ = [
    "EXCEPTION_TABLE",
    "map_exception",
    "lost_create_race",
    "MappedFileSystem",
    "first_line",
    "delta_message",
    "DELTA_TABLE",
    "DeltaRow",
    "LOG_ADVICE",
    "map_delta",
    "delta_failures",
    "secrets_of",
]

_S3_SETUP = (
    "For s3:// stores set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), "
    "and AWS_ENDPOINT_URL for S3-compatible servers."
)


def _botocore(exc: BaseException) -> bool:
    """A botocore error (credentials, endpoint, a refused request). botocore is looked up only when
    it is already imported: an exception of its classes cannot exist otherwise."""
    found = sys.modules.get("botocore.exceptions")
    return found is not None and isinstance(exc, (found.BotoCoreError, found.ClientError))


def _no_s3fs(exc: BaseException) -> bool:
    return isinstance(exc, ImportError) and "s3fs" in str(exc)


def _deltalake(exc: BaseException) -> bool:
    """A deltalake (delta-rs) error: its message ends in a multi-line Rust backtrace."""
    found = sys.modules.get("deltalake.exceptions")
    return found is not None and isinstance(exc, found.DeltaError)


def first_line(exc: BaseException) -> str:
    """An exception's message up to its first line break (delta-rs appends a Rust backtrace)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].strip()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Where a Rust ``Debug`` value starts (``ParsedLogPath { location: FileMeta { ... } }``): what follows
#: is for delta-rs's developers, not a sentence, and it is cut from the message.
_RUST_DEBUG = re.compile(r"[:\s]*\b[A-Z][A-Za-z0-9_]*(::[A-Za-z0-9_]+)* \{ .*$")


def delta_message(exc: BaseException) -> str:
    """A delta-rs exception's message in one line: its first line and each cause it chains below
    (lines starting ``↳``: "Generic LocalFileSystem error: Unable to open file ...: Permission
    denied (os error 13)"), without colour codes, the Rust backtrace that may follow, or a Rust
    debug value (``... found gap: ParsedLogPath { location: ... }`` becomes ``... found gap``)."""
    lines = [_ANSI.sub("", line).strip() for line in str(exc).strip().splitlines()]
    causes = [line.lstrip("↳").strip() for line in lines[1:] if line.startswith("↳")]
    parts = [lines[0] if lines and lines[0] else type(exc).__name__, *causes]
    return ": ".join(p for p in (_RUST_DEBUG.sub("", part).strip() for part in parts) if p) or type(exc).__name__


def _delta(exc: BaseException, where: str) -> StoreError:
    return StoreError(f"{where}: the Delta tables cannot be read or written ({delta_message(exc)})")


def _cloud(exc: BaseException, where: str) -> StoreError:
    return StoreError(f"{where}: {type(exc).__name__}: {exc}. {_S3_SETUP}")


def _extra(exc: BaseException, where: str) -> StoreError:
    return StoreError(f"{where}: {exc}: pip install 'orcatalog[s3]' for s3:// stores")


#: (is it this library's exception?, the StoreError it becomes); first match wins.
EXCEPTION_TABLE: tuple[tuple[Callable[[BaseException], bool], Callable[[BaseException, str], StoreError]], ...] = (
    (_botocore, _cloud),
    (_no_s3fs, _extra),
    (_deltalake, _delta),
)


def map_exception(exc: BaseException, where: str = "the store") -> StoreError | None:
    """The :class:`~orcatalog.errors.StoreError` for an object-store library's exception, or None
    for any other exception.

    Args:
        exc: the exception.
        where: the store's root (URL or folder) as the user gave it, for the message.
    """
    for matches, make in EXCEPTION_TABLE:
        if matches(exc):
            error = make(exc, where)
            error.__cause__ = exc
            return error
    return None


def lost_create_race(exc: BaseException) -> bool:
    """Whether a failed create-if-absent (a PUT with ``If-None-Match: *``) lost to another create of
    the same key at the same moment: S3's ``409 ConditionalRequestConflict``, which s3fs passes on
    as ``OSError(EIO)`` with the botocore error as its cause (a plain ``412`` is already a
    ``FileExistsError``). The key is then the other writer's, as after a ``FileExistsError``."""
    response = getattr(exc.__cause__, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ConditionalRequestConflict"


class MappedFileSystem:
    """An fsspec filesystem whose methods raise the store's typed errors (:func:`map_exception`)
    in place of an object-store library's (botocore's missing credentials, an unreachable
    endpoint); everything else, ``OSError`` included, passes unchanged. The store holds its
    filesystem only through this wrapper.

    Args:
        fs: the fsspec filesystem.
        where: the store's root as the user gave it, for messages.
    """

    def __init__(self, fs: Any, where: str) -> None:
        self._fs, self._where = fs, where

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._fs, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def mapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                error = map_exception(exc, self._where)
                if error is None:
                    raise
                raise error from exc

        return mapped


@dataclass(frozen=True)
class DeltaRow:
    """One row of :data:`DELTA_TABLE`: while the store was ``doing`` this, an exception of one of
    ``classes`` (dotted names; ``OSError`` is the builtin), whose message contains ``contains`` when
    given, becomes ``error`` with the message ``template`` (``{what}``: what the store was doing, with
    its path; ``{error}``: the exception's first line, secrets removed; ``{advice}``: what to do, the
    caller's when it knows better (:func:`map_delta`), else ``advice``)."""

    doing: str
    classes: tuple[str, ...]
    error: type[StoreError]
    template: str
    contains: str | None = None
    advice: str = ""


_LOST = ("deltalake.exceptions.CommitFailedError",)
_DELTA_ERROR = "deltalake.exceptions.DeltaError"  # the base of delta-rs's exceptions
_DELTA = (_DELTA_ERROR, "OSError")
_DAMAGE_HELP = "restore that file from a backup (see data/README.md, Damage and recovery)"
#: What to do about a damaged Delta log, by what is wrong with it (the ``advice`` of :func:`map_delta`).
LOG_ADVICE = {
    "truncated": _DAMAGE_HELP,
    "gap": (
        "delete that file if it is stray (copied in by hand), else restore the missing commits before it "
        "from a backup (see data/README.md, Damage and recovery)"
    ),
}

#: delta-rs's exceptions as the store's errors, by what the store was doing; first match wins.
#: ``commit``: an append or a rewrite (a lost commit is retried by the caller, then raised);
#: ``compact``: an optimize; ``open``: reading a table's log; ``read``: reading its data files.
DELTA_TABLE: tuple[DeltaRow, ...] = (
    DeltaRow("commit", _LOST, SnapshotConflictError, "{what}: the commit lost to another commit ({error})"),
    DeltaRow(
        "commit",
        ("deltalake.exceptions.SchemaMismatchError",),
        StoreWriteError,
        "{what} failed: the table's schema refuses the rows ({error}); nothing was committed",
    ),
    DeltaRow(
        "commit",
        _DELTA,
        SnapshotConflictError,
        "{what}: another writer created the table first ({error})",
        contains="already exists",
    ),
    DeltaRow("commit", _DELTA, StoreWriteError, "{what} failed: {error}; nothing was committed"),
    DeltaRow("compact", _LOST, SnapshotConflictError, "{what}: another compaction committed first ({error})"),
    DeltaRow("compact", _DELTA, StoreWriteError, "{what} failed: {error}; nothing was changed"),
    DeltaRow(
        "open",
        ("deltalake.exceptions.TableNotFoundError",),
        SnapshotNotFoundError,
        "no Delta table at {what} ({error})",
    ),
    DeltaRow("open", ("OSError",), StoreError, "cannot read {what}: {error}"),
    DeltaRow("open", (_DELTA_ERROR,), StoreDamagedError, "{what} (delta-rs: {error}); {advice}", advice=_DAMAGE_HELP),
    DeltaRow("read", (*_DELTA, "pyarrow.lib.ArrowException"), StoreDamagedError, "{what} cannot be read: {error}"),
)


def _class(name: str) -> type[BaseException]:
    """A class named in :data:`DELTA_TABLE`: a builtin (``OSError``) or ``module.Class`` (its module is
    imported here; the Delta layout imports deltalake and pyarrow anyway)."""
    module, _, attr = name.rpartition(".")
    found: type[BaseException] = getattr(importlib.import_module(module or "builtins"), attr)
    return found


def secrets_of(options: dict[str, str]) -> list[str]:
    """The values of storage options that are secrets (a key, secret, token or password): what
    :func:`map_delta` removes from messages."""
    return [v for k, v in options.items() if v and any(w in k.lower() for w in ("key", "secret", "token", "password"))]


def delta_failures(doing: str) -> tuple[type[BaseException], ...]:
    """The exception classes :data:`DELTA_TABLE` maps while ``doing`` (for an ``except`` clause)."""
    names = dict.fromkeys(n for row in DELTA_TABLE if row.doing == doing for n in row.classes)
    if not names:
        raise ValueError(f"no rows for {doing!r} in DELTA_TABLE")
    return tuple(_class(n) for n in names)


def map_delta(
    exc: BaseException, doing: str, what: str, secrets: Iterable[str] = (), advice: str | None = None
) -> StoreError:
    """The store error :data:`DELTA_TABLE` gives ``exc`` while ``doing``.

    Args:
        exc: an exception of :func:`delta_failures` (``doing``): delta-rs's, an ``OSError``, or
            pyarrow's for ``read``.
        doing: ``"commit"``, ``"compact"``, ``"open"`` or ``"read"``.
        what: what the store was doing, naming the table's path (``"writing to /data/snapshots"``).
        secrets: texts never to repeat (:func:`secrets_of` the storage options).
        advice: what to do, when the caller knows it better than the row (a stray log file: delete it);
            default: the row's own advice.

    Returns:
        The error, its cause set to ``exc``; its message is one line (:func:`delta_message`) that
        names ``what`` and none of ``secrets``.

    Raises:
        ValueError: ``exc`` is not one of :func:`delta_failures` (``doing``) (a caller's mistake).
    """
    from ..fetch.redact import redact_text

    for row in DELTA_TABLE:
        if row.doing != doing or not isinstance(exc, tuple(_class(n) for n in row.classes)):
            continue
        if row.contains is not None and row.contains not in str(exc).lower():
            continue
        said = redact_text(delta_message(exc), secrets)[:400]
        error = row.error(row.template.format(what=what, error=said, advice=row.advice if advice is None else advice))
        error.__cause__ = exc
        return error
    raise ValueError(f"DELTA_TABLE has no row for {type(exc).__name__} while {doing!r}") from exc
