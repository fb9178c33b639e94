"""Write any orcatalog frame to CSV, JSON or parquet, safely.

- CSV: text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return) get a leading ``'``; numeric columns are left numeric (text is
  quoted, numbers are not). List columns are written as JSON arrays (``["text","image"]``):
  ``json.loads`` reads them back.
- parquet: lists stay lists, dtypes are kept; provenance (``df.attrs``) is stored as JSON text.
- JSON: one object per row, timestamps in ISO 8601 UTC.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

__all__ = ["to_csv", "to_parquet", "to_json"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_list_column(series: pd.Series) -> bool:
    """True for Arrow list columns (modalities, supported parameters)."""
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and str(dtype.pyarrow_dtype).startswith(("list", "large_list"))


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def list_cell_text(value: Any, sep: str = ", ") -> str:
    """A list cell as readable text ("" for a missing list)."""
    return sep.join(map(str, value)) if _is_list(value) else ""


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
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
    pq.write_table(table.replace_schema_metadata(meta), path, **kwargs)
