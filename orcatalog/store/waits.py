"""How long the store waits before it tries again, and on what clock: one home for its retry waits.

The store retries in two situations, each with one rule here:

- a listing changed under a read (another process's compaction merged or vacuumed a file this
  reader had listed): list again after :meth:`Waits.reread` (a short linear wait);
- a Delta commit lost to another commit that delta-rs does not rebase over (a metadata change):
  commit again after :meth:`Waits.recommit` (exponential, capped at 1 s, jittered so that
  contenders spread out).

:class:`Waits` carries the clock, the sleep and the jitter source, so tests inject them through
``SnapshotStore(clock=..., sleep=..., jitter=...)`` and nothing real sleeps. The defaults are
looked up when used (``time.monotonic``, ``time.sleep``, ``random.random``), never bound at import.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InvalidParameterError

__all__ = ["Waits"]

#: Cap of one wait between two commit attempts, in seconds.
RECOMMIT_CAP = 1.0


@dataclass(frozen=True)
class Waits:
    """The store's clock, sleep and jitter source (each None: the real one, looked up at use).

    Args:
        clock: monotonic seconds (default ``time.monotonic``).
        sleep: waits that many seconds (default ``time.sleep``).
        jitter: a float in [0, 1) per call (default ``random.random``).

    Raises:
        InvalidParameterError: one of them is given and not callable.
    """

    clock: Callable[[], float] | None = None
    sleep: Callable[[float], object] | None = None
    jitter: Callable[[], float] | None = None

    def __post_init__(self) -> None:
        for name in ("clock", "sleep", "jitter"):
            given = getattr(self, name)
            if given is not None and not callable(given):
                raise InvalidParameterError(f"{name} must be a callable or None, got {given!r}")

    def now(self) -> float:
        """The clock's time in seconds."""
        return (self.clock or time.monotonic)()

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (>= 0) on the injected sleep."""
        (self.sleep or time.sleep)(seconds)

    def reread(self, attempt: int, step: float = 0.01) -> None:
        """The wait before listing again after a file vanished under a read: ``step * attempt``
        seconds (attempt 0: none), so a compaction elsewhere has time to finish its commit."""
        if attempt > 0:
            self.wait(step * attempt)

    def recommit(self, attempt: int) -> None:
        """The wait before committing again after losing to another commit (attempt 0 is the
        first loss): ``min(1, 0.02 * 2**attempt)`` seconds times a jitter factor in [0.5, 1.5)."""
        factor = 0.5 + (self.jitter or random.random)()
        self.wait(min(RECOMMIT_CAP, 0.02 * 2**attempt) * factor)
