"""The store's exception table: what the object-store libraries raise (botocore, through s3fs and
aiobotocore; a missing s3fs; deltalake's ``DeltaError``, in one line without its Rust backtrace) as
the store's typed error, :class:`~orcatalog.errors.StoreError`, from one table
(:data:`EXCEPTION_TABLE`), as :func:`orcatalog.fetch.faults.map_exception` does for requests, urllib3
and the HTTP cache. The command line asks :func:`map_exception`; nothing checks an
exception's module name.

The store itself reads and writes through :class:`MappedFileSystem`, so a library caller meets the
same typed errors as the command line.

fsspec's own failures are ``OSError`` subclasses (``FileNotFoundError``, ``PermissionError``) and stay
what they are: every caller already knows those.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from ..errors import StoreError

__all__ = ["EXCEPTION_TABLE", "map_exception", "lost_create_race", "MappedFileSystem", "first_line"]

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


def _delta(exc: BaseException, where: str) -> StoreError:
    return StoreError(f"{where}: the Delta tables cannot be read or written ({first_line(exc)})")


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
