"""Every usage row priced on the alternatives that could have served it: which models (the given ids,
every paid model of the latest catalog, or each endpoint of the row's own model, ``model@tag``),
which of them can serve a row (the serving rule of :func:`orcatalog.analysis.catalog.serves` on the
row's own model's outputs, then one average request must fit,
:func:`orcatalog.analysis.catalog.fits_request`), and their totals, one long frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InvalidParameterError
from ...schema.endpoints import endpoint_label
from ...suggest import did_you_mean
from ..catalog import fits_request, paid, serves
from ..cost.endpoints import as_models
from .inputs import _EPOCH
from .own_price import NO_SNAPSHOT, NOT_LISTED, NOT_LISTED_ON_DATE, _price, _set_note


def _wanted_outputs(models: pd.Categorical, latest: pd.DataFrame) -> dict[str, Any]:
    """Each own model's output modalities (None when the catalog does not list it)."""
    out: dict[str, Any] = {}
    for model in pd.unique(models):
        if model in latest.index and "output_modalities" in latest.columns:
            value = latest.at[model, "output_modalities"]
            out[model] = list(value) if value is not None and not (np.isscalar(value) and pd.isna(value)) else None
        else:
            out[model] = None
    return out


def _alternative_ids(alternatives: Any, latest: pd.DataFrame) -> list[str]:
    if alternatives is None:
        return (
            latest.loc[paid(latest), "id"].astype(str).tolist()
            if "is_free" in latest.columns
            else latest["id"].astype(str).tolist()
        )
    if isinstance(alternatives, str):
        alternatives = [a.strip() for a in alternatives.split(",") if a.strip()]
    if not isinstance(alternatives, Iterable):
        raise InvalidParameterError(
            "alternatives must be model ids (a list or a comma-separated string), an endpoints frame, or None"
        )
    ids = list(dict.fromkeys(str(a) for a in alternatives))
    unknown = [a for a in ids if a not in latest.index]
    if unknown:
        raise InvalidParameterError(
            f"alternatives={unknown[0]!r} is not in the latest catalog of prices{did_you_mean(unknown[0], latest.index)}: "
            "give model ids that it lists"
        )
    return ids


def _endpoint_history(endpoints: pd.DataFrame) -> pd.DataFrame:
    """An endpoints frame as a one-snapshot price history keyed ``model@tag``: the one view of an
    endpoint as a model (:func:`orcatalog.analysis.cost.endpoints.as_models`; the cost rule then
    reads its prices, overrides and discount as for a model), with its ``model_id``."""
    view = as_models(endpoints)
    labels = [endpoint_label(t, p) for t, p in zip(endpoints["tag"], endpoints["provider_name"])]
    view["id"] = [f"{m}@{label}" for m, label in zip(endpoints["model_id"].astype(str), labels)]
    view["model_id"] = endpoints["model_id"].astype(str).to_numpy()
    return view.assign(fetched_at=_EPOCH, snapshot_id="endpoints")


def _alternatives(
    usage: pd.DataFrame,
    alternatives: Any,
    counts: dict[str, np.ndarray],
    models: pd.Categorical,
    times: pd.Series,
    history: pd.DataFrame,
    latest: pd.DataFrame,
) -> pd.DataFrame:
    n = len(usage)
    endpoints = isinstance(alternatives, pd.DataFrame)
    if endpoints:
        for column in ("model_id", "tag", "price_prompt", "price_completion"):
            if column not in alternatives.columns:
                raise InvalidParameterError(
                    f"alternatives= frame lacks {column!r}: give an endpoints frame (fetch_endpoints) or model ids"
                )
        table = _endpoint_history(alternatives)
        table_latest = table.set_index("id", drop=False)
        pairs_row, pairs_alt = [], []
        model_codes, model_ids = pd.factorize(models)
        for i, model in enumerate(model_ids):
            rows_of = np.flatnonzero(model_codes == i)
            for alt_id in table.loc[table["model_id"] == model, "id"]:
                pairs_row.append(rows_of)
                pairs_alt.append(np.full(len(rows_of), alt_id, dtype=object))
        row = np.concatenate(pairs_row) if pairs_row else np.zeros(0, dtype=np.int64)
        alt = np.concatenate(pairs_alt) if pairs_alt else np.zeros(0, dtype=object)
        price_table, lookup = table.drop(columns=["model_id"]), table_latest
    else:
        ids = _alternative_ids(alternatives, latest)
        row = np.tile(np.arange(n), len(ids))
        alt = np.repeat(np.array(ids, dtype=object), n)
        price_table, lookup = history, latest
    if not len(row):
        return pd.DataFrame(
            {
                "row": np.zeros(0, dtype=np.int64),
                "alternative": np.zeros(0, dtype=object),
                "total_usd": np.zeros(0),
                "served": np.zeros(0, dtype=bool),
                "missing": np.zeros(0, dtype=bool),
                "note": pd.Categorical([], categories=pd.Index([], dtype=object)),
            }
        )
    # which alternative can serve which row: the serving rule on the own model's outputs, then the window
    wanted = _wanted_outputs(models, latest)
    own_codes, own_models = pd.factorize(models)
    alt_codes, alt_ids = pd.factorize(alt)
    alt_rows = lookup.loc[alt_ids]
    # own model x alternative; the last row stands for a null own id (code -1): its output is unknown
    can = np.zeros((len(own_models) + 1, len(alt_ids)), dtype=bool)
    known_output = np.zeros(len(own_models) + 1, dtype=bool)
    for i, model in enumerate(own_models):
        outputs = wanted[model]
        if outputs is not None:
            known_output[i] = True
            can[i] = serves(alt_rows, outputs) if outputs else True
    own = np.where(own_codes < 0, len(own_models), own_codes)[row]
    serving = can[own, alt_codes]
    unknown_output = ~known_output[own]

    def limit(column: str) -> np.ndarray:
        values = alt_rows[column] if column in alt_rows.columns else pd.Series(np.nan, index=alt_rows.index)
        return values.to_numpy(dtype=float, na_value=np.nan)[alt_codes]  # type: ignore[no-any-return]

    requests = counts.get("requests", np.full(n, np.nan))[row]  # no requests: the average request is unknown
    per = np.where(np.isnan(requests) | (requests > 0), requests, 1.0)
    completion = counts.get("completion_tokens", np.zeros(n))[row]
    window_ok, output_ok = fits_request(
        limit("context_length"), limit("max_completion_tokens"), counts["prompt_tokens"][row] / per, completion / per
    )
    fits = window_ok & output_ok
    sub_counts = {k: v[row] for k, v in counts.items()}
    alt_models = pd.Categorical.from_codes(alt_codes, categories=pd.Index(alt_ids, dtype=object))
    total, note, _ = _price(sub_counts, alt_models, times.array.take(row), price_table, lookup.index)
    missing = np.asarray(note.isin([NOT_LISTED, NOT_LISTED_ON_DATE, NO_SNAPSHOT]))
    note = _set_note(note, unknown_output, "the row's own model is not in this catalog: its output is unknown")
    note = _set_note(note, ~unknown_output & ~serving, "does not produce the row's output modalities")
    note = _set_note(
        note,
        ~unknown_output & serving & ~window_ok,
        "context window smaller than the row's average request (prompt + completion)",
    )
    note = _set_note(
        note,
        ~unknown_output & serving & window_ok & ~output_ok,
        "max_completion_tokens below the row's average completion",
    )
    served = serving & fits & ~np.isnan(total)
    total = np.where(serving & fits, total, np.nan)
    return pd.DataFrame(
        {
            "row": row.astype(np.int64),
            "alternative": alt,
            "total_usd": total,
            "served": served,
            "missing": missing,
            "note": note,
        }
    )
