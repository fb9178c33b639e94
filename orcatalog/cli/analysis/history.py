"""A model or the catalog as the store saw it: ``show`` (one model, or the whole catalog at a time)
and ``history`` (a model's life: first/last seen, gaps, its prices at every change).
"""

from __future__ import annotations

import click

from ...suggest import did_you_mean
from ..app import main
from ..options import _scope_option, _store_option
from ..stores import _store, looked_in, models_named, require_models, store_scope
from ..errors import CLIError
from ..output import echo_record, output_options, write
from .answers import _answered_by, _load_as_of, _absent_then


@main.command()
@click.argument("model_id", required=False)
@click.option(
    "--as-of", help="The catalog as it was at this time (ISO 8601, UTC): the latest snapshot at or before it."
)
@_store_option
@_scope_option
@output_options
def show(
    model_id: str | None,
    as_of: str | None,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """One model as the store last saw it (or at --as-of), or the whole catalog at --as-of; stderr
    names the snapshot that answered.

    \b
    Examples:
      orcatalog show --store data openai/gpt-4o
      orcatalog show --store data --as-of 2026-01-01 --head 10
    """
    if model_id is None and as_of is None:
        raise click.UsageError("give a MODEL_ID, --as-of DATE, or both")
    store = _store(store_root, must_exist=True)
    frame = _load_as_of(store, as_of, say=False, scope=store_scope(store, scope))
    if model_id is None:
        _answered_by(frame, as_of)
        write(frame, fmt, out, columns, head)
        return
    row = frame[frame["id"] == model_id]
    if row.empty:
        known = [str(i) for i in frame["id"]]
        when = f"at {as_of}" if as_of else "in the latest snapshot"
        unlisted = _absent_then(store, frame)
        if frame.attrs.get("partial") and unlisted.get(model_id, (None,))[0] is not None:  # lifecycle's rule
            raise CLIError(
                f"no model {model_id!r} {when} of {store.root}: that snapshot, {frame.attrs.get('snapshot_id')}, is a "
                f"partial catalog ({len(frame)} models), so the model may not have left the catalog; last seen "
                f"{unlisted[model_id][0]:%Y-%m-%d %H:%M} UTC (--as-of that time shows it)"
            )
        where, elsewhere = looked_in(store, frame.attrs.get("scope"), [model_id])
        hint = did_you_mean(model_id, known, unlisted=unlisted)
        if elsewhere and model_id not in unlisted:  # not listed in this scope ever: another scope holds it
            hint = elsewhere
        raise CLIError(f"no model {model_id!r} {when} of {where}{hint}")
    _answered_by(frame, as_of)
    if fmt is None and out is None and not columns:
        echo_record(row.reset_index(drop=True))
        return
    write(row, fmt, out, columns, head, default_columns=None)


@main.command()
@click.argument("model_id")
@_store_option
@_scope_option
@output_options
def history(
    model_id: str,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """A model's life in the store: first/last seen, gaps, and its prices at every change.

    \b
    Example:
      orcatalog history --store data deepseek/deepseek-v3.2
    """
    from ...analysis.changes import lifecycle

    store = _store(store_root, must_exist=True)
    wanted = ["prompt_usd_per_mtok", "completion_usd_per_mtok", "context_length", "max_completion_tokens"]
    prices = ["price_prompt", "price_completion"]  # what lifecycle counts as price changes
    read = [*wanted, *prices, "dynamic_pricing"]  # a dynamic price is blank: the table's note says why
    used = store_scope(store, scope)
    with models_named():  # require_models says an unknown id, once
        h = store.history(ids=model_id, columns=read, scope=used)  # the one read
    require_models(store, [model_id], h, used)
    life = lifecycle(h)
    h = h.drop(columns=prices)
    if not life.empty:
        row = life.iloc[0]
        click.echo(
            f"{model_id}: first seen {row['first_seen']}, last seen {row['last_seen']}, "
            f"{row['gaps']} gap(s), {'listed now' if row['listed_now'] else 'not in the latest snapshot'}",
            err=True,
        )
    values = h[wanted].fillna(-1)
    changed = ~values.eq(values.shift()).all(axis=1).to_numpy()  # the first row and every change
    changed[-1:] = True  # and the last observation
    write(h[changed], fmt, out, columns, head, default_columns=["fetched_at", *wanted])
