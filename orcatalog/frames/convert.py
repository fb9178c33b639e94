"""JSON values -> typed arrays, one converter per dtype of the column contract, each applying that
dtype's rule for values of the wrong JSON type (documented in :mod:`orcatalog.schema`): refuse with
a :class:`~orcatalog.errors.SchemaError` naming the model and the field, or keep the value in
``extra`` and warn. Used by :mod:`.models`; pure, no I/O.

Each converter screens the types of a column with one ``set(map(type, values))`` and converts the
whole column at once; per-value work happens only when something is off.
"""

from __future__ import annotations

import math
import re
from operator import itemgetter
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SchemaError
from ..schema import MAX_COUNT, MAX_TIME, MIN_TIME

__all__ = ["Rows", "CONVERTERS", "parse_floats", "is_decimal", "json_kind", "key_values"]

_LIST_TYPE = pa.list_(pa.string())
_STR = pd.StringDtype(na_value=np.nan)
_UTC_SECONDS = pd.DatetimeTZDtype("s", "UTC")
_NONE = type(None)
_NUMBER_TYPES = frozenset({int, float, str, _NONE})  # what a numeric field may hold before parsing
#: What a missing or null object reads as.
_EMPTY: dict[str, Any] = {}


class Rows:
    """One call's models and what is learned about them on the way: ids for messages, the objects
    at each top-level key, fields kept in ``extra``, and values that could not be read."""

    def __init__(
        self, models: list[dict[str, Any]], ids: list[str], url: str | None, *, read: dict[str, list[Any]] | None = None
    ) -> None:
        """``read``: top-level columns the caller already read (``{key: [model.get(key), ...]}``)."""
        self.models = models
        self.ids = ids
        self.n = len(models)
        self.url = url
        self.present: set[str] = set().union(*models)  # every top-level key, in one C-level pass
        self.extras: list[dict[str, Any] | None] = [None] * self.n
        self.unreadable: list[str] = []
        self._objects: dict[str, list[dict[str, Any]]] = {}
        self._top: dict[str, list[Any]] = dict(read or {})

    #: What one row is, for messages ("model", "endpoint", "provider").
    what = "model"

    def refuse(self, i: int, field: str, why: str) -> NoReturn:
        """Raise the SchemaError for a value of the wrong JSON type (see schema's contract docs)."""
        where = f" in {self.url}" if self.url else ""
        raise SchemaError(f"{self.what} {self.ids[i]!r}{where}: {field} {why}", url=self.url)

    def keep(self, i: int, field: str, value: Any, *, unreadable: bool = False) -> None:
        """Put ``value`` in row ``i``'s ``extra`` under ``field``; warn later when it was unreadable."""
        if self.extras[i] is None:
            self.extras[i] = {}
        self.extras[i][field] = value  # type: ignore[index]
        if unreadable:
            self.unreadable.append(f"{self.ids[i]!r} {field}={_json(value)[:40]}")

    def top(self, key: str) -> list[Any]:
        """``model[key]`` for every model (all None when no model has the key); read once per key,
        so the caller must not change the list."""
        if key not in self.present:
            return [None] * self.n
        found = self._top.get(key)
        if found is None:
            found = self._top[key] = key_values(self.models, key)
        return found

    def objects(self, key: str) -> list[dict[str, Any]]:
        """``model[key]`` for every model as a dict (null as an empty one); anything else is refused."""
        found = self._objects.get(key)
        if found is None and key not in self.present:
            found = self._objects[key] = [_EMPTY] * self.n
        elif found is None:
            values = self.top(key)
            kinds = set(map(type, values))
            if not kinds <= {dict, _NONE}:
                i = next(i for i, v in enumerate(values) if type(v) not in (dict, _NONE))
                self.refuse(i, key, f"is a JSON {json_kind(values[i])}, not an object")
            found = values if _NONE not in kinds else [v if type(v) is dict else _EMPTY for v in values]
            self._objects[key] = found
        return found

    def values(self, path: tuple[str, ...]) -> list[Any]:
        """The value at a key path (one or two keys) for every model."""
        if len(path) == 1:
            return self.ids if path[0] == "id" else self.top(path[0])
        return key_values(self.objects(path[0]), path[1])


def key_values(objects: list[dict[str, Any]], key: str) -> list[Any]:
    """``obj.get(key)`` of every object: in one C-level pass when every object has the key (the
    usual case: the objects of one body share their layout), else object by object."""
    try:
        return list(map(itemgetter(key), objects))
    except (KeyError, TypeError):  # a missing key (or not an object: the same error as before, below)
        return [o.get(key) for o in objects]


def json_kind(value: Any) -> str:
    """The JSON type of a parsed value, for messages: boolean, object, array, string, null, number."""
    return {bool: "boolean", dict: "object", list: "array", str: "string", _NONE: "null"}.get(type(value), "number")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


# -- converters: one per contract dtype; each applies that dtype's wrong-type rule -------------------


def _to_str(values: list[Any], field: str, rows: Rows) -> pd.api.extensions.ExtensionArray:
    """Strings stay; null stays null; any other JSON value becomes its JSON text (never lost)."""
    try:
        arr = pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(
            [v if v is None or type(v) is str else _dump(v, i, field, rows) for i, v in enumerate(values)],
            type=pa.large_string(),
        )
    return string_array(arr)


def string_array(arr: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow string array as the contract's string dtype (``StringDtype(na_value=nan)``), nulls NaN.

    The one call of pandas' Arrow conversion hook ``StringDtype.__from_arrow__`` (the protocol
    ``pd.api.extensions`` dtypes implement, not a documented function): it converts without a
    Python object per value. The public way, ``pd.array(arr.to_pylist(), dtype=...)``, gives the
    same array (tests/test_flatten.py pins them equal) and is the fallback should the hook go.
    """
    try:
        return _STR.__from_arrow__(arr)
    except AttributeError:
        return pd.array(arr.to_pylist(), dtype=_STR)


def _dump(value: Any, i: int, field: str, rows: Rows) -> str:
    """``value`` as JSON text; refused, naming the innermost key found, when JSON cannot hold it."""
    try:
        return _json(value)
    except orjson.JSONEncodeError as exc:
        if type(value) is dict:  # name the key inside (``extra``'s keys are field paths already)
            field = next(
                (key if field == "extra" else f"{field}.{key}" for key, inner in value.items() if not _writable(inner)),
                field,
            )
        rows.refuse(i, field, f"cannot be kept as JSON ({exc}; nested too deeply?)")


def _writable(value: Any) -> bool:
    try:
        _json(value)
    except orjson.JSONEncodeError:
        return False
    return True


def _to_json(values: list[Any], field: str, rows: Rows) -> pd.api.extensions.ExtensionArray:
    """Any JSON values -> a str column of compact JSON text (null stays null)."""
    if any(v is not None for v in values):
        try:
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        except orjson.JSONEncodeError:
            values = [None if v is None else _dump(v, i, field, rows) for i, v in enumerate(values)]
    return _to_str(values, field, rows)


def _to_count(values: list[Any], field: str, rows: Rows) -> pd.api.extensions.ExtensionArray:
    """Counts (tokens) -> nullable Int64: integers from 0 to MAX_COUNT (checked exactly: a column
    whose floats are all below 2**53, where floats are exact, at once; any other one value by value,
    before a float rounds 2**53 + 1 down), or integral numbers / decimal strings."""
    if not set(map(type, values)) <= {int, _NONE}:
        values = [_count(v, i, field, rows) for i, v in enumerate(values)]
    try:
        floats = np.array(values, dtype=float)
        seen = floats[~np.isnan(floats)]
        exact = not len(seen) or (seen.min() >= 0 and seen.max() < MAX_COUNT)  # below 2**53 a float is exact
    except OverflowError:
        exact = False
    if not exact:
        for i, v in enumerate(values):
            if v is not None and not 0 <= v <= MAX_COUNT:
                rows.refuse(i, field, f"= {v!r} is out of range for a count (0 to 2**53)")
        floats = _huge_safe(values, field, rows, "a count (0 to 2**53)")
    mask = np.isnan(floats)
    bad = ~mask & ((floats < 0) | (floats > MAX_COUNT))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rows.refuse(i, field, f"= {values[i]!r} is out of range for a count (0 to 2**53)")
    return pd.arrays.IntegerArray(np.where(mask, 0, floats).astype(np.int64), mask)


def _huge_safe(values: list[Any], field: str, rows: Rows, what: str) -> np.ndarray:
    """Numbers (and null) as float64; an integer beyond float's range is refused, not a crash."""
    try:
        return np.array(values, dtype=float)
    except OverflowError:
        i = next(i for i, v in enumerate(values) if type(v) is int and abs(v) > MAX_COUNT)
        rows.refuse(i, field, f"= {values[i]} is out of range for {what}")


def _count(value: Any, i: int, field: str, rows: Rows) -> int | None:
    if value is None or type(value) is int:
        return value
    number = None
    if type(value) is float:
        number = value
    elif type(value) is str and is_decimal(value):
        try:
            number = float(value)
        except OverflowError:
            pass
    if number is None or not np.isfinite(number) or number != int(number):
        rows.refuse(i, field, f"= {_json(value)[:40]} is not an integer count")
    return int(number)


def _to_boolean(values: list[Any], field: str, rows: Rows) -> pd.api.extensions.ExtensionArray:
    """true/false/null -> nullable boolean; anything else is refused."""
    _only(values, {bool, _NONE}, field, rows, "true, false or null")
    arr = pa.array(values, type=pa.bool_())  # only true, false and null here
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    data = arr.fill_null(False).to_numpy(zero_copy_only=False)
    return pd.arrays.BooleanArray(data, mask)


def _to_bool(values: list[Any], field: str, rows: Rows) -> np.ndarray:
    """true/false (null is false) -> bool; anything else is refused."""
    _only(values, {bool, _NONE}, field, rows, "true, false or null")
    return np.fromiter((v is True for v in values), dtype=bool, count=len(values))


def _only(values: list[Any], allowed: set[type], field: str, rows: Rows, what: str) -> None:
    if not set(map(type, values)) <= allowed:
        i = next(i for i, v in enumerate(values) if type(v) not in allowed)
        rows.refuse(i, field, f"is a JSON {json_kind(values[i])}, expected {what}")


def _to_timestamp(values: list[Any], field: str, rows: Rows) -> pd.api.extensions.ExtensionArray:
    """Unix seconds -> tz-aware UTC timestamps (second resolution); null becomes NaT; a time
    outside MIN_TIME..MAX_TIME or a non-number is refused."""
    _only(values, {int, float, _NONE}, field, rows, "Unix seconds")
    secs = _huge_safe(values, field, rows, "a time")
    bad = ~np.isnan(secs) & ~((secs >= MIN_TIME) & (secs < MAX_TIME))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rows.refuse(i, field, f"= {values[i]!r} is not a plausible time (Unix seconds, years 2000 to 2100)")
    return pd.array(secs.astype("datetime64[s]"), dtype=_UTC_SECONDS)


def _to_date(values: list[Any], field: str, rows: Rows) -> np.ndarray:
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


def _one_date(value: str | None, i: int, field: str, rows: Rows) -> np.datetime64 | None:
    if value is None:
        return None
    try:
        return np.datetime64(value[:10], "D")
    except ValueError:
        rows.keep(i, field, value, unreadable=True)
        return None


def _to_list(values: list[Any], field: str, rows: Rows) -> pd.api.extensions.ExtensionArray:
    """Lists of strings (or null) as an Arrow list column; anything else is refused."""
    if set(map(type, values)) <= {list, _NONE}:  # Arrow would take a string as a list of characters
        try:
            arr = pa.array(values, type=_LIST_TYPE)
            if arr.values.null_count == 0:  # no null inside a list
                return pd.arrays.ArrowExtensionArray(arr)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    i = next(
        i for i, v in enumerate(values) if v is not None and (type(v) is not list or not all(type(x) is str for x in v))
    )
    rows.refuse(i, field, f"is not a list of strings ({_dump(values[i], i, field, rows)[:40]})")


def _to_float(values: list[Any], field: str, rows: Rows) -> np.ndarray:
    """Measurements (percent, milliseconds, tokens per second) -> float64; null stays NaN; a
    number or numeric string is read; a boolean, list, object or unreadable string is refused."""
    floats, unreadable = parse_floats(values)
    if unreadable:
        i = unreadable[0]
        rows.refuse(i, field, f"= {_json(values[i])[:40]} is not a number")
    return floats


#: One converter per contract dtype: ``(values, field, rows) -> typed array``.
CONVERTERS: dict[str, Callable[[list[Any], str, Rows], Any]] = {
    "str": _to_str,
    "json": _to_json,
    "Int64": _to_count,
    "boolean": _to_boolean,
    "bool": _to_bool,
    "datetime64[s, UTC]": _to_timestamp,
    "datetime64[s]": _to_date,
    "list<string>": _to_list,
    "float64": _to_float,
}


#: A decimal number as JSON writes one (optional sign, digits, fraction, exponent): what a price or
#: count string must look like. ``float()`` alone would also take ``"1_000"``, ``" 1"``, ``"+1"``,
#: ``"Infinity"`` and ``"NaN"``.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_INFINITY = frozenset({"Infinity", "-Infinity"})


def is_decimal(text: str, *, infinity: bool = False) -> bool:
    """Whether ``text`` is a decimal number as JSON writes one (``"0.000000239"``, ``"-1"``,
    ``"1e-7"``; not ``"-01"``); with ``infinity``, ``"Infinity"`` and ``"-Infinity"`` too. The one
    grammar of numeric strings."""
    return _DECIMAL.fullmatch(text) is not None or (infinity and text in _INFINITY)


#: Decimal numbers, one per line: :data:`_DECIMAL`'s grammar checked on many strings in one call.
_DECIMAL_LINES = re.compile(f"(?:{_DECIMAL.pattern}\n)*")
_ONLY_NULL = frozenset({_NONE})


def _all_decimal(strings: set[str], infinity: bool) -> bool:
    """Whether every string is :func:`is_decimal`: one regex pass over them joined by newlines (a
    price column of a zdr body holds about 1,500 distinct strings), per string only when one fails
    that pass (no decimal holds a newline, so the joined text splits back exactly)."""
    if not strings:
        return True
    text = "\n".join(strings) + "\n"
    if text.count("\n") == len(strings) and _DECIMAL_LINES.fullmatch(text) is not None:
        return True
    return all(is_decimal(v, infinity=infinity) for v in strings)


def _underflows(value: Any) -> bool:
    """A decimal string that is not zero but reads as 0.0 (``"1e-400"``): beyond float's range."""
    return type(value) is str and any(c in "123456789" for c in value.partition("e")[0].partition("E")[0])


def parse_floats(values: list[Any], *, infinity: bool = False) -> tuple[np.ndarray, list[int]]:
    """Numbers or decimal strings (:func:`is_decimal`) as float64, null as NaN, and the indexes of
    values that are not readable numbers: strings of another shape (``"1_000"``, ``"NaN"``,
    ``"n/a"``), values beyond float's range (``"1e400"``, ``10**400``, ``"1e-400"``), non-finite numbers, booleans,
    lists, objects (NaN in the array). With ``infinity``, ``"Infinity"`` reads as inf (the limit
    families)."""
    kinds = set(map(type, values))
    if kinds == _ONLY_NULL:  # a key no object has (most price keys of an endpoints body)
        return np.full(len(values), np.nan), []
    if kinds <= _NUMBER_TYPES:  # no booleans: numpy would read true as 1.0
        strings = {v for v in set(values) if type(v) is str} if str in kinds else set()  # few distinct
        if _all_decimal(strings, infinity):
            try:
                out = np.array(values, dtype=float)
            except (ValueError, OverflowError):
                out = None
            if out is not None:
                finite = np.isfinite(out)
                underflow = any(float(v) == 0 and _underflows(v) for v in strings)  # each distinct string once
                if not underflow and (
                    finite.all()
                    or (int(np.isnan(out).sum()) == values.count(None) and (infinity or not np.isinf(out).any()))
                ):
                    return out, []
    out = np.full(len(values), np.nan)
    bad = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if type(v) in _NUMBER_TYPES and (type(v) is not str or is_decimal(v, infinity=infinity)):
            try:
                number = float(v)
            except OverflowError:
                number = math.nan
            if (math.isfinite(number) and not (number == 0 and _underflows(v))) or (
                infinity and type(v) is str and v in _INFINITY
            ):
                out[i] = number
                continue
        bad.append(i)
    return out, bad
