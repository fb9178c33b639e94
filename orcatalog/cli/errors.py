"""One-line errors for the command line: every failure becomes ``error: <what, where, what to do>``.

Commands raise :class:`CLIError` (a ``click.ClickException``: exit status 1) or let library errors
through; the group maps those with :func:`one_line`. Nothing calls ``sys.exit``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from typing import IO, Any

import click

from ..errors import OrcatalogError, TransportError

__all__ = ["CLIError", "one_line", "did_you_mean"]


class CLIError(click.ClickException):
    """A user-facing error: printed as one ``error: ...`` line on stderr, exit status 1."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))  # one line, whatever the source said

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known value, or an empty string."""
    close = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _offline_hint(base_url: str) -> str:
    return (
        f" Cannot reach {base_url}. Without network: set ORCATALOG_OFFLINE=1 to answer from the"
        " cache, or run `orcatalog replay FILE` and set ORCATALOG_BASE_URL to the URL it prints"
        " (or pass --replay FILE, or --replay sample)."
    )


def one_line(exc: Exception, ctx: click.Context) -> CLIError:
    """The one-line error for an exception a command let through (library, OS, cloud SDK)."""
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    if isinstance(exc, TransportError):
        client = obj.get("client")
        return CLIError(f"{exc}.{_offline_hint(client.base_url) if client is not None else ''}")
    if isinstance(exc, OrcatalogError):
        return CLIError(str(exc))
    if isinstance(exc, EOFError):  # a compressed stream ended early and no reader named the file
        return CLIError(f"a compressed file ended early ({exc}); re-download or re-record it")
    if isinstance(exc, OSError) and exc.filename is not None:
        return CLIError(f"{exc.strerror or exc}: {exc.filename}")
    if type(exc).__module__.split(".")[0] in ("botocore", "aiobotocore", "s3fs"):
        store = obj.get("store_root") or os.environ.get("ORCATALOG_DATA_DIR") or "the store"
        return CLIError(
            f"{store}: {type(exc).__name__}: {exc}. For s3:// stores set AWS_ACCESS_KEY_ID and"
            " AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and AWS_ENDPOINT_URL for S3-compatible servers."
        )
    return CLIError(f"{type(exc).__name__}: {exc} (unexpected: set ORCATALOG_DEBUG=1 for the traceback)")
