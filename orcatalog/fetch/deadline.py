"""Run one HTTP request under an overall deadline that holds in every phase.

Socket timeouts bound each read, not their sum: a server that drips one header byte at a time never
trips them, and requests gives no hook before the headers are complete. So the request runs on a
worker thread and the caller stops waiting at the deadline; the abandoned request ends at its next
socket timeout or when the server closes (its response hook sees the deadline passed and reads
nothing, so nothing late is cached).

Workers are daemon threads kept for reuse (starting a thread per request costs up to milliseconds
on a busy machine); a new one starts only when none is idle, so an abandoned request never delays
another, and none of them keeps the interpreter from exiting.
"""

from __future__ import annotations

import contextvars
import signal
import threading
import time
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

import requests

T = TypeVar("T")


class DeadlinePassed(requests.exceptions.Timeout):
    """The overall deadline passed before the call returned (in any phase)."""


class _Job:
    """One call, its outcome, and an event set when it has one."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.context = contextvars.copy_context()  # warnings and log capture behave as in the caller
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None

    def run(self) -> None:
        try:
            self.value, self.ok = self.context.run(self.call), True
        except BaseException as exc:  # handed to the waiting caller
            self.value = exc
        self.done.set()


_jobs: SimpleQueue[_Job] = SimpleQueue()
_lock = threading.Lock()
_idle = 0  # workers waiting for a job and not yet promised one


#: The longest the caller waits in one go: a Ctrl-C that the kernel handed to another thread only
#: sets Python's flag, and the main thread acts on it when its wait returns (within this many seconds).
_WAKE_EVERY = 0.25


def leave_ctrl_c_to_the_main_thread() -> None:
    """Block SIGINT in the calling thread (a worker), so the kernel hands Ctrl-C to the main thread,
    whose wait it interrupts at once. Without it, a Ctrl-C taken by a worker blocked in ``recv`` only
    set Python's flag while the main thread slept in a wait (a CI run under load: the snapshot
    command did not end within 60 s of Ctrl-C). No-op where threads have no signal mask (Windows)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _work(first: _Job) -> None:
    global _idle
    leave_ctrl_c_to_the_main_thread()
    job = first
    while True:
        job.run()
        with _lock:
            _idle += 1
        job = _jobs.get()


def _submit(job: _Job) -> None:
    global _idle
    with _lock:
        if _idle:
            _idle -= 1  # promise the job to one idle worker
            _jobs.put(job)
            return
    threading.Thread(target=_work, args=(job,), name="orcatalog-request", daemon=True).start()


def run_within(deadline_at: float, call: Callable[[], T], *, clock: Callable[[], float] = time.monotonic) -> T:
    """``call()`` on a worker thread, waiting for it until ``deadline_at`` on ``clock``.

    Args:
        deadline_at: the time on ``clock`` (seconds) after which the caller stops waiting.
        call: the request to make.
        clock: a monotonic clock in seconds (default ``time.monotonic``); the wait itself is real
            time, ``deadline_at - clock()`` seconds.

    Returns:
        What ``call`` returned.

    Raises:
        DeadlinePassed: the deadline came first (the call is abandoned). Anything ``call`` raises
            is re-raised.
    """
    job = _Job(call)
    _submit(job)
    ends = time.monotonic() + max(deadline_at - clock(), 0.0)  # the wait is real time
    while not job.done.wait(min(_WAKE_EVERY, max(ends - time.monotonic(), 0.0))):
        if time.monotonic() >= ends:  # between two waits, a pending Ctrl-C is raised here
            raise DeadlinePassed("overall deadline passed while waiting for the response")
    if job.ok:
        return job.value  # type: ignore[no-any-return]
    raise job.value
