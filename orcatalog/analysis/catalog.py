"""Everyday catalog questions as functions on contract frames: which models are free, take images,
support tools; which rows are variants of one model. Pure: nothing here fetches or touches files.

One style, everywhere: functions that take a frame and return a frame (no ``df.oc`` accessor), so
they chain with ``.pipe`` and need no registration at import.

**Which models a workload is priced on** — the one rule, here, used by :func:`select` (``free=``),
:func:`orcatalog.estimate_cost`, :func:`orcatalog.frontier`, the ``cost`` command and the report's
cost table:

- a model *serves* a workload when it produces every output modality the workload wants
  (:func:`serves`; by default text, for workloads with completion tokens) and accepts and produces
  what the parts it counts need (:func:`accepts`: audio input tokens need audio input, images need
  image input; audio / image output tokens need that output): the whole rule, with what the catalog
  can price on such a model, is ``_cannot_serve`` in :mod:`orcatalog.analysis.cost`;
- a model is *free* when every price it lists is zero (the ``is_free`` column), *paid* when it lists
  a non-zero price and is not dynamically priced (:func:`paid`);
- the cheapest paid models that serve a workload are the priced rows of a cost frame with a total
  above zero, with the cost frame's ``rank`` (counted among paid rows: 1 = cheapest paid, 0 = free); what was left out (free models, rows that could not be
  priced, by note) is counted (:func:`cheapest_paid`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema import bool_array
from ..suggest import did_you_mean

__all__ = [
    "select",
    "fold_variants",
    "serves",
    "accepts",
    "paid",
    "output_modalities_arg",
    "cheapest_paid",
    "left_out_words",
]


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
        if items:
            return items
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        items = list(value)
        if items and all(isinstance(v, str) for v in items):
            return items
    raise InvalidParameterError(
        f"{name}={value!r} is invalid: give a name, a comma-separated string or a list of names (at least one)"
    )


def _has_all(column: pd.Series, wanted: list[str], *, unknown: bool = False) -> np.ndarray:
    """Rows whose list holds every wanted item; a null list gives ``unknown``. Arrow list columns
    (the contract's) are read without a Python loop: a history has tens of thousands of rows."""
    if isinstance(column.dtype, pd.ArrowDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        data = column.array.__arrow_array__()  # the Arrow protocol: no copy
        array = data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data
        if isinstance(array.type, (pa.ListType, pa.LargeListType)):
            n = len(array)
            parents = pc.list_parent_indices(array).to_numpy(zero_copy_only=False)
            values = pc.list_flatten(array)
            out = np.ones(n, dtype=bool)
            for item in wanted:
                hit = np.zeros(n, dtype=bool)
                hit[parents[pc.equal(values, item).to_numpy(zero_copy_only=False)]] = True
                out &= hit
            missing = array.is_null().to_numpy(zero_copy_only=False)
            out[missing] = unknown
            return out
    need = set(wanted)
    return np.array(
        [
            unknown if v is None or v is pd.NA or (np.isscalar(v) and pd.isna(v)) else need <= set(v)
            for v in column.tolist()
        ],
        dtype=bool,
    )


def output_modalities_arg(value: Any) -> tuple[str, ...]:
    """The output modalities a workload wants, checked by the one vocabulary rule
    (:func:`orcatalog.fetch.params.modalities`): a name, a comma-separated string or a list of
    names from the API's output modality enum (:data:`orcatalog.schema.OUTPUT_MODALITIES`), or
    ``"all"`` (alias ``"any"``) for no condition, which comes back as ``()``.

    Raises:
        InvalidParameterError: an unknown name (the accepted ones are listed); an empty value;
            ``all`` with other names.
    """
    from ..fetch.params import modalities

    names = modalities("output_modalities", value)
    return () if names == ["all"] else tuple(dict.fromkeys(names))


def serves(models: pd.DataFrame, output_modalities: Any = ("text",)) -> np.ndarray:
    """Which rows produce every one of these output modalities. A row whose output modalities are
    unknown (null: bodies that do not say, such as endpoint listings) is not excluded.

    Args:
        models: a contract (or history) frame with ``output_modalities``.
        output_modalities: see :func:`output_modalities_arg` (default text).

    Returns:
        A numpy bool array, one value per row.

    Raises:
        InvalidParameterError: unknown modality names; the column is missing while a condition is given.
    """
    wanted = output_modalities_arg(output_modalities)
    if not wanted:
        return np.ones(len(models), dtype=bool)
    return _with_all_modalities(models, "output", list(wanted))


def accepts(models: pd.DataFrame, input_modalities: Any) -> np.ndarray:
    """Which rows accept every one of these input modalities (``"image"``, ``["audio"]``). A row whose
    input modalities are unknown (null) is not excluded, as in :func:`serves`.

    Args:
        models: a contract (or history) frame with ``input_modalities``.
        input_modalities: a name, a comma-separated string or a list of names (``text``, ``image``,
            ``audio``, ``file``, ``video``).

    Returns:
        A numpy bool array, one value per row.

    Raises:
        InvalidParameterError: no names; the column is missing.
    """
    wanted = _names("input_modalities", input_modalities)
    return _with_all_modalities(models, "input", wanted)


def _with_all_modalities(models: pd.DataFrame, side: str, wanted: list[str]) -> np.ndarray:
    """Rows whose ``<side>_modalities`` (``input`` or ``output``) hold every wanted name; a row
    whose list is unknown (null) is not excluded. The contract's ``<side>_<name>`` flag columns
    answer without reading the lists when they are all there.

    Raises:
        InvalidParameterError: the frame has no ``<side>_modalities`` column.
    """
    column = f"{side}_modalities"
    if column not in models.columns:
        raise InvalidParameterError(f"{side} modalities need the {column} column of the contract")
    flags = [f"{side}_{m}" for m in wanted]
    if all(f in models.columns and models[f].dtype == np.bool_ for f in flags):  # the contract's flag columns: fast
        out = np.logical_and.reduce([models[f].to_numpy() for f in flags])
        return out | models[column].isna().to_numpy()
    return _has_all(models[column], wanted, unknown=True)


def fits_request(
    context_length: Any, max_completion_tokens: Any, prompt_tokens: Any, completion_tokens: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Whether one request fits a model or endpoint: ``(window_ok, output_ok)``, two numpy bool
    arrays. The context window (``context_length``, tokens) holds the request's prompt and
    completion tokens together; ``max_completion_tokens`` holds its completion tokens. The one rule
    of :func:`orcatalog.estimate_cost` (a workload of more tokens than one request fits gets no
    cost), :func:`orcatalog.best_endpoints` (the endpoint is dropped, its reason says which limit)
    and usage repricing (an alternative that could not have served the row's average request).

    An unknown limit (null, or 0: the 2024 catalogs list ``max_completion_tokens`` 0 on 109 of 178
    models, 2024-08-02, for "not given") or an unknown (NaN) request size excludes nothing, as an
    unknown output modality excludes nothing in :func:`serves`.

    Args:
        context_length, max_completion_tokens: per-row limits (tokens; arrays, Series or scalars,
            nullable).
        prompt_tokens, completion_tokens: one request's tokens (scalars or per-row arrays).
    """
    window = pd.array(np.atleast_1d(context_length), dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
    most = pd.array(np.atleast_1d(max_completion_tokens), dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
    completion = np.asarray(completion_tokens, dtype=float)
    size = np.asarray(prompt_tokens, dtype=float) + completion
    with np.errstate(invalid="ignore"):
        window_ok = ~(window > 0) | np.isnan(size) | (window >= size)  # ~(x > 0): NaN and 0 are unknown
        output_ok = ~(most > 0) | np.isnan(completion) | (most >= completion)
    return np.asarray(window_ok, dtype=bool), np.asarray(output_ok, dtype=bool)


def request_tokens_text(tokens: float) -> str:
    """One request's tokens (an average, so maybe fractional) as :func:`fits_request`'s notes say
    them: rounded up, so the number never reads as fitting a limit it exceeds (262,145 prompt tokens
    over 2 requests is 131,072.5, said 131,073, not 131,072, against a 131,072-token window)."""
    return f"{math.ceil(tokens):,}"


def paid(models: pd.DataFrame) -> np.ndarray:
    """Which rows are paid: ``is_free`` known and false (some listed price is not zero) and not
    dynamically priced. Free means every price the model lists is zero (``is_free``).

    Raises:
        InvalidParameterError: the frame has no ``is_free`` column.
    """
    if "is_free" not in models.columns:
        raise InvalidParameterError("free/paid needs the is_free column of the contract")
    free = models["is_free"]
    out = ~free.to_numpy(dtype=bool, na_value=True)
    if "dynamic_pricing" in models.columns:
        out &= ~bool_array(models["dynamic_pricing"])
    return out


def left_out_words(left_out: Mapping[str, int], *, free: str = "free") -> str:
    """What a cost answer left out (``attrs["left_out"]`` of :func:`cheapest_paid`: reason -> count),
    in the one wording the cost command and the report print: ``"25 models (18 free; 5: dynamic
    pricing: ...)"``, a single reason without its count (``"2 models (produces audio output ...)"``).
    A reason counted zero is never said, and a note's closing ``": no cost"`` is dropped (being left
    out says so).

    Args:
        left_out: reason -> number of models; the key ``"free"`` counts the free models.
        free: how the free models are said (the command line adds how to list them).

    Returns:
        The text, or ``""`` when nothing was left out.
    """
    said: dict[str, int] = {}
    for why, count in left_out.items():
        if count:
            text = free if why == "free" else str(why).removesuffix(": no cost")
            said[text] = said.get(text, 0) + int(count)
    if not said:
        return ""
    total = sum(said.values())
    if len(said) == 1 and free not in said:
        reasons = next(iter(said))
    else:
        reasons = "; ".join(f"{n} {why}" if why == free else f"{n}: {why}" for why, n in said.items())
    return f"{total} model{'' if total == 1 else 's'} ({reasons})"


def cheapest_paid(costs: pd.DataFrame, n: int | None = None) -> pd.DataFrame:
    """The cheapest paid models that serve a workload, from an :func:`orcatalog.estimate_cost` frame
    of one catalog: rows with a total above zero, cheapest first, with ``estimate_cost``'s ``rank``
    (already counted among the paid rows: 1 = the cheapest paid model).

    Args:
        costs: an ``estimate_cost`` result for one catalog (not a history).
        n: keep the first ``n`` (default all).

    Returns:
        Those rows; ``attrs["left_out"]`` counts the rest: ``{"free": k, "<note>": m, ...}``
        (free models cost 0; the others could not be priced for the workload, by their note), and
        ``attrs["shown_of"]`` the number of paid rows before ``n``.

    Raises:
        InvalidParameterError: not a cost frame, or a history's cost frame.
    """
    if not isinstance(costs, pd.DataFrame) or "total_usd" not in costs.columns:
        raise InvalidParameterError("costs must be an estimate_cost(...) result (it has no total_usd)")
    if "snapshot_id" in costs.columns and costs["snapshot_id"].nunique() > 1:
        raise InvalidParameterError("costs holds several snapshots: give the cost frame of one catalog")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0):
        raise InvalidParameterError(f"n={n!r} is invalid: give an int >= 0")
    total = costs["total_usd"].to_numpy(dtype=float, na_value=np.nan)
    keep = total > 0
    out = costs[keep].sort_values("total_usd", kind="stable")  # rank: estimate_cost's, already among paid rows
    left: dict[str, int] = {}
    if (total == 0).any():
        left["free"] = int((total == 0).sum())
    if "note" in costs.columns:
        notes = costs.loc[np.isnan(total), "note"].astype(object).fillna("no total")
        for note, count in notes.value_counts(sort=True).items():
            left[str(note)] = int(count)
    shown_of = len(out)
    out = out if n is None else out.head(n)
    out.attrs = {**costs.attrs, "left_out": left, "shown_of": shown_of}
    return out


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
        free: True for free models (every price they list is 0), False for paid ones (some
            price is not 0; dynamically priced routers are neither): the rule of :func:`paid`.
        input_modalities: the model accepts all of these (``"image"``, ``["image", "file"]``).
        output_modalities: the model produces all of these (``"all"``, alias ``"any"``: no
            condition; the names of :func:`output_modalities_arg`, a typo refused).
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
        keep &= models["is_free"].to_numpy(dtype=bool, na_value=False) if free else paid(models)
    for name, value in (
        ("input_modalities", input_modalities),
        ("output_modalities", output_modalities),
        ("supported_parameters", supported_parameters),
    ):
        if value is None:
            continue
        if name not in models.columns:
            raise InvalidParameterError(f"{name}= needs the {name} column of the contract")
        if name == "output_modalities":  # the one vocabulary: known names, or all (no condition)
            wanted = list(output_modalities_arg(value))
            if wanted:
                keep &= _has_all(models[name], wanted)
            continue
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
    out["base_id"] = (
        base.astype(models["id"].dtype) if not isinstance(models["id"].dtype, pd.CategoricalDtype) else base
    )
    out["n_variants"] = out.groupby("base_id", observed=True)["id"].transform("size").astype("int64")
    return out
