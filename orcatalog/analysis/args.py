"""Argument checks shared by the analysis and plot functions: the one rule for "is this a frame
we can work on", the one-scope rule of answers over a history (:func:`one_scope`), and the field
names a user may give (:func:`field_arg`: a column, or the heading tables print a price under),
applied before any work."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError

__all__ = ["field_arg", "frame_arg", "is_partial_at", "one_scope", "price_fields"]


#: Where a frame given as each argument comes from, for the message when it lacks a column
#: (arguments not listed take a models frame: :data:`_MODELS_SOURCES`).
_SOURCES = {
    "endpoints": "pass a frame from fetch_endpoints (one model, or models=...) or SnapshotStore.endpoint_history",
}
_MODELS_SOURCES = "pass a frame from fetch_models, SnapshotStore.load or SnapshotStore.history (or the analysis function that makes it)"


def frame_arg(name: str, value: Any, *columns: str) -> pd.DataFrame:
    """``value`` if it is a DataFrame holding ``columns``.

    Raises:
        InvalidParameterError: it is not a DataFrame, or lacks a column (named, with where frames for
            that argument come from: :data:`_SOURCES`).
    """
    if not isinstance(value, pd.DataFrame):
        raise InvalidParameterError(f"{name} must be a pandas DataFrame, got {type(value).__name__}")
    missing = [c for c in columns if c not in value.columns]
    if "total_usd" in missing:  # a catalog where a cost frame is needed
        raise InvalidParameterError(f"{name} must be an estimate_cost(...) result (it has no total_usd)")
    if "fetched_at" in missing:  # one catalog where a time series is needed
        raise InvalidParameterError(
            f"{name} must come from SnapshotStore.history() (one row per snapshot and model, with fetched_at); "
            "a single catalog from fetch_models or SnapshotStore.load has no time axis"
        )
    if missing:
        raise InvalidParameterError(f"{name} lacks the column(s) {missing}; {_SOURCES.get(name, _MODELS_SOURCES)}")
    return value


def one_scope(history: pd.DataFrame, scope: str | None = None) -> pd.DataFrame:
    """The one-scope rule of answers over a history: its rows of ``scope`` when given, else the
    history itself when it holds one scope (or has no ``scope`` column). Scopes are never mixed:
    a filtered or regional list's missing models did not leave the catalog.

    Raises:
        InvalidParameterError: ``scope`` is not in the history, or it holds several scopes and none
            was chosen (the message lists them).
    """
    if "scope" not in history.columns:
        return history
    # the distinct values first, then their text: a categorical column is never spelt out row by row
    scopes = list(pd.unique(pd.Series(pd.unique(history["scope"])).astype(str)))
    if scope is not None:
        if scope not in scopes:
            raise InvalidParameterError(f"scope {scope!r} is not in the history; it has {scopes}")
        return history[history["scope"].astype(str) == scope]
    if len(scopes) > 1:
        raise InvalidParameterError(
            f"the history holds several scopes {scopes}: choose one (scope=..., or history[history.scope == ...])"
        )
    return history


def is_partial_at(history: pd.DataFrame, when: Any) -> bool:
    """Whether the snapshot at ``when`` (a fetch time of the history) is a catalog flagged partial,
    by the history's ``attrs["partial_times"]`` (the store's flag, any scope): a model missing from
    it may still be listed. The one reading of that attribute for movers and the report."""
    at = pd.Timestamp(when)
    return any(pd.Timestamp(v) == at for times in (history.attrs.get("partial_times") or {}).values() for v in times)


def price_fields(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that a price field (``movers`` / ``price_changes`` / ``changes``
    ``field``) may name, in its order: the ``price_`` family (:func:`orcatalog.schema.is_price_column`,
    the one rule) and the per-token USD/Mtok columns (:data:`orcatalog.schema.PER_TOKEN_COLUMNS`);
    never other numbers such as ``context_length`` or ``default_temperature``."""
    from ..schema import PER_TOKEN_COLUMNS, is_price_column

    return [str(c) for c in frame.columns if is_price_column(str(c)) or str(c) in PER_TOKEN_COLUMNS]


def field_arg(argument: str, field: Any, columns: Iterable[object], *, what: str = "price field") -> tuple[str, float]:
    """The column a field name given by a user means, among ``columns``: the column of that name, or
    the price column whose table heading it is (:func:`orcatalog.schema.price_field`, the one rule:
    ``price_input_cache_read_usd_per_mtok`` is ``price_input_cache_read`` times 1e6).

    Args:
        argument: the argument's name, for the message (``field``; the command line says ``--field``).
        field: the name given.
        columns: the columns it may name.
        what: what such a column is called in the message (``price field``, ``numeric column``).

    Returns:
        ``(column, factor)``: the column, and the factor from its values to the unit ``field`` says.

    Raises:
        InvalidParameterError: no column goes by ``field``; the message names the likely one
            (:func:`orcatalog.suggest.did_you_mean`) and exactly the accepted names: each of
            ``columns`` under both its names, nothing it would refuse and nothing it accepts left out.
    """
    from ..schema import price_field, price_heading
    from ..suggest import did_you_mean

    names = [str(c) for c in columns]
    found = price_field(field, names) if isinstance(field, str) else None
    if found is not None:
        return found
    accepted = list(dict.fromkeys(name for c in names for name in (c, price_heading(c))))
    raise InvalidParameterError(
        f"{argument}={field!r} is not a {what}{did_you_mean(str(field), accepted)}; "
        f"{what}s: {', '.join(accepted) or 'none'} (a column, or the name tables print it under)"
    )
