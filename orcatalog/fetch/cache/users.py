"""Who uses a cache folder (:class:`_Users`): this process's sessions counted, other processes seen
through a shared ``flock`` on ``http_cache.sqlite.lock``, so that a damaged file is moved aside
only when nobody else has it open.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: only this process's sessions are seen (see _Users)
    fcntl = None  # type: ignore[assignment]

from .file import CACHE_FILE_NAME


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
