"""Market views over catalog frames and snapshot history: who moved, how the market moved, who is
efficient, how the catalog grew. Pure DataFrame functions: nothing here fetches or touches files.

Prices are read from the contract columns (``prompt_usd_per_mtok`` etc., USD per million tokens).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, OrcatalogWarning
from ..frames.ids import is_alias_id
from ..schema import (
    bool_array,
    is_free_rule,
    is_price_column,
    not_in_column_unit,
    price_display_unit,
    unknown_unit_note,
)
from ..times import answer_notes, is_date_only, parse_time
from .catalog import output_modalities_arg, paid, serves
from .args import field_arg, frame_arg, is_partial_at, one_scope, price_fields

__all__ = ["movers", "market_trend", "frontier", "catalog_size", "catalog_events", "CONTEXT_BANDS"]

#: Context bands used by ``market_trend(by="context_band")``: (label, lower bound in tokens).
CONTEXT_BANDS: tuple[tuple[str, int], ...] = (
    ("<32k", 0),
    ("32k-128k", 32_000),
    ("128k-1M", 128_000),
    (">=1M", 1_000_000),
)


def _latest_at(history: pd.DataFrame, when: pd.Timestamp, field: str) -> pd.Series:
    """Each model's ``field`` in the snapshot answering ``when``, the latest at or before it (index:
    id): a model that snapshot does not list has no value, never an older snapshot's (trial: 9 of
    the report's 20 movers were models 2026-08-17 no longer listed, at their January price)."""
    stamps = history["fetched_at"]
    before = stamps[stamps <= when]
    if before.empty:
        return pd.Series(dtype=float)
    last = history[stamps == before.max()].drop_duplicates(
        "id", keep="last"
    )  # two snapshots of one time: the later row
    return pd.Series(last[field].to_numpy(dtype=float, na_value=np.nan), index=last["id"].astype(str).to_numpy())


def _is_number(column: pd.Series) -> bool:
    """A column movers can compare: numbers, not flags."""
    return pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)


def movers(
    history: pd.DataFrame, start: Any, end: Any = None, field: str = "prompt_usd_per_mtok", n: int = 10
) -> pd.DataFrame:
    """The biggest relative price changes between two times, both directions.

    Each model's value is the one in the snapshot answering ``start`` and in the one answering
    ``end`` (each the latest at or before its time; a model absent from one of them is left out,
    never given an older snapshot's value, and ``attrs["notes"]`` counts those no longer listed at
    the end; so is an alias, ``~author/...-latest``, whose
    price follows the model it points to, and one whose value at either end is not a
    price in the field's unit, :func:`orcatalog.schema.not_in_column_unit`, or whose start value is
    0 or missing: a relative change from nothing is undefined). Times follow :mod:`orcatalog.times`: a date-only
    start means that day; a start before the first snapshot uses the first snapshot, and
    ``attrs["notes"]`` says so, and how old the snapshot answering each end is (or that a time is in
    the future); a window whose two ends fall on the same snapshot is empty, and a note says why.

    Args:
        history: ``SnapshotStore.history()`` (one scope).
        start, end: the window (ISO 8601 text or datetimes, UTC unless they say otherwise); start < end.
            ``end=None`` (the default) is the history's latest snapshot.
        field: the price column to compare (default prompt price, USD per million tokens; only
            price columns, :func:`~orcatalog.analysis.args.price_fields`), or the heading tables
            print a price column under (``price_input_cache_read_usd_per_mtok``:
            :func:`~orcatalog.analysis.args.field_arg`).
        n: how many movers per direction.

    Returns:
        Up to ``2 n`` rows: ``id``, ``direction`` (``up`` / ``down``), ``start_value``,
        ``end_value`` and ``change`` (end - start) in ``unit``, ``pct_change`` (percent) and
        ``unit``: ``USD/Mtok`` for ``*_usd_per_mtok`` fields and per-token ``price_<key>`` fields
        (shown per million tokens, as change reports do), ``USD/request`` etc. for the per-unit
        prices (:func:`orcatalog.schema.price_display_unit`), ``unknown`` for a price key of
        undeclared unit (as the API wrote it; ``attrs["notes"]`` says so), empty for other
        columns. The biggest rises first, then the biggest cuts. ``attrs``: ``field``, ``start``,
        ``end`` (the times asked, a date-only end as its last moment), ``start_snapshot``,
        ``end_snapshot`` (the fetch times of the snapshots that answered) and ``notes``.

    Raises:
        InvalidParameterError: not a history frame, unknown field, bad times, n < 1.
    """
    history = frame_arg("history", history, "id", "fetched_at")
    prices = [c for c in price_fields(history) if _is_number(history[c])]
    field = field_arg("field", field, prices)[0]  # a price column, or its table heading
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidParameterError(f"n={n!r} is invalid: give an int >= 1")
    t0 = parse_time(start, "start")
    t1 = None if end is None else parse_time(end, "end", end=True)  # a date-only end: through that day
    if t1 is not None and t0 >= t1:
        until = f"{end} (through that day)" if is_date_only(end) else f"{t1:%Y-%m-%d %H:%M}"  # not ns (trial)
        raise InvalidParameterError(f"start={t0:%Y-%m-%d %H:%M} must be before end={until}")
    if history.empty:
        raise InvalidParameterError("the history is empty: import or snapshot the catalog first")
    stamps = pd.to_datetime(history["fetched_at"], utc=True)
    first = stamps.min()
    if t1 is None:  # the latest snapshot: an error about it names only the start given
        t1 = stamps.max()
        if t0 >= t1:
            raise InvalidParameterError(
                f"start={t0:%Y-%m-%d %H:%M} is not before the latest snapshot ({t1:%Y-%m-%d %H:%M} UTC), "
                "where the window ends by default: give an earlier start"
            )
        if first >= t1:  # one snapshot time: no end was given, so the error must not name one
            raise InvalidParameterError(
                f"the history holds one snapshot time ({t1:%Y-%m-%d %H:%M} UTC): a window needs two "
                "(is it the scope you meant?)"
            )
    day_end = end is not None and is_date_only(end)  # a date-only end is said, and aged, as that day
    if first >= t1:
        asked = f"{end} (through that day)" if day_end else f"{t1:%Y-%m-%d %H:%M}"
        raise InvalidParameterError(
            f"the history has no snapshot before end={asked}: its first snapshot is at {first:%Y-%m-%d %H:%M} UTC; "
            "use end= on or after it"
        )
    s0 = first if first > t0 else stamps[stamps <= t0].max()
    s1 = stamps[stamps <= t1].max()
    notes = answer_notes(t0, s0, first=first, name="start")
    t0 = max(t0, first)
    notes += answer_notes(t1.normalize() if day_end else t1, s1, name="end")
    if s0 == s1:
        notes.append(f"start and end both fall on the snapshot of {s1:%Y-%m-%d %H:%M} UTC: the window holds no change")
    a, b = _latest_at(history, t0, field), _latest_at(history, t1, field)
    gone = len(a.index.difference(b.index))
    if gone and is_partial_at(history, s1):  # a model missing from it may still be listed
        notes.append(
            f"{gone} model(s) listed at the start but missing from the end snapshot ({s1:%Y-%m-%d %H:%M} UTC), "
            "which is flagged partial (far fewer models: they may only be missing from that body), left out"
        )
    elif gone:  # said, as a model that vanished is said everywhere: no longer listed, never a move
        notes.append(f"{gone} model(s) listed at the start but no longer listed at the end left out")
    if s0 != s1 and is_partial_at(history, s0):
        notes.append(
            f"the start snapshot ({s0:%Y-%m-%d %H:%M} UTC) is flagged partial: models missing from it are left out"
        )
    off = not_in_column_unit(history, field)  # a per-token 0 of a model priced otherwise, an image token rate
    if off.any():
        kept = history.assign(**{field: history[field].astype("float64").mask(off)})
        a_in, b_in = _latest_at(kept, t0, field), _latest_at(kept, t1, field)
        left = set(a.index[a.notna() & a_in.isna()]) | set(b.index[b.notna() & b_in.isna()])
        if left:
            why = (
                "a per-token rate of image input tokens, not a fee per image"
                if field == "price_image"
                else "a per-token 0 of a model priced per image token, request, ..."
            )
            notes.append(f"{len(left)} model(s) left out where their {field} is not a price in its unit ({why})")
        a, b = a_in, b_in
    unit, factor = (
        price_display_unit(field)
        if is_price_column(field)
        else ("USD/Mtok" if field.endswith("_usd_per_mtok") else "", 1.0)
    )
    if factor != 1.0:
        a, b = (v.mul(factor).round(12) for v in (a, b))  # exact decimals, as change reports show them
    both = pd.DataFrame({"start_value": a, "end_value": b}).dropna()
    both = both[both["start_value"] > 0]
    # an alias (~moonshotai/kimi-latest) repointed at another model is no price move (trial R: 4 of 15)
    alias = np.array([is_alias_id(i) for i in both.index], dtype=bool)
    moved_aliases = int((alias & (both["end_value"] != both["start_value"]).to_numpy()).sum())
    if moved_aliases:
        notes.append(
            f"{moved_aliases} alias(es) (~author/...-latest) left out: an alias's price is that of the model it "
            "points to, which may have changed (those models are compared under their own ids)"
        )
    both = both[~alias]
    both["change"] = both["end_value"] - both["start_value"]
    both["pct_change"] = both["change"] / both["start_value"] * 100.0
    both = both[both["change"] != 0]
    up = both[both["change"] > 0].sort_values("pct_change", ascending=False, kind="stable").head(n)
    down = both[both["change"] < 0].sort_values("pct_change", ascending=True, kind="stable").head(n)
    out = pd.concat([up.assign(direction="up"), down.assign(direction="down")])
    out = out.rename_axis("id").reset_index()
    out = out[["id", "direction", "start_value", "end_value", "change", "pct_change"]].assign(unit=unit)
    unknown = unknown_unit_note([field])
    if unknown is not None:
        notes.append(unknown)
    out.attrs = {
        "field": field,
        "start": t0.isoformat(),
        "end": t1.isoformat(),
        "start_snapshot": s0.isoformat(),  # the snapshots that answered each end
        "end_snapshot": s1.isoformat(),
        "notes": notes,
    }
    return out


def _band(context: pd.Series) -> pd.Categorical:
    labels = [label for label, _ in CONTEXT_BANDS]
    bounds = [low for _, low in CONTEXT_BANDS] + [np.inf]
    values = context.to_numpy(dtype=float, na_value=np.nan)
    return pd.Categorical(pd.cut(values, bounds, labels=labels, right=False), categories=labels)


def market_trend(history: pd.DataFrame, by: str | None = None, freq: str = "D") -> pd.DataFrame:
    """Median and quartiles of prompt and completion prices over time, with catalog size.

    For each period of ``freq``, the last snapshot in it stands for the period. Price statistics
    are over *paid* models that produce text with a known price (the rule of
    :mod:`orcatalog.analysis.catalog`; free models, every listed price 0, and dynamically priced
    ones are counted in ``n_free`` / ``n_models`` but would otherwise pull every quartile to 0 or
    hide routers; an image model priced per image token is not a text price).

    Args:
        history: ``SnapshotStore.history()`` (one scope) or a frame with ``fetched_at`` and the
            price columns.
        by: None, ``"author"``, ``"input_modality"`` (a model counts once per input modality) or
            ``"context_band"`` (see ``CONTEXT_BANDS``).
        freq: a pandas frequency (``"h"``, ``"D"``, ``"W"``, ``"MS"``, ...).

    Returns:
        One row per period (and group): ``period`` (UTC start of the period), [``group``],
        ``snapshot_time``, ``n_models``, ``n_free``, ``n_paid``, and for prompt and completion
        (USD per million tokens): ``<side>_q1``, ``<side>_median``, ``<side>_q3``.

    Raises:
        InvalidParameterError: not a history frame, unknown ``by`` or ``freq``.
    """
    history = frame_arg("history", history, "id", "fetched_at", "prompt_usd_per_mtok", "completion_usd_per_mtok")
    if by not in (None, "author", "input_modality", "context_band"):
        raise InvalidParameterError(f"by={by!r} is invalid: give None, 'author', 'input_modality' or 'context_band'")
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"freq={freq!r} is not a pandas frequency: {exc}") from None
    if history.empty:
        raise InvalidParameterError("the history is empty: import or snapshot the catalog first")
    frame = _last_snapshot_per_period(history, offset)
    keys = ["period"]
    if by is not None:
        frame = _with_group(frame, history, by)
        keys.append("group")
    frame = _flag_free_and_paid(frame, history.iloc[frame.index])
    out = _period_stats(frame, keys)
    out.attrs = {"freq": str(freq), "by": by or ""}
    return out


def _last_snapshot_per_period(history: pd.DataFrame, offset: Any) -> pd.DataFrame:
    """The rows of the last snapshot of each period (``period``, ``snapshot_time``, ``id``, the
    prompt and completion prices in USD per million tokens), indexed by their positions in
    ``history`` (whatever its own index: a filtered history keeps its labels)."""
    times = pd.DatetimeIndex(pd.to_datetime(history["fetched_at"], utc=True))
    periods = times.tz_convert(None).to_period(offset).to_timestamp().tz_localize("UTC")
    frame = pd.DataFrame(
        {
            "period": periods,
            "snapshot_time": times,
            "id": history["id"].astype(str).to_numpy(),
            "prompt": history["prompt_usd_per_mtok"].to_numpy(dtype=float, na_value=np.nan),
            "completion": history["completion_usd_per_mtok"].to_numpy(dtype=float, na_value=np.nan),
        }
    )
    last = frame.groupby("period")["snapshot_time"].transform("max")
    return frame[frame["snapshot_time"] == last]


def _with_group(frame: pd.DataFrame, history: pd.DataFrame, by: str) -> pd.DataFrame:
    """``frame`` with the ``group`` column of :func:`market_trend`'s ``by`` (a model counts once per
    input modality: one row each)."""
    if by == "author":
        frame["group"] = (
            history["author"].iloc[frame.index].astype(str).to_numpy()
            if "author" in history
            else frame["id"].str.lstrip("~").str.split("/").str[0]
        )
        return frame
    if by == "input_modality":
        mods = history["input_modalities"].iloc[frame.index] if "input_modalities" in history else None
        if mods is None:
            raise InvalidParameterError("by='input_modality' needs the input_modalities column")
        return frame.assign(
            group=[
                list(m) if m is not None and not (np.isscalar(m) and pd.isna(m)) else ["unknown"] for m in mods.tolist()
            ]
        ).explode("group")
    if "context_length" not in history:
        raise InvalidParameterError("by='context_band' needs the context_length column")
    frame["group"] = _band(history["context_length"].iloc[frame.index])
    return frame


def _flag_free_and_paid(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``free`` and ``paid`` (a paid model that produces text, with both prices
    known); ``rows`` are the history rows of ``frame``'s rows."""
    if "is_free" in rows.columns:  # the one free/paid rule (orcatalog.analysis.catalog)
        frame["free"] = rows["is_free"].to_numpy(dtype=bool, na_value=False)
        paid_rows = paid(rows)
    else:
        dynamic = (
            rows["dynamic_pricing"].to_numpy(dtype=bool)
            if "dynamic_pricing" in rows
            else np.zeros(len(frame), dtype=bool)
        )
        others = {  # the other prices a row lists (USD per unit: only whether they are above 0 counts)
            c: rows[c].to_numpy(dtype=float, na_value=np.nan)
            for c in rows.columns
            if is_price_column(c)
            and c not in ("price_prompt", "price_completion")
            and pd.api.types.is_numeric_dtype(rows[c].dtype)
        }
        prices = {"prompt": frame["prompt"].to_numpy(), "completion": frame["completion"].to_numpy(), **others}
        outputs = rows["output_modalities"].tolist() if "output_modalities" in rows.columns else [None] * len(frame)
        ids = rows["id"].astype(str).tolist() if "id" in rows.columns else [""] * len(frame)
        free = is_free_rule(prices, outputs, ids, dynamic)  # the is_free rule (orcatalog.schema), on what the rows hold
        frame["free"] = free.to_numpy(dtype=bool, na_value=False)
        paid_rows = ~free.to_numpy(dtype=bool, na_value=True) & ~dynamic
    if "output_modalities" in rows.columns:  # prices per text token: models that produce text
        paid_rows = paid_rows & serves(rows, "text")
    frame["paid"] = paid_rows & frame["prompt"].notna().to_numpy() & frame["completion"].notna().to_numpy()
    return frame


def _period_stats(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per period (and group): the catalog's size and the paid models' price quartiles."""
    grouped = frame.groupby(keys, observed=True, sort=True)
    out = grouped.agg(
        snapshot_time=("snapshot_time", "max"),
        n_models=("id", "nunique"),
        n_free=("free", "sum"),
        n_paid=("paid", "sum"),
    )
    priced = frame[frame["paid"]].groupby(keys, observed=True, sort=True)
    for side in ("prompt", "completion"):
        q = priced[side].quantile([0.25, 0.5, 0.75]).unstack()
        out[f"{side}_q1"], out[f"{side}_median"], out[f"{side}_q3"] = q[0.25], q[0.5], q[0.75]
    return out.reset_index()


def _first_ids(models: pd.DataFrame, rows: np.ndarray) -> str:
    """The first three ids of ``rows`` (a mask) for a warning, `` (a, b, c, ...)``; empty without ids."""
    ids = models.loc[rows, "id"].astype(str).tolist() if "id" in models.columns else []
    return f" ({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''})" if ids else ""


def _warn_unpriced_by_text_workload(models: pd.DataFrame, total: np.ndarray) -> None:
    """frontier(output_modalities="all") ranks every model on the text workload (a million prompt
    and completion tokens): the models that workload cannot price, routers of dynamic pricing
    aside, are left out, and a warning counts them and names the frontier that ranks them (trial:
    seedream, a speech and a transcription model were left out without a word)."""
    dynamic = (
        bool_array(models["dynamic_pricing"]) if "dynamic_pricing" in models.columns else np.zeros(len(models), bool)
    )
    unpriced = np.isnan(np.asarray(total, dtype=float)) & ~dynamic
    if not unpriced.any():
        return
    n, names = int(unpriced.sum()), _first_ids(models, unpriced)
    warnings.warn(
        f"orcatalog: frontier(output_modalities='all') ranks every model on the text workload (a million "
        f"prompt and completion tokens), which cannot price {n} model{'s' if n != 1 else ''}{names}: "
        "they are left out; a frontier of their output ranks them (output_modalities='image', 'speech', ...)",
        OrcatalogWarning,
        stacklevel=3,
    )


def frontier(
    models: pd.DataFrame,
    x: str | None = None,
    y: str = "context_length",
    *,
    minimize_x: bool = True,
    maximize_y: bool = True,
    output_modalities: Any = "text",
    include_free: bool = False,
) -> pd.DataFrame:
    """The Pareto-efficient models for two columns: no other model is at least as good on both and
    better on one (by default: cheaper, longer context).

    Cheaper is the prompt price for text, and for any other output the price its models are sold
    at: the per-token workload's USD per million tokens, in the column ``workload_usd_per_mtok``
    added to the rows returned (an image model priced 0 per prompt token and $8.38 per million
    image-output tokens is not the cheapest image model; :func:`orcatalog.analysis.cost.price_axis`).
    A model priced 0 on ``x`` that is not free (its price is in another part: seedream's image
    tokens, whisper's audio input) is no candidate on that axis, as it is not drawn on the chart's:
    a warning counts them and names the default axis that ranks them.
    Prices are base prices: a model whose ``pricing_overrides`` charge more above a prompt size
    (qwen/qwen3.7-flash: $0.03/M, $0.20/M above 256k prompt tokens) stands at its short-prompt price,
    although filling its context costs more; :func:`orcatalog.estimate_cost` with the prompt size
    prices the tier (the chart's legend counts such frontier models).

    Only models that can serve a per-token workload are candidates, by the one rule costs use
    (:func:`orcatalog.analysis.cost.per_token_totals`, priced by :func:`orcatalog.estimate_cost`'s
    rule). The workload is what models of that output are priced on: a million prompt and
    completion tokens for text; for image, audio and speech the completion tokens are that output's
    own part (a speech model is priced on its ``audio_output`` rate); embeddings and rerank models
    a million prompt tokens alone (they sell no completion tokens); transcription models a million
    audio input tokens; video (priced per request) is refused. Candidates produce
    ``output_modalities`` (default text: an
    image or music model priced 0 per token is not "the cheapest for the longest context"), the
    catalog prices the workload on them (a model priced 0 per token that lists per-image,
    per-request or audio prices is not a candidate), and they are paid (free models only with
    ``include_free``; routers never). The price-vs-context chart draws this same set. Rows with a
    missing value in ``x`` or ``y`` are left out.

    Args:
        models: a contract frame (one row per model).
        x, y: numeric columns (``x`` default: see above; ``"workload_usd_per_mtok"`` asks for the
            workload's price for text too: 1M prompt + 1M completion tokens).
        minimize_x, maximize_y: the direction of each (default: low x, high y are better).
        output_modalities: what the candidates must produce (``"all"``, alias ``"any"``, for no condition).
        include_free: let free models (every listed price 0) compete too.

    Returns:
        The efficient rows of ``models`` (all columns), sorted by ``x`` from best to worst.

    Raises:
        InvalidParameterError: not a frame, or ``x``/``y`` not numeric columns of it; an unknown
            output modality; ``video`` (no per-token price to rank on).
    """
    from .cost.per_token import WORKLOAD_COLUMN, price_axis, per_token_totals

    models = frame_arg("models", models, y)
    models, x = price_axis(models, x, output_modalities)
    models = frame_arg("models", models, x)
    for col in (x, y):
        if not pd.api.types.is_numeric_dtype(models[col].dtype) or pd.api.types.is_bool_dtype(models[col].dtype):
            raise InvalidParameterError(f"{col!r} is not a numeric column")
    total = per_token_totals(models, output_modalities=output_modalities)
    everyone = len(models)
    # priced 0 on x, priced in another part: no place on this axis (the chart's rule, not drawn there)
    elsewhere = (total > 0) & (models[x].to_numpy(dtype=float, na_value=np.nan) == 0)
    if elsewhere.any():
        n, names = int(elsewhere.sum()), _first_ids(models, elsewhere)
        warnings.warn(
            f"orcatalog: frontier leaves out {n} model{'s' if n != 1 else ''} priced 0 on {x} but priced in "
            f"another part{names}: "
            + (
                f"x={WORKLOAD_COLUMN!r} ranks them on their workload's price"
                if x != WORKLOAD_COLUMN
                else "their price is not per token"
            ),
            OrcatalogWarning,
            stacklevel=2,
        )
    if output_modalities_arg(output_modalities) == ():  # "all": ranked on the text workload, said (trial)
        _warn_unpriced_by_text_workload(models, total)
    models = models[((total > 0) & ~elsewhere) | ((total == 0) & include_free)]
    if everyone and models.empty:  # an empty answer says why (trial N: 0 rows and not a word)
        free = int(np.count_nonzero(np.asarray(total) == 0))
        warnings.warn(
            f"orcatalog: frontier has no candidate among the {everyone} models: "
            + (f"{free} are free (include_free=True lets them compete), " if free and not include_free else "")
            + f"the others do not produce {output_modalities!r} output at a per-token price "
            "(output_modalities='all' drops that condition)",
            OrcatalogWarning,
            stacklevel=2,
        )
    xs = models[x].to_numpy(dtype=float, na_value=np.nan)
    ys = models[y].to_numpy(dtype=float, na_value=np.nan)
    ok = np.flatnonzero(~np.isnan(xs) & ~np.isnan(ys))
    gx = xs[ok] if minimize_x else -xs[ok]  # "good" = small gx, large gy
    gy = ys[ok] if maximize_y else -ys[ok]
    order = np.lexsort((-gy, gx))  # best x first; among equal x, best y first
    keep: list[int] = []
    best_x, best_y = np.nan, -np.inf
    for i in order:
        if gy[i] > best_y or (gy[i] == best_y and gx[i] == best_x):  # equal points are both efficient
            keep.append(ok[i])
            best_x, best_y = gx[i], gy[i]
    return models.iloc[keep]


def _presence(history: pd.DataFrame) -> tuple[pd.DatetimeIndex, pd.Index, np.ndarray]:
    """Every snapshot time of one scope, every id, and which id is in which snapshot (bool matrix)."""
    history = frame_arg("history", history, "id", "fetched_at")
    one_scope(history)
    times = pd.DatetimeIndex(pd.to_datetime(history["fetched_at"], utc=True))
    all_times = times.unique()
    for extra in (history.attrs.get("snapshot_times") or {}).values():
        all_times = all_times.union(pd.DatetimeIndex(pd.to_datetime(extra, utc=True)))
    # two snapshots at one time (a store that already has them) are one point in time: a model in
    # either is present then
    all_times = all_times.unique().sort_values()
    ids, uniques = pd.factorize(history["id"].astype(str))
    present = np.zeros((len(all_times), len(uniques)), dtype=bool)
    present[all_times.get_indexer(times), ids] = True
    return all_times, pd.Index(uniques), present


def _flows(present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(added, removed, returned) boolean matrices, snapshot by snapshot."""
    before = np.vstack([np.zeros((1, present.shape[1]), dtype=bool), present[:-1]])
    seen_before = np.maximum.accumulate(before, axis=0)
    return present & ~seen_before, before & ~present, present & ~before & seen_before


def catalog_size(history: pd.DataFrame) -> pd.DataFrame:
    """How the catalog grew, snapshot by snapshot: size, models added, removed and returned.

    Snapshots taken at the same time count as one (a model in any of them is present then).

    ``added``: in this snapshot and never seen before; ``returned``: in this snapshot, absent
    from the previous one, seen earlier (models vanish for a while and come back);
    ``removed``: in the previous snapshot, absent from this one (not necessarily retired).

    Args:
        history: ``SnapshotStore.history()`` (one scope); ``attrs["snapshot_times"]`` adds
            snapshots in which no selected model appears.

    Returns:
        One row per snapshot: ``fetched_at``, ``n_models``, ``added``, ``removed``, ``returned``
        (the first snapshot counts every model as added); ``attrs["partial_times"]`` keeps the
        history's (the partial catalogs, whose "removed" may only be missing from that body).

    Raises:
        InvalidParameterError: not a history frame, or several scopes in it.
    """
    times, _, present = _presence(history)
    added, removed, returned = _flows(present)
    out = pd.DataFrame(
        {
            "fetched_at": times,
            "n_models": present.sum(axis=1),
            "added": added.sum(axis=1),
            "removed": removed.sum(axis=1),
            "returned": returned.sum(axis=1),
        }
    )
    out.attrs["partial_times"] = dict(history.attrs.get("partial_times") or {})
    return out


def catalog_events(history: pd.DataFrame) -> pd.DataFrame:
    """Which models were added, removed or returned, and when (the rows behind :func:`catalog_size`,
    without the first snapshot, where everything would count as added).

    Args:
        history: ``SnapshotStore.history()`` (one scope).

    Returns:
        One row per event: ``fetched_at`` (UTC, the snapshot where it was seen), ``id`` and
        ``event`` (``added`` / ``removed`` / ``returned``), in time order.

    Raises:
        InvalidParameterError: not a history frame, or several scopes in it.
    """
    times, ids, present = _presence(history)
    frames = []
    for event, matrix in zip(("added", "removed", "returned"), _flows(present)):
        t, i = np.nonzero(matrix[1:])
        frames.append(pd.DataFrame({"fetched_at": times[1:][t], "id": ids[i], "event": event}))
    out = pd.concat(frames, ignore_index=True)
    out["event"] = pd.Categorical(out["event"], categories=["added", "removed", "returned"])
    return out.sort_values(["fetched_at", "event", "id"], kind="stable").reset_index(drop=True)
