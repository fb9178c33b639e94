"""The command group and its output rules: the ``main`` group (one-line errors, the exit-status
rule, ``--replay``), ``run`` (the console script), one-line warnings while a command runs, and the
guards of a closed or full stdout. What commands share lives beside it, one job a file:
:mod:`.client` (the client of a command), :mod:`.options` (filter, store and scope options),
:mod:`.stores` (the store of a command and its messages), :mod:`.interrupts` (Ctrl-C during a
write). Commands live in :mod:`.catalog`, :mod:`.recording`, :mod:`.store_reads`, :mod:`.watch` and
the :mod:`orcatalog.cli.analysis` package; they import from these modules, so none imports another.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from . import startup
from .client import REPLAY_HELP, in_replay_words
from .errors import CLIError, CLIInterrupted, CLIUnexpected, one_line, warning_line
from .interrupts import _ClosedAfterCommit, early_interrupt

__all__ = ["main", "run"]


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
        except click.ClickException as exc:
            _reword(exc, ctx.obj)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C that no command caught: before its work began, or after it
            raise early_interrupt(ctx.obj if isinstance(ctx.obj, dict) else {}) from None
        except Exception as exc:
            line = one_line(exc, ctx)
            _reword(line, ctx.obj)
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
            if hint:  # click's own guess is then noise ("Did you mean '--help'?")
                message = re.sub(r" Did you mean '?--[\w-]+'?\??", "", message)
            # never what a user meant (click 8.2 writes it without quotes, later ones with)
            message = re.sub(r" Did you mean '?--help'?\?", "", message)
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


def _reword(exc: click.ClickException, obj: Any) -> None:
    """An error's message in the command line's words (:func:`in_replay_words`), in place. click
    types ``message`` as final; it is a plain attribute of the exception, set once here before it
    is printed."""
    words = in_replay_words(exc.message, obj)
    if words != exc.message:
        vars(exc)["message"] = words


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
    wanted = option.lstrip("-").removesuffix("s")  # --model, --models: MODEL... is an argument here
    for param in exc.ctx.command.params:
        shown = (param.metavar or param.name or "").rstrip(".").lower() if isinstance(param, click.Argument) else ""
        shown = shown.removesuffix("s").removesuffix("_id")  # MODEL..., MODEL_ID, model_ids: a model
        if shown and shown == wanted:
            path = "orcatalog" + exc.ctx.command_path[len(exc.ctx.find_root().command_path) :]  # as typed
            usage = f"{path} {param.metavar or param.name.upper()}"  # type: ignore[union-attr]
            return f" ({shown} ids are arguments here, not an option: {usage})"
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
