"""The commands that ask the API and print its answer as a table: ``models``, ``model``, ``count``,
``user-models``, ``endpoints`` (which also records with ``--store``) and ``providers``; the error of a
model id the API does not know, with the id it most likely meant; and ``replay``, which serves
recorded bodies on loopback as the API would.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..suggest import did_you_mean
from .app import main
from .client import _client, in_replay_words, replayed_as_now
from .errors import CLIError, CLIUsageError, warning_line
from .interrupts import _interrupts, _snapshot_ids, committed
from .options import _check_modalities, _comma_list, _filter_options
from .output import echo_record, output_options, write
from .stores import _store


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
        if not client.has_api_key:  # the client resolves the key (fetch/client/base.py), not a second reader here
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
    "provider_name",  # the key where a 2025 body has no tag (trial: two rows looked identical)
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

    if bool(model_ids) == zdr:  # both given is its own mistake (trial: "give MODEL or --zdr" read as odd)
        raise CLIUsageError(
            "give MODEL (one or more) or --zdr, not both" if zdr else "give MODEL (one or more) or --zdr"
        )
    store = None
    with _client(ctx) as client:
        try:
            if store_root is not None:
                store = _store(store_root)
                with _interrupts(store, _snapshot_ids(store)):  # Ctrl-C says what was recorded
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
                note = replayed_as_now(ctx.obj, None)  # a demo: the bodies are old, the time is now
                if note:
                    click.echo(note, err=True)
            elif zdr:
                df = fetch_endpoints(zdr=True, client=client, refresh=refresh)
            elif len(model_ids) == 1:
                df = fetch_endpoints(model_ids[0], client=client, refresh=refresh)
            else:
                df = fetch_endpoints(models=list(model_ids), client=client, refresh=refresh, concurrency=concurrency)
        except NotFoundError as exc:  # one model the API does not know: the id it most likely meant
            raise _unknown_model(model_ids[0], exc, client, store) from None
        if "error" in df.columns and df["error"].notna().any():  # the request as the user gave it (trial)
            import pandas as pd

            said = [in_replay_words(str(e), ctx.obj) if isinstance(e, str) else e for e in df["error"]]
            df["error"] = pd.array(said, dtype=df["error"].dtype)
        failed = df[df["error"].notna()] if "error" in df.columns else df.iloc[:0]
        unknown = failed["error"].astype(str).str.startswith(NotFoundError.__name__) if len(failed) else []
        known = _catalog_ids(client, store) if any(unknown) else []
    for model_id, error, missing in zip(failed["model_id"], failed["error"] if len(failed) else [], unknown):
        hint = did_you_mean(str(model_id), known) if missing else ""
        click.echo(warning_line(f"{model_id}: {error}{hint}"), err=True)
    write(df, fmt, out, columns, head, default_columns=ENDPOINT_TABLE_COLUMNS)


@main.command()
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@click.option(
    "--store",
    "store_root",
    help="Also record the body in this snapshot store (Delta layout), as one snapshot of scope /providers "
    "(the history: SnapshotStore.providers_history).",
)
@output_options
@click.pass_context
def providers(
    ctx: click.Context,
    refresh: bool,
    store_root: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """List the providers (GET /providers): slug, name, headquarters, datacenter countries, policy URLs.

    With --store, the body is recorded too (one snapshot of scope /providers).

    \b
    Example:
      orcatalog providers --format csv --columns slug,name,datacenters
      orcatalog providers --store data
    """
    from ..fetch.endpoints import fetch_providers

    with _client(ctx) as client:
        if store_root is not None:
            store = _store(store_root)
            with _interrupts(store, _snapshot_ids(store)):  # Ctrl-C says what was recorded
                df = store.snapshot_providers(client=client, refresh=refresh)
            committed(f"providers snapshot {df.attrs['snapshot_id']} was recorded in {store.root}")
            click.echo(f"recorded providers snapshot {df.attrs['snapshot_id']} in {store.root}", err=True)
            said = replayed_as_now(ctx.obj, None)
            if said:
                click.echo(said, err=True)
        else:
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
