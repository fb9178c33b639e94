"""The ``orcatalog`` console script's first step, and the one rule of what Ctrl-C says.

The command line's modules (click, and through them most of orcatalog) take a good part of the
first second to import; Ctrl-C then would print a Python traceback. :func:`main` imports them
inside a guard, so Ctrl-C there is the same one line as Ctrl-C later (:func:`interrupted_line`).
Nothing heavy runs before that guard: the package's ``__init__`` imports no module (its errors
too are imported on first use), and this one only ``sys`` (always loaded). Ctrl-C before them, while
Python itself starts (its ``site`` module, an editable install's finder), is Python's own: the
README's troubleshooting says so.
"""

import sys

# No `from __future__ import annotations` here or in the package's __init__: that statement imports
# the __future__ module, which a plain venv has not loaded, so Ctrl-C there was a traceback; the
# few annotations that name typing-only names are quoted instead.
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see the module's docstring)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

__all__ = ["RECORDING_COMMANDS", "interrupted_line", "main"]

#: The commands that record snapshots in a store, each with the option (its parameter name) that
#: makes it record (None: it may record whatever its options). Every other command only reads.
RECORDING_COMMANDS: dict[str, str | None] = {
    "snapshot": None,
    "import": None,
    "watch": None,
    "report": None,  # takes a first snapshot into an empty store
    "endpoints": "store_root",  # --store
    "providers": "store_root",  # --store
}

#: The exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED_EXIT = 130


def interrupted_line(command: str | None, params: "Mapping[str, Any]", committed: str | None = None) -> str:
    """What a command stopped by Ctrl-C before or after its work says (a write that Ctrl-C
    stops says what the store recorded itself: ``orcatalog.cli.interrupts._interrupts``).

    Args:
        command: the command's name (None: not known yet).
        params: its options by parameter name (as far as they are known).
        committed: what it said it recorded, if it did (``orcatalog.cli.interrupts.committed``).

    Returns:
        ``interrupted: nothing was recorded`` (or ``interrupted: after the write: <what>``) for a
        command that records, ``interrupted`` for one that only reads.
    """
    if command not in RECORDING_COMMANDS:
        return "interrupted"
    option = RECORDING_COMMANDS[command]
    if option is not None and not params.get(option):  # e.g. `endpoints` without --store only reads
        return "interrupted"
    return f"interrupted: after the write: {committed}" if committed else "interrupted: nothing was recorded"


def _command_in(args: "Sequence[str]") -> "tuple[str | None, dict[str, Any]]":
    """The command named in raw arguments, and whether ``--store`` was given, as far as one can tell
    without parsing them (the group's own options come first; ``--replay`` takes a value)."""
    words = list(args)
    for i, word in enumerate(words):
        if word.startswith("-"):
            continue
        if i > 0 and words[i - 1] == "--replay":
            continue
        rest = words[i + 1 :]
        return word, {"store_root": any(w == "--store" or w.startswith("--store=") for w in rest)}
    return None, {}


def main() -> None:
    """The ``orcatalog`` console script and ``python -m orcatalog``: import the command line, then
    run it (:func:`orcatalog.cli.run`); Ctrl-C while it imports is one line and exit status 130."""
    try:
        from .cli import run
    except KeyboardInterrupt:
        command, params = _command_in(sys.argv[1:])
        print("\n" + interrupted_line(command, params), file=sys.stderr)  # the newline ends the ^C echo
        sys.exit(INTERRUPTED_EXIT)
    run()
