"""The cache file itself: where it lives (:func:`default_cache_dir`), its name, created private
(folder 0700, file 0600) without opening an existing one, and moved aside with a warning when it
is proven damaged or foreign.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from pathlib import Path

from ...errors import CacheDamageWarning

logger = logging.getLogger(__package__)  # orcatalog.fetch.cache, as before the split


CACHE_FILE_NAME = "http_cache.sqlite"


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
