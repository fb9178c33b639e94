"""Analysis commands: read the store (or the catalog), call one analysis function, print the frame.

``show``, ``changes``, ``history``, ``movers``, ``cost``, ``price-at``, ``reprice``, ``plot`` and ``report``. Same
output options and one-line errors as every other command; pandas and matplotlib load inside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .app import (
    _client,
    _comma_list,
    _interrupts,
    _scope_option,
    _snapshot_ids,
    _store,
    _store_option,
    looked_in,
    main,
    missing_scope,
    require_models,
    store_scope,
)
from ..schema import is_price_column
from ..suggest import did_you_mean
from .errors import CLIError, CLIUsageError, in_cli_words, warning_line
from .output import check_output_file, echo_record, format_for, output_options, write

PLOT_KINDS = ("price-history", "price-vs-context", "market-trend", "catalog-size", "cost")


def _history(
    store: Any,
    *,
    since: str | None = None,
    ids: list[str] | None = None,
    named: Any = (),
    scope: str,
) -> Any:
    """The store's history (of ``ids``, from ``since``, of ``scope``: the one scope the command reads,
    :func:`store_scope`), read once; each model the command line ``named`` must be in it
    (:func:`require_models`), and an empty history is an error."""
    h = store.history(ids=ids, start=since, scope=scope)
    require_models(store, named, h, scope)
    if h.empty:
        raise CLIError(
            f"no snapshots in {store.root}"
            + (f" since {since}" if since else "")
            + ": `orcatalog snapshots` lists what it holds"
        )
    return h


def _no_longer_listed(store: Any, frame: Any) -> dict[str, Any]:
    """The ids the store's snapshots listed up to ``frame``'s snapshot that ``frame`` does not list,
    each with when it was last seen (UTC): for :func:`orcatalog.suggest.did_you_mean`'s ``unlisted``."""
    h = store.history(columns=[], end=frame.attrs.get("fetched_at"), scope=frame.attrs.get("scope") or "default")
    last = h.assign(id=h["id"].astype(str)).groupby("id")["fetched_at"].max()
    return last[~last.index.isin(frame["id"].astype(str))].to_dict()


def _say(notes: list[str]) -> None:
    """Notes on which snapshot answered (orcatalog.times.answer_notes), one line each on stderr."""
    for note in notes:
        click.echo(f"note: {in_cli_words(note)}", err=True)


def _answered_by(frame: Any, as_of: str | None, name: str = "--as-of", *, end: bool = False) -> None:
    """Name the snapshot that answered (always: the latest one when no time was asked), and how far
    it is from the time asked (orcatalog.times.answer_notes: a time before the first snapshot is
    answered by the first)."""
    from ..times import answer_notes, parse_time

    sid, when, scope = frame.attrs.get("snapshot_id"), frame.attrs.get("fetched_at"), frame.attrs.get("scope")
    if when is None:
        return
    which = f"snapshot {sid} (fetched {str(when)[:19]} UTC" + (f", scope {scope!r})" if scope else ")")
    if as_of is None:
        click.echo(f"{which} answers: the latest", err=True)
        return
    asked = parse_time(as_of, name, end=end)  # end: a date-only time means through that day
    through = " (through the end of that day)" if asked != parse_time(as_of, name) else ""
    click.echo(f"{which} answers {name} {as_of}{through}", err=True)
    answered = parse_time(when, "fetched_at")
    later = answered > asked  # only the first answers a time before it
    if through and answered >= parse_time(as_of, name):  # a snapshot of the day asked is not "older" than it
        asked = answered
    _say(answer_notes(asked, when, first=when if later else None, name=name, scope=scope))


def _load_as_of(
    store: Any,
    as_of: str | None,
    name: str = "--as-of",
    *,
    say: bool = True,
    scope: str | None = None,
    end: bool = False,
) -> Any:
    """``store.load(as_of=)`` and the lines naming its snapshot (the library's as-of warning is
    said once, as the notes); ``say=False`` leaves them to the caller (:func:`_answered_by` once
    the answer is found, so an error stays one line)."""
    import warnings

    from ..errors import AsOfWarning
    from ..times import parse_time

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=AsOfWarning)
        when = None if as_of is None else parse_time(as_of, name, end=end)  # end=True: NEW of diff
        frame = store.load(as_of=when, scope=scope)
    if say:
        _answered_by(frame, as_of, name, end=end)
    return frame


def _other_scopes(store: Any, history: Any) -> list[str]:
    """A note naming the snapshots of scopes a one-scope answer (the report) left out, or none."""
    shown = set(history["scope"].astype(str).unique()) if "scope" in history.columns else set()
    m = store.snapshots()
    others = m[~m["scope"].astype(str).isin(shown)]
    if others.empty:
        return []
    counts = others["scope"].astype(str).value_counts()
    listed = ", ".join(f"{scope!r} ({n})" for scope, n in counts.head(3).items())
    more = f" and {len(counts) - 3} more" if len(counts) > 3 else ""
    return [
        f"the report covers scope {', '.join(sorted(shown))!r} only; {len(others)} snapshot(s) of other "
        f"scopes are left out: {listed}{more} (snapshots of different scopes are never mixed; --scope chooses)"
    ]


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
        unlisted = _no_longer_listed(store, frame)
        if frame.attrs.get("partial") and model_id in unlisted:  # the rule of lifecycle: no evidence it left
            raise CLIError(
                f"no model {model_id!r} {when} of {store.root}: that snapshot, {frame.attrs.get('snapshot_id')}, is a "
                f"partial catalog ({len(frame)} models), so the model may not have left the catalog; last seen "
                f"{unlisted[model_id]:%Y-%m-%d %H:%M} UTC (--as-of that time shows it)"
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
    from ..analysis.args import field_arg
    from ..analysis.changes import price_changes

    from ..times import parse_time

    start = None if since is None else parse_time(since, "since")  # the one time rule; messages name --since
    end = None if until is None else parse_time(until, "until", end=True)  # a date-only --until: through that day
    if start is not None and end is not None and end < start:
        raise CLIUsageError(f"--until {until} is before --since {since}")
    store = _store(store_root, must_exist=True)
    h = _history(store, ids=list(model_ids) or None, named=model_ids, scope=store_scope(store, scope))
    prices = [str(c) for c in h.columns if is_price_column(str(c))]
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
    from ..times import parse_time

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
    from ..analysis.changes import lifecycle

    store = _store(store_root, must_exist=True)
    wanted = ["prompt_usd_per_mtok", "completion_usd_per_mtok", "context_length", "max_completion_tokens"]
    prices = ["price_prompt", "price_completion"]  # what lifecycle counts as price changes
    read = [*wanted, *prices, "dynamic_pricing"]  # a dynamic price is blank: the table's note says why
    used = store_scope(store, scope)
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
    from ..analysis.trends import movers as find_movers

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
    write(moved, fmt, out, columns, head, default_columns=None)


class _Count(click.ParamType):
    """A count option (tokens, requests, searches, images): a whole number, typed plainly or as
    ``1e6`` / ``1_000_000``, checked by the library's one rule of a count
    (:func:`orcatalog.analysis.cost.bad_counts`) while parsing, before any work."""

    name = "count"

    def __init__(self, minimum: int = 0) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number: float = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                try:
                    number = float(str(value).strip())
                except ValueError:
                    number = float("nan")
        from ..analysis.cost import COUNT_RULE, MAX_COUNT, bad_counts

        if bad_counts(number) or number < self.minimum:
            rule = COUNT_RULE if self.minimum == 0 else f"a whole number from {self.minimum} to {MAX_COUNT:,} (10^13)"
            self.fail(f"{value} is not {rule}", param, ctx)
        return int(number)


def _token_options(func: Any) -> Any:
    """The workload's count options, one per priced dimension of the cost rules' one table
    (:data:`orcatalog.workload.COMPONENTS`): ``--<option>`` carries the library argument of the
    same component, so a component added there is an option here, and errors name the option."""
    from ..workload import COMPONENTS  # light: no pandas at import

    for c in reversed(COMPONENTS):
        kind = _Count(1 if c.argument == "requests" else 0)
        func = click.option(f"--{c.option}", c.argument, type=kind, help=c.help)(func)
    return func


@main.command()
@_token_options
@click.option("--at", help="When the requests run (ISO 8601, UTC), for time-of-day prices.")
@click.option("--models", "--model", "model_ids", help="Comma-separated model ids to keep (default: all).")
@click.option(
    "--as-of", help="Price with the store's catalog at this time instead of fetching it now (see --store, --scope)."
)
@click.option("--include-free", is_flag=True, help="Also list models that cost nothing (left out by default).")
@click.option(
    "--output-modality",
    "--output-modalities",
    "output_modalities",
    help="What the models must produce, comma-separated (text, image, embeddings, audio, video, rerank, "
    "speech, transcription, or all for any output (alias any); default text, prompt-only workloads too: --output-modality embeddings prices embedding models). "
    "Several values mean AND: a model must produce every one (text,image: models that output both).",
)
@_store_option
@_scope_option
@output_options
@click.pass_context
def cost(
    ctx: click.Context,
    at: str | None,
    model_ids: str | None,
    as_of: str | None,
    include_free: bool,
    output_modalities: str | None,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
    **counts: int | None,
) -> None:
    """What a workload costs on each model, in USD, cheapest paid model first, with its rank among
    them (models that can serve the workload only; rows that cannot be priced get a note, no number
    and no rank; free models only with --include-free). The catalog is fetched now, or with --store,
    --as-of or --scope read from the store (its latest snapshot, or the one at --as-of, of one scope).

    \b
    Examples:
      orcatalog cost --prompt-tokens 1000000 --completion-tokens 200000 --head 10
      orcatalog --replay sample cost --prompt-tokens 100000 --cached 60000 --completion-tokens 5000 --reasoning 2000 --models openai/gpt-4o,deepseek/deepseek-v3.2
      orcatalog cost --store data --as-of 2026-01-01 --prompt-tokens 1000000 --completion-tokens 200000 --head 5
    """
    from ..analysis.cost import check_workload, estimate_cost

    prompt_tokens, completion_tokens = counts.pop("prompt_tokens") or 0, counts.pop("completion_tokens") or 0
    if not prompt_tokens and not completion_tokens:
        raise click.UsageError("give a non-zero --prompt-tokens or --completion-tokens")
    workload: dict[str, Any] = {name: (n if name == "requests" else n or 0) for name, n in counts.items()}
    workload.update(at=at, output_modalities=output_modalities)
    check_workload(prompt_tokens, completion_tokens, **workload)  # before any fetch; errors name the options
    from_store = as_of is not None or store_root is not None or scope is not None
    if from_store:
        store = _store(store_root, must_exist=True)
        frame = _load_as_of(store, as_of, say=False, scope=store_scope(store, scope))
    else:
        with _client(ctx) as client:
            frame = client.fetch_models()
    if model_ids:
        wanted = [m.strip() for m in model_ids.split(",") if m.strip()]
        if not wanted:
            raise CLIUsageError(f"--models {model_ids!r} names no model: give comma-separated ids")
        known = [str(i) for i in frame["id"]]
        missing = [m for m in wanted if m not in known]
        if missing:
            hint = ""
            where = "in the catalog fetched from the API"
            if from_store:  # the store knows what it listed before, and which scope it read
                when = f"at --as-of {as_of}" if as_of else "in the latest snapshot"
                where, elsewhere = looked_in(store, frame.attrs.get("scope"), [missing[0]])
                where = f"{when} of {where}"
                gone = _no_longer_listed(store, frame)
                hint = elsewhere if elsewhere and missing[0] not in gone else ""
            hint = hint or did_you_mean(missing[0], known, unlisted=gone if from_store else None)
            raise CLIError(f"no model {missing[0]!r} {where}{hint}")
        frame = frame[frame["id"].isin(wanted)]
    if from_store:
        _answered_by(frame, as_of)  # the snapshot priced, once the models named are found in it
    result = estimate_cost(frame, prompt_tokens, completion_tokens, **workload)
    free = 0
    if not include_free:
        result, free = _paid_and_notes(result)
    table = format_for(fmt, out) == "table"
    result = _left_out(result, free, keep_notes=bool(model_ids) or not table)
    # rank: 1 = cheapest among the priced rows shown (the paid ones, or with --include-free every
    # priced row); a row that could not be priced has none (empty), only its note
    shown = [
        "rank",
        *(c for c in result.columns if c in ("id", "total_usd", "x_cheapest", "note") or c.startswith("cost_")),
    ]
    write(result, fmt, out, columns, head, default_columns=shown)


def _paid_and_notes(result: Any) -> tuple[Any, int]:
    """The cost command's view: the cheapest paid models (ranked among themselves, the library's one
    rule), then the rows that could not be priced (with their note); and how many free models were
    left out (:func:`_left_out` says so)."""
    import pandas as pd

    from ..analysis.catalog import cheapest_paid

    shown = cheapest_paid(result)
    return pd.concat([shown, result[result["total_usd"].isna()]]), int(shown.attrs["left_out"].get("free", 0))


def _left_out(result: Any, free: int, *, keep_notes: bool) -> Any:
    """The one rule for what the cost command leaves out and how it says so: free models (unless
    --include-free) and, in the table, the rows that cannot be priced for the workload, counted in
    one ``Left out: N models (why; ...)`` line on stderr. The rows of models named with --models,
    and every row in CSV, JSON and parquet (the library's answer), keep their note instead."""
    from ..analysis.catalog import left_out_words

    said: dict[str, int] = {"free": free}
    dropped = result.iloc[:0]
    if not keep_notes and "note" in result.columns:
        unpriced = result["total_usd"].isna() & result["note"].notna()
        dropped = result[unpriced]
        for note, n in dropped["note"].astype(str).value_counts().items():
            said[in_cli_words(str(note))] = int(n)
        result = result[~unpriced]
    text = left_out_words(said, free="free: --include-free lists them")
    if text:
        click.echo(f"Left out: {text}", err=True)
    if not len(result) and len(dropped):
        click.echo(warning_line("no model in this catalog can be priced for this workload"), err=True)
    return result


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

    from .. import read_usage
    from ..analysis.price_at import price_at as price_rows

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
    from .. import read_usage
    from ..analysis.reprice import reprice as reprice_rows

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
    from ..analysis.reprice import NO_SNAPSHOT

    rows = result.rows
    billed = result.billed_total_usd
    unlisted = int(rows["list_usd"].isna().sum())
    click.echo(_reprice_header(result, NO_SNAPSHOT, at), err=True)
    _say(list(result.notes))
    if unlisted == len(rows):  # a table of zeros would read as "every alternative is free"
        raise CLIError(
            f"none of the {len(rows)} usage rows can be priced: the store lists none of their models on their "
            "day; record the catalogs of the usage period (orcatalog import / snapshot --store), or price every "
            "row at one snapshot with --at"
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
                f"(${float(first['billed_usd']):,.2f} for {first['alternative']}: {int(first['rows_served'])} of "
                f"{len(rows)} rows), not the period's ${billed:,.2f}; saving_usd compares the same rows",
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
        of_it = f" (${byok:,.2f} of it BYOK inference, billed by providers on your own keys)" if byok >= 0.005 else ""
        bill = f"billed ${billed:,.2f} over {len(rows)} usage rows{of_it}"
    same = rows["billed_usd"].to_numpy(dtype=float)[priced]
    same_rows = "" if np.isnan(billed) else f", billed ${float(np.nansum(same)):,.2f}"
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
        f"{bill}; at list prices ${result.list_total_usd:,.2f} for the {int(priced.sum())} rows whose model "
        f"{lists}{same_rows}" + (f" ({'; '.join(left)}: no list price{then})" if left else "")
    )


@main.command()
@click.argument("kind", type=click.Choice(PLOT_KINDS), metavar="KIND")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    callback=check_output_file,
    help="The PNG to write.",
)
@click.option(
    "--model",
    "--models",
    "model_ids",
    multiple=True,
    callback=_comma_list,
    help="Models for price-history, repeatable or comma-separated (default: the ones that moved).",
)
@click.option(
    "--field",
    help="The price column: for price-history (default prompt_usd_per_mtok) and "
    "price-vs-context's x axis, e.g. completion_usd_per_mtok; a column or the name tables print it "
    "under (price_input_cache_read or price_input_cache_read_usd_per_mtok).",
)
@click.option("--prompt-tokens", type=_Count(), default=1_000_000, show_default=True, help="For cost.")
@click.option("--completion-tokens", type=_Count(), default=200_000, show_default=True, help="For cost.")
@_store_option
@_scope_option
@click.pass_context
def plot(
    ctx: click.Context,
    kind: str,
    out: str,
    model_ids: tuple[str, ...],
    field: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    store_root: str | None,
    scope: str | None,
) -> None:
    """Draw one chart to a PNG: price-history, market-trend and catalog-size from the store;
    price-vs-context and cost from the catalog (fetched, or the store's latest with --store or --scope).

    \b
    Examples:
      orcatalog plot price-history --store data --model deepseek/deepseek-v3.2 -o prices.png
      orcatalog plot price-vs-context --store data -o frontier.png
      orcatalog plot price-history --store data --model z-ai/glm-4.7,openai/gpt-4o --field completion_usd_per_mtok -o out.png
    """
    from matplotlib.figure import Figure

    from .. import plot as charts
    from ..analysis.cost import estimate_cost
    from ..analysis.trends import market_trend

    if not out.lower().endswith(".png"):
        raise CLIUsageError(f"{out}: plot writes PNG files; name it .png")
    for name, option, kinds in (
        ("model_ids", "--model", ("price-history",)),
        ("prompt_tokens", "--prompt-tokens", ("cost",)),
        ("field", "--field", ("price-history", "price-vs-context")),
        ("completion_tokens", "--completion-tokens", ("cost",)),
    ):
        if kind not in kinds and ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError(f"{option} is for {' and '.join(kinds)} charts, not {kind}")
    if kind == "cost" and not prompt_tokens and not completion_tokens:
        raise click.UsageError("give a non-zero --prompt-tokens or --completion-tokens")
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    ax = fig.subplots()
    if kind in ("price-history", "market-trend", "catalog-size"):
        store = _store(store_root, must_exist=True)
        h = _history(store, named=model_ids, scope=store_scope(store, scope))
        if kind == "price-history":
            charts.plot_price_history(h, list(model_ids) or None, ax=ax, field=field or "prompt_usd_per_mtok")
        elif kind == "market-trend":
            charts.plot_market_trend(market_trend(h), ax=ax)
        else:
            charts.plot_catalog_size(h, ax=ax)
    else:
        if store_root is not None or scope is not None:
            store = _store(store_root, must_exist=True)
            frame = _load_as_of(store, None, say=False, scope=store_scope(store, scope))
        else:
            with _client(ctx) as client:
                frame = client.fetch_models()
        if kind == "price-vs-context":
            charts.plot_price_vs_context(frame, ax=ax, x=field or "prompt_usd_per_mtok")
        else:
            from ..analysis.catalog import cheapest_paid

            result = estimate_cost(frame, prompt_tokens, completion_tokens)
            fig.set_size_inches(11, 8)
            charts.plot_cost(cheapest_paid(result), n=25, ax=ax)  # the cost command's rule
    fig.savefig(out, dpi=110)
    if kind in ("price-vs-context", "cost") and (store_root is not None or scope is not None):
        _answered_by(frame, None)  # the snapshot drawn, once it is drawn (an error stays one line)
    click.echo(f"wrote {out}", err=True)


def _inodes(folder: Path) -> dict[str, int]:
    """The files of ``folder`` (none if it does not exist) by name, with their inode: the report
    puts each file it writes in place by a rename, so a written file has a new inode."""
    if not folder.is_dir():
        return {}
    return {p.name: p.stat().st_ino for p in folder.iterdir() if p.is_file()}


@main.command()
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False),
    callback=check_output_file,
    help="The folder to write: made if missing, but its parent folder must exist, as for every -o "
    "(a mistyped path is refused before any work, not created); an earlier report there is replaced "
    "(default: reports/<UTC date>/ in the current folder).",
)
@click.option(
    "--usage",
    "usage_file",
    metavar="USAGE",
    type=click.Path(exists=True, dir_okay=False),
    help="Add a section repricing this usage (a saved /activity body, or a CSV / parquet usage table).",
)
@_store_option
@_scope_option
@click.pass_context
def report(
    ctx: click.Context, out: str | None, usage_file: str | None, store_root: str | None, scope: str | None
) -> None:
    """Build a self-contained report folder: index.html (opens from disk), PNG charts and CSV tables.

    Works on whatever history the store holds, of one scope (--scope; a note names the snapshots of
    other scopes it leaves out); an empty store is filled with one snapshot first (needs network, or
    --replay). With --usage, a section prices that usage on the cheapest alternatives against its bill.

    \b
    Examples:
      orcatalog report --store data -o report
      orcatalog report --store data --usage usage.csv -o report
    """
    import pandas as pd

    from .. import read_usage
    from ..report import build_report

    store = _store(store_root)
    before = _snapshot_ids(store)
    # Ctrl-C: the one interrupted line (whether a first snapshot was recorded); the report folder is
    # written whole or not at all (build_report)
    with _interrupts(store, before, unfinished="the report was not written (its folder appears whole or not at all); "):
        usage = read_usage(usage_file) if usage_file is not None else None  # a bad file fails before any work
        if usage is not None and usage.empty:
            raise CLIError(f"{usage_file} holds no usage rows: nothing to reprice in the report")
        empty = not store.exists() or store.snapshots().empty
        if scope is not None and not empty:  # before any work: a scope the store holds
            counts = store.snapshots()["scope"].astype(str).value_counts()
            if scope not in counts.index:
                raise CLIUsageError(missing_scope(store, scope, counts))
        if empty:
            from ..errors import CacheError, NotInCacheError, ResponseError, TransportError
            from ..scope import scope_of

            new = "there was no store" if not store.exists() else "the store was empty"
            try:
                with _client(ctx) as client:
                    will = scope_of(client.base_url, "/models", {"output_modalities": "all"})  # the snapshot's
                    if scope is not None and scope != will:  # before the request: it would not answer --scope
                        raise CLIUsageError(
                            missing_scope(
                                store,
                                scope,
                                then=f" (the first snapshot the report takes into an empty store is of scope {will!r}: "
                                f"drop --scope, or record scope {scope!r} first with `orcatalog import --store "
                                f"{store.root} FILE`)",
                            )
                        )
                    first = store.snapshot(client)
            except (TransportError, NotInCacheError, ResponseError, CacheError) as exc:  # the catalog cannot be fetched
                raise CLIError(
                    f"the store {store.root} is empty and taking a first snapshot failed ({exc}); "
                    "import recorded bodies with `orcatalog import`, or run with network or --replay sample"
                ) from None
            sid = first.attrs.get("snapshot_id", "")  # a mistyped --store is seen here, not found later
            click.echo(f"note: {new} at {store.root}: took its first snapshot {sid} for the report", err=True)
        folder = Path(out) if out else Path("reports") / f"{pd.Timestamp.now(tz='UTC'):%Y-%m-%d}"
        history = store.history(scope=store_scope(store, scope, note=False))  # _other_scopes says what is left out
        kept = _inodes(folder)  # a folder given may hold the user's own files: count only what was written
        index = build_report(history, folder, usage=usage)
        wrote = [p for p in folder.iterdir() if p.is_file() and kept.get(p.name) != p.stat().st_ino]
        click.echo(f"wrote {index} ({len(wrote)} files)")
        _say(_other_scopes(store, history))
