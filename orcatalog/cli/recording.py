"""The commands that write a store: ``snapshot`` (the catalog now), ``import`` (recorded bodies),
``compact`` (merge small files) and ``migrate`` (a parquet-layout store into a Delta one); each says
what it recorded, and Ctrl-C during the write says what the store holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .app import main
from .client import _client, replayed_as_now
from .errors import CLIError, CLIUsageError
from .interrupts import _interrupts, _snapshot_ids, committed
from .options import _filter_options, _store_option
from .stores import _store


def _refuse_undated_non_catalogs(paths: tuple[str, ...]) -> None:
    """A single body file whose name has no time would be refused for want of --fetched-at; if it
    is not a models list at all, say that first (reading it is cheap: it is one body)."""
    from ..frames import bodies
    from ..frames.models import check_body

    for path in map(Path, paths):
        if path.is_file() and not bodies.is_archive_name(path.name) and bodies.dated_name(path.name) is None:
            for name, data in bodies.read_files([path]):  # any file named on purpose (README.md, a .txt)
                check_body(bodies.parse(name, data), url=name)


def _skipped_in_folders(paths: tuple[str, ...]) -> list[str]:
    """What the folders given to ``import`` hold besides bodies and archives (not read: subfolders,
    notes, other files), so that the command can say so instead of skipping them in silence."""
    from ..frames import bodies

    out = []
    for folder in (Path(p) for p in paths if Path(p).is_dir()):
        for entry in sorted(folder.iterdir()):
            if not (entry.is_file() and (bodies.is_body_name(entry.name) or bodies.is_archive_name(entry.name))):
                out.append(entry.name + ("/" if entry.is_dir() else ""))
    return out


def _by_kind(paths: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The paths ``import`` gives the catalog import and those it gives the endpoints import, by
    file name (the one rule: :func:`orcatalog.store.endpoints.files.declared_endpoint`): a file
    named ``endpoints-<author>--<slug>-<time>``, ``endpoints-zdr-<time>`` or ``providers-<time>``
    is an endpoints or providers body, given or in a folder, and an archive is one kind or the
    other by its members' names; a folder that holds endpoints bodies gives its entries one by one
    (its ``models-count`` bodies passed over, as a folder's are).

    Raises:
        CLIError: an archive holding both kinds.
    """
    from ..frames import bodies

    catalog: list[str] = []
    endpoints: list[str] = []
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            (endpoints if _of_endpoints(path) else catalog).append(given)
            continue
        inside = [q for q in bodies.expand([path]) if not q.name.startswith("models-count")]
        kinds = [_of_endpoints(q) for q in inside]
        if not any(kinds):
            catalog.append(given)  # whole: the catalog import reads the folder as it always has
            continue
        endpoints += [str(q) for q, k in zip(inside, kinds) if k]
        catalog += [str(q) for q, k in zip(inside, kinds) if not k]
    return catalog, endpoints


def _of_endpoints(path: Path) -> bool:
    """Whether a file holds endpoints or providers bodies, by its name or, for an archive, its
    members' names.

    Raises:
        CLIError: an archive whose members are of both kinds.
    """
    from ..frames import bodies
    from ..store.endpoints.files import declared_endpoint

    if not (path.is_file() and bodies.is_archive_name(path.name)):
        return declared_endpoint(path.name) is not None
    members = [n for n in bodies.member_names(path) if not n.startswith("models-count")]
    named = [n for n in members if declared_endpoint(n)]
    if named and len(named) < len(members):
        other = next(n for n in members if not declared_endpoint(n))
        raise CLIError(
            f"{path.name} holds endpoints or providers bodies ({named[0]}) and others ({other}): "
            "import them from two archives (or a folder, which is read file by file)"
        )
    return bool(named)


def _say_skipped(paths: tuple[str, ...]) -> None:
    """The note naming what the folders given held and ``import`` did not read."""
    skipped = _skipped_in_folders(paths)
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        click.echo(
            f"note: not read (not a .json/.json.gz body or tar archive; folders are not searched): {shown}",
            err=True,
        )


def _import_endpoints(store: Any, paths: list[str], fetched_at: str | None, base_url: str | None) -> None:
    """``import``'s endpoints and providers bodies: recorded, and a line saying what was new."""
    held = set(store.endpoint_snapshots()["snapshot_id"]) if store.exists() else set()
    ids = list(
        dict.fromkeys(store.import_endpoints(paths, fetched_at=fetched_at, base_url=base_url))
    )  # a body given twice: once
    new = sorted(sid for sid in ids if sid not in held)  # ids start with their time: a span in time
    committed(f"{len(new)} new endpoints/providers snapshots were recorded in {store.root}")
    old = len(ids) - len(new)
    kept = f"; {old} {'was' if old == 1 else 'were'} already in the store" if old else ""
    span = "" if not new else f" ({new[0]})" if len(new) == 1 else f" ({new[0]} .. {new[-1]})"
    click.echo(f"{len(new)} new endpoints/providers snapshot{'s' * (len(new) != 1)} recorded{span}{kept}")


@main.command()
@_store_option
@click.pass_context
def snapshot(ctx: click.Context, store_root: str | None) -> None:
    """Fetch the whole catalog now and record it in the store.

    \b
    Example:
      orcatalog snapshot --store data
    """
    store = _store(store_root)
    before = _snapshot_ids(store)
    with _interrupts(store, before):  # also around the report line: Ctrl-C after the commit says so
        with _client(ctx) as client:
            df = store.snapshot(client)
        committed(f"snapshot {df.attrs['snapshot_id']} was recorded in {store.root}")
        click.echo(f"{df.attrs['snapshot_id']}: {len(df)} models at {df.attrs['fetched_at']}")
    said = replayed_as_now(ctx.obj, df.attrs.get("scope"))  # a demo: the body is old, the time is now (trial N)
    if said:
        click.echo(said, err=True)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--fetched-at",
    help="Fetch time of a single body (ISO 8601, UTC): needed when its file name has none; over a time "
    "in the name it wins, with a warning naming both when they differ. A date only (2026-01-08) is "
    "recorded with day precision, as a file named by its date.",
)
@click.option("--base-url", help="The API the bodies came from (default the public API).")
@_filter_options
@_store_option
def import_(
    paths: tuple[str, ...], fetched_at: str | None, base_url: str | None, store_root: str | None, **filters: Any
) -> None:
    """Backfill the store from recorded /models bodies (.json, .json.gz, tar archives, folders), and
    endpoints and providers bodies.

    The filters and --base-url say what the bodies answered (as the models command asks it), which
    sets their scope. No --output-modalities means the server's default, text-output list (what a
    bare GET /models answers); a body holding a model without text output is refused then, and
    --output-modalities all records the whole catalog.

    Files named endpoints-<author>--<slug>-<time>, endpoints-zdr-<time> or providers-<time>
    (given, or in a folder) are recorded as endpoints and providers snapshots (a Delta-layout
    store; the history: `orcatalog endpoint-history`); the filters do not apply to them.

    \b
    Example:
      orcatalog import --store data tests/data/openrouter/hourly-2025-12-18_2026-01-07.tar.xz
      orcatalog import --store data --output-modalities text tests/data/openrouter/models-2026-04-17.json.gz
      orcatalog import --store data tests/data/openrouter/endpoints
    """
    query = {k: v for k, v in filters.items() if v is not None}
    store = _store(store_root)
    catalog, endpoint_files = _by_kind(paths)
    if endpoint_files and query:  # a filter says what a /models body answered: no endpoints body answers one
        raise CLIUsageError(
            f"--{next(iter(query)).replace('_', '-')} says what a /models body answered; "
            f"{Path(endpoint_files[0]).name} is an endpoints or providers body, which no filter applies to: "
            "import it without the filters"
            + (" (and the catalogs with them, in a command of their own)" if catalog else "")
        )
    if fetched_at is not None and endpoint_files and catalog:  # one time for one body, whichever its kind
        raise CLIUsageError(
            f"--fetched-at applies to a single body, but {len(endpoint_files) + len(catalog)} files were given "
            f"({Path(endpoint_files[0]).name}, {Path(catalog[0]).name})"
        )
    before = _snapshot_ids(store)  # once: a Ctrl-C line counts what the whole command recorded
    if endpoint_files:
        with _interrupts(store, before):
            _import_endpoints(store, endpoint_files, fetched_at, base_url)
        if not catalog:
            _say_skipped(paths)
            return
        given, paths = paths, tuple(catalog)
    if fetched_at is None:
        _refuse_undated_non_catalogs(paths)
    finished: list[bool] = []
    # a long series is committed a piece at a time (168 bodies): cut short after one, say how to finish
    rest = "; the import may not have finished: run it again to record any rest (what is recorded is skipped)"
    with _interrupts(store, before, cut_short=lambda: "" if finished else rest):  # and around the report lines
        ids = store.import_files(
            list(paths), fetched_at=fetched_at, base_url=base_url, query=query
        )  # fetched_at= is --fetched-at in errors
        finished.append(True)
        new = ids.added  # what this import committed (the rest the store already held)
        if not ids:  # nothing to do is not the work asked for: a mistyped folder must not look like success
            raise CLIError(
                f"no /models bodies found in {', '.join(paths)}: nothing was imported (give .json or "
                ".json.gz bodies, tar archives of them, or folders holding them)"
            )
        committed(f"{len(new)} new snapshots were recorded in {store.root}")
        _say_skipped(given if endpoint_files else paths)
        if not new:
            click.echo(f"0 new snapshots recorded: all {len(ids)} were already in the store")
        else:
            old = len(ids) - len(new)
            kept = f"; {old} {'was' if old == 1 else 'were'} already in the store" if old else ""
            again = getattr(ids, "again", [])
            fresh = [sid for sid in new if sid not in set(again)]
            parts = []
            if fresh:
                span = fresh[0] if len(fresh) == 1 else f"{fresh[0]} .. {fresh[-1]}"
                parts.append(f"{len(fresh)} new snapshot{'s' * (len(fresh) > 1)} recorded ({span})")
            if again:
                shown = ", ".join(again[:3]) + (f" and {len(again) - 3} more" if len(again) > 3 else "")
                parts.append(f"{len(again)} recorded again ({shown}: held before but unreadable, readable now)")
            click.echo("; ".join(parts) + kept)


@main.command()
@_store_option
def compact(store_root: str | None) -> None:
    """Merge the store's small files (optimize, then vacuum what is past retention). The store already
    does this itself after writes. A store in the earlier parquet layout is not written: migrate it.

    \b
    Example:
      orcatalog compact --store data
    """
    store = _store(store_root, must_exist=True)
    merged = store.compact()
    committed(f"{store.root} was compacted")
    click.echo(f"merged {merged} files" if merged else "nothing to compact")


@main.command()
@click.argument("old")
@click.argument("new")
def migrate(old: str, new: str) -> None:
    """Copy a store in the earlier parquet (batch) layout into a new Delta Lake store, checking every snapshot.

    Delta is the layout of new stores; a parquet-layout store is read but no longer written. OLD is left
    untouched; NEW must be a new folder (or URL) or a Delta store, and an interrupted run can be
    re-run. Then point --store (or ORCATALOG_DATA_DIR) at NEW.

    \b
    Example:
      orcatalog migrate old-store new-store
    """
    from ..store import SnapshotStore
    from ..store.migrate import migrate as copy_store

    with _interrupts(SnapshotStore(new), set()):  # Ctrl-C says what NEW holds; a new NEW is left as it was
        ids = copy_store(old, new)
    click.echo(f"{len(ids)} snapshots copied from {old} to {new} (Delta layout); each read back equal")
