"""When to try a GET again: the retry budget and the pure decision after each attempt.

:func:`decide` computes, from one attempt's outcome (a response, or the exception it raised) and
the :class:`AttemptState` alone, a :class:`Decision`: return, retry after N seconds, give up (a
stale cached copy may still answer) or raise at once. No I/O and no clock: the loop in
:mod:`.http` reads the clocks and carries the decision out (the split requests-cache uses between
``CacheActions`` and ``send``).
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone
from enum import Enum

import requests

from .deadline import DeadlinePassed
from ..errors import (
    InvalidParameterError,
    NotInCacheError,
    OrcatalogError,
)

from .faults import _BadBody, _status_error, map_exception

#: A monotonic clock (seconds) and a sleep (seconds), as the retry loop sees time.
Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryConfig:
    """How hard to try before giving up. All times in seconds.

    Attributes:
        attempts: total attempts per request (1 = no retry).
        backoff: first wait between attempts; each later wait is ``multiplier`` times longer.
        multiplier: growth factor of the wait.
        max_wait: cap on one wait. A ``Retry-After`` longer than this fails at once with
            :class:`RateLimitError` (or the matching error) instead of sleeping.
        deadline: overall budget for one call: attempts, waits and body reads together.
        statuses: HTTP statuses that are retried (connection errors, resets and timeouts always are).
    """

    attempts: int = 4
    backoff: float = 0.5
    multiplier: float = 1.5
    max_wait: float = 60.0
    deadline: float = 120.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({408, 429, 500, 502, 503, 504}))

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise InvalidParameterError(f"RetryConfig.attempts must be an int >= 1, got {self.attempts!r}")
        for name in ("backoff", "multiplier", "max_wait", "deadline"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
                raise InvalidParameterError(f"RetryConfig.{name} must be a finite number >= 0, got {value!r}")
        if self.deadline <= 0:
            raise InvalidParameterError("RetryConfig.deadline must be > 0 seconds")
        object.__setattr__(self, "statuses", frozenset(int(s) for s in self.statuses))

    def wait(self, attempt: int) -> float:
        """Backoff before attempt ``attempt + 1`` (attempt counts from 1), capped at ``max_wait``."""
        return min(self.backoff * self.multiplier ** (attempt - 1), self.max_wait)


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date (``now``: Unix seconds)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(when.timestamp() - now, 0.0)


# -- the decision: pure ---------------------------------------------------------------------------


class Action(Enum):
    """What the loop does after an attempt."""

    RETURN = "return"  #: the response is the answer
    RETRY = "retry"  #: wait ``Decision.wait`` seconds, then try again
    GIVE_UP = "give up"  #: no attempt or time left: a stale cached copy may answer, else raise ``error``
    RAISE = "raise"  #: raise ``error`` now (a definite answer: retrying or a stale copy would not help)


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`decide`."""

    action: Action
    error: OrcatalogError | None = None
    wait: float = 0.0  #: seconds, for ``RETRY``


@dataclass(frozen=True)
class AttemptState:
    """Where a call stands when an attempt ends. Times in seconds on the call's monotonic clock.

    Attributes:
        attempt: the attempt that just ended (from 1).
        now: the clock now.
        deadline_at: when the call's overall budget ends.
        url: the request URL with secrets removed, for messages.
        wall: Unix seconds now (for ``Retry-After`` dates): :func:`get_json` passes its injected
            ``wall_clock()``; required, so :func:`decide` never reads the machine's time of day.
        offline: whether the call serves only from the cache.
    """

    attempt: int
    now: float
    deadline_at: float
    url: str
    wall: float
    offline: bool = False


def decide(outcome: requests.Response | BaseException, state: AttemptState, retry: RetryConfig) -> Decision:
    """What to do after one attempt, from its outcome and the attempt state alone (no I/O, no clock).

    Args:
        outcome: the response (its body already read by the hook), or the exception the attempt raised.
        state: the attempt state.
        retry: the retry budget.

    Returns:
        The :class:`Decision`. An exception :func:`map_exception` does not know is re-raised.
    """
    if isinstance(outcome, _BadBody):  # a body that must not be cached: never retried
        return Decision(Action.GIVE_UP, outcome.error)
    if isinstance(outcome, BaseException):
        mapped = map_exception(outcome, state.url)
        if mapped is None:
            raise outcome
        error, retried = mapped
        if isinstance(outcome, DeadlinePassed):
            return Decision(Action.GIVE_UP, error)
        return _again(error, retry.wait(state.attempt), state, retry) if retried else Decision(Action.RAISE, error)
    response = outcome
    if state.offline and response.status_code == 504 and getattr(response, "reason", "") == "Not Cached":
        return Decision(
            Action.RAISE,
            NotInCacheError(
                f"offline mode: GET {state.url} is not in the cache. Run once online (or point "
                "ORCATALOG_BASE_URL at a replay server) to fill it, or turn offline mode off.",
                url=state.url,
            ),
        )
    if response.status_code == 200:
        return Decision(Action.RETURN)
    retry_after = _parse_retry_after(response.headers.get("Retry-After"), state.wall)
    error = _status_error(response, state.url, retry_after, state.attempt)
    if response.status_code not in retry.statuses:
        return Decision(Action.RAISE, error)
    if retry_after is not None and retry_after > retry.max_wait:
        error.args = (
            f"{error.args[0]}; the server asked to wait {retry_after:.0f} s, more than "
            f"max_wait={retry.max_wait:.0f} s, so orcatalog did not wait",
        )
        return Decision(Action.RAISE, error)
    return _again(error, retry_after if retry_after is not None else retry.wait(state.attempt), state, retry)


def _again(error: OrcatalogError, wait: float, state: AttemptState, retry: RetryConfig) -> Decision:
    """Retry after ``wait`` seconds when an attempt and the time for it are left, else give up."""
    if state.attempt >= retry.attempts or state.now + wait > state.deadline_at:
        return Decision(Action.GIVE_UP, error)
    return Decision(Action.RETRY, error, wait)
