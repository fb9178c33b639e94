"""Watch the catalog: take one snapshot, say what changed since the previous one of the same scope.

    >>> import orcatalog as oc
    >>> changes = oc.watch(oc.SnapshotStore("data"))          # e.g. hourly, from cron or a notebook
    >>> changes[changes["change"] == "changed"][["id", "field", "old", "new", "unit"]]

The store is written (one snapshot) and the comparison is the library's one rule
(:func:`orcatalog.analysis.changes.diff`, so :func:`~orcatalog.analysis.changes.price_events`);
whether an added model is new or came back is :func:`~orcatalog.analysis.changes.lifecycle`'s
reading of the store's history. Nothing here formats output: the command line (``orcatalog
watch``) prints the frame as JSON lines or a table and keeps an Atom feed (:mod:`orcatalog.feed`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .analysis.changes.events import EVENT_COLUMNS
from .errors import InvalidParameterError, PartialSnapshotWarning, UnknownModelWarning
from .schema import is_price_column

if TYPE_CHECKING:
    import pandas as pd

    from .fetch.client import Client
    from .store import SnapshotStore

__all__ = ["watch", "WATCH_COLUMNS", "WATCH_CHANGES", "previous_snapshot"]

#: The ``change`` of a watch row: a model new to the scope, one absent from the previous snapshot
#: but seen before it (``back``), one gone from the new snapshot, and a price that moved.
WATCH_CHANGES = ("added", "back", "removed", "changed")

#: Columns of :func:`watch`'s frame.
WATCH_COLUMNS = [
    "snapshot_id",
    "fetched_at",
    "previous_id",
    "scope",
    "id",
    "change",
    *EVENT_COLUMNS,  # a price event's own columns, as price_changes says them
]


def watch(
    store: SnapshotStore | str | os.PathLike[str],
    *,
    client: Client | None = None,
    models: Sequence[str] | None = None,
    wait: float = 10.0,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    report: Callable[[pd.DataFrame], object] | None = None,
) -> pd.DataFrame:
    """Take one snapshot of the whole catalog into ``store`` and return what changed since the
    snapshot of the same scope the last completed watch reported (the previous snapshot on the
    first watch of a store).

    A watch is complete, and its snapshot counts as reported, once ``report`` has returned (once
    the frame is returned when there is no ``report``); the store keeps that snapshot's id beside
    the run lock (:meth:`orcatalog.SnapshotStore.run_state`). A watch interrupted after its
    snapshot was recorded (Ctrl-C, a killed cron job, ``report`` raising) leaves it unreported:
    the next watch compares with the last reported one, so its changes are reported then.

    Only one watch runs on a store at a time (:meth:`orcatalog.SnapshotStore.run_lock`): a second
    one waits up to ``wait`` seconds, then gives up without fetching or recording anything.

    Args:
        store: a :class:`~orcatalog.SnapshotStore`, or its root (folder or fsspec URL).
        client: an :class:`~orcatalog.Client`; default the environment-configured one.
        models: report only changes to these model ids (the snapshot is still the whole catalog,
            so the comparison stays with the catalog's scope); a warning names ids seen in
            neither snapshot, each with the id it most likely meant (:mod:`orcatalog.suggest`).
        wait: seconds to wait for a watch already running on the store.
        clock, sleep: the time source (monotonic seconds) and the wait (seconds) for that; default
            the store's own (``SnapshotStore(clock=..., sleep=...)``, :mod:`orcatalog.store.waits`),
            so a store built with a fake pair never sleeps for real here either.
        report: called with the frame, the run lock still held, to print it, keep a feed, ...;
            if it raises, the changes stay unreported (the next watch reports them) and its
            error is raised.

    Returns:
        One row per change, columns :data:`WATCH_COLUMNS`: ``snapshot_id`` and ``fetched_at`` (UTC)
        of the new snapshot, ``previous_id``, ``scope``, ``id`` (the model), ``change`` (one of
        :data:`WATCH_CHANGES`), and for ``changed`` rows the price ``field`` (``price_prompt``, ...),
        ``old`` and ``new`` in ``unit`` (per-token prices in USD per million tokens, ``USD/Mtok``;
        others per request, image or search), ``pct_change`` (percent) and ``kind`` (as
        :func:`orcatalog.diff`: ``changed``, ``no longer listed``, ...). Only price fields are
        reported (``orcatalog diff`` shows every field). ``attrs``: ``snapshot_id``, ``fetched_at``,
        ``scope``, ``n_models``, ``partial`` (the store flags the new snapshot a partial catalog:
        its missing models are not reported ``removed``, a warning says so, and later runs compare
        with the last full snapshot, overlaid with what partial ones showed, so they do not come
        ``back`` and nothing a partial run reported is reported again), and ``previous_id``
        (the snapshot compared with: the last reported one, or the latest earlier snapshot of the
        scope when none was, in either case the latest full one at or before it, as partial
        snapshots are not compared with; None on the first snapshot of the scope:
        the frame is empty then, nothing to compare with; the snapshot's own id when the same
        body was already recorded in the same second, which the store keeps once: no change).

    Raises:
        InvalidParameterError: bad ``models`` or ``wait`` (before any request).
        SnapshotConflictError: another watch held the store for the whole wait (nothing fetched).
        Any error of :meth:`orcatalog.SnapshotStore.snapshot` (nothing is recorded then), such as
        LegacyLayoutError for a store in the earlier parquet layout (raised before the lock is taken).
    """
    from .store import SnapshotStore

    wanted = _model_ids(models)
    if not isinstance(store, SnapshotStore):
        store = SnapshotStore(store)
    store._writable()  # a store in the earlier parquet layout: refused before the lock is even taken
    with store.run_lock("watch", wait=wait, clock=clock, sleep=sleep):
        before = set(store.snapshots()["snapshot_id"]) if store.exists() else set()
        with warnings.catch_warnings():  # the one partial-catalog warning is this function's (below)
            warnings.filterwarnings(
                "ignore", message=r"orcatalog: snapshot .* flagged partial", category=RuntimeWarning
            )
            new = store.snapshot(client)
        snapshot_id, scope = new.attrs["snapshot_id"], new.attrs["scope"]
        state = store.run_state("watch")
        reported = _reported(store, state, scope, before)
        if snapshot_id in before and reported in (None, snapshot_id):
            # the same body in the same second: that snapshot, already reported
            out = _changes(store, new, new, wanted)
        else:
            # compare with what the last completed run reported (a run interrupted before its
            # report finished left its changes unreported), else with the previous snapshot
            end = reported if reported is not None else snapshot_id
            previous_id = previous_snapshot(store, end, scope) if _hidden(store, end) or end == snapshot_id else end
            old = store.load(previous_id) if previous_id is not None else None
            if old is not None:
                old = _seen_since(store, old, end, through=end != snapshot_id)
            out = _changes(store, old, new, wanted, partial=_is_partial(store, snapshot_id))
        if report is not None:
            report(out)
        state["reported"] = {**(state.get("reported") or {}), scope: snapshot_id}
        store.save_run_state(state, "watch")
    return out


def _reported(store: SnapshotStore, state: dict[str, Any], scope: str, before: set[str]) -> str | None:
    """The snapshot of ``scope`` the last completed watch reported, if still in the store."""
    reported = (state.get("reported") or {}).get(scope)
    if not isinstance(reported, str) or reported not in before:
        return None
    manifest = store.snapshots()
    row = manifest[manifest["snapshot_id"] == reported]
    return reported if len(row) and row["scope"].iloc[0] == scope else None


def _hidden(store: SnapshotStore, snapshot_id: str) -> bool:
    """Whether a snapshot is one comparisons skip: partial or shadowed (as :func:`previous_snapshot`)."""
    manifest = store.snapshots()
    row = manifest[manifest["snapshot_id"] == snapshot_id]
    return any(
        col in row.columns and bool(row[col].fillna(False).astype(bool).any()) for col in ("partial", "shadowed")
    )


def _seen_since(store: SnapshotStore, old: pd.DataFrame, snapshot_id: str, *, through: bool = False) -> pd.DataFrame:
    """``old`` (the last full snapshot) with the models of the partial snapshots of its scope
    recorded after it and before ``snapshot_id`` (``through``: up to and including it) as they
    were last seen: what a partial run reported (a price change, an added model) is not reported
    again by the next run."""
    import pandas as pd

    manifest = store.snapshots().sort_values("fetched_at", kind="stable").reset_index(drop=True)
    ids = manifest["snapshot_id"].tolist()
    start, end = ids.index(old.attrs["snapshot_id"]), ids.index(snapshot_id) + int(through)
    between = manifest.iloc[start + 1 : end]
    if "partial" not in between.columns:
        return old
    between = between[(between["scope"] == old.attrs["scope"]) & between["partial"].fillna(False).astype(bool)]
    if "shadowed" in between.columns:
        between = between[~between["shadowed"].fillna(False).astype(bool)]
    seen = old
    for partial_id in between["snapshot_id"]:
        with warnings.catch_warnings():  # the watch knows they are partial: that is why it reads them
            warnings.simplefilter("ignore", PartialSnapshotWarning)
            later = store.load(partial_id)
        seen = pd.concat([seen[~seen["id"].isin(later["id"])], later], ignore_index=True)
    seen.attrs = dict(old.attrs)
    return seen


def _is_partial(store: SnapshotStore, snapshot_id: str) -> bool:
    """Whether the store flags this snapshot partial (:func:`orcatalog.store.timeline.partial`)."""
    manifest = store.snapshots()
    if "partial" not in manifest.columns:
        return False
    flag = manifest.loc[manifest["snapshot_id"] == snapshot_id, "partial"]
    return bool(len(flag) and flag.iloc[0])


def _model_ids(models: Sequence[str] | None) -> list[str] | None:
    if models is None:
        return None
    if isinstance(models, str) or not all(isinstance(m, str) and m.strip() for m in models) or not models:
        raise InvalidParameterError(f"models must be a list of model ids, got {models!r}")
    return [m.strip() for m in models]


def previous_snapshot(store: SnapshotStore, snapshot_id: str, scope: str) -> str | None:
    """The id of the latest snapshot of ``scope`` fetched before ``snapshot_id`` (shadowed
    day-precision ones left out, as in as-of lookups, and partial catalogs too: the store's
    :func:`~orcatalog.store.timeline.partial` rule), or None when it is the scope's first.

    Raises:
        SnapshotNotFoundError: ``snapshot_id`` is not in the store.
    """
    from .errors import SnapshotNotFoundError

    manifest = store.snapshots().sort_values("fetched_at", kind="stable").reset_index(drop=True)  # oldest first
    where = manifest.index[manifest["snapshot_id"] == snapshot_id]
    if not len(where):
        raise SnapshotNotFoundError(f"no snapshot {snapshot_id!r} in {store.root}")
    # before it in the manifest's order: two snapshots in the same second keep the order they were recorded in
    earlier = manifest.iloc[: where[0]]
    earlier = earlier[earlier["scope"] == scope]
    if "shadowed" in earlier.columns:
        earlier = earlier[~earlier["shadowed"].fillna(False).astype(bool)]
    if "partial" in earlier.columns:  # a partial body's missing models would come "back" in the next full one
        earlier = earlier[~earlier["partial"].fillna(False).astype(bool)]
    return None if earlier.empty else str(earlier["snapshot_id"].iloc[-1])


def _changes(
    store: SnapshotStore,
    old: pd.DataFrame | None,
    new: pd.DataFrame,
    wanted: list[str] | None,
    partial: bool = False,
) -> pd.DataFrame:
    import pandas as pd

    from .analysis.changes import diff, lifecycle

    attrs = {
        "snapshot_id": new.attrs["snapshot_id"],
        "fetched_at": new.attrs["fetched_at"],
        "scope": new.attrs["scope"],
        "n_models": len(new),
        "previous_id": None if old is None else old.attrs["snapshot_id"],
        "partial": partial,
    }
    seen = set(new["id"]) | (set(old["id"]) if old is not None else set())
    unseen = [m for m in wanted or [] if m not in seen]
    if unseen:
        from .suggest import no_model_words

        warnings.warn(
            f"orcatalog: watch: {no_model_words(unseen, seen)} in "
            + (
                f"either snapshot ({attrs['previous_id']}, {attrs['snapshot_id']})"
                if old is not None
                else f"snapshot {attrs['snapshot_id']}"
            )
            + "; check the ids",
            UnknownModelWarning,
            stacklevel=3,
        )
    if old is None:
        out = pd.DataFrame(columns=WATCH_COLUMNS)
    else:
        with warnings.catch_warnings():  # a partial new catalog: one warning, below
            warnings.filterwarnings("ignore", message="orcatalog: diff of a partial catalog", category=RuntimeWarning)
            d = diff(old, new)
        if partial:
            removed = int((d["change"] == "removed").sum())
            d = d[d["change"] != "removed"]
            warnings.warn(
                f"orcatalog: watch: snapshot {attrs['snapshot_id']} is a partial catalog ({len(new)} "
                f"models, far fewer than {attrs['previous_id']}'s {len(old)}): removals are not reported "
                f"from it ({removed} model(s) missing), and the next snapshot is compared with "
                f"{attrs['previous_id']}",
                PartialSnapshotWarning,
                stacklevel=3,
            )
        d = d[(d["change"] != "changed") | d["field"].map(is_price_column)]
        if wanted is not None:
            d = d[d["id"].isin(wanted)]
        d = d.copy()
        added = d.loc[d["change"] == "added", "id"].tolist()
        if added:  # seen in an earlier snapshot of the scope: it came back (lifecycle's reading of the history)
            life = lifecycle(store.history(ids=added, columns=[], scope=attrs["scope"]))
            back = set(life.loc[life["gaps"] > 0, "id"])
            d.loc[d["id"].isin(back) & (d["change"] == "added"), "change"] = "back"
        order = {c: i for i, c in enumerate(WATCH_CHANGES)}
        d = d.sort_values(
            ["change", "id", "field"], key=lambda s: s.map(order) if s.name == "change" else s, kind="stable"
        )
        out = d.assign(
            snapshot_id=attrs["snapshot_id"],
            fetched_at=pd.Timestamp(attrs["fetched_at"]),
            previous_id=attrs["previous_id"],
            scope=attrs["scope"],
        )[WATCH_COLUMNS]
    out = out.reset_index(drop=True)
    out["fetched_at"] = pd.to_datetime(out["fetched_at"], utc=True)
    out["pct_change"] = out["pct_change"].astype(float)
    out.attrs = attrs
    return out
