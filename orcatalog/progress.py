"""Progress bars for long work (paginated fetches, imports): on a terminal, left readable when done,
cleared when the work stops before its end (Ctrl-C, an error), so that the one ``interrupted: ...`` or
``error: ...`` line stands alone; nothing when output is piped or the terminal has no width; a plain
text bar in notebooks without ipywidgets (no ``TqdmWarning``)."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["progress", "bar", "wanted"]


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), not merely when ipykernel was imported."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def wanted(show: bool | None) -> bool:
    """Whether to draw a bar: ``show`` if given, else on a terminal (stderr) or in a notebook."""
    if show is not None:
        return show
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) and _has_width() or _in_notebook()


def _has_width() -> bool:
    """False when stderr is a terminal that reports 0 columns (a pseudo-terminal nobody sized, as
    under some job runners): a bar there is drawn as nothing but a line break."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):  # no file descriptor (a test's stream): assume a width
        return True


def _bar_class() -> Any:
    if _in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as notebook_bar

        return notebook_bar
    return _text_bar()


@functools.cache
def _text_bar() -> Any:
    """tqdm's text bar (tqdm.auto would warn "IProgress not found" without ipywidgets), which clears
    itself when closed before reaching its total instead of leaving a partial bar and a line break."""
    from tqdm.std import tqdm as text_bar

    class TextBar(text_bar):  # type: ignore[misc,valid-type]
        def close(self) -> None:
            if self.total is not None and self.n < self.total:  # stopped early: Ctrl-C or an error
                self.leave = False
            super().close()

    return TextBar


def progress(
    items: Iterable[Any], *, desc: str, total: int | None = None, unit: str = "it", show: bool | None = None
) -> Iterable[Any]:
    """``items``, with a progress bar on stderr when :func:`wanted` says so.

    Args:
        items: what to iterate over.
        desc: the bar's label.
        total: number of items when ``items`` has no ``len``.
        unit: what one item is (``"file"``, ``"page"``).
        show: True/False to force; None: only on a terminal or in a notebook.

    Returns:
        An iterable over the same items (``items`` itself when no bar is drawn).
    """
    if not wanted(show):
        return items
    return _bar_class()(items, desc=desc, total=total, unit=unit, leave=True, file=sys.stderr, dynamic_ncols=True)


class _NoBar:
    """What :func:`bar` returns when no bar is drawn: the same calls, doing nothing."""

    def update(self, n: int = 1) -> None:
        """Ignore progress."""

    def close(self) -> None:
        """Nothing to close."""


def bar(*, desc: str, total: int | None = None, unit: str = "it", show: bool | None = None) -> Any:
    """A bar to ``update(n)`` and ``close()`` by hand (for loops whose length is learnt on the way).

    Args:
        desc, unit, show: as for :func:`progress`.
        total: the expected count, when known.

    Returns:
        A tqdm bar, or an object with the same two methods that draws nothing.
    """
    if not wanted(show):
        return _NoBar()
    return _bar_class()(desc=desc, total=total, unit=unit, leave=True, file=sys.stderr, dynamic_ncols=True)
