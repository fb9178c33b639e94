"""The store of a command and its messages: the store a ``--store`` names (``_store``), the scope a
command answers in (``store_scope``), the lines of a store with no catalog or no such scope, and
the "no model X in the store" rule (``require_models``, ``looked_in``, ``models_named``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import click

from .errors import CLIError, record_commands


def store_scope(store: Any, scope: str | None, *, note: bool = True) -> str:
    """The scope a store-reading command answers in: ``scope`` as given (``--scope``), which must be one
    the store holds, else the store's default (:func:`orcatalog.scope.default_scope`, the one rule).
    When the default holds fewer snapshots than another scope of the store, one ``note:`` line on
    stderr names the scope used, the snapshots it and the others hold, and ``--scope`` (``note=False``:
    the caller says what it leaves out itself, as the report does).

    Raises:
        CLIUsageError: ``scope`` is not a scope of the store (the closest one is suggested).
    """
    from ..scope import default_scope
    from .errors import CLIUsageError

    if scope is not None and not store.exists():
        raise CLIUsageError(missing_scope(store, scope))
    manifest = store.snapshots()
    if manifest.empty:  # a store of endpoints snapshots only (or none): no catalog to answer from
        raise CLIError(no_catalog_message(store))
    counts = manifest["scope"].astype(str).value_counts()
    if scope is not None:
        if scope not in counts.index:
            raise CLIUsageError(missing_scope(store, scope, counts))
        return scope
    used = default_scope(manifest)
    mine = int(counts.get(used, 0))
    others = counts.drop(used, errors="ignore")
    if note and len(others) and int(others.max()) > mine:
        listed = "; ".join(f"{name!r} ({n})" for name, n in others.items())
        click.echo(
            f"note: answering from scope {used!r} ({mine} snapshot{'s' * (mine != 1)}); the store also holds "
            f"{listed}: --scope chooses",
            err=True,
        )
    return used


def no_catalog_message(store: Any) -> str:
    """Why a command that reads the catalog's snapshots finds none in a store that exists: what the
    store holds instead (endpoints and providers snapshots, and the command that reads them), and how
    to record the catalog."""
    try:
        others = store.endpoint_snapshots()["kind"].astype(str).value_counts()
    except Exception:  # a parquet-layout store has no endpoints table: nothing else to name
        others = None
    held = ""
    if others is not None and len(others):
        total = int(others.sum())
        held = " and ".join(f"{n} {kind}" for kind, n in others.items()) + f" snapshot{'s' * (total != 1)}"
    instead = (
        f": it holds only {held} (`orcatalog endpoint-history MODEL --store {store.root}` reads endpoints)"
        if held
        else ""
    )
    return f"no catalog snapshot in {store.root}{instead}; record the catalog with {record_commands(store.root)}"


def missing_scope(store: Any, scope: str, counts: Any = None, *, then: str = "") -> str:
    """The one line of a ``--scope`` the store holds no snapshot of: the scopes it holds (with their
    snapshot counts, the closest first as a suggestion), or none and how to record one.

    Args:
        store: the store read.
        scope: the scope asked for.
        counts: snapshots per scope (a Series; None: the store has none).
        then: what to do when the store holds no snapshot (default: the commands that record one).
    """
    from ..suggest import did_you_mean

    held = "; ".join(f"{name!r} ({n})" for name, n in counts.items()) if counts is not None else ""
    hint = did_you_mean(scope, counts.index) if held else ""
    if not held:
        held = "none" + (then or f" (record one with {record_commands(store.root)})")
    return f"no snapshot of scope {scope!r} in {store.root}{hint}; scopes held: {held}"


def _store(root: str | None, *, must_exist: bool = False, endpoints: bool = False) -> Any:
    """The snapshot store; for read commands a local folder that does not exist, is not a store, or
    is empty is an error (the one "no store here" message), not an empty answer; ``endpoints``: the
    command reads endpoints, and the message names the command that records them."""
    ctx = click.get_current_context()
    ctx.obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj["store_root"] = root
    from ..store import SnapshotStore, no_store_message, not_a_folder_message
    from .errors import CLIUsageError

    store = SnapshotStore(root)
    file = not_a_folder_message(store)
    if file is not None:  # a bad --store, before any request
        raise CLIUsageError(file)
    if not must_exist:
        return store
    why = no_store_message(
        store, record_commands(store.root, endpoints=endpoints), empty=True
    )  # an empty folder: a typo more often than a store
    if why is None:
        return store
    raise CLIError(why + (" (or pass --store)" if root is None else ""))


@contextlib.contextmanager
def models_named() -> Iterator[None]:
    """Reads of models the command line named, which :func:`require_models` (or the command) turns
    into one ``error:`` line when one is unknown: the library's ``UnknownModelWarning`` for the
    same id, in the same words, is not said twice."""
    import warnings

    from ..errors import UnknownModelWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownModelWarning)
        yield


def require_models(store: Any, named: Iterable[str], history: Any, scope: str | None) -> None:
    """The "no model X in the store" rule, in one place (``prices``, ``history``, ``changes --model``,
    ``plot --model``): every model the command line named has rows in ``history``, the rows the command
    read anyway (every snapshot of ``scope``, the one scope read, :func:`store_scope`: no time window).
    The first that has none is one ``error:`` line that says where it looked (:func:`looked_in`),
    names the other scope that holds it, else suggests the closest id of the scope read; only then
    are those ids read.

    Raises:
        CLIError: a named model is in no snapshot of the scope read.
    """
    from ..suggest import did_you_mean

    seen = set(history["id"].astype(str).unique())
    for model_id in named:
        if model_id not in seen:
            where, elsewhere = looked_in(store, scope, [model_id])
            hint = elsewhere or did_you_mean(model_id, store.history(columns=[], scope=scope)["id"].unique())
            raise CLIError(
                f"no model {model_id!r} in any snapshot of {where}{hint}; "
                "`orcatalog snapshots` lists what the store holds"
            )


def looked_in(store: Any, scope: str | None, model_ids: list[str]) -> tuple[str, str]:
    """Where a command looked for ``model_ids`` that it did not find, in words: the store (when it
    holds one scope), else ``scope 'S' of <store>`` (one scope was read, :func:`store_scope`); and,
    when other scopes of the store hold some of them, `` (scope 'T' holds it: --scope 'T' reads
    it)`` (else an empty text).

    Args:
        store: the store read.
        scope: the scope read (None: every scope).
        model_ids: the ids not found.

    Returns:
        ``(where, elsewhere)``.
    """
    scopes = store.snapshots()["scope"].astype(str).unique()
    if scope is None or len(scopes) < 2:
        return str(store.root), ""
    where = f"scope {scope!r} of {store.root}"
    with models_named():  # ids the command did not find: its error says so, once
        found = store.history(ids=list(model_ids), columns=[], scope=None)
    found = found[found["scope"].astype(str) != scope]
    if found.empty:
        return where, ""
    holders = found.assign(scope=found["scope"].astype(str)).groupby("scope")["id"].nunique()
    other, n = str(holders.idxmax()), int(holders.max())
    which = "it" if len(model_ids) == 1 else f"{n} of them"
    return where, f" (scope {other!r} holds {which}: --scope {other!r} reads {'it' if n == 1 else 'them'})"
