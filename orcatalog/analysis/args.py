"""Argument checks shared by the analysis and plot functions: the one rule for "is this a frame
we can work on", applied before any work."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import InvalidParameterError

__all__ = ["frame_arg"]


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
