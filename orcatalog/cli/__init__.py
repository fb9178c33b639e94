"""``orcatalog``: a thin command line over the library (parse, call, format).

Every command prints a readable table by default (prices in USD per million tokens), or
``--format csv|json|parquet`` (``-o FILE`` picks the format from its extension). ``watch`` prints
JSON lines (one change each) or ``--format table``, and exits 3 on changes with ``--exit-code``. Errors are one
``error: ...`` line on stderr with exit status 1; bad usage exits 2; never a traceback.

Start-up stays light: pandas, pyarrow and requests are imported inside the commands that use them.

The files, one job each:

- ``__init__.py``: the fetch and store commands (``models``, ``snapshot``, ``import``, ...);
- ``app.py``: the ``main`` group and its output rules (one-line errors and warnings, the exit status);
- ``client.py``: the client of a command (the API, or the replay server under ``--replay``);
- ``options.py``: the options every command shares (filters, comma lists, ``--store``, ``--scope``);
- ``stores.py``: the store of a command and its messages ("no model X in the store");
- ``interrupts.py``: Ctrl-C during a write, and a pipe closed after one;
- ``watch.py``: ``watch``; ``analysis/``: the analysis commands (its own map);
- ``errors.py``, ``output.py``, ``startup.py``: one-line errors; tables and formats; a fast start.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..suggest import did_you_mean
from .errors import CLIError, CLIUsageError, warning_line
from .output import echo_record, output_options, write

# the shared pieces (cli/app.py, client.py, interrupts.py, options.py, stores.py): main, run and the
# names tests use stay importable from here
from .app import main, run
from .client import (  # noqa: F401
    REPLAY_HELP,
    _client,
    _import_requests_cache_lean,
)
from .interrupts import (  # noqa: F401
    _interrupts,
    _snapshot_ids,
    committed,
    interrupted_message,
)
from .options import (
    _comma_list,
    _check_modalities,
    _filter_options,
    _scope_option,
    _store_option,
)
from .stores import (
    _store,
    models_named,
    require_models,
    store_scope,
)
from . import analysis  # noqa: F401 - registers the analysis commands (show, changes, diff, cost, report, ...)
from . import watch as _watch  # noqa: F401 - registers `orcatalog watch`

__all__ = ["main", "run"]


@main.command()
@_filter_options
@click.option("--page-size", type=click.IntRange(1, 1000), help="Fetch in pages of N models.")
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@output_options
@click.pass_context
def models(
    ctx: click.Context,
    page_size: int | None,
    refresh: bool,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
    **filters: Any,
) -> None:
    """List models (GET /models); the whole catalog unless filtered.

    \b
    Example:
      orcatalog models --input-modalities image --max-price 1 --sort pricing-low-to-high
    """
    filters = {k: v for k, v in filters.items() if v is not None}
    with _client(ctx, filters) as client:
        df = client.fetch_models(page_size=page_size, refresh=refresh, **filters)
    write(df, fmt, out, columns, head)


@main.command()
@click.argument("model_id")
@output_options
@click.pass_context
def model(
    ctx: click.Context, model_id: str, fmt: str | None, out: str | None, columns: str | None, head: int | None
) -> None:
    """Show one model (GET /model/{author}/{slug}); variants like :free work.

    \b
    Example:
      orcatalog model openai/gpt-4o --format json
    """
    from ..errors import NotFoundError

    with _client(ctx) as client:
        try:
            df = client.fetch_model(model_id)
        except NotFoundError as exc:
            raise _unknown_model(model_id, exc, client) from None
    if fmt is None and out is None and not columns:
        echo_record(df)
        return
    write(df, fmt, out, columns, head, default_columns=None)


def _catalog_ids(client: Any, store: Any = None) -> list[str]:
    """The model ids of the catalog at hand, to suggest from: the store's (when one was given and
    holds snapshots), else the catalog through the client (its cache, or one request); none
    when neither can be read (the suggestion is then left out, the error stays)."""
    from ..errors import OrcatalogError

    try:
        if store is not None and store.exists() and len(store.snapshots()):
            return [str(i) for i in store.history(columns=[])["id"].unique()]
        return [str(i) for i in client.fetch_models()["id"]]
    except OrcatalogError:
        return []


def _unknown_model(model_id: str, exc: Exception, client: Any, store: Any = None) -> CLIError:
    """The error of a model id the API answered 404 for (``model``, ``endpoints``): the id as typed
    and the listed id it most likely meant (:func:`orcatalog.suggest.did_you_mean` on
    :func:`_catalog_ids`), then the API's answer."""
    hint = did_you_mean(model_id, _catalog_ids(client, store))
    return CLIError(f"no model {model_id!r} in the catalog{hint} ({exc})")


@main.command()
@click.option(
    "--output-modalities",
    "--output-modality",
    callback=_check_modalities,
    help="Comma-separated list, or 'all' (default).",
)
@click.pass_context
def count(ctx: click.Context, output_modalities: str | None) -> None:
    """Print how many models there are (GET /models/count).

    \b
    Example:
      orcatalog count --output-modalities image
    """
    with _client(ctx) as client:
        click.echo(client.count_models(output_modalities))


@main.command("user-models")
@click.option("--page-size", type=click.IntRange(1, 1000), help="Fetch in pages of N models.")
@output_options
@click.pass_context
def user_models(
    ctx: click.Context, page_size: int | None, fmt: str | None, out: str | None, columns: str | None, head: int | None
) -> None:
    """List the models your key may use (GET /models/user); reads OPENROUTER_API_KEY.

    \b
    Example:
      OPENROUTER_API_KEY=sk-or-v1-... orcatalog user-models --head 10
    """
    with _client(ctx) as client:
        if not client.has_api_key:  # the client resolves the key (fetch/client.py), not a second reader here
            raise CLIUsageError(
                "user-models needs your API key in OPENROUTER_API_KEY (it is sent only to the API, "
                "never cached, stored or printed)"
            )
        df = client.fetch_user_models(page_size=page_size)
    write(df, fmt, out, columns, head)


#: Default table columns of ``orcatalog endpoints`` and ``orcatalog providers``.
ENDPOINT_TABLE_COLUMNS = [
    "model_id",
    "tag",
    "quantization",
    "context_length",
    "prompt_usd_per_mtok",
    "completion_usd_per_mtok",
    "discount",
    "uptime_last_1d",
    "latency_p50",
    "throughput_p50",
    "status_label",
    "error",
]
PROVIDER_TABLE_COLUMNS = ["slug", "name", "headquarters", "datacenters", "status_page_url"]


@main.command()
@click.argument("model_ids", metavar="MODEL...", nargs=-1)
@click.option("--zdr", is_flag=True, help="Every zero-data-retention endpoint of every model (GET /endpoints/zdr).")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Requests in flight at once when several models are given.",
)
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@click.option(
    "--store",
    "store_root",
    help="Also record the bodies in this snapshot store (Delta layout; see `orcatalog endpoint-history`): "
    "one snapshot per MODEL, or the --zdr list as one snapshot of its own scope.",
)
@output_options
@click.pass_context
def endpoints(
    ctx: click.Context,
    model_ids: tuple[str, ...],
    zdr: bool,
    concurrency: int,
    refresh: bool,
    store_root: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """Which providers serve a model, at what price, latency and uptime (GET /models/{author}/{slug}/endpoints).

    Prices in USD per million tokens, uptime in percent, latency in ms (time to first token),
    throughput in tokens/s. Several models are fetched on a small pool; a model that fails is one
    row with an error (and a warning), the others are kept.

    With --store, the bodies are recorded too (one snapshot per model, or with --zdr one
    snapshot of scope /endpoints/zdr; the history is `orcatalog endpoint-history`).

    \b
    Example:
      orcatalog endpoints anthropic/claude-sonnet-4.5 --columns tag,prompt_usd_per_mtok,latency_p50
      orcatalog endpoints anthropic/claude-sonnet-4.5 --store data
      orcatalog endpoints --zdr --store data
    """
    from ..errors import NotFoundError
    from ..fetch.endpoints import fetch_endpoints

    if bool(model_ids) == zdr:
        raise CLIUsageError("give MODEL (one or more) or --zdr")
    store = None
    with _client(ctx) as client:
        try:
            if store_root is not None:
                store = _store(store_root)
                if zdr:
                    df = store.snapshot_endpoints(zdr=True, client=client, refresh=refresh)
                elif len(model_ids) == 1:  # one model: its fetch error is the command's error, as without --store
                    df = store.snapshot_endpoints(model_ids[0], client=client, refresh=refresh)
                else:
                    df = store.snapshot_endpoints(
                        models=list(model_ids), client=client, refresh=refresh, concurrency=concurrency
                    )
                recorded = df.attrs["snapshot_ids"]
                committed(f"{len(recorded)} endpoints snapshot(s) were recorded in {store.root}")
                click.echo(f"recorded {len(recorded)} endpoints snapshot(s) in {store.root}", err=True)
            elif zdr:
                df = fetch_endpoints(zdr=True, client=client, refresh=refresh)
            elif len(model_ids) == 1:
                df = fetch_endpoints(model_ids[0], client=client, refresh=refresh)
            else:
                df = fetch_endpoints(models=list(model_ids), client=client, refresh=refresh, concurrency=concurrency)
        except NotFoundError as exc:  # one model the API does not know: the id it most likely meant
            raise _unknown_model(model_ids[0], exc, client, store) from None
        failed = df[df["error"].notna()] if "error" in df.columns else df.iloc[:0]
        unknown = failed["error"].astype(str).str.startswith(NotFoundError.__name__) if len(failed) else []
        known = _catalog_ids(client, store) if any(unknown) else []
    for model_id, error, missing in zip(failed["model_id"], failed["error"] if len(failed) else [], unknown):
        hint = did_you_mean(str(model_id), known) if missing else ""
        click.echo(warning_line(f"{model_id}: {error}{hint}"), err=True)
    write(df, fmt, out, columns, head, default_columns=ENDPOINT_TABLE_COLUMNS)


@main.command()
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@output_options
@click.pass_context
def providers(
    ctx: click.Context, refresh: bool, fmt: str | None, out: str | None, columns: str | None, head: int | None
) -> None:
    """List the providers (GET /providers): slug, name, headquarters, datacenter countries, policy URLs.

    \b
    Example:
      orcatalog providers --format csv --columns slug,name,datacenters
    """
    from ..fetch.endpoints import fetch_providers

    with _client(ctx) as client:
        df = fetch_providers(client=client, refresh=refresh)
    write(df, fmt, out, columns, head, default_columns=PROVIDER_TABLE_COLUMNS)


@main.command()
@click.argument("path", default="sample")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: any free one).")
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="KEY",
    callback=_comma_list,
    help="An API key /models/user accepts (repeatable, or comma-separated); try `user-models` offline with it.",
)
@click.option(
    "--fill-required",
    is_flag=True,
    help="Fill fields the OpenAPI spec requires and a body lacks (null, or links from canonical_slug), "
    "for clients generated from the spec; default: models exactly as recorded.",
)
def replay(path: str, port: int, keys: tuple[str, ...], fill_required: bool) -> None:
    """Serve recorded bodies (PATH, or the packaged sample) on loopback and print the base URL (Ctrl-C stops).

    \b
    Example:
      orcatalog replay sample --key sk-or-v1-test
      ORCATALOG_BASE_URL=http://127.0.0.1:PORT/api/v1 OPENROUTER_API_KEY=sk-or-v1-test orcatalog user-models
    """
    from ..testing import serve_forever

    if path != "sample" and not Path(path).exists():
        raise click.BadParameter(f"no such file or folder: {path} (or use sample)", param_hint="PATH")

    def ready(server: Any) -> None:
        click.echo(server.base_url)
        click.echo(f"serving {len(server.names)} recorded bodies; newest: {server.names[-1]}", err=True)
        sys.stdout.flush()

    serve_forever(path, port=port, ready=ready, keys={k: None for k in keys}, fill_required=fill_required)


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
    """Backfill the store from recorded /models bodies (.json, .json.gz, tar archives, folders).

    The filters and --base-url say what the bodies answered (as the models command asks it), which
    sets their scope. No --output-modalities means the server's default, text-output list (what a
    bare GET /models answers); a body holding a model without text output is refused then, and
    --output-modalities all records the whole catalog.

    \b
    Example:
      orcatalog import --store data tests/data/openrouter/hourly-2025-12-18_2026-01-07.tar.xz
      orcatalog import --store data --output-modalities text tests/data/openrouter/models-2026-04-17.json.gz
    """
    query = {k: v for k, v in filters.items() if v is not None}
    store = _store(store_root)
    if fetched_at is None:
        _refuse_undated_non_catalogs(paths)
    before = _snapshot_ids(store)
    with _interrupts(store, before):  # also around the report lines: Ctrl-C after the commit says so
        ids = store.import_files(
            list(paths), fetched_at=fetched_at, base_url=base_url, query=query
        )  # fetched_at= is --fetched-at in errors
        new = ids.added  # what this import committed (the rest the store already held)
        if not ids:  # nothing to do is not the work asked for: a mistyped folder must not look like success
            raise CLIError(
                f"no /models bodies found in {', '.join(paths)}: nothing was imported (give .json or "
                ".json.gz bodies, tar archives of them, or folders holding them)"
            )
        committed(f"{len(new)} new snapshots were recorded in {store.root}")
        skipped = _skipped_in_folders(paths)
        if skipped:
            shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
            click.echo(
                f"note: not read (not a .json/.json.gz body or tar archive; folders are not searched): {shown}",
                err=True,
            )
        if not new:
            click.echo(f"0 new snapshots recorded: all {len(ids)} were already in the store")
        else:
            kept = f"; {len(ids) - len(new)} were already in the store" if len(new) < len(ids) else ""
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
@output_options
def snapshots(store_root: str | None, fmt: str | None, out: str | None, columns: str | None, head: int | None) -> None:
    """List the snapshots in the store (the manifest).

    \b
    Example:
      orcatalog snapshots --store data --columns snapshot_id,fetched_at,n_models
    """
    from ..store import migration_note

    store = _store(store_root, must_exist=True)
    df = store.snapshots()
    note = migration_note(store)
    if note is not None:  # here, where a user looks at the store; not on every command
        click.echo(f"note: {note}", err=True)
    if df.empty:
        held = _endpoint_snapshot_counts(store)
        if held:
            click.echo(
                f"note: no /models snapshots in {store.root}; it holds {held} (see `orcatalog endpoint-history "
                "MODEL` and SnapshotStore.endpoint_snapshots())",
                err=True,
            )
    write(df, fmt, out, columns, head, default_columns=["snapshot_id", "fetched_at", "scope", "n_models", "partial"])


def _endpoint_snapshot_counts(store: Any) -> str:
    """The endpoints and providers snapshots a store holds, in words ("3 endpoints and 2 providers
    snapshots"); empty when none (or the layout keeps none)."""
    from ..errors import StoreError

    try:
        kinds = store.endpoint_snapshots()["kind"].value_counts()
    except StoreError:  # the parquet layout keeps no endpoints
        return ""
    return " and ".join(f"{int(n)} {kind} snapshot{'s' * (n != 1)}" for kind, n in kinds.items())


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


@main.command()
@click.argument("model_ids", metavar="MODEL...", nargs=-1, required=True, callback=_comma_list)
@_store_option
@_scope_option
@output_options
def prices(
    model_ids: tuple[str, ...],
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """Models' price series from the store, one row per model and snapshot in time order (USD per
    million tokens; several models given as separate or comma-separated ids). A snapshot where the model
    lists no per-token price but other prices (per image token, request, ...) shows blank per-token
    cells, with a note naming how it is priced, never 0.

    \b
    Examples:
      orcatalog prices --store data deepseek/deepseek-v3.2
      orcatalog prices --store data openai/gpt-4o,openai/gpt-4o-mini
    """
    store = _store(store_root, must_exist=True)
    used = store_scope(store, scope)
    ids = list(model_ids)
    with models_named():  # require_models says an unknown id
        h = store.history(ids=ids, scope=used)  # every price column: the rule of what a per-token 0 means reads them
    require_models(store, ids, h, used)
    shown = ["fetched_at", "prompt_usd_per_mtok", "completion_usd_per_mtok"]
    write(h, fmt, out, columns, head, default_columns=["id", *shown] if len(ids) > 1 else shown)


@main.command("endpoint-history")
@click.argument("model_id", metavar="MODEL")
@click.option("--provider", help="Keep one provider (name or tag, case-insensitive), e.g. amazon-bedrock/eu-west-1.")
@click.option("--since", help="Keep snapshots fetched at or after this time (ISO 8601, UTC).")
@click.option("--until", help="Keep snapshots fetched at or before this time (ISO 8601, UTC).")
@_store_option
@output_options
def endpoint_history(
    model_id: str,
    provider: str | None,
    since: str | None,
    until: str | None,
    store_root: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """A model's endpoints over time from the store: price (USD per million tokens), uptime
    (percent), latency (ms, time to first token) and throughput (tokens/s), one row per
    (snapshot, endpoint), ordered by endpoint then time.

    \b
    Example:
      orcatalog endpoint-history anthropic/claude-sonnet-4.5 --store data --provider anthropic
    """
    store = _store(store_root, must_exist=True)
    with models_named():  # an unknown model is the error below, with its suggestion
        h = store.endpoint_history(model_id, provider, start=since, end=until)
    if h.empty:
        with models_named():
            served = store.endpoint_history(model_id, columns=[]) if provider else h
        names = [str(n) for n in (*served["provider_name"].unique(), *served["tag"].unique()) if isinstance(n, str)]
        if provider and names and provider.lower() not in {n.lower() for n in names}:  # not one of its providers
            raise CLIError(
                f"no endpoints of {model_id!r} from provider {provider!r} in {store.root}"
                f"{did_you_mean(provider, names)}; its providers: {', '.join(sorted({n.lower(): n for n in names}.values(), key=str.lower))}"
            )
        what = f"no endpoints of {model_id!r}" + (f" from provider {provider!r}" if provider else "")
        if since is not None or until is not None:  # held, but not in the window asked
            with models_named():
                times = store.endpoint_history(model_id, provider, columns=[])["fetched_at"].drop_duplicates()
            if len(times):
                window = " and ".join(
                    f"--{name} {value}" for name, value in (("since", since), ("until", until)) if value is not None
                )
                held = (
                    f"its {len(times)} snapshots span {times.min():%Y-%m-%d %H:%M} .. {times.max():%Y-%m-%d %H:%M} UTC"
                    if len(times) > 1
                    else f"its one snapshot is of {times.min():%Y-%m-%d %H:%M} UTC"
                )
                raise CLIError(f"{what} in {store.root} within {window}: {held}; widen the window (or drop it)")
        known = [str(m) for m in store.endpoint_history(columns=[])["model_id"].unique()]
        raise CLIError(
            f"{what} in {store.root}{did_you_mean(model_id, known)}; "
            "record them with `orcatalog endpoints MODEL --store DIR`"
        )
    write(
        h,
        fmt,
        out,
        columns,
        head,
        default_columns=[
            "fetched_at",
            "tag",
            "prompt_usd_per_mtok",
            "completion_usd_per_mtok",
            "uptime_last_1d",
            "latency_p50",
            "throughput_p50",
        ],
    )
