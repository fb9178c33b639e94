"""GET one JSON document: timeouts, retries, status -> error mapping, cache flags. No parsing of models.

This is the only module that talks HTTP. It works with any ``requests.Session``; with a
``requests_cache.CachedSession`` it also honours offline mode, forced refresh and opt-in stale reads.

How a call runs (the split requests-cache uses between ``CacheActions`` and ``send``):

- :func:`.retry.decide` is pure: from one attempt's outcome (a response, or the exception it
  raised) and the attempt state it computes a :class:`Decision`: return, retry after N seconds,
  give up (a stale cached copy may still answer) or raise at once;
- :func:`get_json` (this module) is the thin loop that sends, asks :func:`decide`, and sleeps. The
  clocks and the sleep are injected (``Client(clock=..., sleep=..., wall_clock=...)``), so tests
  never really wait;
- :func:`.faults.map_exception` maps requests, urllib3 and the cache's sqlite3 exceptions to the
  typed errors of :mod:`orcatalog.errors` from one table (:data:`EXCEPTION_TABLE`), as httpx's
  ``map_exceptions`` does; :mod:`.faults` also turns statuses into errors;
- :mod:`.body` reads and judges each response in requests' response hook.

Why each request runs on a worker thread: socket timeouts bound each read, not their sum, so a
server dripping header bytes would hold a call for as long as it likes; the caller stops waiting
at the overall deadline instead (:mod:`.deadline`).

Keys: a keyed call runs inside :func:`.redact.keyed`, so every message, URL and log record built
while it runs is free of its key (:mod:`.redact` is the one home of that rule).
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

import orjson
import requests

from .body import DEFAULT_MAX_BODY_BYTES, Check, _BodyReader, _checked, _decode, set_content
from .cache import auth_header_value, require_key_separation
from .deadline import run_within
from .faults import EXCEPTION_TABLE, _BadBody, map_exception
from .redact import keyed, redact_url
from .retry import Action, AttemptState, Clock, Decision, RetryConfig, Sleep, decide
from ..errors import InvalidParameterError, OrcatalogError, RequestTimeoutError

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
    clock: Clock,
    sleep: Sleep,
    wall_clock: Clock,
    pause: Callable[[Decision], None] | None = None,
) -> Fetched:
    """GET ``url`` and return its JSON body, retrying within ``retry``'s budget.

    ``check`` validates a 200 body before it can be cached (a body it refuses never replaces a
    good entry, and with ``allow_stale`` the good entry is returned instead); its result is
    ``Fetched.checked``. ``retry.deadline`` bounds the whole call, every phase of every attempt
    (connect, headers, body, waits); ``max_body_bytes`` caps each decoded body. ``clock``
    (monotonic seconds) and ``sleep`` (seconds) are how the loop reads and spends time, and
    ``wall_clock`` (Unix seconds) turns a ``Retry-After`` HTTP date into a wait: all three are
    required (the :class:`~orcatalog.fetch.client.Client` passes its own, ``Client(clock=...,
    sleep=..., wall_clock=...)``), so no call falls back to real time on its own; ``pause``,
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
                outcome,
                AttemptState(attempt, clock(), deadline_at, safe_url, wall=wall_clock(), offline=offline),
                retry,
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
