"""Ctrl-C during a write, and a reader that closes the pipe after one: ``committed`` (the command
recorded its work), ``_interrupts`` (Ctrl-C inside a write becomes one ``interrupted: ...`` line saying
what the store recorded, and a store that did not exist is removed again), ``early_interrupt`` (a
Ctrl-C no command caught) and ``interrupted_message``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from .errors import CLIInterrupted


class _ClosedAfterCommit(Exception):
    """The reader closed stdout after the command had recorded its work (the message says what)."""


def committed(what: str) -> None:
    """Say that the running command has recorded its work (``what``, e.g. "3 snapshots were
    recorded in data"): from here on a reader closing the pipe does not make it a failure."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and isinstance(ctx.obj, dict):
        ctx.obj["committed"] = what


def early_interrupt(obj: dict[str, Any]) -> CLIInterrupted:
    """The error of a Ctrl-C that no command caught with :func:`_interrupts` (in the first second:
    before the store is opened or any request sent; or after the command's work), by the one rule
    (:func:`orcatalog._launch.interrupted_line`).

    Args:
        obj: the command line's context object: ``command`` and ``params`` (the running command and
            its options, once parsed) and ``committed``.
    """
    from .._launch import interrupted_line

    line = interrupted_line(obj.get("command"), obj.get("params") or {}, obj.get("committed"))
    return CLIInterrupted(line.removeprefix("interrupted").removeprefix(": "))


def _snapshot_ids(store: Any) -> set[str]:
    """The snapshot ids the store holds, of catalogs and of endpoints and providers bodies (none
    when it does not exist yet): what a Ctrl-C line counts, and what keeps a new store from being
    removed (an interrupted import of endpoints bodies committed some, trial)."""
    from ..errors import LegacyLayoutError

    if not store.exists():
        return set()
    ids = set(store.snapshots()["snapshot_id"])
    try:
        ids |= set(store.endpoint_snapshots()["snapshot_id"])
    except LegacyLayoutError:  # a parquet-layout store holds no endpoints
        pass
    return ids


@contextlib.contextmanager
def _interrupts(
    store: Any, before: set[str], unfinished: str = "", cut_short: Callable[[], str] | None = None
) -> Iterator[None]:
    """Ctrl-C inside the block becomes one ``interrupted: ...`` line saying what the store recorded
    (compared with ``before``; or the interrupt's own message, when the library raised one that says
    it, as :class:`orcatalog.store.migrate.MigrationInterrupted` does), after ``unfinished`` (what the
    command itself left undone, e.g. ``"the report was not written; "``), exit status 130; never
    click's bare ``Aborted!``. ``cut_short``: what to add when something was recorded but the write
    may not have finished (an import commits a long series a piece at a time), empty once it has."""
    folder = _local_folder(store)
    if folder is not None:
        new_store = not store.exists()  # no store there before: Ctrl-C leaves none
        had = _entries(folder) if new_store else None
    else:  # an object store (its prefix always "exists"): new when no table is there yet, by its objects
        from ..store.messages import holds_store_tables

        try:
            store._fs.invalidate_cache()
            top = {p.rstrip("/").rsplit("/", 1)[-1] for p in store._fs.ls(store._base, detail=False)}
        except FileNotFoundError:
            top = set()
        except Exception:  # unreachable now: the write will say so
            top = None
        try:
            new_store = top is not None and not holds_store_tables(top)
            had = _objects(store) if new_store else None
        except Exception:  # unreachable now: leave everything as the write leaves it
            new_store, had = False, None
    try:
        yield
    except KeyboardInterrupt as exc:
        if new_store:
            _undo_new_store(store, folder, had)
        said = str(exc) if exc.args and isinstance(exc.args[0], str) else interrupted_message(store, before)
        if cut_short is not None and said.startswith("after the write"):
            said += cut_short()
        raise CLIInterrupted(unfinished + said) from None


def _local_folder(store: Any) -> Path | None:
    """The store's folder when it is a local path (None for an object-store URL)."""
    root = str(store.root)
    return None if "://" in root else Path(root)


def _entries(folder: Path) -> set[str] | None:
    """The names in ``folder``, or None when there is no such folder."""
    try:
        return set(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _objects(store: Any) -> set[str]:
    """The objects under an object-store root (an S3 prefix), none when there are none."""
    fs = store._fs
    fs.invalidate_cache()
    try:
        return set(fs.find(store._base))
    except FileNotFoundError:
        return set()


def _undo_new_store(store: Any, folder: Path | None, had: set[str] | None) -> None:
    """After Ctrl-C in a write to a store that did not exist: when no snapshot was committed, remove
    what the write created (the folder, or only the entries that were not there; on an object store,
    the objects that were not there), so the place is as it was and no half store is left where there
    was none; a committed snapshot keeps all."""
    import shutil

    try:
        if _snapshot_ids(store):
            return
    except Exception:  # unreadable: leave everything, the message says it could not be read
        return
    if folder is None:
        if had is None:
            return
        try:
            made = sorted(_objects(store) - had)
            if made:
                store._fs.rm(made)
        except Exception:  # best effort, as on disk: the message still says what was recorded
            pass
        return
    if had is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for name in set(os.listdir(folder)) - had:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def interrupted_message(store: Any, before: set[str]) -> str:
    """What an interrupted write left in the store, in words: nothing, or the new snapshots."""
    try:
        new = sorted(_snapshot_ids(store) - before)
    except Exception as exc:  # the store cannot be read right now: say so, not a traceback
        return f"the store {store.root} could not be read to tell what was recorded ({exc}); run `orcatalog snapshots`"
    if not new:
        return f"nothing was recorded; {store.root} is as it was"
    span = new[0] if len(new) == 1 else f"{new[0]} .. {new[-1]}"
    return f"after the write: {len(new)} new snapshot{'s' * (len(new) > 1)} recorded in {store.root} ({span})"
