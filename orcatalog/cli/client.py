"""The client of a command: the API client, or under ``--replay`` a client of the loopback replay
server (``_client``); the ``--replay`` help derived from the replay server's table
(``REPLAY_HELP``); and requests-cache imported without the optional backends it would load.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from ..fetch import params as _params
from . import startup
from .errors import CLIError, warning_line

if TYPE_CHECKING:
    from ..fetch.client import Client


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
        ctx.obj["replay_url"] = server.base_url  # for in_replay_words: errors name --replay, not a port
        yield client


def in_replay_words(message: str, obj: Any) -> str:
    """A message about a request to the ``--replay`` loopback server, naming what the user gave
    instead of the server's address (a port that is gone once the command ends):
    ``GET /models/x/endpoints of --replay sample failed`` for ``GET http://127.0.0.1:44511/api/v1/models/x/endpoints failed``.
    Any other message is returned as it is."""
    import re

    url = obj.get("replay_url") if isinstance(obj, dict) else None
    if not url or url not in message:
        return message
    return re.sub(  # the path, then the punctuation that ended it ("/models: the body ..."), kept after
        re.escape(url) + r"(\S*?)([:;,.)]*)(?=\s|$)",
        lambda m: f"{m.group(1) or '/'} of --replay {obj.get('replay')}{m.group(2)}",
        message,
    )


def replayed_as_now(obj: Any, scope: Any) -> str | None:
    """The note a command that recorded a snapshot under ``--replay`` prints (``snapshot``,
    ``endpoints --store``, ``providers --store``, and ``report`` filling a new store): the recorded
    body is stored as fetched now, in the replay server's scope (``scope``, or None: several or
    not named); ``import`` records a saved body at its own time. None without ``--replay``."""
    if not isinstance(obj, dict) or obj.get("replay") is None:
        return None
    where = f"scope {scope!r} (the replay server's, apart" if scope is not None else "the replay server's scope (apart"
    return (
        f"note: --replay served a recorded body, stored as fetched now, in {where} from the API's); "
        "to record a saved body at the time it was fetched, use `orcatalog import --store DIR FILE`"
    )
