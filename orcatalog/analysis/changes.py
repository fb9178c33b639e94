"""Pure DataFrame functions over snapshots: what changed, how prices moved, when models came and went.

They take frames (from ``SnapshotStore.load`` / ``history`` or ``fetch_models``) and return frames;
nothing here fetches or touches files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, MixedScopeError

__all__ = ["diff", "price_changes", "lifecycle", "DIFF_FIELDS"]

#: Fields compared by :func:`diff` (plus every ``price_*`` column present in both frames).
DIFF_FIELDS = (
    "name",
    "canonical_slug",
    "context_length",
    "max_completion_tokens",
    "top_provider_context_length",
    "is_moderated",
    "modality",
    "tokenizer",
    "instruct_type",
    "input_modalities",
    "output_modalities",
    "supported_parameters",
    "dynamic_pricing",
    "pricing_overrides",
    "expiration_date",
    "knowledge_cutoff",
)


def _frame(name: str, value: Any, *columns: str) -> pd.DataFrame:
    """Check an argument is a DataFrame with these columns, before any work."""
    if not isinstance(value, pd.DataFrame):
        raise InvalidParameterError(f"{name} must be a pandas DataFrame, got {type(value).__name__}")
    missing = [c for c in columns if c not in value.columns]
    if missing:
        raise InvalidParameterError(f"{name} lacks the column(s) {missing}; pass a frame from SnapshotStore or fetch_models")
    return value


def _scope_of(frame: pd.DataFrame) -> str | None:
    scope = frame.attrs.get("scope")
    if scope is None and "params" in frame.attrs:
        params = {k: v for k, v in frame.attrs["params"].items() if not (k == "output_modalities" and v == "all")}
        scope = "catalog" if not params and frame.attrs.get("endpoint", "/models") == "/models" else repr(params)
    return scope


def _same(a: Any, b: Any) -> bool:
    a_missing = a is None or (not isinstance(a, (list, tuple, np.ndarray)) and pd.isna(a))
    b_missing = b is None or (not isinstance(b, (list, tuple, np.ndarray)) and pd.isna(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        return list(a) == list(b)
    return bool(a == b)


def _pct(old: Any, new: Any) -> float:
    try:
        o, n = float(old), float(new)
    except (TypeError, ValueError):
        return np.nan
    if not np.isfinite(o) or not np.isfinite(n) or o == 0:
        return np.nan
    return (n - o) / o * 100.0


def diff(old: pd.DataFrame, new: pd.DataFrame, *, allow_mixed: bool = False) -> pd.DataFrame:
    """What changed between two catalog frames.

    Args:
        old, new: contract frames (``SnapshotStore.load`` or ``fetch_models``).
        allow_mixed: compare frames of different scopes (a filtered or regional fetch against the
            catalog); by default that raises, since models "missing" from a filter did not vanish.

    Returns:
        Columns ``id``, ``change`` (``added`` / ``removed`` / ``changed``), ``field`` (null for
        added/removed), ``old``, ``new`` and ``pct_change`` (percent, numeric fields). Removed means
        "absent from ``new``", not retired: models vanish and come back (see :func:`lifecycle`).

    Raises:
        MixedScopeError: the frames' scopes differ and allow_mixed is False.
        InvalidParameterError: a frame lacks the ``id`` column or repeats an id.
    """
    for label, frame in (("old", old), ("new", new)):
        if not _frame(label, frame, "id")["id"].is_unique:
            raise InvalidParameterError(f"{label} must be a catalog frame with unique 'id' values")
    s_old, s_new = _scope_of(old), _scope_of(new)
    if not allow_mixed and s_old is not None and s_new is not None and s_old != s_new:
        raise MixedScopeError(f"cannot diff scope {s_old!r} against {s_new!r}: pass allow_mixed=True to compare anyway")
    o = old.set_index("id")
    n = new.set_index("id")
    rows: list[dict[str, Any]] = []
    for mid in n.index.difference(o.index, sort=False):
        rows.append({"id": mid, "change": "added", "field": None, "old": None, "new": None, "pct_change": np.nan})
    for mid in o.index.difference(n.index, sort=False):
        rows.append({"id": mid, "change": "removed", "field": None, "old": None, "new": None, "pct_change": np.nan})
    common = o.index.intersection(n.index, sort=False)
    fields = [f for f in DIFF_FIELDS if f in o.columns and f in n.columns]
    fields += sorted(c for c in o.columns if c.startswith("price_") and c in n.columns)
    for field in fields:
        a = o.loc[common, field]
        b = n.loc[common, field]
        if pd.api.types.is_numeric_dtype(a.dtype) and pd.api.types.is_numeric_dtype(b.dtype):
            av = a.to_numpy(dtype=float, na_value=np.nan)
            bv = b.to_numpy(dtype=float, na_value=np.nan)
            changed = ~((av == bv) | (np.isnan(av) & np.isnan(bv)))
            for mid, x, y in zip(common[changed], a[changed], b[changed]):
                rows.append({"id": mid, "change": "changed", "field": field, "old": x, "new": y, "pct_change": _pct(x, y)})
        else:
            for mid, x, y in zip(common, a.tolist(), b.tolist()):
                if not _same(x, y):
                    rows.append({"id": mid, "change": "changed", "field": field, "old": _plain(x), "new": _plain(y),
                                 "pct_change": np.nan})  # fmt: skip
    out = pd.DataFrame(rows, columns=["id", "change", "field", "old", "new", "pct_change"])
    out["pct_change"] = out["pct_change"].astype(float)
    order = {"added": 0, "removed": 1, "changed": 2}
    out = out.sort_values(["change", "id", "field"], key=lambda s: s.map(order) if s.name == "change" else s,
                          kind="stable").reset_index(drop=True)  # fmt: skip
    out.attrs = {"old": old.attrs.get("snapshot_id"), "new": new.attrs.get("snapshot_id"), "scope": s_new}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _price_columns(history: pd.DataFrame) -> list[str]:
    return [c for c in history.columns if c.startswith("price_")]


def price_changes(history: pd.DataFrame, *, fields: list[str] | None = None) -> pd.DataFrame:
    """One row per price change event, comparing each model with its previous *observation*.

    A model absent from some snapshots is compared across the gap: vanishing and returning at the
    same price is no change. Scopes are never compared with each other.

    Args:
        history: long frame from ``SnapshotStore.history`` (``id``, ``fetched_at``, price columns).
        fields: price columns to follow (default every ``price_*`` column present).

    Returns:
        Columns ``id``, ``fetched_at`` (when the new price was first seen), ``field``, ``old``,
        ``new`` (USD in the API unit, see schema) and ``pct_change`` (percent; NaN from or to 0/null).

    Raises:
        InvalidParameterError: missing ``id``/``fetched_at`` columns or unknown fields.
    """
    _frame("history", history, "id", "fetched_at")
    fields = fields or _price_columns(history)
    unknown = [f for f in fields if f not in history.columns]
    if unknown:
        raise InvalidParameterError(f"unknown price field(s) {unknown}")
    keys = ["scope", "id"] if "scope" in history.columns else ["id"]
    h = history.sort_values([*keys, "fetched_at"], kind="stable")
    same_model = np.ones(len(h), dtype=bool)
    for k in keys:
        col = h[k].to_numpy()
        same_model[1:] &= col[1:] == col[:-1]
    same_model[0] = False
    frames = []
    for field in fields:
        v = h[field].to_numpy(dtype=float, na_value=np.nan)
        prev = np.roll(v, 1)
        changed = same_model & ~((v == prev) | (np.isnan(v) & np.isnan(prev)))
        idx = np.flatnonzero(changed)
        frames.append(
            pd.DataFrame(
                {
                    "id": h["id"].to_numpy()[idx],
                    "fetched_at": h["fetched_at"].to_numpy()[idx],
                    "field": field,
                    "old": prev[idx],
                    "new": v[idx],
                    **({"scope": h["scope"].to_numpy()[idx]} if "scope" in h.columns else {}),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["id", "fetched_at", "field", "old", "new"])
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (out["new"].astype(float) - out["old"].astype(float)) / out["old"].astype(float) * 100.0
    out.insert(5, "pct_change", pct.where(np.isfinite(pct)))
    if "fetched_at" in out and len(out):
        out["fetched_at"] = pd.to_datetime(out["fetched_at"], utc=True)
    return out.sort_values(["fetched_at", "id", "field"], kind="stable").reset_index(drop=True)


def lifecycle(history: pd.DataFrame) -> pd.DataFrame:
    """One row per model: when it was first and last seen, how often it went missing, how often it changed.

    Args:
        history: long frame from ``SnapshotStore.history``; its ``attrs["snapshot_times"]`` (every
            snapshot in range, per scope) is used to count absences, else the times in the frame.

    Returns:
        Columns ``id``, ``first_seen``, ``last_seen`` (UTC), ``gaps`` (number of times the model
        disappeared and came back), ``listed_now`` (present in the latest snapshot), ``n_changes``
        (price change events, see :func:`price_changes`), and ``scope``.

    Raises:
        InvalidParameterError: missing ``id``/``fetched_at`` columns.
    """
    _frame("history", history, "id", "fetched_at")
    has_scope = "scope" in history.columns
    h = history if has_scope else history.assign(scope="catalog")
    times_by_scope = history.attrs.get("snapshot_times") or {}
    changes = price_changes(h) if _price_columns(h) else pd.DataFrame(columns=["id", "fetched_at", "scope"])
    n_changes = changes.groupby(["scope", "id"])["fetched_at"].nunique() if len(changes) else pd.Series(dtype=int)
    rows = []
    for scope, group in h.groupby("scope", sort=False):
        known = pd.DatetimeIndex(times_by_scope.get(scope, []))
        all_times = known.union(pd.DatetimeIndex(group["fetched_at"].unique())).sort_values()
        latest = all_times.max()
        position = pd.Series(np.arange(len(all_times)), index=all_times)
        for mid, g in group.groupby("id", sort=True):
            seen = np.sort(position.loc[pd.DatetimeIndex(g["fetched_at"].unique())].to_numpy())
            gaps = int(np.count_nonzero(np.diff(seen) > 1))
            rows.append(
                {
                    "id": mid,
                    "first_seen": all_times[seen[0]],
                    "last_seen": all_times[seen[-1]],
                    "gaps": gaps,
                    "listed_now": bool(all_times[seen[-1]] == latest),
                    "n_changes": int(n_changes.get((scope, mid), 0)),
                    "scope": scope,
                }
            )
    out = pd.DataFrame(rows, columns=["id", "first_seen", "last_seen", "gaps", "listed_now", "n_changes", "scope"])
    return out if has_scope else out.drop(columns=["scope"])
