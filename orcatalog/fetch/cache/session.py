"""The session :func:`cached_session` makes: a requests-cache ``CachedSession`` on the private
SQLite file (:mod:`.backend`), keyed per credential (:mod:`.keys`), that counts as a user of its
folder (:mod:`.users`) until it is closed or collected; :func:`environment_read_once` lets a burst
of requests read the environment's proxy settings once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from requests_cache import CachedSession

from ...errors import CacheError
from .backend import _open_backend
from .file import default_cache_dir
from .keys import cache_key
from .users import _USERS


#: Default freshness: the API's edge cache holds the catalog about 5 minutes, so less buys nothing.
DEFAULT_EXPIRE_AFTER = timedelta(minutes=5)


class OrcatalogCachedSession(CachedSession):
    """The ``CachedSession`` :func:`cached_session` makes: it counts as a user of its cache folder
    (:class:`_Users`, entered by :func:`cached_session`) until it is closed or collected."""

    def __init__(self, folder: Path, **kwargs: Any) -> None:
        self._released = weakref.finalize(self, _USERS.leave, folder)
        self._environment: dict[Any, dict[str, Any]] | None = None  # see environment_read_once
        super().__init__(**kwargs)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        """requests' own, read once per scheme and host while :func:`environment_read_once` holds
        (requests reads every environment variable twice per request to find proxies: about 1 ms
        each on a machine with ~90 variables, the largest cost a 400-model fetch paid per request
        after the body check)."""
        memo = self._environment
        if memo is None or proxies:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = (urlsplit(str(url))[:2], stream, verify, cert)
        if key not in memo:
            memo[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings = memo[key]
        return {**settings, "proxies": dict(settings["proxies"])}  # requests may edit what it gets

    def close(self) -> None:
        """Close the session and its database connection, and stop counting as a user of the folder."""
        super().close()
        self._released()


@contextlib.contextmanager
def environment_read_once(session: Any) -> Iterator[None]:
    """While it holds, ``session`` (when it is :func:`cached_session`'s) reads the environment's
    proxy and certificate settings once per scheme and host instead of on every request: for a
    burst of requests that is over before anyone changes them (a many-model fetch). Any other
    session is left as it is."""
    if not isinstance(session, OrcatalogCachedSession) or session._environment is not None:
        yield
        return
    session._environment = {}
    try:
        yield
    finally:
        session._environment = None


def cached_session(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    expire_after: timedelta | int | float = DEFAULT_EXPIRE_AFTER,
    sleep: Callable[[float], object] | None = None,
) -> CachedSession:
    """A ``CachedSession`` on ``<cache_dir>/http_cache.sqlite`` set up as :mod:`orcatalog.fetch.cache` describes.

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
