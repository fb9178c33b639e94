"""Rows priced at a model's list price on their own date (:func:`orcatalog.analysis.price_at`, the one
join of usage times to snapshots and the one cost rule), with the note of a row that has no price
(:data:`NOT_LISTED`, :data:`NOT_LISTED_ON_DATE`, :data:`NO_SNAPSHOT`: never a guess or a zero), and
the rows with every prompt token a cache read (the range cache reads can explain of a bill).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...schema import price_columns
from ..cost import _costs
from ..price_at import price_at

#: The note of a row whose model no snapshot of the prices lists.
NOT_LISTED = "not in this catalog"
#: The note of a row whose model the prices list, but not at or before the row's date.
NOT_LISTED_ON_DATE = "not in this catalog on the row's date"
#: The note of a row dated before the history's first snapshot: no catalog to ask, whatever the model.
NO_SNAPSHOT = "no snapshot on or before the row's date"


def _set_note(note: pd.Categorical, mask: np.ndarray, text: str) -> pd.Categorical:
    """``note`` with ``text`` on the rows of ``mask`` (codes only: no per-row strings)."""
    if not mask.any():
        return note
    categories = list(note.categories)
    if text not in categories:
        categories.append(text)
    codes = np.array(note.codes, dtype=np.int32, copy=True)
    codes[mask] = categories.index(text)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


def _price(
    counts: dict[str, np.ndarray], models: pd.Categorical, times: Any, history: pd.DataFrame, known: pd.Index
) -> tuple[np.ndarray, pd.Categorical, pd.DataFrame]:
    """Totals (USD), notes (a Categorical, null for none) and price_at's frame for rows of these
    models (ids as a Categorical: :func:`_model_ids`) at these times (a DatetimeArray or Series)."""
    frame = pd.DataFrame({"model": models, "timestamp": pd.DatetimeIndex(times), **counts}, copy=False)
    priced = price_at(frame, history, model="model", time="timestamp")
    total = priced["total_usd"].to_numpy(dtype=float)
    note = pd.Categorical(priced["note"].array)  # codes while the reasons are added: few texts, many rows
    missing = np.asarray(priced["price_source"].array.codes) == 2  # "missing"
    if missing.any():  # why a row has no price: looked at on those rows only
        where = np.flatnonzero(missing)
        codes, uniques = pd.factorize(models[where])  # each distinct model looked up once
        found = known.get_indexer(uniques) >= 0  # a null id (code -1) is not listed, never found[-1]
        listed = found[np.maximum(codes, 0)] & (codes >= 0) if len(found) else np.zeros(len(codes), dtype=bool)
        early = np.asarray(pd.DatetimeIndex(times)[where] < pd.Timestamp(history["fetched_at"].min()))
        reasons = np.where(early, NO_SNAPSHOT, np.where(listed, NOT_LISTED_ON_DATE, NOT_LISTED))
        for text in (NOT_LISTED, NOT_LISTED_ON_DATE, NO_SNAPSHOT):
            mask = np.zeros(len(models), dtype=bool)
            mask[where[reasons == text]] = True
            note = _set_note(note, mask, text)
    return total, note, priced


def _all_cached_usd(
    priced: pd.DataFrame,
    where: np.ndarray,
    counts: dict[str, np.ndarray],
    models: pd.Categorical,
    times: Any,
    history: pd.DataFrame,
) -> np.ndarray:
    """The rows ``where`` (positions) at list price with every prompt token a cache read (USD): the
    one cost rule on the prices price_at matched for the rows (no second join; only their price
    columns are copied, and nothing when ``where`` is every row); rows of models with pricing
    overrides (which depend on the row's time and prompt) are priced through price_at again."""
    rates = priced[price_columns(priced)]
    if len(where) < len(priced):
        rates = rates.iloc[where]
        counts = {k: v[where] for k, v in counts.items()}
        models, times = models[where], pd.DatetimeIndex(times)[where]
    cached = {**counts, "cached_tokens": counts["prompt_tokens"]}
    total = np.array(_costs(rates, cached, None)["columns"]["total_usd"], dtype=float)
    if "pricing_overrides" in history.columns:
        column = history["pricing_overrides"]
        present = (
            np.asarray(column.array.codes) >= 0
            if isinstance(column.dtype, pd.CategoricalDtype)
            else column.notna().to_numpy()
        )
        overridden = pd.unique(history["id"].to_numpy(dtype=object)[present]) if present.any() else []
        special = pd.Index(overridden).astype(str).get_indexer(models) >= 0 if len(overridden) else None
        if special is not None and special.any():
            frame = pd.DataFrame(
                {
                    "model": models[special],
                    "timestamp": pd.DatetimeIndex(times)[special],
                    **{k: v[special] for k, v in cached.items()},
                }
            )
            again = price_at(frame, history, model="model", time="timestamp")
            total[special] = again["total_usd"].to_numpy(dtype=float)
    return total
