"""The rules that read a snapshot against the others of its timeline, each in one function.

- :func:`scope_column` - each snapshot's scope by today's rule (:func:`orcatalog.scope.scope_of`);
- :func:`shadowed` - day-precision snapshots on a day with finer ones are left out of answers;
- :func:`partial` - a list that lost more than :data:`PARTIAL_THRESHOLD` of its models is flagged;
- :func:`latest_of` - which snapshot answers an as-of question, also among *twins* (two different
  snapshots of one scope at one time, which stores written before such imports were refused hold),
  and :func:`twins_note` for a history that holds them: never a silent choice.

They are applied when a store is read (:func:`apply_rules`), so they hold for stores written by
older versions too; :func:`extend_rules` applies them to rows added after a manifest's last one
(an append) by running the same functions on the rows the new ones are read against.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..scope import distinct_rows, scope_of, unfiltered_rows

__all__ = [
    "apply_rules",
    "extend_rules",
    "scope_column",
    "row_scope",
    "shadowed",
    "partial",
    "partial_times",
    "latest_of",
    "twins_note",
    "PARTIAL_THRESHOLD",
]

#: A whole-list snapshot with fewer than this share of the previous one's models is flagged ``partial``.
PARTIAL_THRESHOLD = 0.2


def apply_rules(manifest: pd.DataFrame) -> pd.DataFrame:
    """The manifest (in time order) with each snapshot's ``scope`` recomputed and ``time_precision``,
    ``shadowed`` and ``partial`` set by the rules below; modified in place and returned."""
    manifest["scope"] = scope_column(manifest)
    manifest["time_precision"] = manifest["time_precision"].fillna("second")  # stores before issue 6
    manifest["shadowed"] = shadowed(manifest)
    manifest["partial"] = partial(manifest)
    return manifest


def extend_rules(manifest: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame | None:
    """The manifest with ``new`` rows added at its end, the rules applied to them, without reading
    the rest again: each rule runs on the few rows a new row is read against (:func:`shadowed` on
    the rows of its scope and day, :func:`partial` from the last snapshot its scope is compared with).

    Args:
        manifest: in time order, rules applied (by :func:`apply_rules` or this function).
        new: rows to add, in time order (``seq`` set), rules not applied; not modified.

    Returns:
        The combined frame (a new one, index 0..n-1), equal to :func:`apply_rules` on all rows; None
        when that needs the older rows read again: a new row is not after the manifest's last row
        (by ``fetched_at``, then ``snapshot_id``), or it shadows an older row.
    """
    if new.empty:
        return manifest
    if manifest.empty:
        return apply_rules(new.copy())
    new = new.copy()
    new["scope"] = scope_column(new)
    new["time_precision"] = new["time_precision"].fillna("second")
    last = (manifest["fetched_at"].iloc[-1], manifest["snapshot_id"].iloc[-1])
    if (new["fetched_at"].iloc[0], new["snapshot_id"].iloc[0]) <= last:
        return None
    days = new["fetched_at"].to_numpy(dtype="datetime64[D]")
    first_day = pd.Timestamp(days[0]).tz_localize("UTC")
    tail = manifest.iloc[int(manifest["fetched_at"].searchsorted(first_day)) :]  # the new rows' days only
    new_scopes = new["scope"].to_numpy(dtype=object)
    older = tail[
        tail["scope"].isin(set(new_scopes)).to_numpy()
        & np.isin(tail["fetched_at"].to_numpy(dtype="datetime64[D]"), days)
    ]
    # the rules run on arrays of the few rows concerned (a small DataFrame costs more to build than to read)
    flags = _shadowed(
        np.concatenate([older["scope"].to_numpy(dtype=object), new_scopes]),
        np.concatenate([older["fetched_at"].to_numpy(dtype="datetime64[D]"), days]),
        np.concatenate([(older["time_precision"] == "day").to_numpy(dtype=bool), _coarse(new)]),
    )
    if (flags[: len(older)] != older["shadowed"].to_numpy(dtype=bool)).any():
        return None  # a new row shadows an older one: what follows it is read again
    new["shadowed"] = flags[len(older) :]
    # each scope's last snapshot that the next one is compared with (not shadowed, not partial,
    # unfiltered): looked for among the last rows first, then further back
    scopes, k = set(new_scopes.tolist()), 64
    while True:
        m = manifest.iloc[-k:]
        at = np.flatnonzero(
            m["scope"].isin(scopes).to_numpy()
            & ~m["shadowed"].to_numpy(dtype=bool)
            & ~m["partial"].to_numpy(dtype=bool)
        )
        at = at[np.asarray(unfiltered_rows(m["query"].to_numpy(dtype=object)[at]), dtype=bool)]
        previous: dict[str, int] = {}
        for sc, n in zip(m["scope"].to_numpy(dtype=object)[at].tolist(), m["n_models"].to_numpy()[at].tolist()):
            previous[sc] = int(n)  # the last one of each scope
        if set(previous) >= scopes or k >= len(manifest):
            break
        k *= 8
    new["partial"] = _partial(
        new_scopes.tolist(),
        new["n_models"].to_numpy().tolist(),
        new["shadowed"].to_numpy(dtype=bool).tolist(),
        unfiltered_rows(new["query"]),
        previous,
    )
    return pd.concat([manifest, new], ignore_index=True)


def shadowed(manifest: pd.DataFrame) -> np.ndarray:
    """The time-precision rule: which snapshots are left out of as-of lookups and change detection.

    A snapshot whose time is known only to the day (``time_precision == "day"``: imported from
    ``models-2025-12-18.json.gz``) is recorded at that day's midnight, but was taken at an unknown
    time that day. When its scope has finer snapshots on the same UTC day, ordering it against them
    would invent events (its evening price would look like a morning price), so it is *shadowed*:
    kept, listed by ``snapshots()`` and loadable by id, but not used by ``load(as_of=...)``, the
    latest snapshot, ``history()`` and everything computed from it. On its own it stands for its day.

    Args:
        manifest: rows with ``scope``, ``fetched_at`` (UTC) and ``time_precision``.

    Returns:
        A boolean array, True for shadowed snapshots.
    """
    if manifest.empty:
        return np.zeros(0, dtype=bool)
    return _shadowed(manifest["scope"], manifest["fetched_at"].to_numpy(dtype="datetime64[D]"), _coarse(manifest))


def _coarse(manifest: pd.DataFrame) -> np.ndarray:
    """Which snapshots' times are known only to the day (the ``time_precision`` column)."""
    return (manifest["time_precision"] == "day").to_numpy(dtype=bool)


def _shadowed(scope: Any, day: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """:func:`shadowed` on columns: each row's scope, UTC day (``datetime64[D]``) and whether its
    time is known only to the day."""
    scope_code = pd.factorize(scope)[0].astype(np.int64)
    key = scope_code * 10_000_000 + day.astype(np.int64)  # one number per (scope, UTC day)
    return coarse & np.isin(key, key[~coarse])


def partial(manifest: pd.DataFrame, threshold: float = PARTIAL_THRESHOLD) -> np.ndarray:
    """The partial-catalog rule: an unfiltered list snapshot holding fewer than ``1 - threshold`` of
    the models of the previous (not partial, not shadowed) snapshot of its scope is flagged. It is
    kept as it is; ``snapshots()`` shows the flag and ``diff`` / ``lifecycle`` warn about it.

    Args:
        manifest: rows in time order with ``scope``, ``query``, ``n_models`` and ``shadowed``.
        threshold: the share of models (0..1) a snapshot may lose before it is flagged.

    Returns:
        A boolean array, True for partial snapshots.
    """
    return _partial(
        manifest["scope"].to_numpy(dtype=object).tolist(),
        manifest["n_models"].to_numpy().tolist(),
        manifest["shadowed"].to_numpy(dtype=bool).tolist(),
        unfiltered_rows(manifest["query"]),
        {},
        threshold,
    )


def _partial(
    scopes: list[Any],
    n_models: list[int],
    hidden: list[bool],
    whole: list[bool],
    previous: dict[str, int],
    threshold: float = PARTIAL_THRESHOLD,
) -> np.ndarray:
    """:func:`partial` on columns, in time order: each row's scope, model count, whether it is
    shadowed and whether it is unfiltered; ``previous`` holds each scope's count to compare the
    first of its rows with (the last snapshot before these rows that the rule compared with; empty
    when these are all the rows) and is updated."""
    out = np.zeros(len(scopes), dtype=bool)
    for i, (sc, n, skip, unfiltered) in enumerate(zip(scopes, n_models, hidden, whole)):
        if skip or not unfiltered:
            continue
        if sc in previous and n < (1 - threshold) * previous[sc]:
            out[i] = True
        else:
            previous[sc] = int(n)
    return out


def partial_times(manifest: pd.DataFrame, keep: np.ndarray) -> dict[str, list[str]]:
    """The times of the partial snapshots among the ``keep`` rows, per scope, as ISO text (for a
    history's ``attrs["partial_times"]``: a model missing from one of them may not have left the
    catalog, see :func:`orcatalog.analysis.changes.lifecycle`).

    Args:
        manifest: rows with ``scope``, ``fetched_at`` (UTC) and ``partial``.
        keep: a boolean mask of the rows the history read.
    """
    chosen = np.asarray(keep, dtype=bool) & manifest["partial"].to_numpy(dtype=bool)
    if not chosen.any():  # the usual case: no partial snapshot, no frame to select
        return {}
    rows = manifest[chosen]
    out: dict[str, list[str]] = {}
    for sc, when in zip(rows["scope"].astype(str).tolist(), pd.to_datetime(rows["fetched_at"], utc=True)):
        out.setdefault(sc, []).append(when.isoformat())
    return out


def scope_column(manifest: pd.DataFrame) -> list[str]:
    """Each snapshot's scope by today's rule (:func:`orcatalog.scope.scope_of`), from its recorded
    provenance, so stores written by older versions answer by the same rule."""
    columns = [manifest[k] for k in _PROVENANCE]
    codes, firsts = distinct_rows(columns)
    # once per distinct provenance: a handful among thousands of rows
    scopes = [row_scope(*(c.iloc[first] for c in columns)) for first in firsts.tolist()]
    return np.asarray(scopes, dtype=object)[codes].tolist() if len(codes) else []


#: The manifest columns a snapshot's scope is computed from, in :func:`row_scope`'s order.
_PROVENANCE = ("base_url", "endpoint", "query", "key_fingerprint")


def row_scope(base_url: object, endpoint: object, query: object, fingerprint: object) -> str:
    """One snapshot's scope by today's rule, from its recorded provenance (the manifest's
    ``base_url``, ``endpoint``, ``query`` as JSON text and ``key_fingerprint``; a missing value is
    None or NaN): what :func:`scope_column` computes for each row."""
    base_url, endpoint, query, fingerprint = (
        v if isinstance(v, str) else None for v in (base_url, endpoint, query, fingerprint)
    )
    return scope_of(base_url, endpoint or "/models", json.loads(query or "{}"), fingerprint)


def latest_of(manifest: pd.DataFrame, found: np.ndarray) -> tuple[int, str | None]:
    """The as-of rule: which of the candidate snapshots answers. The latest time answers; when the
    store holds several different snapshots of the scope at that time (twins: an older orcatalog
    recorded, say, a default list and an all-modalities list of one day as one scope), the one with
    the most models answers (the other is the smaller list: partial, or another filter recorded
    without its query), then the greatest snapshot id, and a note says which and why.

    Args:
        manifest: the store's snapshots in time order (``snapshot_id``, ``fetched_at``, ``n_models``).
        found: positions in ``manifest`` of the candidates (visible snapshots of one scope at or
            before the asked time), in time order; not empty.

    Returns:
        The answer's position, and the note for a ``TwinSnapshotWarning`` (None without twins).
    """
    times = manifest["fetched_at"]
    last = int(found[-1])
    at = times.iloc[last]
    first = len(found) - 1
    while first > 0 and times.iloc[int(found[first - 1])] == at:  # candidates are in time order: twins end it
        first -= 1
    same = found[first:]
    if len(same) < 2:
        return last, None
    n_models = manifest["n_models"].to_numpy()[same].tolist()
    ids = manifest["snapshot_id"].to_numpy(dtype=object)[same].tolist()
    best = max(range(len(same)), key=lambda i: (n_models[i], ids[i]))
    others = [f"{ids[i]} ({n_models[i]} models)" for i in range(len(same)) if i != best]
    note = (
        f"orcatalog: {len(same)} different snapshots of scope {manifest['scope'].iloc[last]!r} share the time "
        f"{pd.Timestamp(at):%Y-%m-%d %H:%M:%S} UTC; the answer is {ids[best]} ({n_models[best]} models), "
        f"the one with the most models, not {', '.join(others)}. Such twins are refused on import now; "
        "if they answered different queries, import each into a new store with its own query"
    )
    return int(same[best]), note


def twins_note(manifest: pd.DataFrame, keep: np.ndarray) -> str | None:
    """What a history answer says when the snapshots it keeps hold twins (several different
    snapshots of one scope at one time, see :func:`latest_of`): it keeps them all, and readers of
    the long form count a time once (a model in either twin is present then).

    Args:
        manifest: the store's snapshots (``scope``, ``fetched_at``, ``snapshot_id``).
        keep: which rows the answer holds.

    Returns:
        The note for a ``TwinSnapshotWarning``, or None.
    """
    times = manifest["fetched_at"].to_numpy(dtype="datetime64[us]")[np.asarray(keep, dtype=bool)]
    if len(np.unique(times)) == len(times):  # no two kept rows at one time (the usual case): no twins
        return None
    kept = manifest.loc[keep, ["scope", "fetched_at", "snapshot_id"]]
    twins = kept[kept.duplicated(["scope", "fetched_at"], keep=False)]
    if twins.empty:
        return None
    times = twins.drop_duplicates(["scope", "fetched_at"])
    first = twins[(twins["scope"] == times["scope"].iloc[0]) & (twins["fetched_at"] == times["fetched_at"].iloc[0])]
    return (
        f"orcatalog: the history holds different snapshots of one scope at the same time at {len(times)} time(s), "
        f"e.g. {', '.join(map(str, first['snapshot_id']))} at {pd.Timestamp(times['fetched_at'].iloc[0]):%Y-%m-%d %H:%M:%S} "
        f"UTC ({times['scope'].iloc[0]!r}); all are kept, and a model in any of them counts as listed then"
    )
