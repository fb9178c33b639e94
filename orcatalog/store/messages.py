"""What the store tells a user about where it is and what it may do: one home for each message.

- the "no store here" rule (a read where there is no store is an error naming the path, never an
  empty answer): :func:`no_store_message`, used by the store's reads and the CLI;
- a path that is a file, not a folder: :func:`not_a_folder_message`;
- how to move a store of the earlier parquet layout to the Delta layout: :func:`migration_note`;
- the one rule for writes to the earlier parquet layout (refused, naming ``orcatalog migrate``):
  :func:`legacy_write_error`;
- the partial-catalog warning of a write, one wording for both layouts: :func:`_warn_partial_write`;
- model ids asked for that the store never listed (``history(ids=)``, ``endpoint_history``): one
  :class:`~orcatalog.errors.UnknownModelWarning` with the suggestion, :func:`warn_unknown_models`.

Layer: store (below the CLI, which shows these lines as they are).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..errors import LegacyLayoutError, PartialSnapshotWarning, UnknownModelWarning, warn_at_caller
from .delta import TABLES as DELTA_TABLES
from .endpoints import ENDPOINT_TABLES
from .layout import FOLDERS
from .which_layout import _is_parquet_store

if TYPE_CHECKING:
    from .reads import Reads as SnapshotStore  # the class's read half holds all these messages look at

__all__ = ["no_store_message", "not_a_folder_message", "migration_note", "legacy_write_error"]


def no_store_message(store: SnapshotStore, record: str, *, empty: bool = False) -> str | None:
    """The "no store here" rule, in one place (the store's reads and the CLI's read commands):
    why reading ``store`` fails, or None when there is a store to read.

    Args:
        store: the store (its folder may not exist).
        record: how the caller records a store (the library's :data:`orcatalog.errors.RECORD_A_STORE`,
            or the CLI's commands), named in the message.
        empty: also refuse a local folder that holds nothing yet. To the library it is an empty
            store (writing fills it); to a command that only reads (``orcatalog snapshots
            --store DIR``) it is a mistyped path more often than a store, and a header with no
            rows would not say so.

    Returns:
        One line: a folder that is not a store, an empty folder (with ``empty``), or no folder at
        all; None when the store exists.
    """
    if store.exists():
        if not (empty and store._layout.local and not holds_store_tables(os.listdir(store._base))):
            return None
        why = "the folder is empty"
    else:
        file = not_a_folder_message(store)
        if file is not None:
            return file
        if os.path.isdir(store._base):
            return (
                f"{store.root} is a folder but not a snapshot store (none of its folders: "
                f"{', '.join(dict.fromkeys((*DELTA_TABLES, *FOLDERS)))}): "
                "check the path"
            )
        why = "the folder does not exist"
    return f"no snapshot store at {store.root}: {why}; record one with {record}, or check the path"


def holds_store_tables(names: Iterable[str]) -> bool:
    """Whether a local folder holding ``names`` holds a folder of a store (tables or the earlier layout's)."""
    return any(n in FOLDERS or n in DELTA_TABLES or n in ENDPOINT_TABLES for n in names)


def not_a_folder_message(store: SnapshotStore) -> str | None:
    """Why a store cannot be written or read where it points: its local path is a file (or
    anything but a folder); None otherwise (a folder, a path that does not exist yet, a URL)."""
    if store._layout.local and os.path.lexists(store._base) and not os.path.isdir(store._base):
        return f"{store.root} is a file, not a folder: a snapshot store is a folder; check the path"
    return None


def migration_note(store: SnapshotStore) -> str | None:
    """The one place that tells a user of a store in the earlier parquet layout how to move it to
    the Delta layout (the CLI shows it where a user looks at a store: ``orcatalog snapshots``).

    Returns:
        One line for a store in the parquet layout; None otherwise (a Delta store, or no store).
    """
    if store.layout != "parquet":
        return None
    return (
        f"{store.root} is in the earlier parquet layout (read, no longer written); "
        f"`orcatalog migrate {store.root} NEW` copies it into a Delta Lake store, the layout of every new store"
    )


def legacy_write_error(store: SnapshotStore) -> LegacyLayoutError:
    """The one rule for writes to the earlier parquet layout: they are refused, naming the way out.

    The parquet layout's hand-made commit protocol has bugs that only a write can trigger (issue
    14: an interrupted write blocked the whole store). Its stores are still read, and
    ``orcatalog migrate OLD NEW`` (:func:`orcatalog.store.migrate.migrate`) copies them into the
    Delta layout, where they are written again.

    Returns:
        The error to raise (one line), before anything is fetched or written.
    """
    if _is_parquet_store(store._layout):
        return LegacyLayoutError(
            f"the store at {store.root} is in the earlier parquet layout, which orcatalog reads but no longer "
            f"writes: copy it into a Delta Lake store with `orcatalog migrate {store.root} NEW` "
            "(orcatalog.store.migrate.migrate(OLD, NEW)) and write to NEW; nothing was fetched or written"
        )
    return LegacyLayoutError(
        f"layout='parquet' no longer makes new stores (the earlier layout is read, not written): leave layout "
        f"out and {store.root} becomes a Delta Lake store; nothing was fetched or written"
    )


def _warn_partial_write(snapshot_id: str, scope: str, n_models: int, *, stacklevel: int) -> None:
    """The partial-catalog warning of a write, in one wording for both layouts (``stacklevel``
    points at the caller of ``import_files``/``snapshot``)."""
    warnings.warn(
        f"orcatalog: snapshot {snapshot_id} (scope {scope!r}) has {n_models} models, "
        "far fewer than the previous one: recorded but flagged partial (see snapshots())",
        PartialSnapshotWarning,
        stacklevel=stacklevel,
    )


def warn_unknown_models(
    asked: Iterable[str], found: Iterable[object], known: Callable[[], Iterable[object]], where: str
) -> None:
    """Warn (:class:`~orcatalog.errors.UnknownModelWarning`, at the user's call) about the ``asked``
    ids that have no row in the answer (``found``) and that the store never listed (``known()``,
    read only when some are missing: an id outside a time window asked for is no typo), in the one
    wording of :func:`orcatalog.suggest.no_model_words`; an empty answer is never silent.

    Args:
        asked: the ids asked for.
        found: the ids of the rows answered.
        known: every id ``where`` holds (a callable: read only when needed).
        where: what was read, in words (``"any snapshot of data"``).
    """
    from ..suggest import no_model_words

    seen = {str(i) for i in found}
    missing = [m for m in dict.fromkeys(asked) if m not in seen]
    if not missing:
        return
    listed = list(dict.fromkeys(str(i) for i in known()))
    unknown = [m for m in missing if m not in set(listed)]
    if unknown:
        warn_at_caller(
            f"orcatalog: {no_model_words(unknown, listed)} in {where}: check the id (the answer has no rows for it)",
            UnknownModelWarning,
        )
