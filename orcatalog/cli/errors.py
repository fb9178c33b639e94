"""One-line errors for the command line: every failure becomes ``error: <what, where, what to do>``.

Commands raise :class:`CLIError` (a ``click.ClickException``: exit status 1) or let library errors
through; the group maps those with :func:`one_line`. Nothing calls ``sys.exit``.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from typing import IO, Any

import click

from ..errors import RECORD_A_STORE, InvalidParameterError, OrcatalogError, TransportError, UnauthorizedError

__all__ = [
    "CLIError",
    "CLIInterrupted",
    "CLIUsageError",
    "one_line",
    "in_cli_words",
    "in_command_words",
    "in_option_names",
    "record_commands",
    "warning_line",
]


class CLIError(click.ClickException):
    """A user-facing error: printed as one ``error: ...`` line on stderr, exit status 1."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))  # one line, whatever the source said

    #: The word the printed line starts with.
    prefix = "error"

    def line(self) -> str:
        """The line printed: ``<prefix>: <message>``, or the prefix alone when there is no message."""
        message = self.format_message()
        return f"{self.prefix}: {message}" if message else self.prefix

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.line(), err=True, file=file)


class CLIUnexpected(CLIError):
    """An error no layer of orcatalog knows (a bug, or an exception nobody mapped): one line that
    says so; with ``ORCATALOG_DEBUG=1`` the command line shows its traceback instead."""


class CLIInterrupted(CLIError):
    """Ctrl-C (SIGINT): one ``interrupted: ...`` line saying what was recorded (a command that
    records), or ``interrupted`` alone (one that only reads), exit status 130 (128 + SIGINT, as
    shells report it)."""

    exit_code = 130
    prefix = "interrupted"


class CLIUsageError(CLIError):
    """A bad option value the library refused: one ``error: ...`` line, exit status 2 (as click's usage errors)."""

    exit_code = 2


#: Library argument names that a command's option calls otherwise (``movers --since`` passes ``start=``).
_ALIASES = {
    "start": ("since",),
    "end": ("until",),
    "root": ("store_root",),
    "model_id": ("model_ids",),  # `endpoints MODEL...` takes several; the library checks each as model_id
    "x": ("field",),  # plot_price_vs_context(x=) is plot --field
    "time": ("time_column",),  # price_at(time=) is price-at --time-column
    "model": ("model_column",),  # price_at(model=) is price-at --model-column
    "alternatives": ("model_ids",),  # reprice(alternatives=) is reprice --models
}


def in_option_names(message: str, command: click.Command | None) -> str:
    """A library message in the command's own words: ``name=`` (how the library names an argument)
    becomes the option that carries it, e.g. ``fetched_at=`` -> ``--fetched-at``."""
    if command is None:
        return message
    options = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.name:
            # its first long name (an option may answer to a second spelling: cost --models / --model)
            options[param.name] = next((o for o in param.opts if o.startswith("--")), max(param.opts, key=len))
        elif isinstance(param, click.Argument) and param.name:  # its metavar; one of several (MODEL...) is MODEL
            options[param.name] = param.human_readable_name.removesuffix("...")
    names = {name: options[alias] for name, aliases in _ALIASES.items() for alias in aliases if alias in options}
    names.update(options)

    def swap(match: re.Match[str]) -> str:
        option = names.get(match.group(1))
        return match.group(0) if option is None else option + (" " if match.group(2) else "")

    def words(text: str) -> str:
        # ``name=`` always means an argument (``name=N`` -> ``--name N``, ``(see name=)`` -> ``(see
        # --name)``); a bare name only when it is an identifier (has a ``_``)
        swapped = re.sub(r"\b([a-z][a-z0-9_]*)=(?=([^\s),;:]?))", swap, text)
        # a name just before a time as orcatalog.times.answer_notes writes it ("8 days older than at
        # 2026-08-25 00:00", "start 2020-01-01 00:00 is before ..."): the argument that asked for that time
        swapped = re.sub(r"(?<![-\w])([a-z][a-z0-9_]*)(?= \d{4}-\d\d-\d\d \d\d:\d\d(?![:\d]))()", swap, swapped)
        return re.sub(r"(?<![-\w])([a-z][a-z0-9]*_[a-z0-9_]+)\b()", swap, swapped)

    # a quoted value ('/models output_modalities=text', a scope, an id, a file name) is data the user
    # may paste back as it is: only the words around it are the library's (the fourth trial: a scope
    # shown as '/models --output-modality text' that --scope then refused)
    quoted: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quoted.append(match.group(0))
        return f"\x00{len(quoted) - 1}\x00"  # held aside; what follows a name= still reads as a value

    masked = re.sub(r"(?<!\w)'[^'\n]*'(?!\w)", keep, message)
    shown = re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], words(masked))
    return shown.replace("  ", " ")


def in_cli_words(message: str, command: click.Command | None = None) -> str:
    """A library message (an error, a note of a result's ``note`` column or of its ``notes``) as the
    command line says it, the one translation every note and library error shown passes through:
    the calls it points to become commands (:func:`in_command_words`) and its argument names the
    command's options (:func:`in_option_names`: ``pass at=`` -> ``pass --at``, ``(see
    output_modalities=)`` -> ``(see --output-modality)``). ``command``: the command whose options
    to use, by default the one running (none outside a command: names are left as they are)."""
    if command is None:
        ctx = click.get_current_context(silent=True)
        command = ctx.command if ctx is not None and not isinstance(ctx.command, click.Group) else None
    return in_option_names(in_command_words(message), command)


#: Library calls that library messages point to, and the command that shows the same.
_COMMANDS = {
    "see snapshots()": "see `orcatalog snapshots`",
    "pass allow_mixed=True": "pass --allow-mixed",
    " (orcatalog.store.migrate.migrate(OLD, NEW))": "",  # LegacyLayoutError: the command is named already
    "the latest catalog of prices": "the store's latest catalog",  # reprice(prices=) is the --store's history
    # a recorded endpoints or providers body that its file name does not declare (import routes by name)
    "record it with SnapshotStore.import_endpoints (a Delta-layout store)": (
        "`orcatalog import` records it when its file is named for it (endpoints-<author>--<slug>-<UTC time>.json, "
        "endpoints-zdr-<UTC time>.json or providers-<UTC time>.json)"
    ),
}

#: The library's call that prices a video workload (per request), as a frontier refusal names it (trial R).
_PRICED_PER_REQUEST = re.compile(r"estimate_cost\(\.\.\., requests=N, output_modalities='([^']*)'\)")

#: The library's ways to give a key (``api_key=``, which no command has): the command line reads
#: it from the environment only.
_API_KEY = re.compile(
    r"pass (?:the key as |it as )?api_key=,? (?:\(or set OPENROUTER_API_KEY\)|or set OPENROUTER_API_KEY)"
)

#: A usage frame's column as the library names it (``usage['timestamp']``).
_USAGE_COLUMN = re.compile(r"\busage\[('[^']*'|\"[^\"]*\")\]")


def _usage_file() -> str | None:
    """The usage file the running command read (its ``USAGE`` argument or ``--usage``), if any."""
    ctx = click.get_current_context(silent=True)
    params = ctx.obj.get("params") if ctx is not None and isinstance(ctx.obj, dict) else None
    value = params.get("usage_file") if isinstance(params, dict) else None
    return str(value) if value else None


def record_commands(store: str | None = None, *, endpoints: bool = False) -> str:
    """How the command line records a store (the library says :data:`orcatalog.errors.RECORD_A_STORE`):
    its two commands, with ``--store STORE`` when the store was named; with ``endpoints``, the
    command that records endpoints (for the commands that read them: trial, snapshot and import
    record none)."""
    where = f" --store {store}" if store else ""
    if endpoints:
        return f"`orcatalog endpoints MODEL{where}`"
    return f"`orcatalog snapshot{where}` or `orcatalog import{where} FILE`"


def in_command_words(message: str) -> str:
    """A library message (error or warning) as the command line says it (the one place): the
    library calls it points to become the commands that do the same (``snapshots()`` ->
    ``orcatalog snapshots``, :data:`~orcatalog.errors.RECORD_A_STORE` -> :func:`record_commands`
    with the running command's ``--store``), and times are asked for in the forms one can type
    (:func:`orcatalog.times.in_text_forms`: no ``datetime`` or ``pd.Timestamp(...)``)."""
    from ..times import in_text_forms

    for call, command in _COMMANDS.items():
        message = message.replace(call, command)
    message = _PRICED_PER_REQUEST.sub(r"`orcatalog cost --requests N --output-modality \1`", message)
    message = _API_KEY.sub("set OPENROUTER_API_KEY", message)
    if _USAGE_COLUMN.search(message):  # the file's column, as the user sees it
        file = _usage_file()
        message = _USAGE_COLUMN.sub(lambda m: f"column {m.group(1)} of {file or 'the usage file'}", message)
    if RECORD_A_STORE in message:
        ctx = click.get_current_context(silent=True)
        store = ctx.obj.get("store_root") if ctx is not None and isinstance(ctx.obj, dict) else None
        message = message.replace(RECORD_A_STORE, record_commands(store))
    return in_text_forms(message)


def _offline_hint(base_url: str) -> str:
    return (
        f" Cannot reach {base_url}. Without network: set ORCATALOG_OFFLINE=1 to answer from the"
        " cache, or run `orcatalog replay FILE` and set ORCATALOG_BASE_URL to the URL it prints"
        " (or pass --replay FILE, or --replay sample)."
    )


def _key_hint(replay: str | None) -> str:
    """What to do after an HTTP 401 (the server does not know the API key; the key is never
    printed): check OPENROUTER_API_KEY, and under ``--replay`` (a replay server that declares no
    key) serve the bodies with ``orcatalog replay PATH --key KEY`` and point ORCATALOG_BASE_URL at it."""
    if replay is not None:
        return (
            f"; --replay {replay} accepts no API key: run `orcatalog replay {replay} --key KEY` and set "
            "ORCATALOG_BASE_URL to the URL it prints and OPENROUTER_API_KEY to KEY"
        )
    return "; check the API key in OPENROUTER_API_KEY (it is not printed): the server does not accept it"


def _layer_error(exc: Exception, store: str) -> OrcatalogError | None:
    """A third-party exception as the typed error of the layer that owns its library, or None.

    Each layer maps its own libraries from one table; the command line only asks: the fetch
    layer's (requests, urllib3, the HTTP cache's sqlite3) is :func:`orcatalog.fetch.faults.map_exception`,
    the store's (botocore through s3fs, a missing s3fs) :func:`orcatalog.store.faults.map_exception`
    (``store``: the store as the command names it).
    """
    if isinstance(exc, OrcatalogError):
        return exc
    from ..fetch.faults import map_exception  # imports requests: on the error path only

    mapped = map_exception(exc)
    if mapped is not None:
        return mapped[0]
    if "orcatalog.store" not in sys.modules:  # no store was opened: none of its libraries raised this
        return None
    from ..store.faults import map_exception as store_exception

    return store_exception(exc, store)


def one_line(exc: Exception, ctx: click.Context) -> CLIError:
    """The one-line error for an exception a command let through (library, OS, cloud SDK)."""
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    exc = _layer_error(exc, obj.get("store_root") or os.environ.get("ORCATALOG_DATA_DIR") or "the store") or exc
    if isinstance(exc, TransportError):
        client = obj.get("client")
        return CLIError(f"{exc}.{_offline_hint(client.base_url) if client is not None else ''}")
    # every library message in the command's words: commands for library calls, the command's
    # options for argument names (in_cli_words, as notes and warnings)
    command = (
        ctx.command.get_command(ctx, ctx.invoked_subcommand)
        if ctx.invoked_subcommand and isinstance(ctx.command, click.Group)
        else None
    )
    if isinstance(exc, UnauthorizedError):  # the key, not the command, is wrong: say what to do about it
        return CLIError(in_cli_words(str(exc).rstrip("."), command) + _key_hint(obj.get("replay")))
    if isinstance(exc, InvalidParameterError):  # an option value the library refused
        return CLIUsageError(in_cli_words(str(exc), command))
    if isinstance(exc, OrcatalogError):
        return CLIError(in_cli_words(str(exc), command))
    if isinstance(exc, EOFError):  # a compressed stream ended early and no reader named the file
        return CLIError(f"a compressed file ended early ({exc}); re-download or re-record it")
    if isinstance(exc, OSError) and exc.filename is not None:
        return CLIError(f"{exc.strerror or exc}: {exc.filename}")
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):  # stdout closed (>&-), disk full, ...
        done = obj.get("committed")  # what the store recorded before the output failed
        text = f"{exc.strerror or exc}" if exc.errno == errno.EBADF else f"{exc.strerror or exc} ({type(exc).__name__})"
        return CLIError(text + (f" ({done})" if done else ""))
    return CLIUnexpected(f"{type(exc).__name__}: {exc} (unexpected: set ORCATALOG_DEBUG=1 for the traceback)")


def warning_line(message: Warning | str, command: click.Command | None = None) -> str:
    """A warning as the command line prints it, the one place every warning shown passes through
    (``warnings.warn`` anywhere, logged warnings of any library, the commands' own): one
    ``warning: ...`` line in the command line's words (:func:`in_cli_words`: commands for library
    calls, the running command's options for argument names), without the Python source line and
    category that :mod:`warnings` shows by default, or a traceback."""
    text = in_cli_words(" ".join(str(message).split()), command)
    return "warning: " + (text[len("orcatalog: ") :] if text.startswith("orcatalog: ") else text)
