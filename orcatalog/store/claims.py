"""Claims of the parquet layout: who is writing a snapshot id or a batch, or compacting.

**Claims** (also the run lock of ``orcatalog watch`` on object stores, :mod:`.lock`) are files
created exclusively (``O_EXCL`` locally, a conditional PUT on object stores), in generations: the
claim of ``<name>`` is its highest ``claims/<name>.<n>``. A stale claim (below) is taken over by
creating generation ``n + 1`` exclusively, never by deleting it first, so of two contenders for
one stale claim at most one wins (rarely neither: both then report a conflict); the winner checks
that no higher generation and no live lower one exists, and removes the older ones
(:meth:`Claims.claim`). A claim holds the host, the PID and that process's start time: on the same
host it is live while that very process runs; from another host it is live for
:data:`CLAIM_MAX_AGE` seconds. The start time is read from ``/proc`` (Linux), so only there is a
PID reused by another process not "alive"; elsewhere a claim stays live while any process holds
its PID.

:class:`Claims` is mixed into :class:`~orcatalog.store.layout.Layout`, which gives it the store's
file system and listing; everything here is the protocol.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import SnapshotConflictError, StoreError, StoreWriteError
from .faults import lost_create_race
from .integrity import SAFE_NAME

__all__ = ["Claims", "CLAIM_MAX_AGE", "CLAIM_ATTEMPTS"]

logger = logging.getLogger("orcatalog.store")

#: Seconds after which a claim from another host (or with no readable owner) is considered stale.
CLAIM_MAX_AGE = 3600.0

#: How often :meth:`Claims.claim` lists again when a claim changes hands while it looks.
CLAIM_ATTEMPTS = 8


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux ``/proc``), or None where that cannot be read (other
    systems: a claim's PID is then trusted alone, see the module docstring)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode(errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command name
    except (OSError, IndexError):
        return None


class Claims:
    """The claims of one store (a mixin of :class:`~orcatalog.store.layout.Layout`): taken in
    generations, released, their state; see the module docstring."""

    root: str
    fs: Any
    base: str
    local: bool
    #: Called between the steps of a claim (``"observed"``, ``"created"``, and the name): tests
    #: inject a contender there to run a fixed interleaving; a no-op otherwise.
    _step: Callable[[str, str], None]

    def names(self, folder: str) -> list[str]:
        """The file names in a folder of the store (the layout's listing)."""
        raise NotImplementedError

    def claim_path(self, name: str, generation: int = 0) -> str:
        """The claim file of ``name`` at ``generation`` (see the module docstring)."""
        if not SAFE_NAME.fullmatch(name):
            raise StoreError(f"invalid snapshot id {name!r}")
        return f"{self.base}/claims/{name}.{generation}"

    def claim(self, names: Iterable[str], what: str = "snapshot") -> list[str]:
        """Take exclusive claims, each in generations (module docstring); a stale claim is taken
        over by creating the next generation exclusively, so two contenders never both win.

        One claim is held when, after its exclusive create, a listing shows it still there, no
        higher generation, and only stale lower ones (a contender that listed before a takeover
        may create a lower generation late; it then sees the higher one and backs off). The
        winner removes the lower generations.

        Returns:
            The claim files held (give them to :meth:`release`).

        Raises:
            SnapshotConflictError: a live claim is held by someone else (nothing is held then).
            StoreWriteError.
        """
        held: list[str] = []
        try:
            for name in names:
                held.append(self._claim_one(name, what))
        except BaseException:
            self.release(held)
            raise
        return held

    def _claim_one(self, name: str, what: str) -> str:
        self.claim_path(name, 0)  # checks the name
        for _ in range(CLAIM_ATTEMPTS):
            seen = self._generations(name)
            generation = 0
            if seen:
                top, top_path = seen[-1]
                info = self._claim_info(top_path)
                if info is None:
                    continue  # released meanwhile: list again
                if not _stale(info):
                    raise _held_by_another(what, name, info)
                generation = top + 1
            path = self.claim_path(name, generation)
            self._step("observed", name)  # the generation to create is chosen
            if not self._create_exclusive(path, _claim_text()):
                continue  # another contender created it first: list again (it is live then)
            self._step("created", name)
            now = self._generations(name)
            live_below = [
                info
                for g, p in now
                if g < generation and (info := self._claim_info(p)) is not None and not _stale(info)
            ]
            above = [p for g, p in now if g > generation]
            if above or live_below or (generation, path) not in now:
                self._remove(path)  # a contender won this round
                other = self._claim_info(above[-1]) if above else (live_below[-1] if live_below else None)
                raise _held_by_another(what, name, other)
            for g, p in now:
                if g < generation:
                    self._remove(p)  # stale generations (checked just above)
            return path
        raise SnapshotConflictError(
            f"{what} {name}: its claim kept changing hands (other writers at work); try again when they have finished"
        )

    def release(self, claims: list[str]) -> None:
        for path in claims:
            if not self._remove(path):
                logger.warning("could not remove claim %s", path)

    def claim_state(self, name: str) -> str:
        """``"none"``, ``"live"`` or ``"stale"`` for the claim of this name (its highest generation)."""
        try:
            seen = self._generations(name)
        except OSError:
            return "none"
        for _, path in reversed(seen):
            info = self._claim_info(path)
            if info is not None:
                return "stale" if _stale(info) else "live"
        return "none"

    def _generations(self, name: str) -> list[tuple[int, str]]:
        """The claim files of ``name``, lowest generation first: ``<name>.<n>``, and ``<name>``
        (generation -1) as versions before generations wrote it."""
        found = []
        for entry in self.names("claims"):
            if entry == name:
                found.append((-1, f"{self.base}/claims/{entry}"))
            else:
                stem, dot, number = entry.rpartition(".")
                if dot and stem == name and number.isdigit():
                    found.append((int(number), f"{self.base}/claims/{entry}"))
        return sorted(found)

    def _remove(self, path: str) -> bool:
        """Delete a file; True when it is gone (also when it was gone already)."""
        try:
            self.fs.rm(path)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True

    def _create_exclusive(self, path: str, text: str) -> bool:
        try:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            if self.local:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                with os.fdopen(fd, "w") as fh:
                    fh.write(text)
                return True
            # a conditional put (If-None-Match) on S3: s3fs honours mode="create" since 2024.12, but
            # open(path, "xb") only from 2025.7 (before, a small "xb" write overwrote silently)
            self.fs.pipe_file(path, text.encode(), mode="create")
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if lost_create_race(exc):  # S3 409: a concurrent create of the same key won
                return False
            raise StoreWriteError(f"cannot write to the store at {self.root}: {exc}") from exc

    def _claim_info(self, path: str) -> dict[str, Any] | None:
        """What a claim file says (``{}`` when it is empty or not JSON: such a claim is stale);
        None when the file is gone."""
        try:
            blob = self.fs.cat_file(path)
        except FileNotFoundError:
            return None
        except OSError:
            return {}
        try:
            info = json.loads(blob)
        except ValueError:
            return {}
        return info if isinstance(info, dict) else {}


def _stale(info: dict[str, Any]) -> bool:
    """Whether a claim (what its file says) is stale: see the module docstring."""
    pid = info.get("pid")
    if info.get("host") == socket.gethostname() and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, owned by another user
        start = info.get("start")
        return start is not None and _process_start(pid) not in (None, start)  # a reused PID
    try:
        age = time.time() - float(info.get("time", 0))
    except (TypeError, ValueError):
        age = float("inf")
    return age > CLAIM_MAX_AGE


def _held_by_another(what: str, name: str, info: dict[str, Any] | None) -> SnapshotConflictError:
    holder = json.dumps(info) if info else "unknown writer"
    return SnapshotConflictError(
        f"{what} {name} is being written by another writer ({holder}); try again when it has finished"
    )


def _claim_text() -> str:
    return json.dumps(
        {"host": socket.gethostname(), "pid": os.getpid(), "start": _process_start(os.getpid()), "time": time.time()}
    )
