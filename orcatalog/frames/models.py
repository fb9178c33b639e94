"""Model objects (parsed JSON) -> the contract DataFrame. Pure functions: no HTTP, no files.

The column contract lives in :mod:`orcatalog.schema`; this module only fills it. It is on the hot
path (a cached ``fetch_models()`` is mostly this), so it builds plain Python lists in one pass and
turns each into a typed array once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SchemaError
from ..schema import KNOWN_DEFAULT_KEYS, KNOWN_MODALITIES, KNOWN_PRICE_KEYS

_KNOWN_TOP = frozenset(
    {
        "id", "canonical_slug", "hugging_face_id", "name", "created", "description",
        "context_length", "architecture", "pricing", "top_provider", "per_request_limits",
        "supported_parameters", "default_parameters", "supported_voices", "knowledge_cutoff",
        "expiration_date", "links", "reasoning", "benchmarks", "alias_target",
    }
)  # fmt: skip
_KNOWN_ARCH = frozenset({"modality", "input_modalities", "output_modalities", "tokenizer", "instruct_type"})
_KNOWN_TOP_PROVIDER = frozenset({"context_length", "max_completion_tokens", "is_moderated"})
_LIST_TYPE = pa.list_(pa.string())
_STR = pd.StringDtype(na_value=np.nan)
_UTC_SECONDS = pd.DatetimeTZDtype("s", "UTC")
_OLD_MODALITY = {"text": (["text"], ["text"]), "multimodal": (["text", "image"], ["text"])}


def _num(value: Any) -> float | None:
    """A JSON number or numeric string as float; None when missing or not numeric."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    f = _num(value)
    if f is None or not math.isfinite(f):
        return None
    return int(f)


def _parse_modality(modality: Any) -> tuple[list[str], list[str]] | None:
    """``"text+image->text"`` -> (["text", "image"], ["text"]); 2024's "text"/"multimodal" too."""
    if not isinstance(modality, str) or not modality:
        return None
    if "->" in modality:
        left, _, right = modality.partition("->")
        return [m for m in left.split("+") if m], [m for m in right.split("+") if m]
    old = _OLD_MODALITY.get(modality)
    return (list(old[0]), list(old[1])) if old else None


def modalities(architecture: dict[str, Any]) -> tuple[list[Any] | None, list[Any] | None] | None:
    """(input, output) modalities of a model's ``architecture`` object: its lists when given, else
    parsed from the ``modality`` string (``"text+image->text"``, or 2024's ``"text"`` and
    ``"multimodal"``). The one place old modality strings are understood. None when neither says."""
    ins, outs = architecture.get("input_modalities"), architecture.get("output_modalities")
    if type(ins) is list and type(outs) is list:
        return ins, outs
    parsed = _parse_modality(architecture.get("modality"))
    if type(ins) is not list:
        ins = parsed[0] if parsed else None
    if type(outs) is not list:
        outs = parsed[1] if parsed else None
    return None if ins is None and outs is None else (ins, outs)


def _str_list(value: Any) -> list[str] | None:
    if type(value) is list:
        return [v if type(v) is str else orjson.dumps(v).decode() for v in value]
    return None


def _json_array(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """Any JSON values -> a str column of compact JSON text (null stays null)."""
    if not any(v is not None for v in values):
        return _str_array(values)
    return _str_array([None if v is None else orjson.dumps(v).decode() for v in values])


def _date_array(values: list[Any]) -> np.ndarray:
    """``YYYY-MM-DD`` strings (or null) -> datetime64[s]; anything unparseable becomes NaT."""
    if not any(values):
        return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    clean = [v if isinstance(v, str) and v else None for v in values]
    try:
        days = np.array(clean, dtype="datetime64[D]")
    except ValueError:
        days = np.array([_one_date(v) for v in clean], dtype="datetime64[D]")
    return days.astype("datetime64[s]")


def _one_date(value: str | None) -> np.datetime64 | None:
    if value is None:
        return None
    try:
        return np.datetime64(value[:10], "D")
    except ValueError:
        return None


def _float_array(values: list[Any]) -> np.ndarray:
    """Numbers or numeric strings -> float64; null and non-numeric values become NaN."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return np.array([_num(v) for v in values], dtype=float)


def _int_array(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """Integers (or numeric strings) -> nullable Int64; null, non-numeric and infinite become NA."""
    f = _float_array(values)
    mask = ~np.isfinite(f)
    return pd.arrays.IntegerArray(np.where(mask, 0, f).astype(np.int64), mask)


def _bool_array(values: list[bool | None]) -> pd.api.extensions.ExtensionArray:
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    data = np.fromiter((bool(v) for v in values), dtype=bool, count=len(values))
    return pd.arrays.BooleanArray(data, mask)


def _list_array(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """Lists of strings as an Arrow list column; other items become JSON text, non-lists null."""
    try:
        arr = pa.array(values, type=_LIST_TYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array([_str_list(v) for v in values], type=_LIST_TYPE)
    return pd.arrays.ArrowExtensionArray(arr)


def _str_array(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """Strings stay; null stays null; any other JSON value becomes its JSON text (never lost)."""
    try:
        arr = pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(
            [v if v is None or type(v) is str else orjson.dumps(v).decode() for v in values],
            type=pa.large_string(),
        )
    return _STR.__from_arrow__(arr)


def check_body(body: Any, *, url: str | None = None) -> list[dict[str, Any]]:
    """The ``data`` list of a list body, checked. Raises SchemaError if it is not a list of objects."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SchemaError(
            f"expected a JSON object with a 'data' list, got {_shape(body)}" + (f" from {url}" if url else ""),
            url=url,
        )
    return data


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        return "an object with keys " + ", ".join(sorted(map(str, body))[:8]) if body else "an empty object"
    return type(body).__name__


def models_frame(models: list[dict[str, Any]], *, url: str | None = None, unique: bool = True) -> pd.DataFrame:
    """Flatten model objects into the contract frame (one row per model, see :mod:`orcatalog.schema`).

    Args:
        models: model objects as parsed from JSON (any schema from 2024 to 2026).
        url: where they came from, for error messages.
        unique: require unique ids (a catalog); False for several versions of one model.

    Returns:
        A DataFrame with the declared columns, typed.

    Raises:
        SchemaError: an item is not an object, lacks a string ``id``, or an id appears twice.
    """
    where = f" in {url}" if url else ""
    n = len(models)
    ids = [m.get("id") if type(m) is dict else None for m in models]
    if not all(type(x) is str for x in ids):
        i = next(i for i, x in enumerate(ids) if type(x) is not str)
        raise SchemaError(f"model #{i} is not an object with a string 'id'{where}", url=url)
    if unique and len(set(ids)) != n:
        dup = pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]
        raise SchemaError(f"duplicate model id {dup!r}{where}", url=url)

    is_alias = [mid.startswith("~") for mid in ids]
    halves = [(mid[1:] if alias else mid).partition("/") for mid, alias in zip(ids, is_alias)]
    author = [h[0] if h[1] else None for h in halves]
    tails = [(h[2] if h[1] else h[0]).partition(":") for h in halves]
    slug = [t[0] for t in tails]
    variant = [t[2] if t[1] else None for t in tails]

    extras: list[dict[str, Any] | None] = [None] * n
    present = set().union(*models)  # every top-level key in the body, in one C-level pass

    def column(field: str) -> list[Any]:
        return [m.get(field) for m in models] if field in present else [None] * n

    if not present <= _KNOWN_TOP:  # the per-model scan for unknown fields is rare
        for i, m in enumerate(models):
            unknown = m.keys() - _KNOWN_TOP
            if unknown:
                extras[i] = {k: m[k] for k in unknown}

    def note(i: int, key: str, value: Any) -> None:
        if extras[i] is None:
            extras[i] = {}
        extras[i][key] = value  # type: ignore[index]

    tps = _objects(models, "top_provider")
    archs = _objects(models, "architecture")
    for objs, known, prefix in ((tps, _KNOWN_TOP_PROVIDER, "top_provider."), (archs, _KNOWN_ARCH, "architecture.")):
        if set().union(*objs) <= known:
            continue
        for i, obj in enumerate(objs):
            for k in obj.keys() - known:
                note(i, prefix + k, obj[k])

    both = [modalities(a) or (None, None) for a in archs]
    in_mods: list[Any] = [b[0] for b in both]
    out_mods: list[Any] = [b[1] for b in both]
    in_flags = _flags(in_mods, [k for k in KNOWN_MODALITIES if k != "embeddings"])
    out_flags = _flags(out_mods, [k for k in KNOWN_MODALITIES if k not in ("file", "video")])

    for i, m in enumerate(models):
        pricing = m.get("pricing")
        if pricing is not None and type(pricing) is not dict:
            note(i, "pricing", pricing)
    raw_prices = _numeric_family(models, "pricing", KNOWN_PRICE_KEYS)
    overrides = raw_prices.pop("overrides", [None] * n)
    dynamic = np.zeros(n, dtype=bool)
    prices: dict[str, np.ndarray] = {}
    for k, vals in raw_prices.items():
        try:
            col = np.array(vals, dtype=float)
        except (TypeError, ValueError):  # some value is not a number: keep it raw rather than lose it
            col = np.array([_num(v) for v in vals], dtype=float)
            for i in np.flatnonzero(np.isnan(col)):
                if vals[i] is not None:
                    note(int(i), "pricing." + k, vals[i])
        negative = col < 0  # "-1" means dynamic pricing, never a negative price
        if negative.any():
            dynamic |= negative
            col[negative] = np.nan
        prices[k] = col

    defaults = _numeric_family(models, "default_parameters", KNOWN_DEFAULT_KEYS)
    limits = _numeric_family(models, "per_request_limits", ()) if "per_request_limits" in present else {}

    alias_targets = _objects(models, "alias_target") if "alias_target" in present else [_EMPTY] * n
    links = _objects(models, "links") if "links" in present else [_EMPTY] * n
    for i, lk in enumerate(links):
        if len(lk) > 1 or (lk and "details" not in lk):
            note(i, "links", lk)

    prompt = prices["prompt"]
    completion = prices["completion"]
    hf = [m.get("hugging_face_id") for m in models]
    created = [m.get("created") for m in models]
    cols: dict[str, Any] = {
        "id": _str_array(ids),
        "author": _str_array(author),
        "slug": _str_array(slug),
        "variant": _str_array(variant),
        "is_alias": np.array(is_alias, dtype=bool),
        "canonical_slug": _str_array([m.get("canonical_slug") for m in models]),
        "name": _str_array([m.get("name") for m in models]),
        "description": _str_array([m.get("description") for m in models]),
        "hugging_face_id": _str_array([h if h else None for h in hf]),
        "created": _timestamp_array(created),
        "knowledge_cutoff": _date_array(column("knowledge_cutoff")),
        "expiration_date": _date_array(column("expiration_date")),
        "context_length": _int_array([m.get("context_length") for m in models]),
        "max_completion_tokens": _int_array([t.get("max_completion_tokens") for t in tps]),
        "top_provider_context_length": _int_array([t.get("context_length") for t in tps]),
        "is_moderated": _bool_array([t.get("is_moderated") for t in tps]),
        "modality": _str_array([a.get("modality") for a in archs]),
        "tokenizer": _str_array([a.get("tokenizer") for a in archs]),
        "instruct_type": _str_array([a.get("instruct_type") for a in archs]),
        "input_modalities": _list_array(in_mods),
        "output_modalities": _list_array(out_mods),
        "prompt_usd_per_mtok": prompt * 1e6,
        "completion_usd_per_mtok": completion * 1e6,
        "is_free": pd.arrays.BooleanArray(
            (prompt == 0) & (completion == 0), np.isnan(prompt) | np.isnan(completion)
        ),
        "dynamic_pricing": dynamic,
        "pricing_overrides": _json_array(overrides),
        "supported_parameters": _list_array([m.get("supported_parameters") for m in models]),
        "supported_voices": _list_array(column("supported_voices")),
        "reasoning": _json_array(column("reasoning")),
        "benchmarks": _json_array(column("benchmarks")),
        "alias_target_slug": _str_array([a.get("slug") for a in alias_targets]),
        "alias_target_name": _str_array([a.get("name") for a in alias_targets]),
        "links_details": _str_array([lk.get("details") for lk in links]),
    }
    for k, flags in in_flags.items():
        cols["input_" + k] = flags
    for k, flags in out_flags.items():
        cols["output_" + k] = flags
    cols["price_prompt"] = prompt
    cols["price_completion"] = completion
    for k, col in prices.items():
        if k not in ("prompt", "completion"):
            cols["price_" + k] = col
    for k, vals in defaults.items():
        cols["default_" + k] = _float_array(vals)
    for k, vals in limits.items():
        cols["per_request_limit_" + k] = _float_array(vals)
    cols["extra"] = _json_array(extras)
    return _frame(cols, n)


def _frame(cols: dict[str, Any], n: int) -> pd.DataFrame:
    """A DataFrame from already-typed 1-D arrays of length ``n``.

    ``DataFrame._from_arrays`` skips re-validating arrays this module has just built (a third of
    the construction time); it has been pandas' own fast path for years. Should it ever change,
    the public constructor gives the same frame.
    """
    try:
        return pd.DataFrame._from_arrays(list(cols.values()), columns=list(cols), index=pd.RangeIndex(n),
                                         verify_integrity=False)  # fmt: skip
    except (AttributeError, TypeError):
        return pd.DataFrame(cols, copy=False)


_EMPTY: dict[str, Any] = {}


def _objects(models: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """``model[field]`` for every model, with anything that is not an object as an empty dict."""
    return [v if type(v := m.get(field)) is dict else _EMPTY for m in models]


def _flags(lists: list[Any], known: list[str]) -> dict[str, np.ndarray]:
    """One boolean array per modality: the known ones always, then any other that appears."""
    n = len(lists)
    flags = {k: np.zeros(n, dtype=bool) for k in known}
    for i, items in enumerate(lists):
        if type(items) is not list:
            continue
        for x in items:
            col = flags.get(x)
            if col is None:
                if type(x) is not str:
                    continue
                col = flags[x] = np.zeros(n, dtype=bool)
            col[i] = True
    extra = sorted(set(flags).difference(known))
    return {k: flags[k] for k in [*known, *extra]}


def _numeric_family(
    models: list[dict[str, Any]], field: str, known: tuple[str, ...]
) -> dict[str, list[Any]]:
    """``{key: [value or None per model]}`` for a flat object of numbers (pricing, default_parameters).

    Values are left raw; :func:`_float_array` converts each column at once.
    """
    objs = _objects(models, field)
    keys = list(known) + sorted(set().union(*objs).difference(known))
    return {k: [o.get(k) for o in objs] for k in keys}


def _timestamp_array(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """Unix seconds -> tz-aware UTC timestamps (second resolution); anything else becomes NaT."""
    try:
        secs = np.array(values, dtype=float)
    except (TypeError, ValueError):
        secs = np.array([v if type(v) in (int, float) else None for v in values], dtype=float)
    return pd.array(secs.astype("datetime64[s]"), dtype=_UTC_SECONDS)
