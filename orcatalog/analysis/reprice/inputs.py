"""The arguments of :func:`~orcatalog.analysis.reprice.reprice` read once: ``prices`` as a history
(a catalog is one snapshot at the epoch), the time each row is priced at (``at="row"`` or a fixed
``at`` by the one time rule of :mod:`orcatalog.times`), each model's latest row of the history, and
the usage's model ids factorized once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import InvalidParameterError
from ...times import answer_notes, parse_time

_EPOCH = pd.Timestamp(0, tz="UTC")  # 1970-01-01: a number, not time text (tests/test_times.py guards)
_TIME_COLUMNS = ("date", "timestamp")


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
        from ...times import parse_time_column

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
