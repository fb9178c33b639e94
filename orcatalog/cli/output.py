"""How the command line prints frames: a readable table (prices in USD per million tokens), or
CSV/JSON/parquet, to stdout or ``-o FILE`` (the format taken from the extension)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..schema import PER_UNIT_PRICE_KEYS, PRICE_UNITS
from ..suggest import did_you_mean
from .errors import CLIUsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["output_options", "write", "format_for", "price_label", "show_record"]

FORMATS = ("table", "csv", "json", "parquet")
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".txt": "table"}
_PRICE = "price_"
_MAX_CELL = 60
TABLE_COLUMNS = [
    "id",
    "context_length",
    "prompt_usd_per_mtok",
    "completion_usd_per_mtok",
    "input_modalities",
    "output_modalities",
]


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--format``, ``-o``, ``--columns`` and ``--head``, shared by every command that prints a frame."""
    func = click.option("--head", type=click.IntRange(min=0), help="Show only the first N rows.")(func)
    func = click.option("--columns", help="Comma-separated columns to keep (default: a readable subset).")(func)
    func = click.option(
        "-o",
        "--output",
        "out",
        type=click.Path(dir_okay=False),
        callback=check_output_file,
        help="Write to FILE; the format follows its extension (.csv, .json, .parquet, .txt).",
    )(func)
    func = click.option(
        "--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from -o's extension, else table)."
    )(func)
    return func


def check_output_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An output file must go into a folder that exists: refused while parsing, before any fetch."""
    if value is not None:
        folder = Path(value).expanduser().parent
        if not folder.is_dir():
            raise click.BadParameter(f"there is no folder {folder} to write {value} into; create it first")
    return value


def format_for(fmt: str | None, out: str | None) -> str:
    """The output format: ``--format`` if given, else from ``-o``'s extension, else ``table``."""
    if fmt is not None:
        return fmt
    if out is None:
        return "table"
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise CLIUsageError(
            f"cannot tell the format of {out!r} from {suffix or 'no extension'}: name it .csv, .json, "
            ".parquet or .txt, or pass --format"
        )
    return SUFFIX_FORMATS[suffix]


def is_token_price(column: str) -> bool:
    """True for ``price_<key>`` columns priced per token (not per request, image or search, and not
    ``discount``, a fraction): the units of :data:`orcatalog.schema.PRICE_UNITS`."""
    return column.startswith(_PRICE) and column[len(_PRICE) :] not in PRICE_UNITS


def price_label(column: str) -> str:
    """The table heading of a price column: its unit in the name."""
    if is_token_price(column):
        return f"{column}_usd_per_mtok"
    if column.startswith(_PRICE) and column[len(_PRICE) :] in PER_UNIT_PRICE_KEYS:
        return f"{column}_usd"
    return column


def _table_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Prices per million tokens under labels that say so; lists, numbers and missing values as
    short text (:func:`orcatalog.export.readable`: one number format per column)."""
    import pandas as pd

    from .. import export

    view = pd.DataFrame(index=df.index)
    for name in df.columns:
        col = df[name]
        if export.is_list_column(col):
            view[name] = [export.list_cell_text(v) for v in col.tolist()]
        elif is_token_price(str(name)) and pd.api.types.is_numeric_dtype(col.dtype):
            view[price_label(str(name))] = col.astype("float64") * 1e6
        else:
            view[price_label(str(name)) if pd.api.types.is_numeric_dtype(col.dtype) else name] = col
    # diff and price_changes report prices in their `unit` column's unit already; numbers are shown
    # as the report and notebooks show them: one format per column (export.readable)
    return export.readable(view)


def _cell(value: Any) -> str:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = format(value, ".8g") if isinstance(value, float) else str(value)  # 8 significant digits
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 3] + "..."


def table_text(df: pd.DataFrame) -> str:
    """The frame as an aligned text table (prices in USD per million tokens, 8 significant digits).

    Rendered directly (pandas' ``to_string`` costs more than the rest of a cached ``orcatalog models``).
    """
    view = _table_frame(df)
    columns = [[str(name)] + [_cell(v) for v in view[name].tolist()] for name in view.columns]
    widths = [max(map(len, col)) for col in columns]
    rows = zip(*columns) if columns else iter([])
    return "\n".join(" ".join(cell.rjust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def show_record(df: pd.DataFrame) -> str:
    """One model as ``field  value`` lines, prices per million tokens."""
    row = _table_frame(df).iloc[0]
    width = max(len(str(k)) for k in row.index)
    return "\n".join(f"{k:<{width}}  {_cell(v)}".rstrip() for k, v in row.items())


def pick(df: pd.DataFrame, columns: str | None, default: list[str] | None) -> pd.DataFrame:
    """The columns asked for (``--columns a,b``), else ``default`` (None: all)."""
    if columns:
        labels = {price_label(str(c)): str(c) for c in df.columns}  # table headings name price units
        wanted = [labels.get(c, c) if c not in df.columns else c for c in (c.strip() for c in columns.split(",")) if c]
        missing = [c for c in wanted if c not in df.columns]
        if missing:
            names = [str(c) for c in df.columns]
            hint = did_you_mean(missing[0], names)
            from ..schema import dtype_of

            if all(dtype_of(c) is not None for c in names):  # a catalog frame: the contract describes it
                where = "the columns are described by `python -c 'import orcatalog.schema as s; help(s)'`"
            else:  # another table (costs, changes, ...): say what it has
                where = "this table has " + ", ".join(names)
            raise CLIUsageError(f"unknown column(s): {', '.join(missing)}{hint}; {where}")
        return df[wanted]
    if default is None:
        return df
    return df[[c for c in default if c in df.columns]]


#: The per-token price columns a table leaves blank for a model priced otherwise.
_TOKEN_PRICE_COLUMNS = ("price_prompt", "price_completion", "prompt_usd_per_mtok", "completion_usd_per_mtok")


def _blank_token_prices_priced_otherwise(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """A table's view of a catalog: the per-token cells of models that list no per-token price but
    other prices (:func:`orcatalog.schema.priced_only_otherwise`) blank, never 0 (a price the model
    is not used at is a note, never a zero); and how many such models."""
    import numpy as np

    from ..schema import priced_only_otherwise

    if "price_prompt" not in df.columns or "price_completion" not in df.columns:
        return df, 0
    rows = priced_only_otherwise(df)
    if not rows.any():
        return df, 0
    df = df.copy()
    for name in _TOKEN_PRICE_COLUMNS:
        if name in df.columns:
            df[name] = df[name].astype("float64").mask(rows, np.nan)
    n = int(df.loc[rows, "id"].nunique()) if "id" in df.columns else int(rows.sum())
    return df, n


def write(
    df: pd.DataFrame,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
    default_columns: list[str] | None = TABLE_COLUMNS,
) -> None:
    """Print or write ``df`` as the command line does (see :func:`format_for`)."""
    from .. import export

    fmt = format_for(fmt, out)
    blanked = 0
    if fmt == "table":
        df, blanked = _blank_token_prices_priced_otherwise(df)
    df = pick(df, columns, default_columns if fmt == "table" else None)
    if head is not None:
        df = df.head(head)
    if fmt == "parquet":
        if out is None:
            raise CLIUsageError("--format parquet needs -o FILE (parquet is binary)")
        export.to_parquet(df, out)
    elif fmt == "csv":
        export.to_csv(df, out if out else sys.stdout)
    elif fmt == "json":
        text = export.to_json(df) or ""
        if out:
            Path(out).write_text(text, encoding="utf-8")
        else:
            click.echo(text)
    else:
        text = table_text(df)
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)
    if blanked:
        click.echo(
            f"note: {blanked} model(s) list no per-token price but other prices (per image token, request, "
            "audio, ...): their per-token cells are blank, not 0; they are not free (--format csv keeps the API's values)",
            err=True,
        )
    if out:
        click.echo(f"wrote {len(df)} rows to {out}", err=True)
