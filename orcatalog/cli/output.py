"""How the command line prints frames: a readable table (prices in USD per million tokens), or
CSV/JSON/parquet, to stdout or ``-o FILE`` (the format taken from the extension)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..schema import price_heading, price_unit
from ..suggest import did_you_mean
from .errors import CLIUsageError, in_cli_words

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["output_options", "write", "format_for", "price_label", "show_record", "echo_record"]

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
    """True for ``price_<key>`` columns priced per token (not per request, image or search, not
    ``discount``, a fraction, and not a key of unknown unit): :func:`orcatalog.schema.price_unit`."""
    return column.startswith(_PRICE) and price_unit(column) == "token"


def price_label(column: str) -> str:
    """The table heading of a price column: its unit in the name (``_usd_per_mtok``, or ``_usd`` per
    request / input image / search); a key of unknown unit keeps its bare name, as the API wrote it.
    The rule is :func:`orcatalog.schema.price_heading` (whose inverse, :func:`orcatalog.schema.price_field`,
    lets ``--columns`` and ``plot --field`` take these names)."""
    return price_heading(column)


def _table_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Prices per million tokens under labels that say so; lists, numbers and missing values as
    short text (:func:`orcatalog.export.readable`: one number format per column)."""
    import pandas as pd

    from .. import export
    from ..times import age_text

    view = pd.DataFrame(index=df.index)
    for name in df.columns:
        col = df[name]
        if export.is_list_column(col):
            view[name] = [export.list_cell_text(v) for v in col.tolist()]
        elif pd.api.types.is_timedelta64_dtype(col.dtype):  # an age, worded as every note words one
            view[name] = [None if pd.isna(v) else age_text(v) for v in col.tolist()]
        elif is_token_price(str(name)) and pd.api.types.is_numeric_dtype(col.dtype):
            view[price_label(str(name))] = col.astype("float64") * 1e6
        else:
            view[price_label(str(name)) if pd.api.types.is_numeric_dtype(col.dtype) else name] = col
    # diff and price_changes report prices in their `unit` column's unit already; numbers are shown
    # as the report and notebooks show them: one format per column (export.readable)
    return export.readable(view)


def _cell(value: Any, *, cut: bool = True) -> str:
    """One table cell as text, cut to :data:`_MAX_CELL` characters unless ``cut`` is False."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = format(value, ".8g") if isinstance(value, float) else str(value)  # 8 significant digits
    return text if not cut or len(text) <= _MAX_CELL else text[: _MAX_CELL - 3] + "..."


def table_text(df: pd.DataFrame) -> str:
    """The frame as an aligned text table (prices in USD per million tokens, 8 significant digits).

    Rendered directly (pandas' ``to_string`` costs more than the rest of a cached ``orcatalog models``).
    """
    view = _table_frame(df)
    # a row's note is a sentence that says why the row has no number: never cut (it ends the row)
    columns = [[str(name)] + [_cell(v, cut=name != "note") for v in view[name].tolist()] for name in view.columns]
    widths = [max(map(len, col)) for col in columns]
    rows = zip(*columns) if columns else iter([])
    return "\n".join(" ".join(cell.rjust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def show_record(df: pd.DataFrame) -> str:
    """One model as ``field  value`` lines, prices per million tokens; a price that is not what its
    column says is blank (:func:`blank_prices_not_in_unit`; :func:`echo_record` also prints why)."""
    row = _table_frame(blank_prices_not_in_unit(df)[0]).iloc[0]
    width = max(len(str(k)) for k in row.index)
    return "\n".join(f"{k:<{width}}  {_cell(v)}".rstrip() for k, v in row.items())


def echo_record(df: pd.DataFrame) -> None:
    """Print one model as :func:`show_record` does, and on stderr the footnotes of its blank cells
    and of price keys of unknown unit."""
    click.echo(show_record(df))
    for note in [*blank_prices_not_in_unit(df)[1], *_unknown_notes(df)]:
        click.echo(f"note: {note}", err=True)


def pick(df: pd.DataFrame, columns: str | None, default: list[str] | None) -> pd.DataFrame:
    """The columns asked for (``--columns a,b``), else ``default`` (None: all)."""
    if columns:
        from ..schema import price_field

        asked = [c for c in (c.strip() for c in columns.split(",")) if c]
        wanted = [(price_field(c, df.columns) or (c,))[0] for c in asked]  # table headings name price units
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
        return df[list(dict.fromkeys(wanted))]  # a name given twice is one column (two crashed the table)
    if default is None:
        return df
    return df[[c for c in default if c in df.columns]]


def blank_prices_not_in_unit(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """A table's view of a catalog or history: cells whose value is not a price in the unit their
    column says (:func:`orcatalog.schema.not_in_column_unit`) blank, never 0 or a per-image fee;
    and the footnotes that say why, naming how such models are priced
    (:func:`orcatalog.schema.how_priced`).

    Returns:
        The frame (a copy when a cell was blanked) and the footnote lines (without ``note: ``), each
        with the columns it is about (a table that does not show them does not say it).
    """
    import numpy as np

    from ..schema import PER_TOKEN_COLUMNS, how_priced, not_in_column_unit

    notes: dict[str, tuple[str, ...]] = {}
    token_rows = not_in_column_unit(df, "price_prompt")
    image_rows = not_in_column_unit(df, "price_image") if "price_image" in df.columns else token_rows & False
    if not token_rows.any() and not image_rows.any():
        return df, notes
    how = how_priced(df) if token_rows.any() else []  # read before any cell is blanked
    df = df.copy()
    if token_rows.any():
        for name in PER_TOKEN_COLUMNS:
            if name in df.columns:
                df[name] = df[name].astype("float64").mask(token_rows, np.nan)
        notes[_priced_otherwise_note(df, token_rows, how)] = PER_TOKEN_COLUMNS
    if image_rows.any():
        df["price_image"] = df["price_image"].astype("float64").mask(image_rows, np.nan)
        n = int(df.loc[image_rows, "id"].nunique()) if "id" in df.columns else int(image_rows.sum())
        note = (
            f"price_image of {n} model(s) equals their prompt price: a per-token rate of image input tokens "
            "(counted in the prompt tokens), not a fee per input image; blank under price_image_usd "
            "(--format csv keeps the API's values)"
        )
        notes[note] = ("price_image",)
    return df, notes


def _dynamic_note(df: pd.DataFrame) -> str | None:
    """The footnote of rows whose per-token cells are blank because the model was dynamically
    priced there (``dynamic_pricing``: the API listed ``"-1"``), naming the models and, in a
    history, the snapshot times; None when there are none."""
    import pandas as pd

    from ..schema import PER_TOKEN_COLUMNS, bool_array

    shown = [c for c in PER_TOKEN_COLUMNS if c in df.columns]
    if "dynamic_pricing" not in df.columns or not shown:
        return None
    rows = bool_array(df["dynamic_pricing"]) & df[shown].isna().any(axis=1).to_numpy()
    if not rows.any():
        return None
    ids = list(dict.fromkeys(df.loc[rows, "id"].astype(str))) if "id" in df.columns else []
    who = f"{', '.join(ids[:3])}{f' and {len(ids) - 3} more' if len(ids) > 3 else ''} " if ids else ""
    at = ""
    if "fetched_at" in df.columns:
        times = list(dict.fromkeys(pd.to_datetime(df.loc[rows, "fetched_at"], utc=True)))
        more = f" and {len(times) - 3} more" if len(times) > 3 else ""
        at = f" at {', '.join(f'{t:%Y-%m-%d %H:%M}' for t in times[:3])}{more} UTC"
    return (
        f'{who}dynamically priced{at} (the API listed the price as "-1": decided per request), so '
        "those price cells are blank"
    )


def _unlisted_output_note(df: pd.DataFrame) -> str | None:
    """The footnote of rows whose per-token 0 is not what they cost because an output they produce
    has no listed price (:func:`orcatalog.schema.output_price_unlisted`), naming the models and the
    outputs; None when there are none."""
    from ..schema import frame_unlisted_outputs, output_price_unlisted

    if not {"price_prompt", "price_completion"} <= set(df.columns):
        return None
    rows = output_price_unlisted(df)
    if not rows.any():
        return None
    ids = list(dict.fromkeys(df.loc[rows, "id"].astype(str))) if "id" in df.columns else []
    outputs = sorted(set(frame_unlisted_outputs(df)[rows].tolist()))
    who = f"{', '.join(ids[:3])}{f' and {len(ids) - 3} more' if len(ids) > 3 else ''}"
    return (
        f"{who} produce {' / '.join(outputs)} at a price the catalog does not list: their per-token 0 is not "
        "what they cost (not free), and a price sort puts them after the priced models"
    )


def _priced_otherwise_note(df: pd.DataFrame, rows: Any, how: list[str | None]) -> str:
    """The footnote of blank per-token cells: how many models, and how they are priced (a few ids
    per way)."""
    ids = df["id"].astype(str).tolist() if "id" in df.columns else [str(i) for i in df.index]
    ways: dict[str, list[str]] = {}
    for i in [int(i) for i in rows.nonzero()[0]]:
        named = ways.setdefault(how[i] or "other prices", [])
        if ids[i] not in named:
            named.append(ids[i])
    n = len({mid for named in ways.values() for mid in named})
    listed = "; ".join(
        f"{way}: {', '.join(named[:3])}{f' and {len(named) - 3} more' if len(named) > 3 else ''}"
        for way, named in sorted(ways.items(), key=lambda kv: -len(kv[1]))
    )
    return (
        f"{n} model(s) list no per-token price but other prices, so their per-token cells are blank, not 0 "
        f"(they are not free; --format csv keeps the API's values). Priced by {listed}"
    )


def _unknown_notes(df: pd.DataFrame) -> list[str]:
    """The footnote of price columns of unknown unit that hold a value in the rows shown, or none."""
    from ..schema import price_columns, unknown_unit_note

    note = unknown_unit_note([c for c in price_columns(df) if df[c].notna().any()])  # prices only: not price_source
    return [] if note is None else [note]


def _notes_in_cli_words(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its ``note`` column (the library's words: ``pass at=``) in the command's words
    (``pass --at``, :func:`orcatalog.cli.errors.in_cli_words`), in every format."""
    import pandas as pd

    if "note" not in df.columns or not (
        isinstance(df["note"].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(df["note"].dtype)
    ):
        return df
    notes = df["note"]
    texts = notes.cat.categories if isinstance(notes.dtype, pd.CategoricalDtype) else notes.dropna().unique()
    said = {t: in_cli_words(t) for t in texts if isinstance(t, str)}
    if all(k == v for k, v in said.items()):
        return df
    return df.assign(note=notes.map(lambda t: said.get(t, t) if isinstance(t, str) else t))


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
    from ..schema import PER_TOKEN_COLUMNS

    fmt = format_for(fmt, out)
    df = _notes_in_cli_words(df)
    notes: list[str] = []
    if fmt == "table":
        df, about = blank_prices_not_in_unit(df)
        shown = df if head is None else df.head(head)
        for note in (_dynamic_note(shown), _unlisted_output_note(shown)):  # about the rows shown only
            if note:
                about[note] = PER_TOKEN_COLUMNS
    df = pick(df, columns, default_columns if fmt == "table" else None)
    if fmt == "table":
        notes = [note for note, names in about.items() if set(names) & set(df.columns)] + _unknown_notes(df)
    if head is not None:
        df = df.head(head)
    if fmt == "parquet":
        if out is None:
            raise CLIUsageError("--format parquet needs -o FILE (parquet is binary)")
        export.to_parquet(df, out)
    elif fmt == "csv":
        export.to_csv(df, out if out else sys.stdout)
        if not out:  # the rows before any note or warning line on stderr (a terminal or 2>&1 shows both)
            sys.stdout.flush()
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
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if out:
        click.echo(f"wrote {len(df)} rows to {out}", err=True)
