"""Everyday catalog questions as functions on contract frames: which models are free, take images,
support tools; which rows are variants of one model. Pure: nothing here fetches or touches files.

One style, everywhere: functions that take a frame and return a frame (no ``df.oc`` accessor), so
they chain with ``.pipe`` and need no registration at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..suggest import did_you_mean

__all__ = ["select", "fold_variants"]


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        items = list(value)
        if items and all(isinstance(v, str) for v in items):
            return items
    raise InvalidParameterError(f"{name} must be a name, a comma-separated string or a list of names, got {value!r}")


def _has_all(column: pd.Series, wanted: list[str]) -> np.ndarray:
    need = set(wanted)
    return np.array([v is not None and not (np.isscalar(v) and pd.isna(v)) and need <= set(v) for v in column.tolist()],
                    dtype=bool)  # fmt: skip


def select(
    models: pd.DataFrame,
    *,
    free: bool | None = None,
    input_modalities: str | Iterable[str] | None = None,
    output_modalities: str | Iterable[str] | None = None,
    supported_parameters: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """The rows of a contract frame that match every condition given (like the API's list filters,
    but on a frame you already have: a snapshot, a history, a cached fetch).

    Args:
        models: a contract frame or a history frame.
        free: True for free models (prompt and completion both 0), False for paid ones.
        input_modalities: the model accepts all of these (``"image"``, ``["image", "file"]``).
        output_modalities: the model produces all of these.
        supported_parameters: the model accepts all of these request parameters (``"tools"``).

    Returns:
        The matching rows, in their order, with all columns.

    Raises:
        InvalidParameterError: not a frame, a column the condition needs is missing, bad values.
    """
    if not isinstance(models, pd.DataFrame):
        raise InvalidParameterError(f"models must be a pandas DataFrame, got {type(models).__name__}")
    keep = np.ones(len(models), dtype=bool)
    if free is not None:
        if not isinstance(free, bool):
            raise InvalidParameterError(f"free must be True, False or None, got {free!r}")
        if "is_free" not in models.columns:
            raise InvalidParameterError("free= needs the is_free column of the contract")
        flags = models["is_free"].to_numpy(dtype=bool, na_value=False)
        keep &= flags if free else (~flags & models["is_free"].notna().to_numpy())
    for name, value in (("input_modalities", input_modalities), ("output_modalities", output_modalities),
                        ("supported_parameters", supported_parameters)):  # fmt: skip
        if value is None:
            continue
        if name not in models.columns:
            raise InvalidParameterError(f"{name}= needs the {name} column of the contract")
        wanted = _names(name, value)
        seen = {str(v) for items in models[name].dropna() for v in items}
        unknown = [w for w in wanted if w not in seen]
        if unknown and len(models):  # a typo would silently select nothing
            hint = did_you_mean(unknown[0], sorted(seen))
            raise InvalidParameterError(f"{name}={unknown[0]!r} appears in no row of the frame{hint}")
        keep &= _has_all(models[name], wanted)
    return models[keep]


def fold_variants(models: pd.DataFrame) -> pd.DataFrame:
    """Fold variants onto their base model: ``author/slug:free`` (or ``:thinking``, ...) and the
    ``~author/...-latest`` aliases (when ``alias_target_slug`` names their target).

    Adds ``base_id`` (the model a row is a variant of, or its own id) and ``n_variants`` (rows
    sharing that base id); nothing is dropped, so ``df.groupby("base_id")`` or
    ``df[df.id == df.base_id]`` give the view you want.

    Args:
        models: a contract frame (one row per model).

    Returns:
        A copy of ``models`` with ``base_id`` and ``n_variants``.

    Raises:
        InvalidParameterError: not a frame with an ``id`` column.
    """
    if not isinstance(models, pd.DataFrame) or "id" not in models.columns:
        raise InvalidParameterError("models must be a contract frame with an 'id' column")
    ids = models["id"].astype(str)
    base = ids.str.replace(r":[^/]*$", "", regex=True)
    if "alias_target_slug" in models.columns:
        target = models["alias_target_slug"].astype(object)
        alias = ids.str.startswith("~") & target.notna()
        base = base.where(~alias, target.astype(str).str.replace(r":[^/]*$", "", regex=True))
    out = models.copy()
    out["base_id"] = base.astype(models["id"].dtype) if not isinstance(models["id"].dtype, pd.CategoricalDtype) \
        else base  # fmt: skip
    out["n_variants"] = out.groupby("base_id", observed=True)["id"].transform("size").astype("int64")
    return out
