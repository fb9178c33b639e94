"""Run state of :class:`~orcatalog.store.SnapshotStore` (:class:`Runs`, a mixin): the lock that
keeps one run at a time on a store (``orcatalog watch``) and the small JSON state a run keeps
beside it. The lock and state rules live in :mod:`.lock`; this module hands them the store's files
and its injected clock and sleep (:mod:`.waits`).

Layer: store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .layout import Layout
from .waits import Waits


class Runs:
    """The run-lock and run-state methods of :class:`~orcatalog.store.SnapshotStore` (a mixin)."""

    _layout: Layout
    _waits: Waits

    def run_lock(
        self,
        name: str = "watch",
        *,
        wait: float = 10.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> Any:
        """A context manager holding the store's ``name`` lock: one such run at a time (:mod:`.lock`).

        Args:
            name: what the run is (``"watch"``).
            wait: seconds a second run waits for the first to finish before giving up.
            clock, sleep: the time source (monotonic seconds) and the wait (seconds) of this lock
                only; default the store's own (``SnapshotStore(clock=..., sleep=...)``, :mod:`.waits`).

        Raises:
            SnapshotConflictError: another run held it for the whole wait; StoreWriteError;
            InvalidParameterError.
        """
        from .lock import run_lock

        waits = replace(self._waits, clock=clock or self._waits.clock, sleep=sleep or self._waits.sleep)
        return run_lock(self._layout, name, wait=wait, waits=waits)

    def run_state(self, name: str = "watch") -> dict[str, Any]:
        """The small JSON state the ``name`` run keeps beside its lock (:func:`.lock.read_state`);
        ``{}`` when there is none. Read it while holding :meth:`run_lock`.

        Raises:
            StoreError: the store cannot be read; InvalidParameterError: a bad name.
        """
        from .lock import read_state

        return read_state(self._layout, name)

    def save_run_state(self, state: dict[str, Any], name: str = "watch") -> None:
        """Replace the ``name`` run's state (JSON-able), whole (:func:`.lock.write_state`); write it
        while holding :meth:`run_lock`.

        Raises:
            StoreWriteError: it cannot be written; InvalidParameterError: a bad name.
        """
        from .lock import write_state

        write_state(self._layout, name, state)
