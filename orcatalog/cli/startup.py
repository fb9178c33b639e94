"""How the ``orcatalog`` console script starts and ends quickly.

A command spends more time importing pandas, pyarrow and requests, and in the interpreter's
final garbage collection, than in its own work (``bench/cli.py``). Both are collector costs:

- while those modules import, CPython's cyclic collector runs again and again over the growing
  heap of module objects that will live for the whole process. :func:`collector_paused` imports
  them with the collector off, then :func:`gc.freeze` moves everything imported so far out of its
  reach and turns it back on, so the command itself runs with a normal collector;
- at exit CPython collects once more over about a million objects; :func:`run` freezes them
  first.

Only the console script does this (:data:`CONSOLE` is set by :func:`run`); in-process callers
(tests, ``CliRunner``) keep an untouched collector.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any

import click

__all__ = ["CONSOLE", "Command", "collector_paused", "run"]

#: Whether this process is the console script (set by :func:`run`).
CONSOLE = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block (heavy imports) with the cyclic garbage collector off, then freeze what
    exists and turn the collector back on. Does nothing outside the console script, or when the
    collector is already off."""
    if not CONSOLE or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def import_pandas() -> None:
    """Import pandas and pyarrow (every command but ``--help`` needs them) with the collector paused."""
    with collector_paused():
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401


class Command(click.Command):
    """A subcommand: its options are parsed (and bad ones refused) before pandas is imported."""

    def invoke(self, ctx: click.Context) -> Any:
        if isinstance(ctx.obj, dict):  # the running command's options, for messages after it ends
            ctx.obj["command"], ctx.obj["params"] = ctx.info_name, ctx.params
        import_pandas()
        return super().invoke(ctx)


def run(main: Callable[[], Any]) -> None:
    """Run ``main`` as the console script: paused-collector imports, and an exit that skips the
    interpreter's final garbage collection.

    Nothing else changes at exit: objects are still released by reference counting, stdout and
    stderr are still flushed, ``atexit`` handlers still run, and every command has closed the
    files it wrote and committed its cache rows before it returns. Only cyclic garbage left at
    exit is not collected; the operating system takes the memory back.
    """
    global CONSOLE
    CONSOLE = True
    try:
        main()
    finally:
        gc.freeze()
