"""The rules that read a snapshot against the others of its timeline, each in one function.

- :func:`scope_column` - each snapshot's scope by today's rule (:func:`orcatalog.scope.scope_of`);
- :func:`shadowed` - day-precision snapshots on a day with finer ones are left out of answers;
- :func:`partial` - a list that lost more than :data:`PARTIAL_THRESHOLD` of its models is flagged;
- :func:`latest_of` - which snapshot answers an as-of question, also among *twins* (two different
  snapshots of one scope at one time, which stores written before such imports were refused hold),
  and :func:`twins_note` for a history that holds them: never a silent choice.

They are applied when a store is read (:func:`apply_rules`), so they hold for stores written by
older versions too.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..scope import scope_of, unfiltered_rows

__all__ = [
    "apply_rules",
    "scope_column",
    "shadowed",
    "partial",
    "latest_of",
    "twins_note",
    "TwinSnapshotWarning",
    "PartialSnapshotWarning",
    "PARTIAL_THRESHOLD",
]

#: A whole-list snapshot with fewer than this share of the previous one's models is flagged ``partial``.
PARTIAL_THRESHOLD = 0.2


class PartialSnapshotWarning(RuntimeWarning):
    """A snapshot flagged partial was loaded (``SnapshotStore.load``); a command that says what it
    means for its own answer (``diff``) ignores this one."""


class TwinSnapshotWarning(RuntimeWarning):
    """An answer met two different snapshots of one scope at one time (twins; :func:`latest_of`):
    it says which one it used and why (``load``), or that it kept both (``history``)."""


def apply_rules(manifest: pd.DataFrame) -> pd.DataFrame:
    """The manifest (in time order) with each snapshot's ``scope`` recomputed and ``time_precision``,
    ``shadowed`` and ``partial`` set by the rules below; modified in place and returned."""
    manifest["scope"] = scope_column(manifest)
    manifest["time_precision"] = manifest["time_precision"].fillna("second")  # stores before issue 6
    manifest["shadowed"] = shadowed(manifest)
    manifest["partial"] = partial(manifest)
    return manifest


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
    scope_code = pd.factorize(manifest["scope"])[0].astype(np.int64)
    day = manifest["fetched_at"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    key = scope_code * 10_000_000 + day  # one number per (scope, UTC day)
    coarse = (manifest["time_precision"] == "day").to_numpy(dtype=bool)
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
    out = np.zeros(len(manifest), dtype=bool)
    previous: dict[str, int] = {}
    unfiltered = unfiltered_rows(manifest["query"])
    rows = zip(
        manifest["scope"].to_numpy(dtype=object).tolist(),
        manifest["n_models"].to_numpy().tolist(),
        manifest["shadowed"].to_numpy(dtype=bool).tolist(),
        unfiltered,
    )
    for i, (sc, n, hidden, whole) in enumerate(rows):
        if hidden or not whole:
            continue
        if sc in previous and n < (1 - threshold) * previous[sc]:
            out[i] = True
        else:
            previous[sc] = int(n)
    return out


def scope_column(manifest: pd.DataFrame) -> list[str]:
    """Each snapshot's scope by today's rule (:func:`orcatalog.scope.scope_of`), from its recorded
    provenance, so stores written by older versions answer by the same rule."""
    columns = [manifest[k].to_numpy(dtype=object) for k in ("base_url", "endpoint", "query", "key_fingerprint")]
    memo: dict[tuple[Any, ...], str] = {}
    out = []
    for key in zip(*columns):
        if key not in memo:
            base_url, endpoint, query, fingerprint = (v if isinstance(v, str) else None for v in key)
            memo[key] = scope_of(base_url, endpoint or "/models", json.loads(query or "{}"), fingerprint)
        out.append(memo[key])
    return out


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
