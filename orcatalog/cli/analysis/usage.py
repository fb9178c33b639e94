"""Your usage priced from the store: ``price-at`` (each row at the prices in effect when it
happened) and ``reprice`` (each row at its model's list price against the bill, and the period on
cheaper alternatives), with ``reprice``'s header line.
"""

from __future__ import annotations

from typing import Any

import click

from ...schema import usd_text
from ...suggest import did_you_mean
from ..app import main
from ..options import _scope_option, _store_option
from ..stores import _store, looked_in, store_scope
from ..errors import CLIError, CLIUsageError, warning_line
from ..output import output_options, write
from .answers import _history, _say


@main.command("price-at")
@click.argument("usage_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--model-column", default="model", show_default=True, help="The column of model ids.")
@click.option("--time-column", help="The column of times (UTC); default timestamp, or date for a saved /activity body.")
@_store_option
@_scope_option
@output_options
def price_at(
    usage_file: str,
    model_column: str,
    time_column: str | None,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """Price a usage CSV, or a saved `GET /activity` body (.json, .json.gz: each day's rows at that
    day's prices), at the prices in effect when each row happened (token columns as in `cost`:
    prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, ...).

    \b
    Example:
      orcatalog price-at --store data usage.csv --model-column model --time-column timestamp -o priced.csv
    """
    import pandas as pd

    from ... import read_usage
    from ...analysis.price_at import price_at as price_rows

    if usage_file.lower().endswith((".json", ".json.gz")):  # a saved /activity body, read as read_usage reads it
        usage = read_usage(usage_file)
        time_column = time_column or "date"
    else:
        try:
            usage = pd.read_csv(usage_file)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CLIError(f"{usage_file}: not a readable CSV ({exc})") from None
        time_column = time_column or "timestamp"
    for option, name in (("--model-column", model_column), ("--time-column", time_column)):
        if name not in usage.columns:
            raise CLIError(
                f"{usage_file} has no column {name!r}{did_you_mean(name, usage.columns)}; name it with {option}"
            )
    if not any(c in usage.columns for c in ("prompt_tokens", "completion_tokens")):
        raise CLIError(f"{usage_file} has neither a prompt_tokens nor a completion_tokens column: nothing to price")
    store = _store(store_root, must_exist=True)
    used = store_scope(store, scope)
    h = _history(store, scope=used)
    priced = price_rows(usage, h, model=model_column, time=time_column)
    listed = set(h["id"].astype(str))
    unknown = [m for m in dict.fromkeys(usage[model_column].dropna().astype(str)) if m not in listed]
    if unknown:  # a typo prices nothing: say so, with the id it most likely meant
        where, elsewhere = looked_in(store, used, unknown)
        named = ", ".join(f"{m!r}{'' if elsewhere else did_you_mean(m, listed)}" for m in unknown[:5]) + (
            ", ..." if len(unknown) > 5 else ""
        )
        click.echo(
            warning_line(
                f"{len(unknown)} model id(s) of {usage_file} are unknown (no snapshot of {where} "
                f"lists them; their rows have no price){elsewhere}: {named}"
            ),
            err=True,
        )
    keep = [model_column, time_column, "price_source", "age", "total_usd", "note"]
    write(priced, fmt, out, columns, head, default_columns=[c for c in keep if c in priced.columns])


@main.command()
@click.argument("usage_file", metavar="USAGE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--models",
    "--model",
    "model_ids",
    help="Alternatives, comma-separated (default: every paid model of the store's latest catalog).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Show the N cheapest alternatives (the ones serving the most rows first).",
)
@click.option(
    "--at", "at", help="Price every row at the store's catalog at this time (ISO 8601, UTC) instead of at its own day."
)
@click.option(
    "--rows",
    "per_row",
    is_flag=True,
    help="Print each usage row at its own model's list price against its bill instead.",
)
@_store_option
@_scope_option
@output_options
def reprice(
    usage_file: str,
    model_ids: str | None,
    top: int,
    at: str | None,
    per_row: bool,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """Your usage priced again: each row at its own model's list price on its day, against the bill,
    and the period's total on alternatives that could serve it (same output, a context window that
    fits), USD, cheapest first. USAGE is a saved `GET /activity` body (.json, .json.gz) or a CSV /
    parquet table with model, prompt_tokens and completion_tokens columns.

    \b
    Examples:
      orcatalog reprice tests/data/openrouter/activity/activity-2026-08-30.json.gz --store data --top 10
      orcatalog reprice usage.csv --store data --models openai/gpt-4o-mini,deepseek/deepseek-v3.2
      orcatalog reprice usage.csv --store data --rows -o rows.csv
    """
    from ... import read_usage
    from ...analysis.reprice import reprice as reprice_rows

    import numpy as np

    usage = read_usage(usage_file)
    if usage.empty:
        raise CLIError(f"{usage_file} holds no usage rows: nothing to reprice")
    store = _store(store_root, must_exist=True)
    alternatives: Any = None
    if model_ids is not None:
        alternatives = [m.strip() for m in model_ids.split(",") if m.strip()]
        if not alternatives:
            raise CLIUsageError(f"--models {model_ids!r} names no model: give comma-separated ids")
    result = reprice_rows(  # --at before the first snapshot: one_line names at= as the option
        usage,
        _history(store, scope=store_scope(store, scope)),
        alternatives=[] if per_row else alternatives,
        at="row" if at is None else at,
    )
    from ...analysis.reprice import NO_SNAPSHOT

    rows = result.rows
    billed = result.billed_total_usd
    unlisted = int(rows["list_usd"].isna().sum())
    click.echo(_reprice_header(result, NO_SNAPSHOT, at), err=True)
    _say(list(result.notes))
    if unlisted == len(rows):  # a table of zeros would read as "every alternative is free"
        when = "on their day" if at is None else f"in its snapshot at --at {at}"
        instead = "or price every row at one snapshot with --at" if at is None else "or another --at, or none"
        raise CLIError(
            f"none of the {len(rows)} usage rows can be priced: the store lists none of their models {when}; "
            f"record the catalogs of the usage period (orcatalog import / snapshot --store), {instead}"
        )
    if per_row:
        keep = [
            c
            for c in (
                "date",
                "timestamp",
                "model",
                "provider_name",
                "usage_usd",
                "billed_usd",  # the column the header's billed total sums (usage_usd plus BYOK inference)
                "list_usd",
                "difference_usd",
                "reason",
            )
            if c in rows.columns
        ]
        write(rows, fmt, out, columns, head, default_columns=keep)
        return
    summary = result.summary()
    if len(summary) and not np.isnan(billed):
        first = summary.iloc[0]
        if abs(float(first["billed_usd"]) - billed) >= 0.005:  # the table and the header would disagree unsaid
            click.echo(
                f"note: billed_usd in the table is what the rows an alternative can serve were billed "
                f"({usd_text(float(first['billed_usd']))} for {first['alternative']}: {int(first['rows_served'])} of "
                f"{len(rows)} rows), not the period's {usd_text(billed)}; saving_usd compares the same rows",
                err=True,
            )
    write(summary, fmt, out, columns, head if head is not None else top, default_columns=list(summary.columns))


def _reprice_header(result: Any, no_snapshot: str, at: str | None = None) -> str:
    """``reprice``'s first line: the period's bill (which sums the rows' ``billed_usd``: OpenRouter's
    ``usage_usd`` plus BYOK inference billed by the provider), the list-price total and the bill on
    the same rows, and the rows that could not be priced, by reason, with what to do about them
    (``at``: --at as typed, when every row was priced at that one snapshot instead of its own day)."""
    import numpy as np

    rows = result.rows
    billed = result.billed_total_usd
    priced = rows["list_usd"].notna().to_numpy()
    early = int((rows["note"] == no_snapshot).sum())
    unlisted = int((~priced).sum()) - early
    if np.isnan(billed):
        bill = f"no bill in the usage (no usage_usd column) over {len(rows)} usage rows"
    else:
        byok = billed - float(np.nansum(rows["usage_usd"].to_numpy(dtype=float)))
        of_it = (
            f" ({usd_text(byok)} of it BYOK inference, billed by providers on your own keys)" if byok >= 0.005 else ""
        )
        bill = f"billed {usd_text(billed)} over {len(rows)} usage rows{of_it}"
    same = rows["billed_usd"].to_numpy(dtype=float)[priced]
    same_rows = "" if np.isnan(billed) else f", billed {usd_text(float(np.nansum(same)))}"
    if at is not None:  # one snapshot priced every row: what it lists, not the rows' days
        lists = f"the store's snapshot at --at {at} lists"
        left = [f"{unlisted} whose model that snapshot does not list"] if unlisted else []
        then = "; another --at may list them, or drop --at to price each row on its own day"
    else:
        lists = "the store lists on their day"
        left = [f"{unlisted} whose model the store's catalog did not list on their day"] if unlisted else []
        left += [f"{early} with {no_snapshot.replace('the row' + chr(39) + 's', 'their')}"] if early else []
        then = "; record the catalogs of their days (orcatalog import / snapshot --store), or price at one snapshot with --at"
    return (
        f"{bill}; at list prices {usd_text(result.list_total_usd)} for the {int(priced.sum())} rows whose model "
        f"{lists}{same_rows}" + (f" ({'; '.join(left)}: no list price{then})" if left else "")
    )
