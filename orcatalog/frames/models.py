"""Model objects (parsed JSON) -> the contract DataFrame. Pure functions: no HTTP, no files.

The column contract lives in :mod:`orcatalog.schema`. A column with a ``source`` is filled here by
one converter per dtype (:data:`CONVERTERS`), which also applies the contract's rules for values of
the wrong JSON type; the few derived columns have one function each (:data:`DERIVED`); families
(``price_``, ``default_``, ``per_request_limit_``, ``input_``/``output_``) follow the body's keys.
It is on the hot path (a cached ``fetch_models()`` is mostly this), so it builds plain Python
lists in one pass, screens their types with a set, and turns each into a typed array once.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SchemaError
from ..schema import COLUMNS, KNOWN_DEFAULT_KEYS, KNOWN_MODALITIES, KNOWN_PRICE_KEYS, MAX_COUNT, MAX_TIME, MIN_TIME

__all__ = ["models_frame", "list_frame", "check_body", "modalities", "CONVERTERS", "DERIVED"]

_LIST_TYPE = pa.list_(pa.string())
_STR = pd.StringDtype(na_value=np.nan)
_UTC_SECONDS = pd.DatetimeTZDtype("s", "UTC")
_OLD_MODALITY = {"text": (["text"], ["text"]), "multimodal": (["text", "image"], ["text"])}
_NONE = type(None)
_NUMBER_TYPES = frozenset({int, float, str, _NONE})  # what a numeric field may hold before parsing
_EMPTY: dict[str, Any] = {}

#: Objects read by families or derived columns, beyond the ``source`` paths of the contract.
_FAMILY_OBJECTS = {"pricing": "price_", "default_parameters": "default_", "per_request_limits": "per_request_limit_"}
_DERIVED_INPUTS = {("id",), ("hugging_face_id",), ("architecture", "input_modalities"),
                   ("architecture", "output_modalities"), *((k,) for k in _FAMILY_OBJECTS)}  # fmt: skip
_SOURCES = {c.source for c in COLUMNS if c.source} | _DERIVED_INPUTS
_KNOWN_TOP = frozenset(path[0] for path in _SOURCES)
#: Nested objects whose unknown keys go to ``extra`` as ``object.key`` (families keep every key).
_KNOWN_NESTED = {
    top: frozenset(p[1] for p in _SOURCES if len(p) == 2 and p[0] == top)
    for top in {p[0] for p in _SOURCES if len(p) == 2} - set(_FAMILY_OBJECTS)
}


class _Rows:
    """One call's models and what is learned about them on the way: ids for messages, the objects
    at each top-level key, fields kept in ``extra``, and values that could not be read."""

    def __init__(self, models: list[dict[str, Any]], ids: list[str], url: str | None) -> None:
        self.models = models
        self.ids = ids
        self.n = len(models)
        self.url = url
        self.present: set[str] = set().union(*models)  # every top-level key, in one C-level pass
        self.extras: list[dict[str, Any] | None] = [None] * self.n
        self.unreadable: list[str] = []
        self._objects: dict[str, list[dict[str, Any]]] = {}

    def refuse(self, i: int, field: str, why: str) -> NoReturn:
        """Raise the SchemaError for a value of the wrong JSON type (see schema's contract docs)."""
        where = f" in {self.url}" if self.url else ""
        raise SchemaError(f"model {self.ids[i]!r}{where}: {field} {why}", url=self.url)

    def keep(self, i: int, field: str, value: Any, *, unreadable: bool = False) -> None:
        """Put ``value`` in row ``i``'s ``extra`` under ``field``; warn later when it was unreadable."""
        if self.extras[i] is None:
            self.extras[i] = {}
        self.extras[i][field] = value  # type: ignore[index]
        if unreadable:
            self.unreadable.append(f"{self.ids[i]!r} {field}={_json(value)[:40]}")

    def top(self, key: str) -> list[Any]:
        """``model[key]`` for every model (all None when no model has the key)."""
        return [m.get(key) for m in self.models] if key in self.present else [None] * self.n

    def objects(self, key: str) -> list[dict[str, Any]]:
        """``model[key]`` for every model as a dict (null as an empty one); anything else is refused."""
        found = self._objects.get(key)
        if found is None and key not in self.present:
            found = self._objects[key] = [_EMPTY] * self.n
        elif found is None:
            values = self.top(key)
            found = [v if type(v) is dict else _EMPTY for v in values]
            if not set(map(type, values)) <= {dict, _NONE}:
                i = next(i for i, v in enumerate(values) if type(v) not in (dict, _NONE))
                self.refuse(i, key, f"is a JSON {_kind(values[i])}, not an object")
            self._objects[key] = found
        return found

    def values(self, path: tuple[str, ...]) -> list[Any]:
        """The value at a key path (one or two keys) for every model."""
        if len(path) == 1:
            return self.ids if path[0] == "id" else self.top(path[0])
        key = path[1]
        return [o.get(key) for o in self.objects(path[0])]


def _kind(value: Any) -> str:
    return {bool: "boolean", dict: "object", list: "array", str: "string", _NONE: "null"}.get(type(value), "number")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


# -- converters: one per contract dtype; each applies that dtype's wrong-type rule -------------------


def _to_str(values: list[Any], field: str, rows: _Rows) -> pd.api.extensions.ExtensionArray:
    """Strings stay; null stays null; any other JSON value becomes its JSON text (never lost)."""
    try:
        arr = pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array([v if v is None or type(v) is str else _dump(v, i, field, rows) for i, v in enumerate(values)],
                       type=pa.large_string())  # fmt: skip
    return _STR.__from_arrow__(arr)


def _dump(value: Any, i: int, field: str, rows: _Rows) -> str:
    """``value`` as JSON text; refused, naming the innermost key found, when JSON cannot hold it."""
    try:
        return _json(value)
    except orjson.JSONEncodeError as exc:
        if type(value) is dict:  # name the key inside (``extra``'s keys are field paths already)
            field = next((key if field == "extra" else f"{field}.{key}" for key, inner in value.items()
                          if not _writable(inner)), field)  # fmt: skip
        rows.refuse(i, field, f"cannot be kept as JSON ({exc}; nested too deeply?)")


def _writable(value: Any) -> bool:
    try:
        _json(value)
    except orjson.JSONEncodeError:
        return False
    return True


def _to_json(values: list[Any], field: str, rows: _Rows) -> pd.api.extensions.ExtensionArray:
    """Any JSON values -> a str column of compact JSON text (null stays null)."""
    if any(v is not None for v in values):
        try:
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        except orjson.JSONEncodeError:
            values = [None if v is None else _dump(v, i, field, rows) for i, v in enumerate(values)]
    return _to_str(values, field, rows)


def _to_count(values: list[Any], field: str, rows: _Rows) -> pd.api.extensions.ExtensionArray:
    """Counts (tokens) -> nullable Int64: integers from 0 to MAX_COUNT, or integral numbers/numeric strings."""
    if not set(map(type, values)) <= {int, _NONE}:
        values = [_count(v, i, field, rows) for i, v in enumerate(values)]
    floats = _huge_safe(values, field, rows, "a count (0 to 2**53)")
    mask = np.isnan(floats)
    bad = ~mask & ((floats < 0) | (floats > MAX_COUNT))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rows.refuse(i, field, f"= {values[i]!r} is out of range for a count (0 to 2**53)")
    return pd.arrays.IntegerArray(np.where(mask, 0, floats).astype(np.int64), mask)


def _huge_safe(values: list[Any], field: str, rows: _Rows, what: str) -> np.ndarray:
    """Numbers (and null) as float64; an integer beyond float's range is refused, not a crash."""
    try:
        return np.array(values, dtype=float)
    except OverflowError:
        i = next(i for i, v in enumerate(values) if type(v) is int and abs(v) > MAX_COUNT)
        rows.refuse(i, field, f"= {values[i]} is out of range for {what}")


def _count(value: Any, i: int, field: str, rows: _Rows) -> int | None:
    if value is None or type(value) is int:
        return value
    number = None
    if type(value) is float:
        number = value
    elif type(value) is str:
        try:
            number = float(value)
        except ValueError:
            pass
    if number is None or not np.isfinite(number) or number != int(number):
        rows.refuse(i, field, f"= {_json(value)[:40]} is not an integer count")
    return int(number)


def _to_boolean(values: list[Any], field: str, rows: _Rows) -> pd.api.extensions.ExtensionArray:
    """true/false/null -> nullable boolean; anything else is refused."""
    _only(values, {bool, _NONE}, field, rows, "true, false or null")
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    data = np.fromiter((v is True for v in values), dtype=bool, count=len(values))
    return pd.arrays.BooleanArray(data, mask)


def _to_bool(values: list[Any], field: str, rows: _Rows) -> np.ndarray:
    """true/false (null is false) -> bool; anything else is refused."""
    _only(values, {bool, _NONE}, field, rows, "true, false or null")
    return np.fromiter((v is True for v in values), dtype=bool, count=len(values))


def _only(values: list[Any], allowed: set[type], field: str, rows: _Rows, what: str) -> None:
    if not set(map(type, values)) <= allowed:
        i = next(i for i, v in enumerate(values) if type(v) not in allowed)
        rows.refuse(i, field, f"is a JSON {_kind(values[i])}, expected {what}")


def _to_timestamp(values: list[Any], field: str, rows: _Rows) -> pd.api.extensions.ExtensionArray:
    """Unix seconds -> tz-aware UTC timestamps (second resolution); null becomes NaT; a time
    outside MIN_TIME..MAX_TIME or a non-number is refused."""
    _only(values, {int, float, _NONE}, field, rows, "Unix seconds")
    secs = _huge_safe(values, field, rows, "a time")
    bad = ~np.isnan(secs) & ~((secs >= MIN_TIME) & (secs < MAX_TIME))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rows.refuse(i, field, f"= {values[i]!r} is not a plausible time (Unix seconds, years 2000 to 2100)")
    return pd.array(secs.astype("datetime64[s]"), dtype=_UTC_SECONDS)


def _to_date(values: list[Any], field: str, rows: _Rows) -> np.ndarray:
    """``YYYY-MM-DD`` strings (or null) -> datetime64[s]; a non-string is refused, a string that is
    not a date becomes NaT and goes to ``extra`` with a warning."""
    if not any(values):
        return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    _only(values, {str, _NONE}, field, rows, "a date string")
    clean = [v or None for v in values]
    try:
        days = np.array(clean, dtype="datetime64[D]")
    except ValueError:
        days = np.array([_one_date(v, i, field, rows) for i, v in enumerate(clean)], dtype="datetime64[D]")
    return days.astype("datetime64[s]")


def _one_date(value: str | None, i: int, field: str, rows: _Rows) -> np.datetime64 | None:
    if value is None:
        return None
    try:
        return np.datetime64(value[:10], "D")
    except ValueError:
        rows.keep(i, field, value, unreadable=True)
        return None


def _to_list(values: list[Any], field: str, rows: _Rows) -> pd.api.extensions.ExtensionArray:
    """Lists of strings (or null) as an Arrow list column; anything else is refused."""
    if set(map(type, values)) <= {list, _NONE}:  # Arrow would take a string as a list of characters
        try:
            arr = pa.array(values, type=_LIST_TYPE)
            if arr.values.null_count == 0:  # no null inside a list
                return pd.arrays.ArrowExtensionArray(arr)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    i = next(i for i, v in enumerate(values)
             if v is not None and (type(v) is not list or not all(type(x) is str for x in v)))  # fmt: skip
    rows.refuse(i, field, f"is not a list of strings ({_dump(values[i], i, field, rows)[:40]})")


_PARSED: dict[Any, float] = {None: np.nan}

#: One converter per contract dtype: ``(values, field, rows) -> typed array``.
CONVERTERS: dict[str, Callable[[list[Any], str, _Rows], Any]] = {
    "str": _to_str,
    "json": _to_json,
    "Int64": _to_count,
    "boolean": _to_boolean,
    "bool": _to_bool,
    "datetime64[s, UTC]": _to_timestamp,
    "datetime64[s]": _to_date,
    "list<string>": _to_list,
}


def _floats(values: list[Any]) -> tuple[np.ndarray, list[int]]:
    """Numbers or numeric strings as float64 (null is NaN), and the indexes of values that are not
    (unreadable strings, booleans, lists, objects: NaN in the array).

    Prices arrive as a few dozen distinct strings, so parsed strings are remembered (only strings
    and null are keys: ``True`` can never match one, it takes the checked path)."""
    try:
        return np.array([_PARSED[v] for v in values], dtype=float), []
    except (KeyError, TypeError):  # a string not seen before, a number, or something else
        pass
    if len(_PARSED) > 65536:
        _PARSED.clear()
        _PARSED[None] = np.nan
    for v in values:
        if type(v) is str and v not in _PARSED:
            try:
                _PARSED[v] = float(v)
            except ValueError:
                pass
    if set(map(type, values)) <= _NUMBER_TYPES:
        try:
            return np.array(values, dtype=float), []
        except (ValueError, OverflowError):
            pass
    out = np.full(len(values), np.nan)
    bad = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if type(v) in _NUMBER_TYPES:
            try:
                out[i] = float(v)
                continue
            except (ValueError, OverflowError):
                pass
        bad.append(i)
    return out, bad


# -- derived columns ----------------------------------------------------------------------------


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


class _Derived:
    """The values several derived columns share, computed once per call."""

    def __init__(self, rows: _Rows) -> None:
        ids = rows.ids
        self.is_alias = [mid.startswith("~") for mid in ids]
        halves = [(mid[1:] if alias else mid).partition("/") for mid, alias in zip(ids, self.is_alias)]
        self.author = [h[0] if h[1] else None for h in halves]
        tails = [(h[2] if h[1] else h[0]).partition(":") for h in halves]
        self.slug = [t[0] for t in tails]
        self.variant = [t[2] if t[1] else None for t in tails]
        both = [modalities(a) or (None, None) for a in rows.objects("architecture")]
        self.input_lists = [b[0] for b in both]
        self.output_lists = [b[1] for b in both]
        self.inputs = _to_list(self.input_lists, "architecture.input_modalities", rows)
        self.outputs = _to_list(self.output_lists, "architecture.output_modalities", rows)
        self.prices, self.raw_prices, self.dynamic = _prices(rows)


def _prices(rows: _Rows) -> tuple[dict[str, np.ndarray], dict[str, list[Any]], np.ndarray]:
    """``{key: USD per token}`` for every pricing key, the raw values, and the dynamic-pricing flag
    ("-1", or any negative price, means the price is decided per request: null, never negative)."""
    raw = _family(rows, "pricing", KNOWN_PRICE_KEYS, skip=("overrides",))
    dynamic = np.zeros(rows.n, dtype=bool)
    prices = {}
    for key, values in raw.items():
        col, unreadable = _floats(values)
        for i in unreadable:
            if type(values[i]) is not str:
                rows.refuse(i, f"pricing.{key}", f"is a JSON {_kind(values[i])}, not a price (a decimal string or number)")
            rows.keep(i, f"pricing.{key}", values[i], unreadable=True)
        negative = col < 0
        if negative.any():
            dynamic |= negative
            col[negative] = np.nan
        prices[key] = col
    return prices, raw, dynamic


def _usd_per_mtok(raw: list[Any], per_token: np.ndarray) -> np.ndarray:
    """USD per token -> USD per million tokens: the exact decimal scaling of the value the API wrote
    (``"0.000000239"`` -> 0.239, never 0.23900000000000002). Null and dynamic prices stay NaN."""
    try:
        out = np.array([_SCALED[v] for v in raw], dtype=float)
    except (KeyError, TypeError):  # a price not seen before (the same few dozen recur in every body)
        if len(_SCALED) > 8192:
            _SCALED.clear()
        scaled = {v: _scaled(v) for v in set(raw)}
        _SCALED.update(scaled)
        out = np.array([scaled[v] for v in raw], dtype=float)
    out[np.isnan(per_token)] = np.nan
    return out


_SCALED: dict[Any, float] = {}


def _scaled(value: Any) -> float:
    """A decimal string or number times 10**6, exactly (NaN for null or a non-number)."""
    if value is None:
        return np.nan
    try:
        return float(Decimal(value if type(value) is str else repr(value)).scaleb(6))
    except InvalidOperation:
        return np.nan


def _hugging_face_id(rows: _Rows, d: _Derived) -> Any:
    return _to_str([v or None for v in rows.top("hugging_face_id")], "hugging_face_id", rows)


def _is_free(rows: _Rows, d: _Derived) -> Any:
    prompt, completion = d.prices["prompt"], d.prices["completion"]
    return pd.arrays.BooleanArray((prompt == 0) & (completion == 0), np.isnan(prompt) | np.isnan(completion))


#: One function per derived column (a column of the contract without a ``source``).
DERIVED: dict[str, Callable[[_Rows, _Derived], Any]] = {
    "author": lambda rows, d: _to_str(d.author, "id", rows),
    "slug": lambda rows, d: _to_str(d.slug, "id", rows),
    "variant": lambda rows, d: _to_str(d.variant, "id", rows),
    "is_alias": lambda rows, d: np.array(d.is_alias, dtype=bool),
    "hugging_face_id": _hugging_face_id,
    "input_modalities": lambda rows, d: d.inputs,
    "output_modalities": lambda rows, d: d.outputs,
    "prompt_usd_per_mtok": lambda rows, d: _usd_per_mtok(d.raw_prices["prompt"], d.prices["prompt"]),
    "completion_usd_per_mtok": lambda rows, d: _usd_per_mtok(d.raw_prices["completion"], d.prices["completion"]),
    "is_free": _is_free,
    "dynamic_pricing": lambda rows, d: d.dynamic,
    "extra": lambda rows, d: _to_json(rows.extras, "extra", rows),
}


# -- the frame ----------------------------------------------------------------------------------


def check_body(body: Any, *, url: str | None = None) -> list[dict[str, Any]]:
    """The ``data`` list of a list body, checked.

    Args:
        body: a parsed list body (``{"data": [...], ...}``).
        url: where it came from, for the message.

    Returns:
        The ``data`` list.

    Raises:
        SchemaError: the body is not an object with a ``data`` list.
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SchemaError(
            f"expected a JSON object with a 'data' list, got {_shape(body)}" + (f" from {url}" if url else ""),
            url=url,
        )
    return data


def list_frame(body: Any, *, url: str | None = None) -> pd.DataFrame:
    """A list body (``{"data": [model, ...]}``) as the contract frame: the one check of a list body,
    used before a body is cached (fetch) and should be before one is stored (store).

    Args:
        body: the parsed body.
        url: where it came from, for messages.

    Returns:
        The contract frame (see :func:`models_frame`).

    Raises:
        SchemaError: not a list body, or a model breaks the contract (the message names it).
    """
    return models_frame(check_body(body, url=url), url=url)


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
        A DataFrame with the declared columns, typed (prices in USD per token, per-million columns
        in USD per million tokens, counts in tokens, times in UTC).

    Raises:
        SchemaError: an item is not an object or lacks a string ``id``, an id appears twice, or a
            value has the wrong JSON type (the contract's rules; the message names model and field).

    Warns:
        UserWarning: values of the right type that could not be read (a price ``"n/a"``, a date
            ``"soon"``) were kept in ``extra``.
    """
    where = f" in {url}" if url else ""
    ids = [m.get("id") if type(m) is dict else None for m in models]
    if not all(type(x) is str for x in ids):
        i = next(i for i, x in enumerate(ids) if type(x) is not str)
        raise SchemaError(f"model #{i} is not an object with a string 'id'{where}", url=url)
    if unique and len(set(ids)) != len(ids):
        dup = pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]
        raise SchemaError(f"duplicate model id {dup!r}{where}", url=url)
    rows = _Rows(models, ids, url)  # type: ignore[arg-type]
    _keep_unknown(rows)
    derived = _Derived(rows)
    cols: dict[str, Any] = {}
    for column in COLUMNS[:-1]:  # ``extra`` goes last, after the families
        if column.source is None:
            cols[column.name] = DERIVED[column.name](rows, derived)
        else:
            cols[column.name] = CONVERTERS[column.dtype](rows.values(column.source), ".".join(column.source), rows)
    n = rows.n
    for prefix, lists, known in (("input_", derived.input_lists, [k for k in KNOWN_MODALITIES if k != "embeddings"]),
                                 ("output_", derived.output_lists, [k for k in KNOWN_MODALITIES if k not in ("file", "video")])):  # fmt: skip
        for k, flags in _flags(lists, known, n).items():
            cols[prefix + k] = flags
    for key, col in derived.prices.items():
        cols["price_" + key] = col
    for obj, known in (("default_parameters", KNOWN_DEFAULT_KEYS), ("per_request_limits", ())):
        if obj in rows.present or known:
            for key, values in _family(rows, obj, known).items():
                cols[_FAMILY_OBJECTS[obj] + key] = _lenient_floats(values, f"{obj}.{key}", rows)
    cols["extra"] = DERIVED["extra"](rows, derived)
    if rows.unreadable:
        warnings.warn(
            f"orcatalog: {len(rows.unreadable)} value(s){where} could not be read and were kept in 'extra': "
            + ", ".join(rows.unreadable[:5]) + (" ..." if len(rows.unreadable) > 5 else ""),
            UserWarning,
            stacklevel=2,
        )
    return frame_from_arrays(cols, n)


def frame_from_arrays(cols: dict[str, Any], n: int) -> pd.DataFrame:
    """A DataFrame from typed 1-D arrays of length ``n``, without pandas re-checking them.

    The one use of a private pandas API (``DataFrame._from_arrays``): bench/fetch.py measured the
    public ``pd.DataFrame(cols, index=...)`` at about 0.35 ms more per catalog (its validation and
    block consolidation), a tenth of ``json.loads`` of the body, which the bytes -> frame target
    (<= 2.0x ``json.loads``) cannot spare. Should pandas drop or change it, the public constructor
    gives the same frame (tests/test_flatten.py checks they are equal).

    Args:
        cols: column name -> numpy array or pandas extension array, each of length ``n``.
        n: the number of rows.

    Returns:
        The frame, with a RangeIndex.
    """
    try:
        return pd.DataFrame._from_arrays(list(cols.values()), columns=list(cols), index=pd.RangeIndex(n),
                                         verify_integrity=False)  # fmt: skip
    except (AttributeError, TypeError):
        return pd.DataFrame(cols, index=pd.RangeIndex(n))


def _keep_unknown(rows: _Rows) -> None:
    """Top-level fields and fields of known objects that the contract does not know go to ``extra``."""
    if not rows.present <= _KNOWN_TOP:  # the per-model scan for unknown fields is rare
        for i, m in enumerate(rows.models):
            for k in m.keys() - _KNOWN_TOP:
                rows.keep(i, k, m[k])
    for top, known in _KNOWN_NESTED.items():
        objs = rows.objects(top)
        if set().union(*objs) <= known:
            continue
        for i, obj in enumerate(objs):
            for k in obj.keys() - known:
                rows.keep(i, f"{top}.{k}", obj[k])


def _lenient_floats(values: list[Any], field: str, rows: _Rows) -> np.ndarray:
    """A family that grows keys of any type (default_parameters, per_request_limits): numbers and
    numeric strings (``"Infinity"`` is inf) as float64; anything else to ``extra`` with a warning."""
    floats, unreadable = _floats(values)
    for i in unreadable:
        rows.keep(i, field, values[i], unreadable=True)
    return floats


def _flags(lists: list[Any], known: list[str], n: int) -> dict[str, np.ndarray]:
    """One boolean array per modality: the known ones always, then any other that appears (the
    lists were checked to hold only strings)."""
    flags = {k: np.zeros(n, dtype=bool) for k in known}
    for i, items in enumerate(lists):
        for x in items or ():
            col = flags.get(x)
            if col is None:
                col = flags[x] = np.zeros(n, dtype=bool)
            col[i] = True
    extra = sorted(set(flags).difference(known))
    return {k: flags[k] for k in [*known, *extra]}


def _family(rows: _Rows, obj: str, known: tuple[str, ...], skip: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """``{key: [value or None per model]}`` for a flat object of numbers: the known keys always, then
    every other key the body has (sorted). Values are left raw for the caller to convert."""
    objs = rows.objects(obj)
    keys = list(known) + sorted(set().union(*objs).difference(known, skip))
    return {k: [o.get(k) for o in objs] for k in keys}
