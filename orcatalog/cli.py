"""``orcatalog``: a thin command line over the library (parse, call, format).

Every command prints a readable table by default, or ``--format csv|json|parquet`` (``-o FILE``).
Library errors become one line on stderr and exit status 1; bad usage exits 2. Never a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any

import click
import pandas as pd

from .fetch import params as _params
from .fetch.client import DEFAULT_BASE_URL, Client
from .errors import OrcatalogError, TransportError

TABLE_COLUMNS = [
    "id",
    "context_length",
    "prompt_usd_per_mtok",
    "completion_usd_per_mtok",
    "input_modalities",
    "output_modalities",
]


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _offline_hint(client: Client) -> str:
    return (
        f" Cannot reach {client.base_url}. Without network: set ORCATALOG_OFFLINE=1 to answer from the"
        " cache, or run `orcatalog replay FILE` and set ORCATALOG_BASE_URL to the URL it prints"
        " (or pass --replay FILE)."
    )


def _clean_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TransportError as exc:
            client = click.get_current_context().obj.get("client")
            hint = _offline_hint(client) if client is not None else ""
            _fail(f"{exc}.{hint}")
        except OrcatalogError as exc:
            _fail(str(exc))
        except FileNotFoundError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{type(exc).__name__}: {exc}")

    return wrapper


@contextlib.contextmanager
def _client(ctx: click.Context) -> Iterator[Client]:
    replay = ctx.obj.get("replay")
    if replay is None:
        client = Client()
        ctx.obj["client"] = client
        yield client
        return
    import requests

    from .testing import ReplayServer

    with ReplayServer(replay) as server:
        client = Client(base_url=server.base_url, session=requests.Session())
        ctx.obj["client"] = client
        yield client


def _output(df: pd.DataFrame, fmt: str, out: str | None, columns: str | None, head: int | None) -> None:
    from . import export

    if columns:
        wanted = [c.strip() for c in columns.split(",") if c.strip()]
        missing = [c for c in wanted if c not in df.columns]
        if missing:
            _fail(f"unknown column(s): {', '.join(missing)}; see `python -c 'import orcatalog.schema as s; help(s)'`")
        df = df[wanted]
    if head is not None:
        df = df.head(head)
    if fmt == "parquet":
        if out is None:
            _fail("--format parquet needs -o FILE")
        export.to_parquet(df, out)  # type: ignore[arg-type]
    elif fmt == "csv":
        export.to_csv(df, out if out else sys.stdout)
    elif fmt == "json":
        text = export.to_json(df)
        if out:
            Path(out).write_text(text or "", encoding="utf-8")
        else:
            click.echo(text)
    else:
        view = (df if columns else df[[c for c in TABLE_COLUMNS if c in df.columns]]).copy()
        for name in view.columns:
            if export.is_list_column(view[name]):
                view[name] = [export.list_cell_text(v) for v in view[name].tolist()]
        with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", 500):
            text = view.to_string(index=False, float_format=lambda v: f"{v:.6g}")
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)
    if out:
        click.echo(f"wrote {len(df)} rows to {out}", err=True)


def _output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--head", type=click.IntRange(min=0), help="Show only the first N rows.")(func)
    func = click.option("--columns", help="Comma-separated columns to keep (default: a readable subset).")(func)
    func = click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write to FILE.")(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json", "parquet"]),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)
    return func


@click.group()
@click.option(
    "--replay",
    type=click.Path(exists=True),
    help="Answer from recorded bodies (file, tar or folder) through a loopback replay server.",
)
@click.version_option(package_name="orcatalog")
@click.pass_context
def main(ctx: click.Context, replay: str | None) -> None:
    """Browse the OpenRouter model catalog as tables.

    \b
    Examples:
      orcatalog models --sort pricing-low-to-high --head 20
      orcatalog models --input-modalities image --format csv -o vision.csv
      orcatalog --replay models-2026-04-17.json.gz models --q claude
    """
    ctx.ensure_object(dict)
    ctx.obj["replay"] = replay


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, kind in reversed(list(_params.FILTERS.items())):
        opt = "--" + name.replace("_", "-")
        if kind in ("list", "modalities"):
            func = click.option(opt, name, help="Comma-separated list.")(func)
        elif kind == "int":
            func = click.option(opt, name, type=int, help="Integer.")(func)
        elif kind in ("price", "number", "fraction"):
            unit = " (USD per million tokens)" if kind == "price" else ""
            func = click.option(opt, name, type=float, help=f"Number{unit}.")(func)
        elif kind == "bool":
            func = click.option(f"{opt}/--not-{name}", name, default=None, help="true or false.")(func)
        elif kind == "true_only":
            func = click.option(opt, name, is_flag=True, default=None, help="Only zero-data-retention models.")(func)
        elif name == "sort":
            func = click.option(opt, name, type=click.Choice(_params.SORTS), help="Server-side sort.")(func)
        else:
            func = click.option(opt, name, help="Text.")(func)
    return func


@main.command()
@_filter_options
@click.option("--page-size", type=click.IntRange(1, 1000), help="Fetch in pages of N models.")
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@_output_options
@click.pass_context
@_clean_errors
def models(ctx: click.Context, page_size: int | None, refresh: bool, fmt: str, out: str | None,
           columns: str | None, head: int | None, **filters: Any) -> None:  # fmt: skip
    """List models (GET /models); the whole catalog unless filtered.

    \b
    Example:
      orcatalog models --input-modalities image --max-price 1 --sort pricing-low-to-high
    """
    filters = {k: v for k, v in filters.items() if v is not None}
    with _client(ctx) as client:
        df = client.fetch_models(page_size=page_size, refresh=refresh, **filters)
    _output(df, fmt, out, columns, head)


@main.command()
@click.argument("model_id")
@_output_options
@click.pass_context
@_clean_errors
def model(ctx: click.Context, model_id: str, fmt: str, out: str | None, columns: str | None, head: int | None) -> None:
    """Show one model (GET /model/{author}/{slug}); variants like :free work.

    \b
    Example:
      orcatalog model openai/gpt-4o --format json
    """
    with _client(ctx) as client:
        df = client.fetch_model(model_id)
    if fmt == "table" and not columns:
        with pd.option_context("display.max_colwidth", 80, "display.max_rows", 200):
            click.echo(df.iloc[0].to_string())
        return
    _output(df, fmt, out, columns, head)


@main.command()
@click.option("--output-modalities", help="Comma-separated list, or 'all' (default).")
@click.pass_context
@_clean_errors
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
@_output_options
@click.pass_context
@_clean_errors
def user_models(ctx: click.Context, page_size: int | None, fmt: str, out: str | None,
                columns: str | None, head: int | None) -> None:  # fmt: skip
    """List the models your key may use (GET /models/user); reads OPENROUTER_API_KEY.

    \b
    Example:
      OPENROUTER_API_KEY=sk-or-v1-... orcatalog user-models --head 10
    """
    with _client(ctx) as client:
        df = client.fetch_user_models(page_size=page_size)
    _output(df, fmt, out, columns, head)


@main.command()
@click.argument("path", type=click.Path(exists=True))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: any free one).")
@_clean_errors
def replay(path: str, port: int) -> None:
    """Serve recorded bodies on loopback and print the base URL (Ctrl-C stops).

    \b
    Example:
      orcatalog replay data/models-2026-04-17.json.gz
      ORCATALOG_BASE_URL=http://127.0.0.1:PORT/api/v1 orcatalog models
    """
    from .testing import serve_forever

    def ready(server: Any) -> None:
        click.echo(server.base_url)
        click.echo(f"serving {len(server.names)} recorded bodies; newest: {server.names[-1]}", err=True)
        sys.stdout.flush()

    serve_forever(path, port=port, ready=ready)


def _store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store_root",
        help="Snapshot store folder or URL (default: $ORCATALOG_DATA_DIR or ./data).",
    )(func)


def _store(root: str | None) -> Any:
    from .store import SnapshotStore

    return SnapshotStore(root)


@main.command()
@_store_option
@click.pass_context
@_clean_errors
def snapshot(ctx: click.Context, store_root: str | None) -> None:
    """Fetch the whole catalog now and record it in the store.

    \b
    Example:
      orcatalog snapshot --store data
    """
    with _client(ctx) as client:
        df = _store(store_root).snapshot(client)
    click.echo(f"{df.attrs['snapshot_id']}: {len(df)} models at {df.attrs['fetched_at']}")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--fetched-at", help="Fetch time of a single body whose file name has none (ISO 8601, UTC).")
@_store_option
@_clean_errors
def import_(paths: tuple[str, ...], fetched_at: str | None, store_root: str | None) -> None:
    """Backfill the store from recorded /models bodies (.json, .json.gz, tar archives, folders).

    \b
    Example:
      orcatalog import --store data ../shared/data/openrouter/hourly-2025-12-18_2026-01-07.tar.xz
    """
    ids = _store(store_root).import_files(list(paths), fetched_at=fetched_at)
    click.echo(f"{len(ids)} snapshots recorded ({ids[0]} .. {ids[-1]})" if ids else "no bodies found")


@main.command()
@_store_option
@_output_options
@_clean_errors
def snapshots(store_root: str | None, fmt: str, out: str | None, columns: str | None, head: int | None) -> None:
    """List the snapshots in the store (the manifest).

    \b
    Example:
      orcatalog snapshots --store data --columns snapshot_id,fetched_at,n_models
    """
    df = _store(store_root).snapshots()
    _output(df, fmt, out, columns or "snapshot_id,fetched_at,scope,n_models", head)


@main.command()
@_store_option
@_clean_errors
def compact(store_root: str | None) -> None:
    """Merge the store's batches into one (run it after many single snapshots, e.g. daily).

    \b
    Example:
      orcatalog compact --store data
    """
    merged = _store(store_root).compact()
    click.echo(f"merged {merged} batches" if merged else "nothing to compact")


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--allow-mixed", is_flag=True, help="Compare snapshots of different scopes (e.g. a regional one with the catalog).")
@_store_option
@_output_options
@_clean_errors
def diff(old: str, new: str, allow_mixed: bool, store_root: str | None, fmt: str, out: str | None,
         columns: str | None, head: int | None) -> None:  # fmt: skip
    """What changed between two snapshots (ids, or times: the latest at or before each).

    Prices are shown in the ``unit`` column's unit (per-token prices in USD per million tokens).

    \b
    Example:
      orcatalog diff --store data 2025-12-20 2026-01-05
    """
    from .analysis.changes import diff as diff_frames

    store = _store(store_root)
    frames = [store.load(x) if x in set(store.snapshots()["snapshot_id"]) else store.load(as_of=x) for x in (old, new)]
    _output(diff_frames(*frames, allow_mixed=allow_mixed), fmt, out, columns or "id,change,field,old,new,pct_change,unit", head)


@main.command()
@click.argument("model_id")
@_store_option
@_output_options
@_clean_errors
def prices(model_id: str, store_root: str | None, fmt: str, out: str | None, columns: str | None,
           head: int | None) -> None:  # fmt: skip
    """A model's price series from the store, one row per snapshot (USD per million tokens).

    \b
    Example:
      orcatalog prices --store data deepseek/deepseek-v3.2
    """
    h = _store(store_root).history(ids=model_id, columns=["prompt_usd_per_mtok", "completion_usd_per_mtok"])
    _output(h, fmt, out, columns or "fetched_at,prompt_usd_per_mtok,completion_usd_per_mtok", head)


__all__ = ["main", "DEFAULT_BASE_URL"]
