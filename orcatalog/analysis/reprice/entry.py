""":func:`reprice`, the steps put together: the arguments read (:mod:`.inputs`), each row at its own
model's list price (:mod:`.own_price`) against what was billed (:func:`orcatalog.schema.usage.billed_usd`,
and why they may disagree: :func:`orcatalog.analysis.bills.bill_reasons`), the alternatives
(:mod:`.alternatives`) and, with an endpoints frame, the row's own endpoint; a :class:`Repricing`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import InvalidParameterError
from ...schema.usage import billed_usd
from ..bills import ROUNDING_USD, bill_reasons
from ..cost import TOKEN_ARGUMENTS
from .alternatives import _alternatives
from .inputs import _at_notes, _history, _latest, _model_ids, _times
from .own_price import NOT_LISTED, _all_cached_usd, _price
from .result import Repricing


def reprice(usage: pd.DataFrame, prices: pd.DataFrame, *, alternatives: Any = None, at: Any = "row") -> Repricing:
    """Price usage rows again: at their own model's list price, against the bill, and on alternatives.

    A fixed ``at`` before the history's first snapshot is answered by the first snapshot, and
    ``notes`` says so (the one time rule, :mod:`orcatalog.times`); rows dated before it
    (``at="row"``) get the note :data:`NO_SNAPSHOT`.

    Args:
        usage: one row per usage line (:func:`orcatalog.fetch_activity`, :func:`orcatalog.read_usage`):
            ``model``, ``prompt_tokens``, ``completion_tokens``; optional ``date`` / ``timestamp``
            (UTC), ``requests``, ``reasoning_tokens``, ``cached_tokens`` and the other token
            columns :func:`orcatalog.estimate_cost` names, ``usage_usd``,
            ``byok_usage_inference_usd``, ``byok_requests``.
        prices: a history (``SnapshotStore.history()``: each row priced at its model's latest
            snapshot at or before the row's time) or one catalog (``fetch_models()``,
            ``SnapshotStore.load()``: every row priced at it).
        alternatives: model ids (a list or comma-separated string) to price every row on; None
            (default) for every paid model of the prices' latest catalog; or an endpoints frame
            (:func:`orcatalog.fetch_endpoints`): each row is priced on every endpoint of its own
            model (``model@tag``), at the endpoint's current prices and discount.
        at: ``"row"`` (each row at its own time) or a time (ISO text, date, Timestamp): every row
            priced at the catalog in effect then.

    Returns:
        A :class:`Repricing`: ``.rows`` (own model at list vs bill), ``.alternatives`` (long)
        and ``.summary()`` (per alternative). USD throughout.

    Raises:
        InvalidParameterError: not frames, a missing column, an unknown alternative (with a
            suggestion), a bad ``at``, unreadable times, negative counts (before any work).
    """
    if not isinstance(usage, pd.DataFrame):
        raise InvalidParameterError(f"usage must be a pandas DataFrame, got {type(usage).__name__}")
    missing = [c for c in ("model", "prompt_tokens", "completion_tokens") if c not in usage.columns]
    if missing:
        raise InvalidParameterError(f"usage lacks the column(s) {missing}: read it with read_usage or fetch_activity")
    history, is_history = _history(prices)
    times = _times(usage, at, is_history)
    notes: tuple[str, ...] = ()
    if is_history and not (isinstance(at, str) and at == "row"):
        used, notes = _at_notes(at, history)
        times = pd.Series(pd.DatetimeIndex([used] * len(usage)), index=usage.index)
    if "requests" not in usage.columns:
        notes += (
            "the usage has no requests column: the rows' average request is unknown, so alternatives' "
            "context windows and output limits were not checked",
        )
    counts = {
        c: pd.to_numeric(usage[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        for c in TOKEN_ARGUMENTS
        if c in usage.columns
    }
    latest = _latest(history)
    models = _model_ids(usage["model"])
    total, note, priced = _price(counts, models, times, history, latest.index)

    usage_usd = (
        pd.to_numeric(usage["usage_usd"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if "usage_usd" in usage.columns
        else np.full(len(usage), np.nan)
    )
    byok_usd = usage["byok_usage_inference_usd"] if "byok_usage_inference_usd" in usage.columns else None
    byok_requests = (
        usage["byok_requests"].to_numpy(dtype=float, na_value=np.nan) if "byok_requests" in usage.columns else None
    )
    all_cached = None
    if "prompt_tokens" in counts and "cached_tokens" not in counts:
        # the usage does not count cache reads (the activity body does not): the range they can explain
        # only a bill below the list price can be explained by cache reads: price those rows alone
        below = np.flatnonzero(usage_usd < total - ROUNDING_USD)
        all_cached = np.full(len(total), np.nan)
        if len(below):
            all_cached[below] = _all_cached_usd(priced, below, counts, models, times, history)
    agrees, reason = bill_reasons(usage_usd, total, byok_requests, note, all_cached)
    rows = usage.copy()
    rows["list_usd"] = total
    rows["billed_usd"] = billed_usd(
        usage_usd, None if byok_usd is None else byok_usd.to_numpy(dtype=float, na_value=np.nan)
    )
    rows["difference_usd"] = usage_usd - total
    rows["agrees"] = agrees
    rows["reason"] = reason
    rows["price_source"] = (
        priced["price_source"].array
        if is_history
        else pd.Categorical(np.where(np.isnan(total) & np.asarray(note == NOT_LISTED), "missing", "catalog"))
    )
    rows["snapshot_id"] = priced["snapshot_id"].array if "snapshot_id" in priced.columns else None
    rows["note"] = pd.array(np.asarray(note, dtype=object), dtype="str")  # text, as every cost frame's note

    alt = _alternatives(usage, alternatives, counts, models, times, history, latest)
    if isinstance(alternatives, pd.DataFrame) and "provider_name" in usage.columns:
        # the activity's provider_name is the endpoint's tag ("minimax/fp8"): the row's own endpoint
        own_ids = (usage["model"].astype(str) + "@" + usage["provider_name"].astype(str)).to_numpy(dtype=object)
        pair_rows = alt["row"].to_numpy()
        own = alt["alternative"].to_numpy(dtype=object) == own_ids[pair_rows]
        alt["own_endpoint"] = own
        endpoint_usd = np.full(len(rows), np.nan)
        endpoint_usd[pair_rows[own]] = alt["total_usd"].to_numpy()[own]
        rows["endpoint_usd"] = endpoint_usd
    return Repricing(rows=rows, alternatives=alt, at=at, notes=notes)
