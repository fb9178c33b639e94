"""``orcatalog watch``: take one snapshot, print what changed since the previous one, keep a feed.

Thin: :func:`orcatalog.watcher.watch` does the work, :func:`orcatalog.feed.update_feed` keeps the
Atom feed; this module parses, checks everything it can before any request, and prints.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import click

from ..feed import MAX_ENTRIES
from .app import main
from .client import _client
from .interrupts import _snapshot_ids, committed, interrupted_message
from .options import _store_option
from .stores import _store
from .errors import CLIInterrupted, CLIUsageError
from .output import check_output_file, write

if TYPE_CHECKING:
    import pandas as pd

#: ``--exit-code``'s status when something changed (as ``diff`` exits 1; 1 and 2 are errors here).
CHANGED_EXIT = 3
WATCH_FORMATS = ("jsonl", "table")


def _plain(value: Any) -> Any:
    """A cell as JSON: numbers as numbers, NaN/None/NaT as null, times as ISO 8601 UTC."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        try:
            import pandas as pd

            return None if value is pd.NaT else pd.Timestamp(value).tz_convert("UTC").isoformat().replace("+00:00", "Z")
        except (TypeError, ValueError):
            return str(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@main.command("watch")
@click.option(
    "--models",
    "model_ids",
    metavar="IDS",
    help="Report only changes to these models (comma-separated ids); the snapshot is still the whole catalog.",
)
@click.option(
    "--feed",
    type=click.Path(dir_okay=False),
    callback=check_output_file,
    help=f"Keep an Atom feed in this file: this run's changes added, newest first, at most {MAX_ENTRIES} entries.",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help=f"Exit {CHANGED_EXIT} when something changed, 0 when nothing did (errors: 1 or 2).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(WATCH_FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: one JSON object per change on stdout; table: for people.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds to wait for another watch running on the same store before giving up.",
)
@_store_option
@click.pass_context
def watch_command(
    ctx: click.Context,
    model_ids: str | None,
    feed: str | None,
    exit_code: bool,
    fmt: str,
    wait: float,
    store_root: str | None,
) -> int:
    """Take one snapshot and print what changed since the previous snapshot of the same scope:
    prices (USD per million tokens for per-token prices), models added, removed and back.

    Run it from cron or a systemd timer (see the README's "Watch" section). A second watch on the
    same store waits up to --wait seconds, then exits 1 without recording anything. The first run
    on a store has nothing to compare with: it says so and exits 0. A run stopped before it has
    printed its changes and written the feed leaves them to the next run, which reports them.

    \b
    Examples:
      orcatalog watch --store watch-data --feed changes.xml
      orcatalog watch --store watch-data --models openai/gpt-4o,deepseek/deepseek-v3.2 --format table
    """
    from ..errors import InvalidParameterError
    from ..feed import check_feed
    from ..watcher import watch

    models = None
    if model_ids is not None:
        models = [m.strip() for m in model_ids.split(",") if m.strip()]
        if not models:
            raise CLIUsageError(f"--models {model_ids!r} names no model: give comma-separated ids")
    if feed is not None:
        try:
            check_feed(feed)  # before any request: a feed that cannot be kept is a bad option
        except InvalidParameterError as exc:
            raise CLIUsageError(str(exc).replace(f"feed={feed!r}", f"--feed {feed}")) from None
    store = _store(store_root)
    before = _snapshot_ids(store)
    done: list[bool] = []

    def report(changes: pd.DataFrame) -> None:  # the snapshot counts as reported once this returns
        _report(store.root, changes, feed, fmt)
        done.append(True)

    try:
        with _client(ctx) as client:
            changes = watch(store, client=client, models=models, wait=wait, report=report)
    except KeyboardInterrupt:  # Ctrl-C says what was recorded, and that the next watch reports it
        message = interrupted_message(store, before)
        if not done and message.startswith("after the write"):
            message += "; its changes were not all reported: the next watch reports them"
        raise CLIInterrupted(message) from None
    return CHANGED_EXIT if exit_code and len(changes) else 0


def _report(root: str, changes: pd.DataFrame, feed: str | None, fmt: str) -> None:
    """Say what changed (stderr), keep the feed, print the changes (stdout)."""
    from ..feed import update_feed

    attrs = changes.attrs
    committed(f"snapshot {attrs['snapshot_id']} was recorded in {root}")
    if attrs["previous_id"] is None:
        click.echo(
            f"note: {attrs['snapshot_id']} is the first snapshot of scope {attrs['scope']} in {root}: "
            "nothing to compare with yet",
            err=True,
        )
    else:
        click.echo(
            f"{len(changes)} change(s) from {attrs['previous_id']} to {attrs['snapshot_id']} "
            f"({attrs['n_models']} models, scope {attrs['scope']})",
            err=True,
        )
    if feed is not None:
        added = update_feed(feed, changes)
        click.echo(f"{feed}: {added} new entr{'y' if added == 1 else 'ies'}", err=True)
    if fmt == "table":
        if len(changes):
            write(
                changes,
                "table",
                None,
                None,
                None,
                default_columns=["id", "change", "field", "old", "new", "pct_change", "unit", "kind"],
            )
    else:
        for row in changes.to_dict("records"):
            click.echo(json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, allow_nan=False))
