"""``orcatalog``: a thin command line over the library (parse, call, format).

Every command prints a readable table by default (prices in USD per million tokens), or
``--format csv|json|parquet`` (``-o FILE`` picks the format from its extension). Errors are one
``error: ...`` line on stderr with exit status 1; bad usage exits 2; never a traceback.

Start-up stays light: pandas, pyarrow and requests are imported inside the commands that use them.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..fetch import params as _params
from ..errors import InvalidParameterError
from ..schema import KNOWN_MODALITIES, OUTPUT_MODALITIES
from . import startup
from ..suggest import did_you_mean
from .errors import CLIError, CLIInterrupted, CLIUsageError, one_line, warning_line
from .output import output_options, show_record, write

if TYPE_CHECKING:
    from ..fetch.client import Client

__all__ = ["main", "run"]


class _ClosedAfterCommit(Exception):
    """The reader closed stdout after the command had recorded its work (the message says what)."""


def committed(what: str) -> None:
    """Say that the running command has recorded its work (``what``, e.g. "3 snapshots were
    recorded in data"): from here on a reader closing the pipe does not make it a failure."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and isinstance(ctx.obj, dict):
        ctx.obj["committed"] = what


class _Group(click.Group):
    """The command group: library errors become one line; a closed pipe is handled by the
    exit-status rule (see :meth:`main`)."""

    command_class = startup.Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _one_line_warnings():
                return super().invoke(ctx)
        except BrokenPipeError:
            done = ctx.obj.get("committed") if isinstance(ctx.obj, dict) else None
            if done:
                raise _ClosedAfterCommit(done) from None
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("ORCATALOG_DEBUG") == "1":
                raise
            raise one_line(exc, ctx) from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        """Run the command line; every error, usage errors too, is one ``error: ...`` line on stderr.

        The exit status says whether the work was done: 0 when it was and its output was written;
        1 when it failed or its output could not be written (stdout closed, a full disk), 2 for a
        bad option. A reader that closes the pipe early (``| head``) ends a command quietly with
        1, except after the command recorded its work (``snapshot``, ``import``, ``compact``):
        that is not a failure of the commit, so it exits 0 and says so on stderr.
        """
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        _guard_closed_stdout()
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _ClosedAfterCommit as exc:
            _quiet_stdout()
            click.echo(f"note: {exc}; the reader closed the output pipe before the rest of the output", err=True)
            sys.exit(0)
        except _NO_ARGS as exc:  # plain `orcatalog`: the help, as it is
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            message = " ".join(exc.format_message().split())
            hint = _misplaced_option(exc, args)
            if not hint:
                hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"error: {message}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            prefix = exc.prefix if isinstance(exc, CLIError) else "error"
            click.echo(f"{prefix}: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except OSError as exc:  # a closed pipe (`orcatalog snapshots | head -1`) is a normal end
            if not isinstance(exc, BrokenPipeError) and exc.errno != errno.EPIPE:
                raise
            _quiet_stdout()
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class _WarningLines(logging.Handler):
    """The library's logged warnings as ``warning: ...`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(warning_line(record.getMessage()), err=True)


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """While a command runs, every warning (``warnings.warn`` anywhere, the library's logged
    warnings) is one ``warning: ...`` line on stderr: no file path, no source line."""
    import warnings

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:  # fmt: skip
        click.echo(warning_line(message), err=True)

    logger = logging.getLogger("orcatalog")
    handler, propagate = _WarningLines(logging.WARNING), logger.propagate
    with warnings.catch_warnings():
        warnings.showwarning = show
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate


def _misplaced_option(exc: click.UsageError, args: Any) -> str:
    """A hint for an option given on the wrong side of the command name: ``--replay`` belongs to
    ``orcatalog`` itself, ``--store`` (and every other) to the command."""
    match = re.match(r"No such option:? '?(--[\w-]+)", exc.format_message())
    if match is None or exc.ctx is None:
        return ""
    option, group = match.group(1), main
    if exc.ctx.parent is not None and any(option in p.opts for p in group.params):
        return f" ({option} goes before the command: orcatalog {option} ... {exc.ctx.info_name} ...)"
    words = list(args if args is not None else sys.argv[1:])
    command = next((group.commands[w] for w in words if w in group.commands), None)
    if exc.ctx.parent is None and command is not None and any(option in p.opts for p in command.params):
        return f" ({option} belongs to the command: orcatalog {command.name} {option} ...)"
    return ""


#: click >= 8.2 raises this for a bare `orcatalog` (older ones print the help themselves).
_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def run() -> None:
    """The ``orcatalog`` console script and ``python -m orcatalog``: :func:`main`, started and
    ended quickly (see :mod:`orcatalog.cli.startup`)."""
    startup.run(main)


class _ClosedRaw(io.RawIOBase):
    """What stdout writes to when the process started with it closed (``>&-``): every write fails."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(errno.EBADF, "standard output is closed, so the output cannot be written")


def _guard_closed_stdout() -> None:
    """When the process started with stdout closed, hold descriptor 1 on /dev/null (so no file
    opened later, such as the cache database, lands on it) and make every write to stdout fail,
    so output that cannot be written is an error instead of silently lost."""
    try:
        os.fstat(1)
        if sys.stdout is not None:
            return
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
        if fd != 1:
            os.dup2(fd, 1)
            os.close(fd)
    sys.stdout = io.TextIOWrapper(_ClosedRaw(), encoding="utf-8", write_through=True)  # type: ignore[arg-type]


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise BrokenPipeError again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())


REPLAY_HELP = (
    "Answer from recorded bodies (a file, tar archive or folder; 'sample': the catalog shipped with"
    " orcatalog) through a loopback replay server. Recorded bodies cannot answer some filters"
    " (--providers, --zdr, --region, --category, the --min/max-*-index ones, sorts other than by price,"
    " context or date): those are ignored with a warning on stderr."
)


@click.group(cls=_Group)
@click.option("--replay", metavar="FILE|sample", help=REPLAY_HELP)
@click.version_option(package_name="orcatalog")
@click.pass_context
def main(ctx: click.Context, replay: str | None) -> None:
    """Browse the OpenRouter model catalog as tables (prices in USD per million tokens).

    \b
    Examples:
      orcatalog models --sort pricing-low-to-high --head 20
      orcatalog models --input-modalities image -o vision.csv
      orcatalog --replay sample models --q claude
    """
    ctx.ensure_object(dict)
    if replay is not None and replay != "sample" and not Path(replay).exists():
        raise click.BadParameter(f"no such file or folder: {replay} (or use --replay sample)", param_hint="--replay")
    ctx.obj["replay"] = replay
    if replay is not None:
        ctx.call_on_close(lambda: _unused_replay(ctx))


def _unused_replay(ctx: click.Context) -> None:
    """--replay given to a command that never asked the API (it read the store only): say so, after
    it succeeded (a failing command's error stays the one line on stderr)."""
    if sys.exc_info()[0] is not None:
        return
    if isinstance(ctx.obj, dict) and "client" not in ctx.obj and ctx.invoked_subcommand not in (None, "replay"):
        click.echo(f"warning: --replay was not used: {ctx.invoked_subcommand} read the store only", err=True)


#: Optional backends and serializers requests-cache imports whenever they are installed; the
#: command line uses its SQLite backend and JSON serializer only.
_UNUSED_BY_REQUESTS_CACHE = ("boto3", "pymongo", "redis", "yaml", "bson", "itsdangerous", "ujson", "tomlkit")


def _import_requests_cache_lean() -> None:
    """Import requests-cache without the optional backends it would load (boto3 alone costs ~0.3 s).

    requests-cache turns a failed optional import into a placeholder class, so hiding those
    modules for the duration of its import is safe; they stay importable afterwards. bench/cli.py
    measures the gain (a cached ``orcatalog models``); only the command line does this.
    """
    if "requests_cache" in sys.modules:
        return
    hidden = [name for name in _UNUSED_BY_REQUESTS_CACHE if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import requests_cache  # noqa: F401
    finally:
        for name in hidden:
            sys.modules.pop(name, None)


@contextlib.contextmanager
def _client(ctx: click.Context, filters: dict[str, Any] | None = None) -> Iterator[Client]:
    with startup.collector_paused():
        _import_requests_cache_lean()
        from ..fetch.client import Client

    replay = ctx.obj.get("replay")
    if replay is None:
        client = Client()
        ctx.obj["client"] = client
        yield client
        return
    import requests

    from ..testing import ReplayServer
    from ..testing.replay import unanswerable

    for name in unanswerable(_params.list_query(filters or {})):
        flag = "--sort " + str((filters or {}).get("sort")) if name == "sort" else "--" + name.replace("_", "-")
        click.echo(f"warning: --replay cannot answer {flag} from recorded bodies; it is ignored", err=True)
    with ReplayServer(replay) as server:
        client = Client(base_url=server.base_url, session=requests.Session())
        ctx.obj["client"] = client
        yield client


def _comma_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """A repeatable option also takes comma-separated values: ``--model a,b`` is ``--model a --model b``."""
    items = tuple(dict.fromkeys(item.strip() for v in value for item in v.split(",") if item.strip()))
    if value and not items:
        raise click.BadParameter(f"{','.join(value)!r} names nothing: give comma-separated values")
    return items


def _check_modalities(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Modalities must be known ones (the library's rule, checked while parsing)."""
    if value is None:
        return None
    try:
        _params.modalities(str(param.name), value)
    except InvalidParameterError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
    return value


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, kind in reversed(list(_params.FILTERS.items())):
        opt = "--" + name.replace("_", "-")
        text = _params.FILTER_HELP[name]
        if kind == "modalities":
            known = (*OUTPUT_MODALITIES, "all") if name == "output_modalities" else KNOWN_MODALITIES
            func = click.option(opt, name, callback=_check_modalities, help=f"{text} Known: {', '.join(known)}.")(func)
        elif kind == "int":
            func = click.option(opt, name, type=int, help=text)(func)
        elif kind in ("price", "number", "fraction"):
            func = click.option(opt, name, type=float, help=text)(func)
        elif kind == "bool":
            func = click.option(f"{opt}/--not-{name}", name, default=None, help=text)(func)
        elif kind == "true_only":
            func = click.option(opt, name, is_flag=True, default=None, help=text)(func)
        elif name in ("sort", "category"):
            choices = _params.SORTS if name == "sort" else _params.CATEGORIES
            func = click.option(opt, name, type=click.Choice(choices), help=text)(func)
        else:  # text and comma-separated lists
            func = click.option(opt, name, help=text)(func)
    return func


@main.command()
@_filter_options
@click.option("--page-size", type=click.IntRange(1, 1000), help="Fetch in pages of N models.")
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@output_options
@click.pass_context
def models(ctx: click.Context, page_size: int | None, refresh: bool, fmt: str | None, out: str | None,
           columns: str | None, head: int | None, **filters: Any) -> None:  # fmt: skip
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
def model(ctx: click.Context, model_id: str, fmt: str | None, out: str | None, columns: str | None,
          head: int | None) -> None:  # fmt: skip
    """Show one model (GET /model/{author}/{slug}); variants like :free work.

    \b
    Example:
      orcatalog model openai/gpt-4o --format json
    """
    from ..errors import NotFoundError

    with _client(ctx) as client:
        try:
            df = client.fetch_model(model_id)
        except NotFoundError as exc:  # name the listed id it most likely meant (one more request)
            known = client.fetch_models()["id"].astype(str)
            raise CLIError(f"no model {model_id!r} in the catalog{did_you_mean(model_id, known)} ({exc})") from None
    if fmt is None and out is None and not columns:
        click.echo(show_record(df))
        return
    write(df, fmt, out, columns, head, default_columns=None)


@main.command()
@click.option("--output-modalities", callback=_check_modalities, help="Comma-separated list, or 'all' (default).")
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
def user_models(ctx: click.Context, page_size: int | None, fmt: str | None, out: str | None,
                columns: str | None, head: int | None) -> None:  # fmt: skip
    """List the models your key may use (GET /models/user); reads OPENROUTER_API_KEY.

    \b
    Example:
      OPENROUTER_API_KEY=sk-or-v1-... orcatalog user-models --head 10
    """
    if not os.environ.get("OPENROUTER_API_KEY"):
        raise CLIUsageError("user-models needs your API key in OPENROUTER_API_KEY (it is sent only to the API, "
                            "never cached, stored or printed)")  # fmt: skip
    with _client(ctx) as client:
        df = client.fetch_user_models(page_size=page_size)
    write(df, fmt, out, columns, head)


#: Default table columns of ``orcatalog endpoints`` and ``orcatalog providers``.
ENDPOINT_TABLE_COLUMNS = ["model_id", "tag", "quantization", "context_length", "prompt_usd_per_mtok",
                          "completion_usd_per_mtok", "discount", "uptime_last_1d", "latency_p50", "throughput_p50",
                          "status_label", "error"]  # fmt: skip
PROVIDER_TABLE_COLUMNS = ["slug", "name", "headquarters", "datacenters", "status_page_url"]


@main.command()
@click.argument("model_ids", metavar="MODEL...", nargs=-1)
@click.option("--zdr", is_flag=True, help="Every zero-data-retention endpoint of every model (GET /endpoints/zdr).")
@click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Requests in flight at once when several models are given.")  # fmt: skip
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@output_options
@click.pass_context
def endpoints(ctx: click.Context, model_ids: tuple[str, ...], zdr: bool, concurrency: int, refresh: bool,
              fmt: str | None, out: str | None, columns: str | None, head: int | None) -> None:  # fmt: skip
    """Which providers serve a model, at what price, latency and uptime (GET /models/{author}/{slug}/endpoints).

    Prices in USD per million tokens, uptime in percent, latency in ms (time to first token),
    throughput in tokens/s. Several models are fetched on a small pool; a model that fails is one
    row with an error (and a warning), the others are kept.

    \b
    Example:
      orcatalog endpoints anthropic/claude-sonnet-4.5 --columns tag,prompt_usd_per_mtok,latency_p50
    """
    from ..fetch.endpoints import fetch_endpoints

    if bool(model_ids) == zdr:
        raise CLIUsageError("give MODEL (one or more) or --zdr")
    with _client(ctx) as client:
        if zdr:
            df = fetch_endpoints(zdr=True, client=client, refresh=refresh)
        elif len(model_ids) == 1:
            df = fetch_endpoints(model_ids[0], client=client, refresh=refresh)
        else:
            df = fetch_endpoints(models=list(model_ids), client=client, refresh=refresh, concurrency=concurrency)
    failed = df[df["error"].notna()] if "error" in df.columns else df.iloc[:0]
    for model_id, error in zip(failed["model_id"], failed["error"] if len(failed) else []):
        click.echo(f"warning: {model_id}: {error}", err=True)
    write(df, fmt, out, columns, head, default_columns=ENDPOINT_TABLE_COLUMNS)


@main.command()
@click.option("--refresh", is_flag=True, help="Bypass the cache.")
@output_options
@click.pass_context
def providers(ctx: click.Context, refresh: bool, fmt: str | None, out: str | None, columns: str | None,
              head: int | None) -> None:  # fmt: skip
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
@click.option("--key", "keys", multiple=True, metavar="KEY", callback=_comma_list,
              help="An API key /models/user accepts (repeatable, or comma-separated); try `user-models` offline "
              "with it.")  # fmt: skip
@click.option("--fill-required", is_flag=True,
              help="Fill fields the OpenAPI spec requires and a body lacks (null, or links from canonical_slug), "
              "for clients generated from the spec; default: models exactly as recorded.")  # fmt: skip
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


def _store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store_root",
        help="Snapshot store folder or URL (default: $ORCATALOG_DATA_DIR or ./data).",
    )(func)


def _store(root: str | None, *, must_exist: bool = False) -> Any:
    """The snapshot store; for read commands a local folder that does not exist is an error, not an empty answer."""
    ctx = click.get_current_context()
    ctx.obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj["store_root"] = root
    from ..store import SnapshotStore

    store = SnapshotStore(root)
    if not must_exist or store.exists():
        return store
    if Path(store.root).is_dir():
        raise CLIError(f"{store.root} is a folder but not a snapshot store (no manifest/, versions/, ... in it): check --store")
    raise CLIError(f"no snapshot store at {store.root}: record one with `orcatalog snapshot --store {store.root}` "
                   f"or `orcatalog import --store {store.root} FILE`" + (", or pass --store" if root is None else ""))  # fmt: skip


def _snapshot_ids(store: Any) -> set[str]:
    """The snapshot ids the store holds (none when it does not exist yet)."""
    return set(store.snapshots()["snapshot_id"]) if store.exists() else set()


@contextlib.contextmanager
def _interrupts(store: Any, before: set[str]) -> Iterator[None]:
    """Ctrl-C inside the block becomes one ``interrupted: ...`` line saying what the store recorded
    (compared with ``before``), exit status 130; never click's bare ``Aborted!``."""
    try:
        yield
    except KeyboardInterrupt:
        raise CLIInterrupted(interrupted_message(store, before)) from None


def interrupted_message(store: Any, before: set[str]) -> str:
    """What an interrupted write left in the store, in words: nothing, or the new snapshots."""
    try:
        new = sorted(_snapshot_ids(store) - before)
    except Exception as exc:  # the store cannot be read right now: say so, not a traceback
        return f"the store {store.root} could not be read to tell what was recorded ({exc}); run `orcatalog snapshots`"
    if not new:
        return f"nothing was recorded; {store.root} is as it was"
    span = new[0] if len(new) == 1 else f"{new[0]} .. {new[-1]}"
    return f"after the write: {len(new)} new snapshot{'s' * (len(new) > 1)} recorded in {store.root} ({span})"


def _refuse_undated_non_catalogs(paths: tuple[str, ...]) -> None:
    """A single body file whose name has no time would be refused for want of --fetched-at; if it
    is not a models list at all, say that first (reading it is cheap: it is one body)."""
    from ..frames import bodies
    from ..frames.models import check_body

    for path in map(Path, paths):
        if path.is_file() and bodies.is_body_name(path.name) and bodies.dated_name(path.name) is None:
            for name, data in bodies.read_files([path]):
                check_body(bodies.parse(name, data), url=name)


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
@click.option("--fetched-at", help="Fetch time of a single body whose file name has none (ISO 8601, UTC).")
@click.option("--base-url", help="The API the bodies came from (default the public API).")
@_filter_options
@_store_option
def import_(paths: tuple[str, ...], fetched_at: str | None, base_url: str | None, store_root: str | None,
            **filters: Any) -> None:  # fmt: skip
    """Backfill the store from recorded /models bodies (.json, .json.gz, tar archives, folders).

    The filters and --base-url say what the bodies answered (as the models command asks it), which
    sets their scope; none means the unfiltered public catalog.

    \b
    Example:
      orcatalog import --store data tests/data/openrouter/hourly-2025-12-18_2026-01-07.tar.xz
      orcatalog import --store data --output-modalities all tests/data/openrouter/models-2026-04-17.json.gz
    """
    query = {k: v for k, v in filters.items() if v is not None}
    store = _store(store_root)
    if fetched_at is None:
        _refuse_undated_non_catalogs(paths)
    before = _snapshot_ids(store)
    with _interrupts(store, before):  # also around the report lines: Ctrl-C after the commit says so
        ids = store.import_files(list(paths), fetched_at=fetched_at, base_url=base_url,
                                 query=query)  # fetched_at= is --fetched-at in errors  # fmt: skip
        new = [i for i in ids if i not in before]
        if not ids:  # nothing to do is not the work asked for: a mistyped folder must not look like success
            raise CLIError(f"no /models bodies found in {', '.join(paths)}: nothing was imported (give .json or "
                           ".json.gz bodies, tar archives of them, or folders holding them)")  # fmt: skip
        committed(f"{len(new)} new snapshots were recorded in {store.root}")
        if not new:
            click.echo(f"0 new snapshots recorded: all {len(ids)} were already in the store")
        else:
            kept = f"; {len(ids) - len(new)} were already in the store" if len(new) < len(ids) else ""
            span = new[0] if len(new) == 1 else f"{new[0]} .. {new[-1]}"
            click.echo(f"{len(new)} new snapshot{'s' * (len(new) > 1)} recorded ({span}){kept}")


@main.command()
@_store_option
@output_options
def snapshots(store_root: str | None, fmt: str | None, out: str | None, columns: str | None, head: int | None) -> None:
    """List the snapshots in the store (the manifest).

    \b
    Example:
      orcatalog snapshots --store data --columns snapshot_id,fetched_at,n_models
    """
    df = _store(store_root, must_exist=True).snapshots()
    write(df, fmt, out, columns, head, default_columns=["snapshot_id", "fetched_at", "scope", "n_models", "partial"])


@main.command()
@_store_option
def compact(store_root: str | None) -> None:
    """Merge the store's batches into one (run it after many single snapshots, e.g. daily).

    \b
    Example:
      orcatalog compact --store data
    """
    store = _store(store_root, must_exist=True)
    merged = store.compact()
    committed(f"{store.root} was compacted")
    click.echo(f"merged {merged} batches" if merged else "nothing to compact")


@main.command()
@click.argument("old")
@click.argument("new")
def migrate(old: str, new: str) -> None:
    """Copy a store in the parquet (batch) layout into a new Delta Lake store, checking every snapshot.

    \b
    Example:
      orcatalog migrate data data-delta
    """
    from ..store.migrate import migrate as copy_store

    ids = copy_store(old, new)
    click.echo(f"{len(ids)} snapshots copied from {old} to {new} (Delta layout); each read back equal")


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--allow-mixed", is_flag=True,
              help="Compare snapshots of different scopes (e.g. a regional one with the catalog).")  # fmt: skip
@_store_option
@output_options
def diff(old: str, new: str, allow_mixed: bool, store_root: str | None, fmt: str | None, out: str | None,
         columns: str | None, head: int | None) -> None:  # fmt: skip
    """What changed between two snapshots (ids, or times: the latest at or before each). Prices are
    shown in the ``unit`` column's unit (per-token prices in USD per million tokens).

    \b
    Example:
      orcatalog diff --store data 2025-12-20 2026-01-05
    """
    import pandas as pd

    from ..analysis.changes import diff as diff_frames

    from .analysis import _load_as_of

    store = _store(store_root, must_exist=True)
    ids = set(store.snapshots()["snapshot_id"])
    frames = []
    for name, x in (("OLD", old), ("NEW", new)):
        try:
            frames.append(store.load(x) if x in ids else _load_as_of(store, x, name))  # names the snapshot used
        except InvalidParameterError:
            raise CLIUsageError(f"{name} {x!r} is neither a snapshot id of the store nor a time (ISO 8601, e.g. "
                                "2026-01-05 or 2026-01-05T12:00Z)") from None  # fmt: skip
    times = [pd.Timestamp(f.attrs["fetched_at"]) for f in frames]
    if times[0] > times[1]:
        raise CLIUsageError(f"OLD ({old}: {times[0]:%Y-%m-%d %H:%M}) is newer than NEW ({new}: {times[1]:%Y-%m-%d %H:%M}); "
                            "give the older snapshot first")  # fmt: skip
    write(diff_frames(*frames, allow_mixed=allow_mixed), fmt, out, columns, head,
          default_columns=["id", "change", "field", "old", "new", "pct_change", "unit"])  # fmt: skip


@main.command()
@click.argument("model_id")
@_store_option
@output_options
def prices(model_id: str, store_root: str | None, fmt: str | None, out: str | None, columns: str | None,
           head: int | None) -> None:  # fmt: skip
    """A model's price series from the store, one row per snapshot (USD per million tokens).

    \b
    Example:
      orcatalog prices --store data deepseek/deepseek-v3.2
    """
    store = _store(store_root, must_exist=True)
    h = store.history(ids=model_id, columns=["prompt_usd_per_mtok", "completion_usd_per_mtok"])
    if h.empty:
        latest = store.load()
        known = [str(i) for i in latest["id"]]
        raise CLIError(f"no model {model_id!r} in any snapshot of {store.root}{did_you_mean(model_id, known)}; "
                       "`orcatalog snapshots` lists what the store holds")  # fmt: skip
    write(h, fmt, out, columns, head, default_columns=["fetched_at", "prompt_usd_per_mtok", "completion_usd_per_mtok"])


from . import analysis  # noqa: E402,F401 - registers the analysis commands (show, changes, cost, report, ...)
