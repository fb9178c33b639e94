"""``report``: a self-contained report folder (index.html, PNG charts, CSV tables) from the store,
taking a first snapshot into an empty one; and the note naming the scopes it leaves out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..app import main
from ..client import _client, replayed_as_now
from ..interrupts import _interrupts, _snapshot_ids
from ..options import _scope_option, _store_option
from ..stores import _store, missing_scope, store_scope
from ..errors import CLIError, CLIUsageError
from ..output import check_output_file
from .answers import _say


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

    from ... import read_usage
    from ...report import build_report

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
            from ...errors import CacheError, NotInCacheError, ResponseError, TransportError
            from ...scope import scope_of

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
            said = replayed_as_now(ctx.obj, first.attrs.get("scope"))  # trial R: the sample, dated today
            if said:
                click.echo(said, err=True)
        folder = Path(out) if out else Path("reports") / f"{pd.Timestamp.now(tz='UTC'):%Y-%m-%d}"
        history = store.history(scope=store_scope(store, scope, note=False))  # _other_scopes says what is left out
        kept = _inodes(folder)  # a folder given may hold the user's own files: count only what was written
        index = build_report(history, folder, usage=usage)
        wrote = [p for p in folder.iterdir() if p.is_file() and kept.get(p.name) != p.stat().st_ino]
        click.echo(f"wrote {index} ({len(wrote)} files)")
        _say(_other_scopes(store, history))
