"""When models came and went: :func:`absences` (the one rule of when a model stopped being listed)
and :func:`lifecycle` (one row per model: first and last seen, gaps, changes)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..args import frame_arg
from ...errors import PartialSnapshotWarning
from .events import _price_columns, price_changes


def absences(history: pd.DataFrame, ids: list[str] | None = None) -> pd.DataFrame:
    """The one rule of when a model stopped being listed: one row per time it went missing.

    A model is absent where a full snapshot of its scope did not list it after one that did; a
    model missing only from a partial catalog (``attrs["partial_times"]`` of the history) may not
    have left it, so that is no absence. The snapshots are ``attrs["snapshot_times"]`` per scope
    (every snapshot in range, listing the models or not), else the times in the frame.

    Args:
        history: long frame from ``SnapshotStore.history`` (``id``, ``fetched_at``, maybe ``scope``).
        ids: only these models (default: every model); the snapshots are still all of the history's.

    Returns:
        Columns ``id``, ``scope``, ``last_listed`` (its last snapshot before the absence),
        ``left_at`` (the first full snapshot that did not list it) and ``back_at`` (the first that
        lists it again; NaT: not listed since), all UTC: scopes in the history's order, then by id and time.
        ``attrs["first_seen"]`` / ``attrs["last_seen"]`` map ``(scope, id)`` to its first and last snapshot.

    Raises:
        InvalidParameterError: missing ``id``/``fetched_at`` columns.
    """
    frame_arg("history", history, "id", "fetched_at")
    h = history if "scope" in history.columns else history.assign(scope="catalog")
    if ids is not None:
        wanted = set(ids)
        h = h[h["id"].astype(str).isin(wanted)]
    times_by_scope = history.attrs.get("snapshot_times") or {}
    partial_by_scope = history.attrs.get("partial_times") or {}
    rows: list[dict[str, Any]] = []
    first: dict[tuple[str, str], pd.Timestamp] = {}
    last: dict[tuple[str, str], pd.Timestamp] = {}
    for scope, group in h.groupby("scope", sort=False):
        known = pd.DatetimeIndex(pd.to_datetime(list(times_by_scope.get(scope, [])), utc=True))
        in_frame = history.loc[history["scope"] == scope] if "scope" in history.columns else history
        # snapshots at the same time (stores may hold such) are one point in time
        all_times = (
            known.union(pd.DatetimeIndex(pd.to_datetime(in_frame["fetched_at"].unique(), utc=True)))
            .unique()
            .sort_values()
        )
        position = pd.Series(np.arange(len(all_times)), index=all_times)
        full = ~all_times.isin(pd.DatetimeIndex(pd.to_datetime(list(partial_by_scope.get(scope, [])), utc=True)))
        # next_full[i]: the first full snapshot at or after position i (len: none)
        next_full = np.full(len(all_times) + 1, len(all_times))
        for i in range(len(all_times) - 1, -1, -1):
            next_full[i] = i if full[i] else next_full[i + 1]
        for mid, g in group.groupby("id", sort=True):
            seen = np.sort(position.loc[pd.DatetimeIndex(g["fetched_at"].unique())].to_numpy())
            first[(scope, mid)], last[(scope, mid)] = all_times[seen[0]], all_times[seen[-1]]
            ends = np.r_[seen[1:], len(all_times)]  # the next listing (len: none)
            for at, back in zip(seen.tolist(), ends.tolist()):
                gone = int(next_full[at + 1])
                if gone < back:  # a full snapshot between the two listings did not list it
                    rows.append(
                        {
                            "id": mid,
                            "scope": scope,
                            "last_listed": all_times[at],
                            "left_at": all_times[gone],
                            "back_at": all_times[back] if back < len(all_times) else pd.NaT,
                        }
                    )
    out = pd.DataFrame(rows, columns=["id", "scope", "last_listed", "left_at", "back_at"])
    for c in ("last_listed", "left_at", "back_at"):
        out[c] = pd.to_datetime(out[c], utc=True)
    out.attrs["first_seen"], out.attrs["last_seen"] = first, last
    return out


def lifecycle(history: pd.DataFrame) -> pd.DataFrame:
    """One row per model: when it was first and last seen, how often it went missing, how often it changed.

    Args:
        history: long frame from ``SnapshotStore.history``; its ``attrs["snapshot_times"]`` (every
            snapshot in range, per scope) is used to count absences, else the times in the frame.

    Returns:
        Columns ``id``, ``first_seen``, ``last_seen`` (UTC), ``gaps`` (number of times the model
        disappeared and came back), ``listed_now`` (present in the latest snapshot), ``n_changes``
        (price change events, see :func:`price_changes`), and ``scope``. ``attrs["partial_snapshots"]``
        names partial catalogs in the history, and a warning says so: a model missing from a partial
        catalog may not have left the catalog (``attrs["partial_times"]`` of the history), so that
        absence is neither a gap nor the end of its listing (missing only from a partial latest
        snapshot, it is ``listed_now``): the one rule of :func:`absences`.

    Raises:
        InvalidParameterError: missing ``id``/``fetched_at`` columns.
    """
    frame_arg("history", history, "id", "fetched_at")
    has_scope = "scope" in history.columns
    h = history if has_scope else history.assign(scope="catalog")
    changes = price_changes(h) if _price_columns(h) else pd.DataFrame(columns=["id", "fetched_at", "scope"])
    n_changes = changes.groupby(["scope", "id"])["fetched_at"].nunique() if len(changes) else pd.Series(dtype=int)
    gone = absences(history)
    came_back = gone[gone["back_at"].notna()].groupby(["scope", "id"]).size()
    left = set(zip(gone.loc[gone["back_at"].isna(), "scope"], gone.loc[gone["back_at"].isna(), "id"]))
    rows = [
        {
            "id": mid,
            "first_seen": seen,
            "last_seen": gone.attrs["last_seen"][(scope, mid)],
            "gaps": int(came_back.get((scope, mid), 0)),
            "listed_now": (scope, mid) not in left,
            "n_changes": int(n_changes.get((scope, mid), 0)),
            "scope": scope,
        }
        for (scope, mid), seen in gone.attrs["first_seen"].items()
    ]
    out = pd.DataFrame(rows, columns=["id", "first_seen", "last_seen", "gaps", "listed_now", "n_changes", "scope"])
    out = out if has_scope else out.drop(columns=["scope"])
    out.attrs["partial_snapshots"] = list(history.attrs.get("partial_snapshots") or [])
    if out.attrs["partial_snapshots"]:
        warnings.warn(
            f"orcatalog: the history holds partial catalogs ({', '.join(out.attrs['partial_snapshots'])}); "
            "a model missing from one may not have left the catalog, so that absence is not counted as a gap "
            "or as no longer listed",
            PartialSnapshotWarning,
            stacklevel=2,
        )
    return out
