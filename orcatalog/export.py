"""Write any orcatalog frame to CSV, JSON or parquet, safely, and read CSV and parquet back
(and usage tables: :func:`read_usage`).

- CSV: text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return) get a leading ``'`` (and so does text that already starts with
  ``'``, so :func:`read_csv` can undo it exactly); numeric columns are left numeric (text is
  quoted, numbers are not). List columns are written as JSON arrays (``["text","image"]``):
  ``json.loads`` reads them back.
- parquet: lists stay lists, dtypes are kept (recorded in the file's metadata); provenance
  (``df.attrs``) is stored as JSON text.
- JSON: one object per row, timestamps in ISO 8601 UTC.
- for reading (notebooks, the report's tables): :func:`readable` shows lists as ``text, image``
  and gives each number column one format (the one rule for displayed numbers).

:func:`read_parquet` and :func:`read_csv` give back the dtypes the frame had: the recorded ones
for parquet, the declared contract (:func:`orcatalog.schema.dtype_of`) for CSV, which carries
no types (a categorical column of a history frame comes back as its declared ``str``).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

__all__ = ["to_csv", "to_parquet", "to_json", "read_csv", "read_parquet", "read_usage", "readable"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"
#: Key of the parquet file metadata holding each column's pandas dtype as written.
_DTYPES_KEY = b"orcatalog.dtypes"


def is_list_column(series: pd.Series) -> bool:
    """True for Arrow list columns (modalities, supported parameters)."""
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and str(dtype.pyarrow_dtype).startswith(("list", "large_list"))


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def list_cell_text(value: Any, sep: str = ", ") -> str:
    """A list cell as readable text ("" for a missing list)."""
    return sep.join(map(str, value)) if _is_list(value) else ""


#: Columns shown with one decimal: percentages.
_PERCENT_SUFFIXES = ("pct_change", "_pct", "percent")


#: Columns that hold one quantity at two times (a change's ``old`` and ``new``): shown in one format,
#: so that 0.068154 -> 0.08 is not printed as 0.068154 next to 0.08000 (or 9 decimals next to 5).
_SAME_FORMAT = (("old", "new"),)


def _is_float_cell(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and not np.isnan(value)


def _floats(col: pd.Series) -> np.ndarray:
    """A column's float values: the whole column when it is a float column, else its float cells (a
    mixed ``old`` / ``new`` of a diff holds prices next to lists, counts and flags)."""
    if pd.api.types.is_float_dtype(col.dtype):
        return col.to_numpy(dtype=float, na_value=np.nan)
    if col.dtype == object:
        return np.array([float(v) for v in col.tolist() if _is_float_cell(v)], dtype=float)
    return np.array([], dtype=float)


def _shared_decimals(df: pd.DataFrame) -> dict[str, int]:
    """Decimals for the float columns (or float cells of mixed columns) of :data:`_SAME_FORMAT`
    present in ``df``: one number for both (:func:`_column_decimals` over their values together)."""
    shared: dict[str, int] = {}
    for group in _SAME_FORMAT:
        names = [n for n in group if n in df.columns and len(_floats(df[n]))]
        if names:
            values = np.concatenate([_floats(df[n]) for n in names])
            shared.update(dict.fromkeys([n for n in group if n in df.columns], _column_decimals(names[0], values)))
    return shared


def _column_decimals(name: str, values: np.ndarray) -> int:
    """Decimals for a whole float column: 1 for percentages; 0 when every value is whole; else
    enough to show the smallest non-zero value to 3 significant digits (at most 10)."""
    if str(name).endswith(_PERCENT_SUFFIXES):
        return 1
    finite = values[np.isfinite(values)]
    if not len(finite) or np.all(finite == np.round(finite)):
        return 0
    smallest = float(np.min(np.abs(finite[finite != 0])))
    return int(min(10, max(1, 2 - np.floor(np.log10(smallest)))))


def readable(df: pd.DataFrame, *, decimals: dict[str, int] | None = None) -> pd.DataFrame:
    """A copy of a frame for reading, as notebooks and the report show it: list cells as
    ``text, image, video`` (not ``['text' 'image' 'video']``), each float column in one fixed format
    (percent columns such as ``pct_change`` with one decimal; others with enough decimals to show
    their smallest non-zero value to 3 significant digits; a change's ``old`` and ``new`` share one
    format), missing values as empty cells. Other
    columns are kept as they are. Units are those of the columns (see the column names).

    Args:
        df: any orcatalog frame.
        decimals: column -> decimals, to override the rule for some columns.

    Returns:
        A new frame, same index and column names; list and float columns hold text.

    Raises:
        InvalidParameterError: ``df`` is not a DataFrame.
    """
    from .errors import InvalidParameterError

    if not isinstance(df, pd.DataFrame):
        raise InvalidParameterError(f"readable() takes a DataFrame, got {type(df).__name__}")
    out = df.copy()
    out.attrs = dict(df.attrs)
    decimals = {**_shared_decimals(df), **(decimals or {})}
    for name in df.columns:
        col = df[name]
        if is_list_column(col):
            out[name] = pd.Series([list_cell_text(v) for v in col.tolist()], index=df.index, dtype=object)
        elif col.dtype == object:  # mixed cells (diff's old/new): lists and numbers become text, one format
            places = decimals.get(str(name), _column_decimals(str(name), _floats(col)))
            out[name] = pd.Series(
                [
                    list_cell_text(v) if _is_list(v) else f"{v:,.{places}f}" if _is_float_cell(v) else v
                    for v in col.tolist()
                ],
                index=df.index,
                dtype=object,
            )
        elif pd.api.types.is_float_dtype(col.dtype):
            values = col.to_numpy(dtype=float, na_value=np.nan)
            places = decimals.get(str(name), _column_decimals(str(name), values))
            out[name] = pd.Series(
                ["" if np.isnan(v) else f"{v:,.{places}f}" for v in values], index=df.index, dtype=object
            )
    return out


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith((*_FORMULA_START, _ESCAPE)):
        return _ESCAPE + value
    return value


def _restore_text(value: Any) -> Any:
    """Undo :func:`_neutralise`."""
    if isinstance(value, str) and value.startswith(_ESCAPE):
        return value[1:]
    return value


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if is_list_column(col):
            out[name] = [json.dumps(list(v)) if _is_list(v) else None for v in col.tolist()]
        elif isinstance(col.dtype, pd.CategoricalDtype):  # history() text columns: neutralise the categories
            out[name] = col.cat.rename_categories([_neutralise(c) for c in col.cat.categories])
        elif pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
            out[name] = col.map(_neutralise, na_action="ignore")
    return out


def _jsonable_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Provenance as plain JSON values (timestamps as ISO text, indexes as lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, (pd.Timestamp, np.datetime64)):
            return pd.Timestamp(value).isoformat()
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, pd.Index, np.ndarray)):
            return [plain(v) for v in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)

    return plain(dict(attrs))


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str] | IO[str], **kwargs: Any) -> None:
    """Write ``df`` as CSV with formula injection neutralised and lists as JSON arrays.

    Args:
        df: any orcatalog frame.
        path: a file path or an open text file.
        kwargs: passed to ``DataFrame.to_csv`` (``index`` defaults to False).

    Raises:
        OSError: the file cannot be written.
    """
    kwargs.setdefault("index", False)
    # pandas leaves a lone "\r" unquoted, which splits the row for every reader: quote all text
    kwargs.setdefault("quoting", csv.QUOTE_NONNUMERIC)
    _csv_frame(df).to_csv(path, **kwargs)


def to_json(df: pd.DataFrame, path: str | os.PathLike[str] | IO[str] | None = None) -> str | None:
    """Write ``df`` as a JSON array of row objects (ISO timestamps); return the text when ``path`` is None."""
    records = []
    for row in df.to_dict(orient="records"):
        records.append({k: _json_value(v) for k, v in row.items()})
    text = json.dumps(records, ensure_ascii=False, indent=1)
    if path is None:
        return text
    if hasattr(path, "write"):
        path.write(text)  # type: ignore[union-attr]
    else:
        Path(path).write_text(text, encoding="utf-8")
    return None


def _json_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def to_parquet(df: pd.DataFrame, path: str | os.PathLike[str] | IO[bytes], **kwargs: Any) -> None:
    """Write ``df`` as parquet (pyarrow), keeping dtypes, lists, and provenance attrs as JSON text.

    Raises:
        OSError: the file cannot be written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    shallow = df.copy(deep=False)
    shallow.attrs = _jsonable_attrs(dict(df.attrs))  # provenance travels in the pandas metadata
    table = pa.Table.from_pandas(shallow, preserve_index=kwargs.pop("index", False))
    meta = dict(table.schema.metadata or {})
    pandas_meta = json.loads(meta.get(b"pandas", b"{}"))
    for col in pandas_meta.get("columns", []):
        # pandas cannot rebuild an Arrow list dtype from its own metadata (pandas-dev/pandas#57411):
        # declare those columns as object so a plain pd.read_parquet works; the Arrow type stays list.
        if str(col.get("numpy_type", "")).startswith(("list<", "large_list<")):
            col["numpy_type"] = "object"
    meta[b"pandas"] = json.dumps(pandas_meta).encode()
    meta[_DTYPES_KEY] = json.dumps({str(k): str(v) for k, v in df.dtypes.items()}).encode()
    pq.write_table(table.replace_schema_metadata(meta), path, **kwargs)


def _list_dtype() -> pd.ArrowDtype:
    import pyarrow as pa

    return pd.ArrowDtype(pa.list_(pa.string()))


def _as_dtype(col: pd.Series, dtype: str) -> pd.Series:
    """``col`` converted to a dtype named as in the contract or as ``str(series.dtype)`` prints it."""
    if dtype == "category" and isinstance(col.dtype, pd.CategoricalDtype):
        categories = col.cat.categories
        if categories.dtype == object and all(isinstance(c, str) for c in categories):
            return col.cat.set_categories(categories.astype("str"))  # parquet forgets the text dtype
        return col
    if str(col.dtype) == dtype:
        return col
    if dtype in ("list<string>", "list<item: string>[pyarrow]"):
        if is_list_column(col):
            return col.astype(_list_dtype())
        values = [json.loads(v) if isinstance(v, str) else (list(v) if _is_list(v) else None) for v in col.tolist()]
        return pd.Series(values, index=col.index, name=col.name, dtype=_list_dtype())
    if dtype in ("json", "str"):
        return col.astype("str")
    if dtype.startswith("datetime64"):
        unit_and_zone = dtype[len("datetime64[") : -1]
        parsed = pd.to_datetime(col, utc=", " in unit_and_zone)
        return parsed.astype(dtype)
    if dtype in ("bool", "boolean") and not pd.api.types.is_bool_dtype(col.dtype):
        flags = col.map({"True": True, "False": False, "true": True, "false": False, True: True, False: False})
        return flags.astype(dtype)
    return col.astype(dtype)


def _source(path: Any) -> str:
    """How a message names a file argument (a path, or an open file's name)."""
    return str(path) if isinstance(path, (str, os.PathLike)) else str(getattr(path, "name", "the file given"))


def _with_dtypes(df: pd.DataFrame, dtypes: dict[str, str], path: Any) -> pd.DataFrame:
    """``df`` with these columns converted; a column that cannot take its dtype is a TableFileError."""
    from .errors import TableFileError

    out = df.copy(deep=False)
    for name, dtype in dtypes.items():
        if name in out.columns:
            try:
                out[name] = _as_dtype(out[name], dtype)
            except (ValueError, TypeError, OverflowError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise TableFileError(f"{_source(path)}: column {name!r} cannot be read as {dtype} ({reason})") from None
    return out


def read_parquet(path: str | os.PathLike[str] | IO[bytes]) -> pd.DataFrame:
    """Read a file written by :func:`to_parquet` (or any parquet file) with the dtypes it was written with.

    Lists come back as Arrow list columns, ``created`` as ``datetime64[s, UTC]`` (parquet itself
    has no second resolution), categoricals, nullable ints and booleans as they were, and
    ``df.attrs`` as stored. Files from other writers get the contract dtypes for known columns.

    Args:
        path: a file path or an open binary file.

    Returns:
        The frame.

    Raises:
        OSError: the file cannot be read (FileNotFoundError when it does not exist).
        TableFileError: it is not a parquet file, or a known column cannot take its contract dtype.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .errors import TableFileError

    try:
        table = pq.read_table(path)
    except pa.ArrowInvalid as exc:
        raise TableFileError(f"{_source(path)} is not a parquet file orcatalog can read: {exc}") from None
    meta = table.schema.metadata or {}

    def lists(arrow_type: pa.DataType) -> Any:
        return pd.ArrowDtype(arrow_type) if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) else None

    df = table.to_pandas(types_mapper=lists)
    if _DTYPES_KEY in meta:
        dtypes = json.loads(meta[_DTYPES_KEY])
    else:
        from .schema import dtype_of

        dtypes = {str(c): d for c in df.columns if (d := dtype_of(str(c))) is not None}
    return _with_dtypes(df, dtypes, path)


def read_csv(path: str | os.PathLike[str] | IO[str], **kwargs: Any) -> pd.DataFrame:
    """Read a file written by :func:`to_csv` back into the contract dtypes.

    Undoes the formula neutralisation, parses list columns from their JSON arrays, and gives every
    column the dtype :func:`orcatalog.schema.dtype_of` declares (``created`` as
    ``datetime64[s, UTC]``, nullable ``Int64``/``boolean``, JSON text as ``str``); undeclared
    columns are inferred by pandas. CSV carries no types, so categoricals come back as ``str``.

    Args:
        path: a file path or an open text file.
        kwargs: passed to ``pandas.read_csv``.

    Returns:
        The frame.

    Raises:
        OSError: the file cannot be read (FileNotFoundError when it does not exist).
        TableFileError: it is not CSV text (or not UTF-8 / the ``encoding`` given), or a known
            column cannot take its contract dtype.
    """
    from .errors import TableFileError
    from .schema import dtype_of

    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("na_values", [""])
    try:
        raw = pd.read_csv(path, dtype=str, **kwargs)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TableFileError(f"{_source(path)} is not a CSV table orcatalog can read ({reason})") from None
    text = raw.apply(lambda col: col.map(_restore_text, na_action="ignore"))
    declared = {str(c): d for c in text.columns if (d := dtype_of(str(c))) is not None}
    inferred = [c for c in text.columns if str(c) not in declared]
    out = _with_dtypes(text, declared, path)
    for name in inferred:
        out[name] = _infer(out[name])
    return out


def _infer(col: pd.Series) -> pd.Series:
    """An undeclared CSV column: numbers when every value parses as one, else text."""
    try:
        return pd.to_numeric(col)
    except (ValueError, TypeError):
        return col


#: The API's activity names a usage table may use instead of the contract's.
_USAGE_ALIASES = {"usage": "usage_usd", "byok_usage_inference": "byok_usage_inference_usd"}


def _line_of(lower_name: str, row: int) -> str:
    """Where a usage row is in its file, for a CSV (its header is line 1): `` (line N)``; else nothing."""
    return f" (line {row + 2})" if lower_name.endswith(".csv") else ""


def read_usage(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a usage table: a saved ``GET /activity`` body (``.json`` / ``.json.gz``), or a CSV or
    parquet table with one row per usage line.

    A body becomes the activity contract (:mod:`orcatalog.schema.usage`). A table keeps its
    columns; it needs ``model``, ``prompt_tokens`` and ``completion_tokens``
    (:data:`orcatalog.schema.usage.USAGE_REQUIRED`); the API's names ``usage`` and
    ``byok_usage_inference`` are read as ``usage_usd`` and ``byok_usage_inference_usd`` (USD);
    ``date`` (or ``timestamp``) is read as UTC by the one time rule; token and request counts
    (``reasoning_tokens``, ``cached_tokens``, ``requests``, ... as :func:`orcatalog.estimate_cost`
    names them) must be numbers >= 0.

    Args:
        path: the file (``.json``, ``.json.gz``, ``.csv``, ``.parquet``).

    Returns:
        The usage frame; ``attrs["source"]`` names the file.

    Raises:
        OSError: the file cannot be read (FileNotFoundError when it does not exist).
        TableFileError: not one of those formats, or not readable as one.
        BodyFileError: a damaged ``.json.gz``.
        SchemaError: a required column is missing (all missing ones are named), a row has no
            model, a count is not a number >= 0, or a body is not an activity body.
    """
    from .analysis.cost import TOKEN_ARGUMENTS
    from .errors import SchemaError, TableFileError
    from .frames import bodies
    from .frames.usage import activity_body_frame
    from .schema.usage import USAGE_REQUIRED
    from .times import parse_time_column

    name = str(path)
    lower = name.lower()
    if lower.endswith((".json", ".json.gz")):
        ((member, raw),) = list(bodies.read_files([Path(path)]))
        df = activity_body_frame(bodies.parse(member, raw), url=name)
    elif lower.endswith(".csv"):
        df = read_csv(path)
    elif lower.endswith(".parquet"):
        df = read_parquet(path)
    else:
        raise TableFileError(f"{name}: give a saved /activity body (.json, .json.gz) or a usage table (.csv, .parquet)")
    df = df.rename(columns={k: v for k, v in _USAGE_ALIASES.items() if k in df.columns and v not in df.columns})
    missing = [c for c in USAGE_REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{name}: a usage table needs the column(s) {', '.join(missing)} (it has "
            f"{', '.join(map(str, df.columns[:12]))}{', ...' if len(df.columns) > 12 else ''})",
            url=name,
        )
    empty = df["model"].isna() | (df["model"].astype(str).str.strip() == "")
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise SchemaError(
            f"{name}: column 'model' row {row}{_line_of(lower, row)} is empty: every usage row names its model",
            url=name,
        )
    counts = ("requests", "byok_requests", *TOKEN_ARGUMENTS)
    for column in [c for c in df.columns if c in counts or c.endswith("_usd")]:
        values = pd.to_numeric(df[column], errors="coerce")
        bad = (values.isna() & df[column].notna()) | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            value = df[column].iloc[row]
            value = value.item() if isinstance(value, np.generic) else value  # -5, not np.int64(-5)
            raise SchemaError(
                f"{name}: column {column!r} row {row}{_line_of(lower, row)} is {value!r}: counts and USD amounts "
                "must be numbers >= 0",
                url=name,
            )
        if not pd.api.types.is_numeric_dtype(df[column].dtype):
            df[column] = values
    for column in ("date", "timestamp"):
        if column in df.columns and not isinstance(df[column].dtype, pd.DatetimeTZDtype):
            try:
                df[column] = parse_time_column(df[column], column)
            except ValueError as exc:
                raise SchemaError(f"{name}: {exc}", url=name) from None
    df.attrs["source"] = name
    return df
