"""What changed between two catalog frames (:func:`diff`): its argument checks and its row builders,
price rows by the rule of :func:`~orcatalog.analysis.changes.events.price_events`, other fields by
:data:`DIFF_FIELDS`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..args import frame_arg
from ...errors import InvalidParameterError, MixedScopeError, PartialSnapshotWarning
from ...frames.ids import first_duplicate
from ...scope import frame_scope
from .events import (
    PRICE_EVENT_KINDS,
    _differs,
    _event_units,
    _pct,
    _price_columns,
    _raw_and_dynamic,
    _token_rate,
    _unreadable,
    _warn_unknown_units,
    price_events,
    switch_field,
)


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


def _same(a: Any, b: Any) -> bool:
    a_missing = a is None or (not isinstance(a, (list, tuple, np.ndarray)) and pd.isna(a))
    b_missing = b is None or (not isinstance(b, (list, tuple, np.ndarray)) and pd.isna(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        return list(a) == list(b)
    return bool(a == b)


def diff(old: pd.DataFrame, new: pd.DataFrame, *, allow_mixed: bool = False) -> pd.DataFrame:
    """What changed between two catalog frames.

    Args:
        old, new: contract frames (``SnapshotStore.load`` or ``fetch_models``).
        allow_mixed: compare frames of different scopes (a filtered or regional fetch against the
            catalog); by default that raises, since models "missing" from a filter did not vanish.

    Returns:
        Columns ``id``, ``change`` (``added`` / ``removed`` / ``changed``), ``field`` (null for
        added/removed), ``old``, ``new``, ``pct_change`` (percent, numeric fields; NaN from or to 0;
        ``d["pct_change"]``, not ``d.pct_change``, which is pandas' method)
        ``unit`` (for ``price_*`` fields: ``USD/Mtok`` for per-token prices, which are shown
        in USD per million tokens, else ``USD/request``, ``USD/image``, ``USD/search``; a per-token
        ``image`` rate in ``USD/Mtok``, a ``unit changed`` event ``USD/image -> USD/Mtok``; a key of
        undeclared unit ``unknown``, as the API wrote it, with one warning; see
        :func:`orcatalog.schema.price_display_units`) and ``kind`` (for changed fields: one of
        :data:`PRICE_EVENT_KINDS`, by the rule of :func:`price_events`: a price key that vanished is
        ``no longer listed`` with a null ``new``, never a cut to 0). Removed means "absent from
        ``new``", not retired: models vanish and come back (see :func:`lifecycle`). A price key
        going between ``"0"`` and absent is not a change (:func:`orcatalog.schema.settled_prices`).
        ``attrs``: ``old``, ``new`` (snapshot ids), ``scope``, ``partial`` (ids of the two frames
        flagged as partial catalogs; a warning is issued then).

    Raises:
        MixedScopeError: the frames' scopes differ and allow_mixed is False.
        InvalidParameterError: a frame lacks the ``id`` column or repeats an id.
    """
    s_new = _check_diff_frames(old, new, allow_mixed)
    o = old.set_index("id")
    n = new.set_index("id")
    common = o.index.intersection(n.index, sort=False)
    rows: list[dict[str, Any]] = [{"id": mid, "change": "added"} for mid in n.index.difference(o.index, sort=False)]
    rows += [{"id": mid, "change": "removed"} for mid in o.index.difference(n.index, sort=False)]
    o, n = o.loc[common], n.loc[common]
    rows += _price_rows(o, n) + _field_rows(o, n)
    out = pd.DataFrame(rows, columns=["id", "change", "field", "old", "new", "pct_change", "unit", "kind"])
    out["pct_change"] = out["pct_change"].astype(float)
    order = {"added": 0, "removed": 1, "changed": 2}
    out = out.sort_values(
        ["change", "id", "field"], key=lambda s: s.map(order) if s.name == "change" else s, kind="stable"
    ).reset_index(drop=True)
    partial = [str(f.attrs["snapshot_id"]) for f in (old, new) if f.attrs.get("partial")]
    out.attrs = {
        "old": old.attrs.get("snapshot_id"),
        "new": new.attrs.get("snapshot_id"),
        "scope": s_new,
        "partial": partial,
    }
    if partial:
        warnings.warn(
            f"orcatalog: diff of a partial catalog ({', '.join(partial)}): its 'removed' models "
            "may only be missing from that body",
            PartialSnapshotWarning,
            stacklevel=2,
        )
    return out


def _check_diff_frames(old: pd.DataFrame, new: pd.DataFrame, allow_mixed: bool) -> str | None:
    """:func:`diff`'s argument checks (unique ids, one scope); returns the new frame's scope."""
    for label, frame in (("old", old), ("new", new)):
        dup = first_duplicate(frame_arg(label, frame, "id")["id"])
        if dup is not None:
            raise InvalidParameterError(f"{label} must be a catalog frame with unique 'id' values: {dup!r} repeats")
    s_old, s_new = frame_scope(old.attrs), frame_scope(new.attrs)
    if not allow_mixed and s_old is not None and s_new is not None and s_old != s_new:
        raise MixedScopeError(f"cannot diff scope {s_old!r} against {s_new!r}: pass allow_mixed=True to compare anyway")
    return s_new


def _changed(mid: Any, field: str, old: Any, new: Any, **more: Any) -> dict[str, Any]:
    """One ``changed`` row of :func:`diff`."""
    return {"id": mid, "change": "changed", "field": field, "old": old, "new": new, **more}


def _price_rows(o: pd.DataFrame, n: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`diff`'s price rows for the models of both frames (indexed by id, same rows), by the
    rule of :func:`price_events`."""
    rows = []
    fields = _price_columns(o, n)  # a key only one side lists is compared too (absent on the other)
    switch = switch_field(fields)
    for field in fields:
        (av, ad), (bv, bd) = _raw_and_dynamic(o, field), _raw_and_dynamic(n, field)
        old_rate, new_rate = _token_rate(o, field), _token_rate(n, field)
        event, kind, x_all, y_all, pct_all = price_events(
            field,
            av,
            bv,
            ad,
            bd,
            old_rate,
            new_rate,
            says_switch=field == switch,
            old_unreadable=_unreadable(o, field),
            new_unreadable=_unreadable(n, field),
        )
        units = _event_units(field, kind, old_rate, new_rate)
        for mid, k, x, y, pct, unit in zip(
            o.index[event], kind[event], x_all[event], y_all[event], pct_all[event], units[event]
        ):
            rows.append(_changed(mid, field, x, y, pct_change=pct, unit=unit, kind=PRICE_EVENT_KINDS[k]))
    _warn_unknown_units([r["field"] for r in rows])
    return rows


def _field_rows(o: pd.DataFrame, n: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`diff`'s rows for the other :data:`DIFF_FIELDS` (numbers get a percent change; a flag
    that flips has none)."""
    rows = []
    for field in [f for f in DIFF_FIELDS if f in o.columns and f in n.columns]:
        a, b = o[field], n[field]
        numbers = [pd.api.types.is_numeric_dtype(x.dtype) and not pd.api.types.is_bool_dtype(x.dtype) for x in (a, b)]
        if all(numbers):
            av = a.to_numpy(dtype=float, na_value=np.nan)
            bv = b.to_numpy(dtype=float, na_value=np.nan)
            changed = _differs(av, bv)
            for mid, x, y, pct in zip(o.index[changed], a[changed], b[changed], _pct(av, bv)[changed]):
                rows.append(_changed(mid, field, x, y, pct_change=pct, kind="changed"))
            continue
        for mid, x, y in zip(o.index, a.tolist(), b.tolist()):
            if not _same(x, y):
                rows.append(_changed(mid, field, _plain(x), _plain(y), kind="changed"))
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
