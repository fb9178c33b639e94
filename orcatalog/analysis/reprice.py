"""Your usage, priced again: :func:`reprice` (each usage row at its own model's list price on its own
date, against what was billed, and on every alternative that could have served it) and
:meth:`Repricing.summary` (per alternative: the period's total, the saving against the bill, the
share of rows it could serve, how often it was missing from the catalog).

Pure functions on frames: no HTTP, no files. Every row is priced by :func:`orcatalog.analysis.price_at`
(the one join of usage times to snapshots and the one cost rule, with cached and reasoning tokens as
:func:`orcatalog.estimate_cost` prices them). Which alternative can serve a row is the serving rule
of :func:`orcatalog.analysis.catalog.serves` (the same output modalities as the row's own model)
plus :func:`fits_context` (the window holds the row's average prompt). What a row cost its owner
is :func:`orcatalog.schema.usage.billed_usd`. Where the list price and the bill disagree, and why it
may be, is :mod:`.bills` (:func:`bill_reasons` and :func:`cache_reads_explain`, re-exported here).

A model the catalog does not list on a row's date is "not in this catalog" (a note and no number),
never a guess or a zero. Daily activity rows carry no time of day, so time-of-day prices
(``pricing_overrides`` with ``utc_start``/``utc_end``) are evaluated at the row's time, 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema.endpoints import endpoint_label
from ..schema.usage import billed_usd
from ..schema import price_columns
from ..suggest import did_you_mean
from ..times import answer_notes, parse_time
from . import price_at
from .catalog import paid, serves
from .bills import CACHE_READS, ROUNDING_USD, bill_reasons, cache_reads_explain
from .cost import TOKEN_ARGUMENTS, _costs
from .cost.endpoints import as_models

__all__ = [
    "reprice",
    "Repricing",
    "fits_context",
    "bill_reasons",
    "ROUNDING_USD",
    "NOT_LISTED",
    "NOT_LISTED_ON_DATE",
    "NO_SNAPSHOT",
    "CACHE_READS",
    "cache_reads_explain",
]

#: The note of a row whose model no snapshot of the prices lists.
NOT_LISTED = "not in this catalog"
#: The note of a row whose model the prices list, but not at or before the row's date.
NOT_LISTED_ON_DATE = "not in this catalog on the row's date"
#: The note of a row dated before the history's first snapshot: no catalog to ask, whatever the model.
NO_SNAPSHOT = "no snapshot on or before the row's date"
_EPOCH = pd.Timestamp(0, tz="UTC")  # 1970-01-01: a number, not time text (tests/test_times.py guards)
_TIME_COLUMNS = ("date", "timestamp")


@dataclass(frozen=True)
class Repricing:
    """What :func:`reprice` found.

    Attributes:
        rows: one row per usage row (same index): the usage columns, then ``list_usd`` (its own
            model at list price, USD), ``billed_usd`` (:func:`~orcatalog.schema.usage.billed_usd`),
            ``difference_usd`` (``usage_usd - list_usd``), ``agrees`` (within
            :data:`ROUNDING_USD`, or, for usage that does not count cache reads, between the
            list price with every prompt token cached and with none: ``reason`` is then
            :data:`CACHE_READS`), ``reason`` (why they may disagree, :func:`bill_reasons`),
            ``price_source`` / ``snapshot_id`` of the price used and ``note`` (why no price).
        alternatives: one row per usage row and alternative that could be considered:
            ``row`` (position in ``rows``), ``alternative`` (model id, or ``model@tag`` for an
            endpoint), ``total_usd`` (USD, null when not priced), ``served`` (it could serve the
            row and had a price), ``missing`` (not in the catalog on the row's date), ``note``; with
            an endpoints frame also ``own_endpoint`` (the endpoint that served the row: its tag is
            the row's ``provider_name``), and ``rows`` gets ``endpoint_usd`` (the row at that
            endpoint's price, USD, NaN when the frame does not list it).
        at: ``"row"`` or the time every row was priced at.
        notes: what the answer says about the snapshot that answered a fixed ``at``
            (:func:`orcatalog.times.answer_notes`: ``at`` in the future, the snapshot older than
            ``at`` and by how much; none for ``at="row"``), and that context windows were not
            checked when the usage has no ``requests`` column.
    """

    rows: pd.DataFrame
    alternatives: pd.DataFrame
    at: Any = "row"
    notes: tuple[str, ...] = ()

    @property
    def billed_total_usd(self) -> float:
        """The period's bill (USD): the sum of ``billed_usd`` (NaN when the usage has no ``usage_usd``)."""
        values = self.rows["billed_usd"].to_numpy(dtype=float)
        return float(values.sum()) if len(values) and not np.isnan(values).all() else float("nan")

    @property
    def list_total_usd(self) -> float:
        """The period at list prices (USD), over the rows whose model had a price."""
        return float(np.nansum(self.rows["list_usd"].to_numpy(dtype=float)))

    def summary(self) -> pd.DataFrame:
        """Per alternative: ``total_usd`` (the period's total on the rows it could serve, USD),
        ``billed_usd`` (what those rows were billed, USD), ``saving_usd`` (``billed_usd -
        total_usd``: positive means it would have been cheaper), ``served_share`` (share of all
        rows it could serve and price, 0..1), ``missing_share`` (share of all rows on whose date
        it was not in the catalog, 0..1), ``rows_served``.

        Sorted by ``served_share`` (most rows first), then ``total_usd`` (cheapest first), so the
        first rows are the cheapest alternatives for the whole workload. ``attrs`` holds
        ``billed_total_usd`` and ``list_total_usd`` of the period.
        """
        alt = self.alternatives
        n = len(self.rows)
        billed = self.rows["billed_usd"].to_numpy(dtype=float)
        if alt.empty:
            out = pd.DataFrame(
                {
                    c: pd.Series(dtype=float)
                    for c in ("total_usd", "billed_usd", "saving_usd", "served_share", "missing_share")
                }
            )
            out.insert(0, "alternative", pd.Series(dtype=object))
            out["rows_served"] = pd.Series(dtype=np.int64)
        else:
            served = alt["served"].to_numpy(dtype=bool)
            rows = alt["row"].to_numpy()
            frame = pd.DataFrame(
                {
                    "alternative": alt["alternative"].to_numpy(dtype=object),
                    "total_usd": np.where(served, alt["total_usd"].to_numpy(dtype=float), 0.0),
                    "billed_usd": np.where(served, np.nan_to_num(billed[rows]), 0.0),
                    "unbilled": (served & np.isnan(billed[rows])).astype(np.int64),
                    "served": served.astype(np.int64),
                    "missing": alt["missing"].to_numpy(dtype=bool).astype(np.int64),
                }
            )
            grouped = frame.groupby("alternative", sort=False).sum()
            out = pd.DataFrame(
                {
                    "alternative": grouped.index.to_numpy(dtype=object),
                    "total_usd": grouped["total_usd"].to_numpy(),
                    # a served row whose bill is unknown makes the bill of its rows unknown, never 0
                    "billed_usd": np.where(
                        grouped["unbilled"].to_numpy() > 0, np.nan, grouped["billed_usd"].to_numpy()
                    ),
                }
            )
            out["saving_usd"] = out["billed_usd"] - out["total_usd"]
            out["served_share"] = grouped["served"].to_numpy() / max(n, 1)
            out["missing_share"] = grouped["missing"].to_numpy() / max(n, 1)
            out["rows_served"] = grouped["served"].to_numpy()
            out = out.sort_values(["served_share", "total_usd"], ascending=[False, True], kind="stable")
            out = out.reset_index(drop=True)
        out.attrs = {"billed_total_usd": self.billed_total_usd, "list_total_usd": self.list_total_usd, "rows": n}
        return out


def fits_context(context_length: Any, prompt_tokens: Any, requests: Any = 1) -> np.ndarray:
    """Whether a context window (tokens) holds a row's average prompt (``prompt_tokens / requests``,
    tokens). An unknown (null) window, or an unknown (null) number of requests (usage without a
    ``requests`` column: the average prompt is not known), excludes nothing, like an unknown
    output in the serving rule.

    Args:
        context_length, prompt_tokens, requests: per-row arrays (or scalars) of the same length.

    Returns:
        A numpy bool array.
    """
    window = np.asarray(pd.array(np.atleast_1d(context_length), dtype="Float64").to_numpy(dtype=float, na_value=np.nan))
    prompt = np.asarray(prompt_tokens, dtype=float)
    per = np.asarray(requests, dtype=float)
    average = prompt / np.where(np.isnan(per) | (per > 0), per, 1.0)  # NaN requests: NaN average
    return np.isnan(window) | np.isnan(average) | (window >= average)  # type: ignore[no-any-return]


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


def _history(prices: Any) -> tuple[pd.DataFrame, bool]:
    """``prices`` as a history frame (``(frame, is_history)``): a catalog gets one snapshot at the epoch
    so that every row is priced at it."""
    if not isinstance(prices, pd.DataFrame):
        raise InvalidParameterError(f"prices must be a catalog or history DataFrame, got {type(prices).__name__}")
    missing = [c for c in ("id", "price_prompt", "price_completion") if c not in prices.columns]
    if missing:
        raise InvalidParameterError(
            f"prices lacks {missing}: pass fetch_models(), SnapshotStore.load() or SnapshotStore.history()"
        )
    if "fetched_at" in prices.columns:
        return prices, True
    catalog = prices.assign(fetched_at=_EPOCH, snapshot_id="catalog")
    return catalog, False


def _times(usage: pd.DataFrame, at: Any, is_history: bool) -> pd.Series:
    if isinstance(at, str) and at == "row":
        column = next((c for c in _TIME_COLUMNS if c in usage.columns), None)
        if column is None:
            if is_history:
                raise InvalidParameterError(
                    "usage has no 'date' or 'timestamp' column: pass at=<a time> to price "
                    "every row at the catalog of that time"
                )
            return pd.Series(pd.DatetimeIndex([_EPOCH] * len(usage)), index=usage.index)
        from ..times import parse_time_column

        return parse_time_column(usage[column], column)
    when = parse_time(at, "at")
    return pd.Series(pd.DatetimeIndex([when] * len(usage)), index=usage.index)


def _latest(history: pd.DataFrame) -> pd.DataFrame:
    """Each model's latest row in the history (its output modalities and context window)."""
    stamps = pd.DatetimeIndex(history["fetched_at"]).asi8
    order = np.argsort(stamps, kind="stable")
    codes, uniques = pd.factorize(history["id"].astype(str).take(order), sort=False)  # ids in time order
    at = np.zeros(len(uniques), dtype=np.int64)
    np.maximum.at(at, codes, np.arange(len(order)))  # each id's last place in time order
    last = order[at]  # each id's latest row
    keep = [
        c for c in ("id", "output_modalities", "context_length", "is_free", "dynamic_pricing") if c in history.columns
    ]
    latest = pd.DataFrame({c: history[c].array.take(last) for c in keep})
    latest["id"] = np.asarray(uniques, dtype=object)
    return latest.set_index("id", drop=False)


def _model_ids(column: pd.Series) -> pd.Categorical:
    """A column of model ids as text, factorized once: every later step works on its codes and its
    few distinct ids, never on a row-by-row string array (nulls stay null)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.array.categories
        if str(categories.dtype) == "str" or all(isinstance(c, str) for c in categories):
            return column.array
    return pd.Categorical(column.astype(str))


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
            "the usage has no requests column: the rows' average prompt is unknown, so alternatives' "
            "context windows were not checked",
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


def _at_notes(at: Any, history: pd.DataFrame) -> tuple[pd.Timestamp, tuple[str, ...]]:
    """The one time rule on a fixed ``at`` (:mod:`orcatalog.times`, as ``SnapshotStore.load(as_of=)``
    and ``show`` / ``cost --as-of`` follow it): the time to price at and the notes on the snapshot
    that answers. Before the history's first snapshot the first answers and the note says so;
    otherwise ``at`` itself, with a note when it is in the future or how old the answering snapshot is."""
    when = parse_time(at, "at")
    stamps = pd.DatetimeIndex(history["fetched_at"])
    if not len(stamps):
        raise InvalidParameterError("prices is an empty history: no snapshot to price at")
    first = stamps.min()
    if when < first:
        return first, tuple(answer_notes(when, first, first=first, name="at"))
    return when, tuple(answer_notes(when, stamps[stamps <= when].max(), name="at"))


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
    window = (
        alt_rows["context_length"].to_numpy(dtype=float, na_value=np.nan)
        if "context_length" in alt_rows.columns
        else np.full(len(alt_ids), np.nan)
    )[alt_codes]
    requests = counts.get("requests", np.full(n, np.nan))[row]  # no requests: the average prompt is unknown
    fits = fits_context(window, counts["prompt_tokens"][row], requests)
    sub_counts = {k: v[row] for k, v in counts.items()}
    alt_models = pd.Categorical.from_codes(alt_codes, categories=pd.Index(alt_ids, dtype=object))
    total, note, _ = _price(sub_counts, alt_models, times.array.take(row), price_table, lookup.index)
    missing = np.asarray(note.isin([NOT_LISTED, NOT_LISTED_ON_DATE, NO_SNAPSHOT]))
    note = _set_note(note, unknown_output, "the row's own model is not in this catalog: its output is unknown")
    note = _set_note(note, ~unknown_output & ~serving, "does not produce the row's output modalities")
    note = _set_note(note, ~unknown_output & serving & ~fits, "context window smaller than the row's average prompt")
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
