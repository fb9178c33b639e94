"""The command group and what every command shares: the ``main`` group (one-line errors, the
exit-status rule, ``--replay``), ``run`` (the console script), the client of a command (``_client``),
the filter options, the store option and store of a command (``_store``), the "no model X in the
store" rule (``require_models``), and Ctrl-C during a write (``_interrupts``). Commands live in
:mod:`orcatalog.cli`, the :mod:`orcatalog.cli.analysis` package and :mod:`orcatalog.cli.watch`; they
import from here, so none imports another (the analysis modules share two helpers of their own
package: ``answers`` and ``options``).
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..fetch import params as _params
from ..errors import InvalidParameterError
from ..schema import KNOWN_MODALITIES, OUTPUT_MODALITIES
from . import startup
from .errors import CLIError, CLIInterrupted, CLIUnexpected, one_line, record_commands, warning_line

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
        except KeyboardInterrupt:  # Ctrl-C that no command caught: before its work began, or after it
            raise early_interrupt(ctx.obj if isinstance(ctx.obj, dict) else {}) from None
        except Exception as exc:
            line = one_line(exc, ctx)
            if isinstance(line, CLIUnexpected) and os.environ.get("ORCATALOG_DEBUG") == "1":
                raise  # the traceback of an unexpected error; a known one keeps its line and status
            raise line from None

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
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
            line = exc.line() if isinstance(exc, CLIError) else f"error: {' '.join(exc.format_message().split())}"
            click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):  # Ctrl-C before any command started
                early_interrupt({}).show()
                sys.exit(CLIInterrupted.exit_code)
            click.echo("Aborted!", err=True)  # an answer refused at a prompt
            sys.exit(1)
        except OSError as exc:  # a closed pipe (`orcatalog snapshots | head -1`) is a normal end
            if not isinstance(exc, BrokenPipeError) and exc.errno != errno.EPIPE:
                raise
            _quiet_stdout()
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class _WarningLines(logging.Handler):
    """Logged warnings as ``warning: ...`` lines on stderr (:func:`warning_line`; a record's
    traceback, ``exc_info``, is not printed)."""

    def emit(self, record: logging.LogRecord) -> None:
        _flush_stdout()
        click.echo(warning_line(record.getMessage()), err=True)


def _flush_stdout() -> None:
    """Write out what the command printed so far before a line on stderr, so that on a terminal or
    a pipe holding both (``2>&1``) the warning is a line of its own, after the output it follows."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # closed or missing stdout: said elsewhere
        sys.stdout.flush()


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """While a command runs, every warning (``warnings.warn`` anywhere, the library's logged
    warnings, and another library's logged warning that would reach the terminal: logging's last
    resort, which would print it bare, with any traceback) is one ``warning: ...`` line on stderr:
    no file path, no source line."""
    import warnings

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        _flush_stdout()
        click.echo(warning_line(message), err=True)

    logger = logging.getLogger("orcatalog")
    handler, propagate, last_resort = _WarningLines(logging.WARNING), logger.propagate, logging.lastResort
    with warnings.catch_warnings():
        warnings.showwarning = show
        logger.addHandler(handler)
        logger.propagate = False
        logging.lastResort = handler  # a library that configured no handler: the same one line
        try:
            yield
        finally:
            logging.lastResort = last_resort
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


def _replay_help() -> str:
    """The ``--replay`` help, derived from the replay server's table (:data:`ANSWERED_FILTERS`):
    every filter it does not answer is named, so the two cannot disagree."""
    ignored = ", ".join(
        "--" + name.replace("_", "-") for name in _params.FILTERS if name not in _params.ANSWERED_FILTERS
    )
    sorts = ", ".join(_params.ANSWERED_SORTS)
    return (
        "Answer from recorded bodies (a file, tar archive or folder; 'sample': the catalog shipped with"
        f" orcatalog) through a loopback replay server. Recorded bodies cannot answer {ignored}, or a --sort"
        f" other than {sorts}: those are ignored with a warning on stderr."
    )


REPLAY_HELP = _replay_help()


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
        _flush_stdout()
        click.echo(warning_line(f"--replay was not used: {ctx.invoked_subcommand} read the store only"), err=True)


#: Optional backends and serializers requests-cache imports whenever they are installed; the
#: command line uses its SQLite backend and JSON serializer only.
_UNUSED_BY_REQUESTS_CACHE = ("boto3", "pymongo", "redis", "yaml", "bson", "itsdangerous", "ujson", "tomlkit")


def _import_requests_cache_lean() -> None:
    """Import requests-cache without the optional backends it would load (boto3 alone costs ~0.3 s).

    requests-cache turns a failed optional import into a placeholder class, so hiding those
    modules for the duration of its import is safe; they stay importable afterwards. bench/cli.py
    measures the gain (a cached ``orcatalog models``); only the command line does this, and this is
    the one place that edits ``sys.modules`` (tests/test_cli.py pins the result against a plain
    ``import requests_cache``).
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
        click.echo(warning_line(f"--replay cannot answer {flag} from recorded bodies; it is ignored"), err=True)
    try:
        replayed = ReplayServer(replay)
    except ValueError as exc:  # a folder of no catalog (only endpoints or providers bodies, say)
        raise CLIError(f"--replay {replay}: {exc}") from None
    with replayed as server:
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


def _store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store_root",
        help="Snapshot store folder or URL (default: $ORCATALOG_DATA_DIR or ./data).",
    )(func)


def _scope_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--scope",
        "scope",
        help="Which snapshots to read, a scope as `orcatalog snapshots` shows it, e.g. catalog or "
        "'/models output_modalities=text' (default: catalog, else the server's default list, else the newest "
        "whole list; a note says when another scope holds more snapshots). Snapshots of different scopes "
        "are never mixed.",
    )(func)


def store_scope(store: Any, scope: str | None, *, note: bool = True) -> str:
    """The scope a store-reading command answers in: ``scope`` as given (``--scope``), which must be one
    the store holds, else the store's default (:func:`orcatalog.scope.default_scope`, the one rule).
    When the default holds fewer snapshots than another scope of the store, one ``note:`` line on
    stderr names the scope used, the snapshots it and the others hold, and ``--scope`` (``note=False``:
    the caller says what it leaves out itself, as the report does).

    Raises:
        CLIUsageError: ``scope`` is not a scope of the store (the closest one is suggested).
    """
    from ..scope import default_scope
    from .errors import CLIUsageError

    if scope is not None and not store.exists():
        raise CLIUsageError(missing_scope(store, scope))
    manifest = store.snapshots()
    if manifest.empty:  # a store of endpoints snapshots only (or none): no catalog to answer from
        raise CLIError(no_catalog_message(store))
    counts = manifest["scope"].astype(str).value_counts()
    if scope is not None:
        if scope not in counts.index:
            raise CLIUsageError(missing_scope(store, scope, counts))
        return scope
    used = default_scope(manifest)
    mine = int(counts.get(used, 0))
    others = counts.drop(used, errors="ignore")
    if note and len(others) and int(others.max()) > mine:
        listed = "; ".join(f"{name!r} ({n})" for name, n in others.items())
        click.echo(
            f"note: answering from scope {used!r} ({mine} snapshot{'s' * (mine != 1)}); the store also holds "
            f"{listed}: --scope chooses",
            err=True,
        )
    return used


def no_catalog_message(store: Any) -> str:
    """Why a command that reads the catalog's snapshots finds none in a store that exists: what the
    store holds instead (endpoints and providers snapshots, and the command that reads them), and how
    to record the catalog."""
    try:
        others = store.endpoint_snapshots()["kind"].astype(str).value_counts()
    except Exception:  # a parquet-layout store has no endpoints table: nothing else to name
        others = None
    held = ""
    if others is not None and len(others):
        total = int(others.sum())
        held = " and ".join(f"{n} {kind}" for kind, n in others.items()) + f" snapshot{'s' * (total != 1)}"
    instead = (
        f": it holds only {held} (`orcatalog endpoint-history MODEL --store {store.root}` reads endpoints)"
        if held
        else ""
    )
    return f"no catalog snapshot in {store.root}{instead}; record the catalog with {record_commands(store.root)}"


def missing_scope(store: Any, scope: str, counts: Any = None, *, then: str = "") -> str:
    """The one line of a ``--scope`` the store holds no snapshot of: the scopes it holds (with their
    snapshot counts, the closest first as a suggestion), or none and how to record one.

    Args:
        store: the store read.
        scope: the scope asked for.
        counts: snapshots per scope (a Series; None: the store has none).
        then: what to do when the store holds no snapshot (default: the commands that record one).
    """
    from ..suggest import did_you_mean

    held = "; ".join(f"{name!r} ({n})" for name, n in counts.items()) if counts is not None else ""
    hint = did_you_mean(scope, counts.index) if held else ""
    if not held:
        held = "none" + (then or f" (record one with {record_commands(store.root)})")
    return f"no snapshot of scope {scope!r} in {store.root}{hint}; scopes held: {held}"


def _store(root: str | None, *, must_exist: bool = False) -> Any:
    """The snapshot store; for read commands a local folder that does not exist, is not a store, or
    is empty is an error (the one "no store here" message), not an empty answer."""
    ctx = click.get_current_context()
    ctx.obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj["store_root"] = root
    from ..store import SnapshotStore, no_store_message, not_a_folder_message
    from .errors import CLIUsageError

    store = SnapshotStore(root)
    file = not_a_folder_message(store)
    if file is not None:  # a bad --store, before any request
        raise CLIUsageError(file)
    if not must_exist:
        return store
    why = no_store_message(
        store, record_commands(store.root), empty=True
    )  # an empty folder: a typo more often than a store
    if why is None:
        return store
    raise CLIError(why + (" (or pass --store)" if root is None else ""))


@contextlib.contextmanager
def models_named() -> Iterator[None]:
    """Reads of models the command line named, which :func:`require_models` (or the command) turns
    into one ``error:`` line when one is unknown: the library's ``UnknownModelWarning`` for the
    same id, in the same words, is not said twice."""
    import warnings

    from ..errors import UnknownModelWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownModelWarning)
        yield


def require_models(store: Any, named: Iterable[str], history: Any, scope: str | None) -> None:
    """The "no model X in the store" rule, in one place (``prices``, ``history``, ``changes --model``,
    ``plot --model``): every model the command line named has rows in ``history``, the rows the command
    read anyway (every snapshot of ``scope``, the one scope read, :func:`store_scope`: no time window).
    The first that has none is one ``error:`` line that says where it looked (:func:`looked_in`),
    names the other scope that holds it, else suggests the closest id of the scope read; only then
    are those ids read.

    Raises:
        CLIError: a named model is in no snapshot of the scope read.
    """
    from ..suggest import did_you_mean

    seen = set(history["id"].astype(str).unique())
    for model_id in named:
        if model_id not in seen:
            where, elsewhere = looked_in(store, scope, [model_id])
            hint = elsewhere or did_you_mean(model_id, store.history(columns=[], scope=scope)["id"].unique())
            raise CLIError(
                f"no model {model_id!r} in any snapshot of {where}{hint}; "
                "`orcatalog snapshots` lists what the store holds"
            )


def looked_in(store: Any, scope: str | None, model_ids: list[str]) -> tuple[str, str]:
    """Where a command looked for ``model_ids`` that it did not find, in words: the store (when it
    holds one scope), else ``scope 'S' of <store>`` (one scope was read, :func:`store_scope`); and,
    when other scopes of the store hold some of them, `` (scope 'T' holds it: --scope 'T' reads
    it)`` (else an empty text).

    Args:
        store: the store read.
        scope: the scope read (None: every scope).
        model_ids: the ids not found.

    Returns:
        ``(where, elsewhere)``.
    """
    scopes = store.snapshots()["scope"].astype(str).unique()
    if scope is None or len(scopes) < 2:
        return str(store.root), ""
    where = f"scope {scope!r} of {store.root}"
    with models_named():  # ids the command did not find: its error says so, once
        found = store.history(ids=list(model_ids), columns=[], scope=None)
    found = found[found["scope"].astype(str) != scope]
    if found.empty:
        return where, ""
    holders = found.assign(scope=found["scope"].astype(str)).groupby("scope")["id"].nunique()
    other, n = str(holders.idxmax()), int(holders.max())
    which = "it" if len(model_ids) == 1 else f"{n} of them"
    return where, f" (scope {other!r} holds {which}: --scope {other!r} reads {'it' if n == 1 else 'them'})"


def early_interrupt(obj: dict[str, Any]) -> CLIInterrupted:
    """The error of a Ctrl-C that no command caught with :func:`_interrupts` (in the first second:
    before the store is opened or any request sent; or after the command's work), by the one rule
    (:func:`orcatalog._launch.interrupted_line`).

    Args:
        obj: the command line's context object: ``command`` and ``params`` (the running command and
            its options, once parsed) and ``committed``.
    """
    from .._launch import interrupted_line

    line = interrupted_line(obj.get("command"), obj.get("params") or {}, obj.get("committed"))
    return CLIInterrupted(line.removeprefix("interrupted").removeprefix(": "))


def _snapshot_ids(store: Any) -> set[str]:
    """The snapshot ids the store holds (none when it does not exist yet)."""
    return set(store.snapshots()["snapshot_id"]) if store.exists() else set()


@contextlib.contextmanager
def _interrupts(store: Any, before: set[str], unfinished: str = "") -> Iterator[None]:
    """Ctrl-C inside the block becomes one ``interrupted: ...`` line saying what the store recorded
    (compared with ``before``; or the interrupt's own message, when the library raised one that says
    it, as :class:`orcatalog.store.migrate.MigrationInterrupted` does), after ``unfinished`` (what the
    command itself left undone, e.g. ``"the report was not written; "``), exit status 130; never
    click's bare ``Aborted!``."""
    folder = _local_folder(store)
    if folder is not None:
        new_store = not store.exists()  # no store there before: Ctrl-C leaves none
        had = _entries(folder) if new_store else None
    else:  # an object store (its prefix always "exists"): new when no table is there yet, by its objects
        from ..store.messages import holds_store_tables

        try:
            store._fs.invalidate_cache()
            top = {p.rstrip("/").rsplit("/", 1)[-1] for p in store._fs.ls(store._base, detail=False)}
        except FileNotFoundError:
            top = set()
        except Exception:  # unreachable now: the write will say so
            top = None
        try:
            new_store = top is not None and not holds_store_tables(top)
            had = _objects(store) if new_store else None
        except Exception:  # unreachable now: leave everything as the write leaves it
            new_store, had = False, None
    try:
        yield
    except KeyboardInterrupt as exc:
        if new_store:
            _undo_new_store(store, folder, had)
        said = str(exc) if exc.args and isinstance(exc.args[0], str) else interrupted_message(store, before)
        raise CLIInterrupted(unfinished + said) from None


def _local_folder(store: Any) -> Path | None:
    """The store's folder when it is a local path (None for an object-store URL)."""
    root = str(store.root)
    return None if "://" in root else Path(root)


def _entries(folder: Path) -> set[str] | None:
    """The names in ``folder``, or None when there is no such folder."""
    try:
        return set(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _objects(store: Any) -> set[str]:
    """The objects under an object-store root (an S3 prefix), none when there are none."""
    fs = store._fs
    fs.invalidate_cache()
    try:
        return set(fs.find(store._base))
    except FileNotFoundError:
        return set()


def _undo_new_store(store: Any, folder: Path | None, had: set[str] | None) -> None:
    """After Ctrl-C in a write to a store that did not exist: when no snapshot was committed, remove
    what the write created (the folder, or only the entries that were not there; on an object store,
    the objects that were not there), so the place is as it was and no half store is left where there
    was none; a committed snapshot keeps all."""
    import shutil

    try:
        if _snapshot_ids(store):
            return
    except Exception:  # unreadable: leave everything, the message says it could not be read
        return
    if folder is None:
        if had is None:
            return
        try:
            made = sorted(_objects(store) - had)
            if made:
                store._fs.rm(made)
        except Exception:  # best effort, as on disk: the message still says what was recorded
            pass
        return
    if had is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for name in set(os.listdir(folder)) - had:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
