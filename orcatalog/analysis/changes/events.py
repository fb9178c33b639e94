"""Price events: the one rule of what a difference in a ``price_<key>`` column is (:func:`price_events`),
its unit helpers, and :func:`price_changes` (each model against its previous observation).

**What counts as a price change** — one rule, :func:`price_events`, used by :func:`diff` and
:func:`price_changes` (and so by the ``diff`` and ``changes`` commands): ``"0"`` and an absent optional
key are the same (:func:`orcatalog.schema.settled_prices`); a non-zero price whose key vanishes is
``no longer listed`` (``new`` is null, no ``pct_change``), never a cut to 0 (a body that writes
``"0"`` after a price does say 0: that is a ``changed`` cut, -100%), and one that appears is
``newly listed`` whether the key was absent or ``"0"`` before (``input_cache_read`` ``0.0 ->
0.025``: a percent from 0 has no meaning, and absent -> 0.025 reads the same); the
price columns compared are every ``price_*`` column of either side (:func:`_price_columns`), so a
key only the newer body lists is ``newly listed`` in :func:`diff` as in :func:`price_changes`; a switch between a fixed price and dynamic pricing (``"-1"``) is said once per
model (a switch is the model's, not a key's): ``to dynamic`` / ``from dynamic`` on its first compared
base key (``price_prompt``, else ``price_completion``, else the first key compared: :func:`switch_field`), with that key's fixed
price as ``old`` or ``new``; the other keys report nothing for it, neither the other base key nor an
optional key the fixed side priced (a dynamic body lists no optional key, and one no body lists is
never an event). When a model leaves dynamic pricing, an optional key that
now has a price is ``listed on leaving dynamic``, not ``from dynamic``: dynamic bodies list
``"-1"`` for prompt and completion only (every recorded one since 2025), so the key was most
likely not listed at all, and the frame cannot tell (``"-1"`` and absent are both null on a
dynamic row); the label says only what is known. An ``image`` price that switches between a fee per input
image and a per-token rate of image tokens (:func:`orcatalog.schema.image_is_token_rate`: from late
January 2026 the API lists the latter) is ``unit changed``, with no percent: its number did not move
as a price. A price the body wrote but could not be read (``"n/a"``: null, kept in ``extra``) on
one side is ``unreadable``, never a blank that reads as removed. Two numbers within float noise of each other
(:data:`SAME_PRICE_RTOL`, relative) are one price. Every other difference is ``changed``, with its
percent.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..args import field_arg, frame_arg, price_fields
from ...errors import OrcatalogWarning
from ...schema import BASE_PRICE_KEYS, image_is_token_rate, is_price_column, price_display_units, unknown_unit_note

#: The columns that say one price event, in :func:`price_changes`' frame and a watch row
#: (:data:`orcatalog.watcher.WATCH_COLUMNS`), after the model and time they belong to.
EVENT_COLUMNS = ("field", "old", "new", "pct_change", "unit", "kind")

#: The ``kind`` of a price event (see the module docstring).
PRICE_EVENT_KINDS = (
    "changed",
    "no longer listed",
    "newly listed",
    "to dynamic",
    "from dynamic",
    "unit changed",
    "listed on leaving dynamic",
    "unreadable",
)


def _pct(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Percent change, NaN from or to 0/null."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (new - old) / old * 100.0
    return np.where(np.isfinite(pct), pct, np.nan)


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise "a is not b", a null equal to a null."""
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))


#: Two prices closer than this, relative to the larger, are one price: the float noise in the API's
#: decimal text (``"0.00000001"`` then ``"0.0000000100000002"``, z-ai/glm-4.7-flash's cache read in
#: a 2026 body: 2e-8 apart, a single-precision float's rounding), not a change anyone made (the
#: smallest recorded real change moves a price by far more than a millionth).
SAME_PRICE_RTOL = 1e-6


def _price_differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise "price a is not price b": :func:`_differs` beyond float noise
    (:data:`SAME_PRICE_RTOL`); a 0 differs from any price that is not 0."""
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= SAME_PRICE_RTOL * np.maximum(np.abs(a), np.abs(b))
    return _differs(a, b) & ~close


def _in_display_unit(field: str, values: np.ndarray, token_rate: np.ndarray | None = None) -> np.ndarray:
    """Price values in the unit reports show, row by row (:func:`orcatalog.schema.price_display_units`),
    without the float noise of the scaling (``0.23900000000000002`` -> ``0.239``)."""
    _units, factors = price_display_units(field, token_rate)
    return np.round(values * factors, 12)


def _event_units(
    field: str, kind: np.ndarray, old_token_rate: np.ndarray | None, new_token_rate: np.ndarray | None
) -> np.ndarray:
    """The ``unit`` of each price event: the unit its ``new`` is shown in (``old``'s when the key is no
    longer listed); a ``unit changed`` event says both, ``USD/image -> USD/Mtok``."""
    old_units, _ = price_display_units(field, old_token_rate)
    new_units, _ = price_display_units(field, new_token_rate)
    old_units, new_units = np.broadcast_to(old_units, kind.shape), np.broadcast_to(new_units, kind.shape)
    units = np.where(kind == 1, old_units, new_units).astype(object)
    switched = kind == 5
    units[switched] = [f"{a} -> {b}" for a, b in zip(old_units[switched], new_units[switched])]
    return units


def _warn_unknown_units(fields: list[str]) -> None:
    """Say once per answer that some of the price fields it reports have no declared unit (shown
    as the API wrote them)."""
    note = unknown_unit_note(fields)
    if note is not None:
        warnings.warn(f"orcatalog: {note}", OrcatalogWarning, stacklevel=3)


def _raw_and_dynamic(frame: pd.DataFrame, field: str) -> tuple[np.ndarray, np.ndarray]:
    """A price column's values (a column the frame lacks: its key is listed on no row, all null)
    and the rows' dynamic flag."""
    if field in frame.columns:
        values = frame[field].to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.full(len(frame), np.nan)
    if "dynamic_pricing" in frame.columns:
        dynamic = frame["dynamic_pricing"].to_numpy(dtype=bool, na_value=False)
    else:
        dynamic = np.zeros(len(frame), dtype=bool)
    return values, dynamic


def _unreadable(frame: pd.DataFrame, field: str) -> np.ndarray | None:
    """Rows whose body wrote a ``pricing.<key>`` value that could not be read as a price (the frame
    keeps it in ``extra``, the price is null); None when no row has one."""
    if "extra" not in frame.columns or field not in frame.columns:
        return None
    null = frame[field].isna().to_numpy()
    if not null.any():
        return None
    extra = frame["extra"].to_numpy(dtype=object)
    needle = f'"pricing.{field[len("price_") :]}"'
    out = np.zeros(len(frame), dtype=bool)
    for i in np.flatnonzero(null):
        value = extra[i]
        out[i] = isinstance(value, str) and needle in value
    return out if out.any() else None


def switch_field(fields: list[str]) -> str | None:
    """The price column that carries a model's switch to or from dynamic pricing among the columns
    compared: ``price_prompt``, else ``price_completion``, else the first column compared (asked
    about ``price_audio_output`` alone, a switch is still said, on it); None when none is."""
    base = next((f"price_{k}" for k in BASE_PRICE_KEYS if f"price_{k}" in fields), None)
    return base or (fields[0] if fields else None)


def price_events(
    field: str,
    old: np.ndarray,
    new: np.ndarray,
    old_dynamic: np.ndarray,
    new_dynamic: np.ndarray,
    old_token_rate: np.ndarray | None = None,
    new_token_rate: np.ndarray | None = None,
    *,
    says_switch: bool | None = None,
    old_unreadable: np.ndarray | None = None,
    new_unreadable: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The one rule of what a difference in a ``price_<key>`` column is (see the module docstring).

    Args:
        field: the price column (``price_prompt``, ``price_image``, ...).
        old, new: its values on both sides as the frames hold them (USD in the API's unit; null
            where the key is absent, or dynamic ``"-1"``).
        old_dynamic, new_dynamic: the rows' ``dynamic_pricing`` on both sides.
        old_token_rate, new_token_rate: for ``price_image``, whether each side's value is a
            per-token rate rather than a per-image fee (:func:`_token_rate`); None elsewhere.
        says_switch: whether ``field`` carries a switch to or from dynamic pricing (once per
            model: :func:`switch_field` of the columns compared); default: ``field`` is
            ``price_prompt``.
        old_unreadable, new_unreadable: rows whose body wrote a value for this key that could not be
            read as a price (``"n/a"``: null, kept in ``extra``, :func:`_unreadable`); default none.
            A readable price on one side and an unreadable one on the other is ``unreadable`` (the
            value is not known, so it is neither a change nor a key no longer listed); unreadable on
            both sides reports nothing.

    Returns:
        ``(is_event, kind, old, new, pct_change)`` per row: kind indexes :data:`PRICE_EVENT_KINDS`;
        old/new in each side's display unit (:func:`orcatalog.schema.price_display_units`: a
        per-token ``image`` rate in USD/Mtok), null where the key is not listed or the price is
        dynamic; pct_change only for ``changed``. Whether a row is an event is decided on the API's
        numbers, before any scaling.
    """
    base = np.full(len(old), field[len("price_") :] in BASE_PRICE_KEYS)  # an array: ``~`` of a bool is an int
    no = np.zeros(len(old), dtype=bool)
    old_bad = no if old_unreadable is None else np.asarray(old_unreadable, dtype=bool)
    new_bad = no if new_unreadable is None else np.asarray(new_unreadable, dtype=bool)
    old_absent = np.isnan(old) & ~old_dynamic & ~old_bad  # unreadable is not absent: it stays null
    new_absent = np.isnan(new) & ~new_dynamic & ~new_bad
    a = np.where(old_absent & ~base, 0.0, old)  # the zero/absent rule
    b = np.where(new_absent & ~base, 0.0, new)
    kind = np.zeros(len(a), dtype=np.int8)
    fixed = ~old_dynamic & ~new_dynamic
    event = fixed & _price_differs(a, b)  # the API's numbers: a fee of 0.1 per image is not a 0.1 USD/Mtok rate
    a = _in_display_unit(field, a, old_token_rate)
    b = _in_display_unit(field, b, new_token_rate)
    gone = event & ~base & new_absent & (a > 0)  # a body that writes "0" says 0: that is a cut
    came = event & ~base & (a == 0) & (b > 0)  # ... nor a price from 0: the key is newly listed
    kind[gone], kind[came] = 1, 2
    switch = np.full(len(a), field == "price_prompt" if says_switch is None else says_switch)
    to_dyn = ~old_dynamic & new_dynamic & switch  # said once per model; the other keys are silent
    from_dyn = old_dynamic & ~new_dynamic & switch
    listed = old_dynamic & ~new_dynamic & ~base & (b > 0)  # not listed before (or "-1"): listed now
    kind[to_dyn], kind[from_dyn], kind[listed] = 3, 4, 6
    kind[event & (old_bad | new_bad)] = 7
    event |= to_dyn | from_dyn | listed
    if old_token_rate is not None and new_token_rate is not None:
        kind[event & (kind == 0) & (a > 0) & (b > 0) & (old_token_rate != new_token_rate)] = 5
    shown_old = np.where(came | from_dyn | listed | old_dynamic, np.nan, a)
    shown_new = np.where(gone | to_dyn | new_dynamic, np.nan, b)
    pct = np.where(kind == 0, _pct(a, b), np.nan)
    return event, kind, shown_old, shown_new, pct


def _token_rate(frame: pd.DataFrame, field: str) -> np.ndarray | None:
    """For ``price_image``: whether each row's value is a per-token rate (the one rule,
    :func:`orcatalog.schema.image_is_token_rate`); None for other fields or without ``price_prompt``."""
    if field != "price_image" or "price_prompt" not in frame.columns or field not in frame.columns:
        return None
    image = frame["price_image"].to_numpy(dtype=float, na_value=np.nan)
    prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(image_is_token_rate(image, prompt), dtype=bool)


def _price_columns(*frames: pd.DataFrame) -> list[str]:
    """The price columns a change report compares, for :func:`diff` and :func:`price_changes` alike:
    every ``price_*`` column of any of the frames, sorted (a key one frame lacks is absent there, so
    a key that appears is ``newly listed`` in both answers)."""
    return sorted({str(c) for f in frames for c in f.columns if is_price_column(str(c))})


def price_changes(history: pd.DataFrame, *, fields: list[str] | None = None) -> pd.DataFrame:
    """One row per price change event, comparing each model with its previous *observation*.

    A model absent from some snapshots is compared across the gap: vanishing and returning at the
    same price is no change. Scopes are never compared with each other.

    Args:
        history: long frame from ``SnapshotStore.history`` (``id``, ``fetched_at``, price columns).
        fields: price columns to follow (default every ``price_*`` column present), each by its
            name or the heading tables print it under (``price_prompt_usd_per_mtok``:
            :func:`~orcatalog.analysis.args.field_arg`).

    Returns:
        Columns ``id``, ``fetched_at`` (when the new price was first seen), ``field``, ``old``,
        ``new`` (in ``unit``: per-token prices in USD per million tokens, ``USD/Mtok``; others per
        request / image / search, ``unknown`` for an undeclared key (one warning), see
        :func:`orcatalog.schema.price_display_units`),
        ``pct_change`` (percent; NaN from or to 0/null and for every kind but ``changed``; read it as
        ``h["pct_change"]``: ``h.pct_change`` is pandas' method of that name, so
        ``h.pct_change <= -99`` raises TypeError),
        ``unit``, ``kind`` (:data:`PRICE_EVENT_KINDS`, the rule of :func:`price_events`: a key
        that vanished is ``no longer listed``, new null) and ``scope`` (when the history has it). An
        optional price key going between ``"0"`` and absent is not a change
        (:func:`orcatalog.schema.settled_prices`).

    Raises:
        InvalidParameterError: missing ``id``/``fetched_at`` columns or unknown fields.
    """
    frame_arg("history", history, "id", "fetched_at")
    if fields:  # a column, or the heading tables print a price under (field_arg)
        named = [field_arg("fields", f, price_fields(history))[0] for f in fields]  # lists what it accepts
        fields = list(dict.fromkeys(named))
    else:
        fields = _price_columns(history)
    keys = ["scope", "id"] if "scope" in history.columns else ["id"]
    h = history.sort_values([*keys, "fetched_at"], kind="stable")
    same_model = np.ones(len(h), dtype=bool)
    for k in keys:
        col = h[k].to_numpy()
        same_model[1:] &= col[1:] == col[:-1]
    if len(h):
        same_model[0] = False
    frames = []
    switch = switch_field(fields)
    for field in fields:
        v, dynamic = _raw_and_dynamic(h, field)
        token = _token_rate(h, field)
        old_token = None if token is None else np.roll(token, 1)
        bad = _unreadable(h, field)
        event, kind, old, new, pct = price_events(
            field,
            np.roll(v, 1),
            v,
            np.roll(dynamic, 1),
            dynamic,
            old_token,
            token,
            says_switch=field == switch,
            old_unreadable=None if bad is None else np.roll(bad, 1),
            new_unreadable=bad,
        )
        unit = _event_units(field, kind, old_token, token)
        idx = np.flatnonzero(same_model & event)
        frames.append(
            pd.DataFrame(
                {
                    "id": h["id"].to_numpy()[idx],
                    "fetched_at": h["fetched_at"].to_numpy()[idx],
                    "field": field,
                    "old": old[idx],
                    "new": new[idx],
                    "pct_change": pct[idx],
                    "unit": unit[idx],
                    "kind": np.asarray(PRICE_EVENT_KINDS, dtype=object)[kind[idx]],
                    **({"scope": h["scope"].to_numpy()[idx]} if "scope" in h.columns else {}),
                }
            )
        )
    columns = [
        "id",
        "fetched_at",
        *EVENT_COLUMNS,
        *(["scope"] if "scope" in h.columns else []),
    ]
    _warn_unknown_units([f for f, part in zip(fields, frames) if len(part)])
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    out["fetched_at"] = pd.to_datetime(out["fetched_at"], utc=True)
    return out.sort_values(["fetched_at", "id", "field"], kind="stable").reset_index(drop=True)
