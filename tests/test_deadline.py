"""orcatalog.fetch.deadline: one request under an overall deadline, on reusable worker threads."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

from orcatalog.fetch.deadline import DeadlinePassed, run_within


def _workers() -> int:
    return sum(t.name == "orcatalog-request" for t in threading.enumerate())


def test_returns_the_value_and_reraises_the_error() -> None:
    assert run_within(time.monotonic() + 30, lambda: 42) == 42
    with pytest.raises(KeyError, match="boom"):
        run_within(time.monotonic() + 30, lambda: {}["boom"])


def test_the_caller_stops_waiting_at_the_deadline_and_others_are_not_delayed() -> None:
    release = threading.Event()
    with pytest.raises(DeadlinePassed):
        run_within(time.monotonic() + 0.2, release.wait)  # a call that would block until released
    assert run_within(time.monotonic() + 30, lambda: "next") == "next"  # a new worker took it
    release.set()


def test_workers_are_reused_and_are_daemons() -> None:
    run_within(time.monotonic() + 30, lambda: None)
    before = _workers()
    for _ in range(20):
        run_within(time.monotonic() + 30, lambda: None)
    assert _workers() == before
    assert all(t.daemon for t in threading.enumerate() if t.name == "orcatalog-request")


def test_warnings_inside_the_call_reach_the_caller() -> None:
    with pytest.warns(RuntimeWarning, match="from the worker"):
        run_within(time.monotonic() + 30, lambda: warnings.warn("from the worker", RuntimeWarning, stacklevel=1))
