"""What changed between snapshots: ``changes`` (every price change event), ``diff`` (two snapshots
compared) and ``movers`` (the biggest relative changes in a window).
"""

from __future__ import annotations

import contextlib

import warnings
from typing import Any

import click

from ...errors import InvalidParameterError
from ..app import main
from ..options import _comma_list, _scope_option, _store_option
from ..stores import _store, store_scope
from ..errors import CLIUsageError
from ..output import output_options, write
from .answers import _answered_by, _history, _load_as_of, _say


@main.command()
@click.option("--since", help="Only changes at or after this time (ISO 8601, UTC).")
@click.option("--until", help="Only changes at or before this time (ISO 8601, UTC).")
@click.option(
    "--model",
    "--models",
    "model_ids",
    multiple=True,
    callback=_comma_list,
    help="Only these models (repeatable, or comma-separated).",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    callback=_comma_list,
    help="Price column(s) to follow, by column or by the name tables print it under, e.g. price_prompt or "
    "price_input_cache_read_usd_per_mtok (repeatable, or comma-separated).",
)
@_store_option
@_scope_option
@output_options
def changes(
    since: str | None,
    until: str | None,
    model_ids: tuple[str, ...],
    fields: tuple[str, ...],
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """Every price change event in the store (a key going between 0 and absent is not one).

    \b
    Examples:
      orcatalog changes --store data --since 2026-01-01 --until 2026-01-05
      orcatalog changes --store data --model deepseek/deepseek-v3.2,z-ai/glm-4.7 --field price_prompt,price_completion
    """
    from ...analysis.args import field_arg, price_fields
    from ...analysis.changes import price_changes

    from ...times import parse_time

    start = None if since is None else parse_time(since, "since")  # the one time rule; messages name --since
    end = None if until is None else parse_time(until, "until", end=True)  # a date-only --until: through that day
    if start is not None and end is not None and end < start:
        raise CLIUsageError(f"--until {until} is before --since {since}")
    store = _store(store_root, must_exist=True)
    h = _history(store, ids=list(model_ids) or None, named=model_ids, scope=store_scope(store, scope))
    prices = price_fields(h)
    followed = [field_arg("fields", f, prices)[0] for f in fields]  # a column or its table heading
    every = price_changes(h, fields=followed or None)
    events = every
    if start is not None:
        events = events[events["fetched_at"] >= start]
    if end is not None:
        events = events[events["fetched_at"] <= end]
    write(events, fmt, out, columns, head, default_columns=None)
    if events.empty:
        _say([_why_no_changes(h, len(every), since, until)])


def _why_no_changes(h: Any, n_all: int, since: str | None, until: str | None) -> str:
    """Why ``changes`` printed no row, in one line: the window is after the last snapshot (or before
    the second: a change needs two), or nothing changed in it (how many changes the store holds).

    Args:
        h: the history read (every snapshot of the models asked for).
        n_all: the changes in the whole history (no time window).
        since, until: the window as typed (None: open).
    """
    from ...times import parse_time

    times = h["fetched_at"].drop_duplicates().sort_values()
    last, first = times.iloc[-1], times.iloc[0]
    if since is not None and parse_time(since, "--since") > last:
        return (
            f"--since {since} is after the last snapshot ({last:%Y-%m-%d %H:%M} UTC): no change can be in the "
            "window; `orcatalog snapshots` lists what the store holds"
        )
    if len(times) < 2:
        return f"the store holds one snapshot ({first:%Y-%m-%d %H:%M} UTC): a change needs two"
    if until is not None and parse_time(until, "--until", end=True) < times.iloc[1]:
        return (
            f"--until {until} is before the second snapshot ({times.iloc[1]:%Y-%m-%d %H:%M} UTC): a change "
            "needs two snapshots, the first change can be seen then"
        )
    window = f" between {since} and {until}" if since and until else f" since {since}" if since else f" until {until}"
    if not n_all or (since is None and until is None):
        return f"no price changed in the {len(times)} snapshots of the store"
    return f"no price changed{window}; the store holds {n_all} change(s) at other times"


@main.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--allow-mixed", is_flag=True, help="Compare snapshots of different scopes (e.g. a regional one with the catalog)."
)
@_store_option
@_scope_option
@output_options
def diff(
    old: str,
    new: str,
    allow_mixed: bool,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """What changed between two snapshots (ids, or times: the latest at or before each; a date-only NEW
    means through that day, so 2026-01-07 compares with that day's last snapshot, and
    ``diff 2026-01-07 2026-01-07`` is what changed during that day: the last snapshot before it
    against its last; OLD as a time is the last snapshot strictly before it, so a snapshot at that
    very time counts as changed within the window, as ``changes --since`` counts it). Prices are
    shown in the ``unit`` column's unit (per-token prices in USD per million tokens); ``kind`` says
    what a changed price is (changed, no longer listed, newly listed, to or from dynamic, listed on
    leaving dynamic, unit changed).

    \b
    Example:
      orcatalog diff --store data 2025-12-20 2026-01-05
    """
    import pandas as pd

    from ...analysis.changes import diff as diff_frames
    from ...errors import PartialSnapshotWarning
    from ...times import parse_time

    store = _store(store_root, must_exist=True)
    ids = set(store.snapshots()["snapshot_id"])
    at_scope = store_scope(store, scope) if old not in ids or new not in ids else None  # times are read in a scope
    if old not in ids and new not in ids:  # two times: their order is the one asked (OLD is read before its time)
        with contextlib.suppress(InvalidParameterError):  # not a time: said below, naming which
            asked = parse_time(old, "OLD"), parse_time(new, "NEW", end=True)
            if asked[0] > asked[1]:
                raise CLIUsageError(f"OLD ({old}) is after NEW ({new}); give the older time first")
    frames = []
    for name, x in (("OLD", old), ("NEW", new)):
        try:
            with warnings.catch_warnings():  # diff says what a partial snapshot means for its answer
                warnings.simplefilter("ignore", PartialSnapshotWarning)
                frames.append(  # the snapshots used are named once the order is checked
                    store.load(x)
                    if x in ids
                    else _load_as_of(store, x, name, say=False, scope=at_scope, end=name == "NEW", start=name == "OLD")
                )
        except InvalidParameterError as exc:
            raise CLIUsageError(_not_a_snapshot(name, x, exc)) from None
    times = [pd.Timestamp(f.attrs["fetched_at"]) for f in frames]
    if times[0] > times[1]:
        raise CLIUsageError(
            f"OLD ({old}: {times[0]:%Y-%m-%d %H:%M}) is newer than NEW ({new}: {times[1]:%Y-%m-%d %H:%M}); "
            "give the older snapshot first"
        )
    for name, x, frame in (("OLD", old, frames[0]), ("NEW", new, frames[1])):
        if x not in ids:
            _answered_by(frame, x, name, end=name == "NEW")
    changed = diff_frames(*frames, allow_mixed=allow_mixed)
    write(
        changed,
        fmt,
        out,
        columns,
        head,
        default_columns=["id", "change", "field", "old", "new", "pct_change", "unit", "kind"],
    )
    if changed.empty:
        sids = [f.attrs.get("snapshot_id") for f in frames]
        if sids[0] == sids[1]:
            why = f"OLD and NEW are the same snapshot, {sids[0]}: there is nothing to compare"
        else:
            why = f"no model and no compared field differs between {sids[0]} and {sids[1]}"
        click.echo(f"note: {why}", err=True)


def _not_a_snapshot(name: str, value: str, exc: InvalidParameterError) -> str:
    """Why ``diff``'s OLD or NEW was refused: not a snapshot id, and why it is not a time either
    (the one time rule's reason, e.g. that numbers are refused on purpose), in the forms one can type."""
    from ...times import in_text_forms, parse_time

    try:
        parse_time(value, name)
    except InvalidParameterError as why:
        return f"{name} {value!r} is not a snapshot id of the store, and {in_text_forms(str(why))}"
    return f"{name} {value!r}: {in_text_forms(str(exc))}"


@main.command()
@click.option("--since", required=True, help="Start of the window (ISO 8601, UTC).")
@click.option("--until", help="End of the window (default: the latest snapshot).")
@click.option(
    "--field",
    default="prompt_usd_per_mtok",
    show_default=True,
    help="The numeric column to compare: a price column such as price_completion, or the name tables print "
    "it under (price_input_cache_read_usd_per_mtok), or context_length.",
)
@click.option("-n", "n", type=click.IntRange(min=1), default=10, show_default=True, help="Movers per direction.")
@_store_option
@_scope_option
@output_options
def movers(
    since: str,
    until: str | None,
    field: str,
    n: int,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """The biggest relative price changes in a window, both directions.

    \b
    Example:
      orcatalog movers --store data --since 2025-12-20 -n 5
    """
    from ...analysis.trends import movers as find_movers

    import pandas as pd

    store = _store(store_root, must_exist=True)
    h = _history(store, scope=store_scope(store, scope))
    moved = find_movers(h, since, until, field=field, n=n)  # no --until: the library's default, the latest
    s0, s1 = (pd.Timestamp(moved.attrs[k]) for k in ("start_snapshot", "end_snapshot"))
    asked_end = f"--until {until}" if until else "the latest"
    click.echo(  # the snapshots that answered, so the notes below (the first is used, ...) agree with it
        f"movers of {field}{f' ({moved.unit.iloc[0]})' if len(moved) and moved.unit.iloc[0] else ''}: "
        f"the snapshot of {s0:%Y-%m-%d %H:%M} UTC (for --since {since}) against the one of "
        f"{s1:%Y-%m-%d %H:%M} UTC ({asked_end})",
        err=True,
    )
    _say(moved.attrs.get("notes", []))
    if moved.empty and not any("both fall" in n for n in moved.attrs.get("notes", [])):  # a bare header (trial)
        click.echo(f"note: no model's {field} moved between these two snapshots", err=True)
    write(moved, fmt, out, columns, head, default_columns=None)
