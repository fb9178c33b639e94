"""GET one JSON document: timeouts, retries, status -> error mapping, cache flags. No parsing of models.

This is the only module that talks HTTP. It works with any ``requests.Session``; with a
``requests_cache.CachedSession`` it also honours offline mode, forced refresh and opt-in stale reads.

How a call runs (the split requests-cache uses between ``CacheActions`` and ``send``):

- :func:`decide` is pure: from one attempt's outcome (a response, or the exception it raised)
  and the attempt state it computes a :class:`Decision`: return, retry after N seconds, give up
  (a stale cached copy may still answer) or raise at once;
- :func:`get_json` is the thin loop that sends, asks :func:`decide`, and sleeps. The clock and
  the sleep are injected (``Client(clock=..., sleep=...)``), so tests never really wait;
- :func:`map_exception` maps requests, urllib3 and the cache's sqlite3 exceptions to the typed
  errors of :mod:`orcatalog.errors` from one table (:data:`EXCEPTION_TABLE`), as httpx's
  ``map_exceptions`` does. The command line asks it too.

Why the body is read in a response hook: requests-cache saves a response inside ``session.send``,
before the caller sees it. A hook runs earlier, so it can (1) read the body under the overall
deadline and the size cap and (2) reject a 200 that is not valid JSON, is an ``{"error": ...}``
object, echoes the request's key, or fails the caller's check (the column contract) by raising,
which keeps it out of the cache and leaves any earlier good entry in place. The hook is a
:class:`_BodyReader` that keeps what it read; nothing is stored on the ``requests.Response``.

Why each request runs on a worker thread: socket timeouts bound each read, not their sum, so a
server dripping header bytes would hold a call for as long as it likes; the caller stops waiting
at the overall deadline instead (:mod:`.deadline`).

Keys: a keyed call runs inside :func:`.redact.keyed`, so every message, URL and log record built
while it runs is free of its key (:mod:`.redact` is the one home of that rule).
"""

from __future__ import annotations

import email.utils
import logging
import math
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from functools import partial
from typing import Any

import orjson
import requests
import urllib3

from .cache import auth_header_value, require_key_separation
from .deadline import DeadlinePassed, run_within
from .redact import active_secrets, keyed, redact_text, redact_url
from ..errors import (
    APIError,
    BodyTooLargeError,
    CacheError,
    InvalidParameterError,
    InvalidResponseError,
    NotInCacheError,
    OrcatalogError,
    RequestTimeoutError,
    ResponseError,
    SchemaError,
    TransportError,
    error_for_status,
)

__all__ = [
    "RetryConfig",
    "Fetched",
    "Decision",
    "Action",
    "AttemptState",
    "decide",
    "get_json",
    "map_exception",
    "EXCEPTION_TABLE",
    "set_content",
    "DEFAULT_MAX_BODY_BYTES",
]

logger = logging.getLogger(__name__)

#: Default cap on a decoded body, in bytes: 64 MiB, about 50 times the largest real catalog (1.3 MB).
DEFAULT_MAX_BODY_BYTES = 64 * 2**20

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


@dataclass
class Fetched:
    """One JSON document and where it came from."""

    body: Any
    url: str
    status: int
    from_cache: bool
    fetched_at: datetime
    server_date: datetime | None
    stale: bool = False
    attempts: int = 1
    checked: Any = None  #: what the caller's ``check`` made of ``body`` (e.g. the contract frame)


class _BadBody(Exception):
    """Raised inside the response hook (it must pass through requests); never retried."""

    def __init__(self, error: OrcatalogError) -> None:
        super().__init__(str(error))
        self.error = error


# -- the one table of library exceptions -------------------------------------------------------


def _short(exc: BaseException) -> str:
    """One readable cause instead of urllib3's nested reprs, with keys removed."""
    text = str(exc)
    for needle, cause in _CAUSES:
        if needle in text:
            return cause
    return redact_text(text if len(text) < 200 else text[:200] + "...")


_CAUSES = (
    ("Failed to resolve", "DNS lookup failed"),
    ("Name or service not known", "DNS lookup failed"),
    ("nodename nor servname", "DNS lookup failed"),
    ("Connection refused", "connection refused"),
    ("Connection reset", "connection reset"),
    ("IncompleteRead", "connection broken mid-body"),
    ("Connection broken", "connection broken mid-body"),
    ("timed out", "timed out"),
)


def _get(url: str | None) -> str:
    return f"GET {url}" if url else "an HTTP request"


def _timeout(exc: BaseException, url: str | None) -> OrcatalogError:
    return RequestTimeoutError(f"{_get(url)} timed out ({type(exc).__name__})", url=url)


def _deadline(exc: BaseException, url: str | None) -> OrcatalogError:
    return RequestTimeoutError(f"{_get(url)}: overall deadline passed", url=url)


def _broken(exc: BaseException, url: str | None) -> OrcatalogError:
    return TransportError(f"{_get(url)} failed: {_short(exc)} ({type(exc).__name__})", url=url)


def _other(exc: BaseException, url: str | None) -> OrcatalogError:
    return TransportError(f"{_get(url)} failed: {type(exc).__name__}: {_short(exc)}", url=url)


def _is_busy(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "locked" in str(exc) or "busy" in str(exc)
    )


def _cache_busy(exc: BaseException, url: str | None) -> OrcatalogError:
    return CacheError(f"{_get(url)}: the HTTP cache stayed busy (another process or thread held it): {exc}")


def _cache_failed(exc: BaseException, url: str | None) -> OrcatalogError:
    return CacheError(f"{_get(url)}: the HTTP cache could not be used ({type(exc).__name__}: {redact_text(str(exc))})")


#: Library exception -> (the typed error it becomes, whether the attempt is retried), first match
#: wins. The one place requests, urllib3 and the cache's sqlite3 errors are mapped; a row's
#: predicate (or None) narrows it. ``DeadlinePassed`` comes before the timeouts it subclasses.
EXCEPTION_TABLE: tuple[
    tuple[
        tuple[type[BaseException], ...],
        Callable[[BaseException], bool] | None,
        Callable[[BaseException, str | None], OrcatalogError],
        bool,
    ],
    ...,
] = (
    ((DeadlinePassed,), None, _deadline, False),
    ((requests.exceptions.Timeout, urllib3.exceptions.TimeoutError), None, _timeout, True),
    (
        (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            urllib3.exceptions.ProtocolError,
            urllib3.exceptions.DecodeError,
            urllib3.exceptions.SSLError,
            urllib3.exceptions.NewConnectionError,
        ),
        None,
        _broken,
        True,
    ),
    ((requests.exceptions.RequestException, urllib3.exceptions.HTTPError), None, _other, False),
    ((sqlite3.OperationalError,), _is_busy, _cache_busy, True),
    ((sqlite3.Error,), None, _cache_failed, False),
)


def map_exception(exc: BaseException, url: str | None = None) -> tuple[OrcatalogError, bool] | None:
    """The typed error for a requests, urllib3 or sqlite3 (HTTP cache) exception, and whether the
    attempt that raised it may be retried; None for any other exception.

    Args:
        exc: the exception.
        url: the request URL, already redacted, for the message.
    """
    if isinstance(exc, OrcatalogError):
        return exc, False
    for types, when, make, retried in EXCEPTION_TABLE:
        if isinstance(exc, types) and (when is None or when(exc)):
            return make(exc, url), retried
    return None


# -- reading and judging one response ------------------------------------------------------------


def _error_message(body: Any) -> tuple[Any, str | None]:
    """(code, message) of an error body, every text field with keys removed."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code, msg = err.get("code"), err.get("message")
        if code is not None and not (isinstance(code, int) and not isinstance(code, bool)):
            code = redact_text(
                code if isinstance(code, str) else orjson.dumps(code, option=orjson.OPT_NON_STR_KEYS).decode()
            )
        return code, redact_text(str(msg)) if msg is not None else None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return None, redact_text(body["error"])
    return None, None


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


#: Turns a decoded 200 body into what the caller wants, raising SchemaError when the body is not
#: what the endpoint answers; it runs before the body can be cached. Called as ``check(body, url=safe_url)``.
Check = Callable[..., Any]


def set_content(response: requests.Response, content: bytes) -> None:
    """Hand requests a body read elsewhere, so ``response.content`` (and requests-cache, which
    saves it) sees it. requests has no public setter: this is the one place that touches its
    private ``_content`` / ``_content_consumed`` (tests/test_http_faults.py pins it against a
    body read the public way)."""
    response._content = content  # type: ignore[attr-defined]
    response._content_consumed = True  # type: ignore[attr-defined]


class _BodyReader:
    """The response hook of one attempt: reads the body under the deadline and the size cap and
    refuses a bad 200 before it can be cached; keeps the decoded body and the check's result of
    the response it judged (``response``), for the loop to take."""

    def __init__(self, deadline_at: float, url: str, check: Check | None, limit: int, clock: Clock) -> None:
        self.deadline_at, self.url, self.check, self.limit, self.clock = deadline_at, url, check, limit, clock
        self.response: requests.Response | None = None
        self.body: Any = None
        self.checked: Any = None
        self._read: list[requests.Response] = []  # requests-cache runs the hooks a second time

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        if getattr(response, "from_cache", False) or any(r is response for r in self._read):
            return response
        self._read.append(response)
        content = _read_until(response, self.deadline_at, self.url, self.limit, self.clock)
        set_content(response, content)
        if response.status_code == 200:
            if any(form.encode() in content for form in active_secrets()):
                raise _BadBody(
                    InvalidResponseError(
                        f"GET {self.url} returned HTTP 200 with a body that contains the request's API key; "
                        "refused and not cached",
                        url=self.url,
                        status=200,
                    )
                )
            body = _decode(response, self.url)
            code, message = _error_message(body)
            if message is not None or code is not None:
                raise _BadBody(
                    _api_error(response.status_code, self.url, code, message, None, attempts=1, in_body=True)
                )
            self.response, self.body, self.checked = response, body, _checked(self.check, body, self.url)
        return response


def _checked(check: Check | None, body: Any, url: str) -> Any:
    """``check(body, url=url)``, its SchemaError wrapped so that it passes through requests' hook."""
    if check is None:
        return None
    try:
        return check(body, url=url)
    except SchemaError as exc:
        raise _BadBody(exc) from None


def _read_until(response: requests.Response, deadline_at: float, url: str, limit: int, clock: Clock) -> bytes:
    """Read the whole decoded body, giving up when the overall deadline passes (a slow drip never
    trips the per-read timeout) or the decoded size passes ``limit`` bytes (a gzip bomb stops
    there, memory bounded by the limit). ``read1`` returns whatever has arrived, so both are
    checked after every network read, not every 64 KiB. urllib3's exceptions pass through to
    :data:`EXCEPTION_TABLE`; a bare socket error becomes urllib3's ``ProtocolError``, as urllib3
    itself reports one."""
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        response.close()
        raise _BadBody(_too_large(url, response.status_code, f"announced {int(announced):,} bytes", limit))
    raw = response.raw
    content = bytearray()
    late = clock() > deadline_at  # an abandoned request (see .deadline) reads nothing
    try:
        while not late:
            chunk = raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                break
            content += chunk
            if len(content) > limit:
                response.close()
                raise _BadBody(_too_large(url, response.status_code, f"more than {limit:,} bytes decoded", limit))
            late = clock() > deadline_at
    except (TimeoutError, ConnectionError) as exc:  # the socket's own, outside urllib3's wrapping
        raise urllib3.exceptions.ProtocolError(f"Connection broken: {exc!r}") from None
    if late:
        response.close()
        raise DeadlinePassed(f"overall deadline passed while reading the body of {url}")
    return bytes(content)


def _too_large(url: str, status: int, what: str, limit: int) -> BodyTooLargeError:
    return BodyTooLargeError(
        f"GET {url} returned HTTP {status} with a body over the size cap ({what}; "
        f"max_body_bytes={limit}); nothing was cached. Raise Client(max_body_bytes=...) if it is genuine",
        url=url,
        status=status,
    )


def _decode(response: requests.Response, url: str) -> Any:
    ctype = response.headers.get("Content-Type", "")
    content = response.content or b""
    if ctype and "json" not in ctype.lower():
        raise _BadBody(
            InvalidResponseError(
                f"GET {url} returned HTTP {response.status_code} with Content-Type {redact_text(ctype)!r}, "
                f"not JSON ({len(content)} bytes{_snippet(content)})",
                url=url,
                status=response.status_code,
            )
        )
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise _BadBody(
            InvalidResponseError(
                f"GET {url} returned HTTP {response.status_code} with a body that is not valid JSON "
                f"({len(content)} bytes, {redact_text(str(exc))}; truncated?)",
                url=url,
                status=response.status_code,
            )
        ) from None


def _snippet(content: bytes) -> str:
    text = content[:80].decode("utf-8", "replace").strip().replace("\n", " ")
    return f": {redact_text(text)!r}" if text else ""


def _api_error(
    status: int,
    url: str,
    code: Any,
    message: str | None,
    retry_after: float | None,
    *,
    attempts: int,
    in_body: bool = False,
) -> APIError:
    cls = error_for_status(int(code)) if in_body and _is_status(code) else error_for_status(status)
    where = "in a 200 body" if in_body else f"HTTP {status}"
    text = f"GET {url} failed: {where}"
    if code is not None:
        text += f", code {code}"
    if message:
        text += f": {message}"
    if attempts > 1:
        text += f" (after {attempts} attempts)"
    return cls(
        redact_text(text),
        url=url,
        status=status,
        code=code,
        api_message=message,
        retry_after=retry_after,
        attempts=attempts,
    )


def _is_status(code: Any) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599


def _status_error(response: requests.Response, url: str, retry_after: float | None, attempts: int) -> ResponseError:
    content = response.content or b""
    try:
        body = orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return InvalidResponseError(
            f"GET {url} failed: HTTP {response.status_code}, and the body is not JSON "
            f"(Content-Type {redact_text(response.headers.get('Content-Type', '?'))!r}{_snippet(content)})"
            + (f" (after {attempts} attempts)" if attempts > 1 else ""),
            url=url,
            status=response.status_code,
            attempts=attempts,
        )
    code, message = _error_message(body)
    return _api_error(response.status_code, url, code, message, retry_after, attempts=attempts)


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _server_date(response: requests.Response) -> datetime | None:
    raw = response.headers.get("Date")
    if not raw:
        return None
    try:
        return _utc(email.utils.parsedate_to_datetime(raw))
    except (TypeError, ValueError, IndexError):
        return None


def _is_cached_session(session: requests.Session) -> bool:
    return hasattr(session, "cache") and hasattr(session, "settings")


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
        offline: whether the call serves only from the cache.
        wall: Unix seconds now (for ``Retry-After`` dates); :func:`get_json` passes its
            ``wall_clock()``, a state built by hand reads the time of day once.
    """

    attempt: int
    now: float
    deadline_at: float
    url: str
    offline: bool = False
    wall: float = field(default_factory=time.time)


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


# -- the loop: thin -------------------------------------------------------------------------------


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: tuple[float, float],
    retry: RetryConfig,
    offline: bool = False,
    refresh: bool = False,
    allow_stale: bool = False,
    check: Check | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    wall_clock: Clock = time.time,
    pause: Callable[[Decision], None] | None = None,
) -> Fetched:
    """GET ``url`` and return its JSON body, retrying within ``retry``'s budget.

    ``check`` validates a 200 body before it can be cached (a body it refuses never replaces a
    good entry, and with ``allow_stale`` the good entry is returned instead); its result is
    ``Fetched.checked``. ``retry.deadline`` bounds the whole call, every phase of every attempt
    (connect, headers, body, waits); ``max_body_bytes`` caps each decoded body. ``clock``
    (monotonic seconds) and ``sleep`` (seconds) are how the loop reads and spends time, and
    ``wall_clock`` (Unix seconds) turns a ``Retry-After`` HTTP date into a wait; ``pause``,
    when given, waits out a ``RETRY`` decision instead of ``sleep(decision.wait)`` (a pool of
    requests pauses every worker on a 429 this way, :mod:`orcatalog.fetch.endpoints`).

    Raises:
        NotInCacheError: offline and not cached.
        TransportError / RequestTimeoutError: no usable answer within the budget.
        APIError subclasses: the API said no (status mapped by :func:`errors.error_for_status`).
        InvalidResponseError: the body is not JSON; BodyTooLargeError: over ``max_body_bytes``.
        CacheError: the HTTP cache could not be used.
    """
    cached, secret, extra = _session_options(session, headers, offline=offline, refresh=refresh)
    with keyed(secret):
        safe_url = redact_url(url)
        started = clock()
        deadline_at = started + retry.deadline
        attempt, decision, reader = 0, Decision(Action.GIVE_UP), None
        outcome: requests.Response | BaseException | None = None
        while attempt < retry.attempts:
            remaining = deadline_at - clock()
            if remaining <= 0:
                break
            attempt += 1
            reader = _BodyReader(deadline_at, safe_url, check, max_body_bytes, clock)
            send = partial(
                _send,
                session,
                url,
                secret,
                params=params,
                headers=dict(headers or {}),
                timeout=(min(timeout[0], remaining), min(timeout[1], remaining)),
                hooks={"response": [reader]},
                **extra,
            )
            try:
                outcome = run_within(deadline_at, send, clock=clock)
            except Exception as exc:  # judged by decide()
                outcome = exc
            assert outcome is not None
            decision = decide(
                outcome, AttemptState(attempt, clock(), deadline_at, safe_url, offline, wall_clock()), retry
            )
            if decision.action is not Action.RETRY:
                break
            logger.info(
                "GET %s: %s, retrying in %.2f s (attempt %d/%d)",
                safe_url,
                decision.error,
                decision.wait,
                attempt,
                retry.attempts,
            )
            if pause is not None:
                pause(decision)
            else:
                sleep(decision.wait)
        if decision.action is Action.RETURN:
            assert isinstance(outcome, requests.Response) and reader is not None
            return _answer(outcome, reader, safe_url, check, attempt)
        stale = (
            _stale_entry(session, url, params, headers, check, safe_url)
            if decision.action is not Action.RAISE and allow_stale and cached  # gave up, or out of time to retry
            else None
        )
        if stale is not None:
            logger.warning("GET %s failed (%s); returning stale cached data", safe_url, decision.error)
            return stale
        raise _final_error(decision, attempt, clock() - started, retry, safe_url)


def _session_options(
    session: requests.Session, headers: Mapping[str, str] | None, *, offline: bool, refresh: bool
) -> tuple[bool, str | None, dict[str, Any]]:
    """Whether ``session`` caches, the key the call sends (kept out of every text while it runs),
    and the cache options of each GET (offline, forced refresh).

    Raises:
        InvalidParameterError: offline mode without a cache; a keyed call on a cache that does not
            keep keys apart.
    """
    cached = _is_cached_session(session)
    if offline and not cached:
        raise InvalidParameterError("offline mode needs a requests_cache.CachedSession as the session")
    secret = auth_header_value(headers) or auth_header_value(session.headers)
    if cached and secret:
        require_key_separation(session)
    extra: dict[str, Any] = {}
    if cached:
        if offline:
            extra["only_if_cached"] = True
        if refresh:
            extra["force_refresh"] = True
    return cached, secret, extra


def _final_error(decision: Decision, attempt: int, elapsed: float, retry: RetryConfig, url: str) -> OrcatalogError:
    """The error a call that did not answer raises: the decision's, with the attempts (and, when it
    gave up, how long it tried); a deadline that passed before any attempt answered is a timeout."""
    error = decision.error
    if decision.action is Action.RAISE and error is not None:
        if hasattr(error, "attempts"):
            setattr(error, "attempts", attempt)  # noqa: B010
        return error
    if error is None:  # the deadline passed before any attempt could answer
        return RequestTimeoutError(
            f"GET {url}: overall deadline of {retry.deadline:.1f} s passed", url=url, attempts=attempt
        )
    _mark_attempts(error, attempt, elapsed, retry)
    return error


def _send(session: requests.Session, url: str, secret: str | None, **kwargs: Any) -> requests.Response:
    """One GET, on the worker thread; the key stays active until it ends, even when the caller
    stopped waiting (an abandoned request may still log)."""
    with keyed(secret):
        return session.get(url, **kwargs)


def _answer(response: requests.Response, reader: _BodyReader, url: str, check: Check | None, attempt: int) -> Fetched:
    """The :class:`Fetched` of a 200: the body the hook read, or a cached one decoded and checked now."""
    from_cache = bool(getattr(response, "from_cache", False))
    if reader.response is response:
        body, checked = reader.body, reader.checked
    else:
        try:
            body = _decode(response, url)
            checked = _checked(check, body, url)
        except _BadBody as exc:
            raise exc.error from None
    return Fetched(
        body=body,
        url=url,
        status=200,
        from_cache=from_cache,
        fetched_at=(_utc(getattr(response, "created_at", None)) if from_cache else None) or datetime.now(timezone.utc),
        server_date=_server_date(response),
        stale=from_cache and bool(getattr(response, "is_expired", False)),
        attempts=attempt,
        checked=checked,
    )


def _mark_attempts(error: OrcatalogError, attempts: int, elapsed: float, retry: RetryConfig) -> None:
    setattr(error, "attempts", attempts)  # noqa: B010 - every transport/response error has it
    text = error.args[0] if error.args else str(error)
    if isinstance(error, RequestTimeoutError) and "overall deadline passed" in text and "deadline of" not in text:
        text = text.replace("overall deadline passed", f"overall deadline of {retry.deadline:.1f} s passed")
        text += f" on attempt {attempts}"
    if attempts > 1 and "(gave up after" not in text:
        text += f" (gave up after {attempts} attempts in {elapsed:.1f} s)"
    error.args = (text,)


def _stale_entry(
    session: Any,
    url: str,
    params: Mapping[str, str] | None,
    headers: Mapping[str, str] | None,
    check: Check | None,
    safe_url: str,
) -> Fetched | None:
    prepared = session.prepare_request(requests.Request("GET", url, params=params, headers=dict(headers or {})))
    key = session.cache.create_key(prepared)
    cached = session.cache.get_response(key)
    if cached is None or cached.status_code != 200:
        return None
    try:
        body = orjson.loads(cached.content)
        checked = _checked(check, body, safe_url)
    except (orjson.JSONDecodeError, _BadBody):
        return None
    return Fetched(
        body=body,
        checked=checked,
        url=safe_url,
        status=200,
        from_cache=True,
        fetched_at=_utc(cached.created_at) or datetime.now(timezone.utc),
        server_date=_server_date(cached),
        stale=True,
    )
