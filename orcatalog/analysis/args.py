"""Argument checks shared by the analysis and plot functions: the one rule for "is this a frame
we can work on", and the one-scope rule of answers over a history (:func:`one_scope`), applied
before any work."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import InvalidParameterError

__all__ = ["frame_arg", "one_scope"]


def frame_arg(name: str, value: Any, *columns: str) -> pd.DataFrame:
    """``value`` if it is a DataFrame holding ``columns``.

    Raises:
        InvalidParameterError: it is not a DataFrame, or lacks a column (named, with where such frames come from).
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
        raise InvalidParameterError(
            f"{name} lacks the column(s) {missing}; pass a frame from fetch_models, SnapshotStore.load or "
            "SnapshotStore.history (or the analysis function that makes it)"
        )
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
