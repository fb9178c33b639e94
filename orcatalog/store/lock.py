"""One run at a time on a store: a small, named lock held for a whole run (``orcatalog watch``).

Snapshot writes are already safe together (claims, see :mod:`.layout`); this lock is for runs that
must not overlap at all, such as a scheduled watch that takes a snapshot and compares it with the
previous one: a second run started while the first is still at work would record a second
snapshot and report the same changes twice.

- On local disk: ``fcntl.flock`` on ``<root>/.orcatalog-<name>.lock`` (the file stays; the kernel
  drops the lock when its holder exits, even after SIGKILL, so a crash never leaves it held).
- On object stores (``s3://...``) and where ``fcntl`` is missing: an exclusive claim
  ``claims/run-<name>.<generation>`` made by a conditional create (:meth:`.claims.Claims.claim`:
  a stale one is taken over by creating the next generation, so two runs never both hold it), stale when its
  process is gone (same host) or after :data:`.claims.CLAIM_MAX_AGE` seconds (another host).

A run may keep a small JSON state beside its lock (:func:`read_state`, :func:`write_state`):
``<root>/.orcatalog-<name>.json``, written whole (atomically on disk, one PUT on object stores),
read and written only while the lock is held. ``watch`` keeps there the snapshot it last reported.

A second run waits up to ``wait`` seconds, polling every :data:`POLL` seconds on the store's
injected clock and sleep (:class:`~.waits.Waits`, required: no path here falls back to real time
on its own), then raises :class:`~orcatalog.errors.SnapshotConflictError`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import InvalidParameterError, SnapshotConflictError, StoreError, StoreWriteError
from .layout import Layout
from .waits import Waits

__all__ = ["run_lock", "POLL", "lock_path", "state_path", "read_state", "write_state"]

#: Seconds between two attempts to take a held lock.
POLL = 0.5
_NAME = re.compile(r"[a-z][a-z0-9-]*")

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the claim below
    fcntl = None  # type: ignore[assignment]


def lock_path(layout: Layout, name: str) -> str:
    """The lock file of a local store: ``<root>/.orcatalog-<name>.lock`` (hidden: a store folder
    holding only it still counts as an empty store)."""
    return f"{layout.base}/.orcatalog-{name}.lock"


def state_path(layout: Layout, name: str) -> str:
    """The state file of the ``name`` run, local or on an object store: ``<root>/.orcatalog-<name>.json``
    (hidden, as the lock file)."""
    if not _NAME.fullmatch(name):
        raise InvalidParameterError(f"run name {name!r} must be lower-case letters, digits and '-'")
    return f"{layout.base}/.orcatalog-{name}.json"


def read_state(layout: Layout, name: str) -> dict[str, Any]:
    """The ``name`` run's state as last written by :func:`write_state`; ``{}`` when there is none
    (or when it is not a JSON object: a damaged state is read as no state, and the next write replaces it).

    Raises:
        StoreError: the store cannot be read.
    """
    path = state_path(layout, name)
    try:
        layout.fs.invalidate_cache(layout.base)
        blob = layout.fs.cat_file(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    try:
        state = json.loads(blob)
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def write_state(layout: Layout, name: str, state: dict[str, Any]) -> None:
    """Replace the ``name`` run's state with ``state`` (JSON-able), whole: a reader sees the old
    state or the new one.

    Raises:
        StoreWriteError: it cannot be written.
    """
    path = state_path(layout, name)
    try:
        layout._put(path, json.dumps(state, sort_keys=True).encode())
    except OSError as exc:
        raise StoreWriteError(f"cannot write {path}: {exc}") from exc


@contextlib.contextmanager
def run_lock(
    layout: Layout,
    name: str,
    *,
    wait: float,
    waits: Waits,
) -> Iterator[None]:
    """Hold the store's ``name`` lock for the block.

    Args:
        layout: the store's files.
        name: what the lock is for (lower-case letters, digits and ``-``), e.g. ``"watch"``.
        wait: seconds to wait for a held lock before giving up (0: do not wait).
        waits: the store's clock and sleep (:class:`~.waits.Waits`): the lock polls on them, so a
            test injects them through ``SnapshotStore(clock=..., sleep=...)`` and nothing real sleeps.

    Raises:
        SnapshotConflictError: another run held the lock for the whole wait (nothing was done).
        StoreWriteError: the lock file cannot be created (read-only folder, ...).
        InvalidParameterError: a bad name or a negative wait.
    """
    if not _NAME.fullmatch(name):
        raise InvalidParameterError(f"lock name {name!r} must be lower-case letters, digits and '-'")
    if not isinstance(wait, (int, float)) or isinstance(wait, bool) or wait < 0:
        raise InvalidParameterError(f"wait must be a number of seconds >= 0, got {wait!r}")
    take, release = (_flock if layout.local and fcntl is not None else _claim)(layout, name)
    deadline = waits.now() + wait
    while True:
        held = take()
        if held is not None:
            break
        left = deadline - waits.now()
        if left <= 0:
            raise SnapshotConflictError(
                f"another {name} run is at work on the store at {layout.root} (waited {wait:g} s); "
                "nothing was recorded by this one: try again when it has finished"
            )
        waits.wait(min(POLL, left))
    try:
        yield
    finally:
        release(held)


def _flock(layout: Layout, name: str) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    path = lock_path(layout, name)

    def take() -> IO[bytes] | None:
        try:
            os.makedirs(layout.base, exist_ok=True)
            fh = open(path, "ab")  # held open for the whole block
        except OSError as exc:
            raise StoreWriteError(f"cannot create the lock file {path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return None
        except OSError as exc:
            fh.close()
            raise StoreWriteError(f"cannot lock {path}: {exc.strerror or exc}") from exc
        return fh

    def release(fh: Any) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()

    return take, release


def _claim(layout: Layout, name: str) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    def take() -> list[str] | None:
        try:
            return layout.claim([f"run-{name}"], what=f"{name} run")
        except SnapshotConflictError:
            return None

    return take, layout.release
