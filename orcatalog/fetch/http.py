"""GET one JSON document: timeouts, retries, status -> error mapping, cache flags. No parsing of models.

This is the only module that talks HTTP. It works with any ``requests.Session``; with a
``requests_cache.CachedSession`` it also honours offline mode, forced refresh and opt-in stale reads.

Why the body is read in a response hook: requests-cache saves a response inside ``session.send``,
before the caller sees it. A hook runs earlier, so it can (1) read the body under the overall
deadline and the size cap and (2) reject a 200 that is not valid JSON, is an ``{"error": ...}``
object or fails the caller's check (the column contract) by raising, which keeps it out of the
cache and leaves any earlier good entry in place.

Why each request runs on a worker thread: socket timeouts bound each read, not their sum, so a
server dripping header bytes would hold a call for as long as it likes; the caller stops waiting
at the overall deadline instead (:mod:`.deadline`).
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests
import urllib3

from .cache import auth_header_value, require_key_separation
from .deadline import DeadlinePassed, run_within
from ..errors import (
    APIError,
    BodyTooLargeError,
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

logger = logging.getLogger(__name__)

#: Default cap on a decoded body, in bytes: 64 MiB, about 50 times the largest real catalog (1.3 MB).
DEFAULT_MAX_BODY_BYTES = 64 * 2**20

_SECRET_PARAM = re.compile(r"(?i)(key|token|secret|password|auth)")
_KEY_PATTERN = re.compile(r"sk-or-[A-Za-z0-9_-]+")


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


NO_RETRY = RetryConfig(attempts=1)


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
    """Raised inside the response hook; converted to a typed error by :func:`get_json`."""

    def __init__(self, error: OrcatalogError) -> None:
        super().__init__(str(error))
        self.error = error


def redact_url(url: str) -> str:
    """The URL without user info and with secret-looking query values replaced by ``REDACTED``."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = "&".join(
        (f"{k}=REDACTED" if _SECRET_PARAM.search(k) and v else (f"{k}={v}" if sep else k))
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return _KEY_PATTERN.sub("REDACTED", urlunsplit((parts.scheme, netloc, parts.path, query, "")))


def redact_text(text: str) -> str:
    """Remove anything shaped like an OpenRouter key from a message."""
    return _KEY_PATTERN.sub("REDACTED", text)


def _error_message(body: Any) -> tuple[Any, str | None]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        msg = err.get("message")
        return err.get("code"), redact_text(str(msg)) if msg is not None else None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return None, redact_text(body["error"])
    return None, None


def _parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
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
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


#: Turns a decoded 200 body into what the caller wants, raising SchemaError when the body is not
#: what the endpoint answers; it runs before the body can be cached. Called as ``check(body, url=safe_url)``.
Check = Callable[..., Any]


def _read_body(
    deadline_at: float,
    url: str,
    check: Check | None,
    limit: int,
    response: requests.Response,
    *args: Any,
    **kwargs: Any,
) -> requests.Response:
    """Response hook: read the body under the deadline and the size cap; refuse a bad 200 before
    it can be cached."""
    if getattr(response, "from_cache", False) or hasattr(response, "_orcatalog_body"):
        return response
    _set_content(response, _read_until(response, deadline_at, url, limit))
    body: Any = None
    if response.status_code == 200:
        body = _decode(response, url)
        code, message = _error_message(body)
        if message is not None or code is not None:
            raise _BadBody(
                _api_error(response.status_code, url, code, message, None, attempts=1, in_body=True)
            )
        response._orcatalog_checked = _checked(check, body, url)  # type: ignore[attr-defined]
    response._orcatalog_body = body  # type: ignore[attr-defined]
    return response


def _checked(check: Check | None, body: Any, url: str) -> Any:
    """``check(body, url=url)``, its SchemaError wrapped so that it passes through requests' hook."""
    if check is None:
        return None
    try:
        return check(body, url=url)
    except SchemaError as exc:
        raise _BadBody(exc) from None


def _set_content(response: requests.Response, content: bytes) -> None:
    """Hand requests the body read by :func:`_read_until`, so ``response.content`` (and
    requests-cache, which saves it) sees it. requests has no public setter: this is the one place
    that touches its private ``_content`` / ``_content_consumed``."""
    response._content = content  # noqa: SLF001
    response._content_consumed = True  # noqa: SLF001


def _read_until(response: requests.Response, deadline_at: float, url: str, limit: int) -> bytes:
    """Read the whole decoded body, giving up when the overall deadline passes (a slow drip never
    trips the per-read timeout) or the decoded size passes ``limit`` bytes (a gzip bomb stops
    there, memory bounded by the limit). ``read1`` returns whatever has arrived, so both are
    checked after every network read, not every 64 KiB."""
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        response.close()
        raise _BadBody(_too_large(url, response.status_code, f"announced {int(announced):,} bytes", limit))
    raw = response.raw
    content = bytearray()
    late = time.monotonic() > deadline_at  # an abandoned request (see .deadline) reads nothing
    try:
        while not late:
            chunk = raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                break
            content += chunk
            if len(content) > limit:
                response.close()
                raise _BadBody(_too_large(url, response.status_code, f"more than {limit:,} bytes decoded", limit))
            late = time.monotonic() > deadline_at
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(str(exc)) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(str(exc)) from None
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as exc:
        raise requests.exceptions.ChunkedEncodingError(str(exc)) from None
    if late:
        response.close()
        raise requests.exceptions.ReadTimeout(f"overall deadline passed while reading the body of {url}")
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
                f"GET {url} returned HTTP {response.status_code} with Content-Type {ctype!r}, "
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
                f"({len(content)} bytes, {exc}; truncated?)",
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
    return cls(text, url=url, status=status, code=code, api_message=message, retry_after=retry_after, attempts=attempts)


def _is_status(code: Any) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599


def _status_error(response: requests.Response, url: str, retry_after: float | None, attempts: int) -> ResponseError:
    content = response.content or b""
    try:
        body = orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return InvalidResponseError(
            f"GET {url} failed: HTTP {response.status_code}, and the body is not JSON "
            f"(Content-Type {response.headers.get('Content-Type', '?')!r}{_snippet(content)})"
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
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """GET ``url`` and return its JSON body, retrying within ``retry``'s budget.

    ``check`` validates a 200 body before it can be cached (a body it refuses never replaces a
    good entry, and with ``allow_stale`` the good entry is returned instead); its result is
    ``Fetched.checked``. ``retry.deadline`` bounds the whole call, every phase of every attempt
    (connect, headers, body, waits); ``max_body_bytes`` caps each decoded body.

    Raises:
        NotInCacheError: offline and not cached.
        TransportError / RequestTimeoutError: no usable answer within the budget.
        APIError subclasses: the API said no (status mapped by :func:`errors.error_for_status`).
        InvalidResponseError: the body is not JSON; BodyTooLargeError: over ``max_body_bytes``.
    """
    safe_url = redact_url(url)
    cached = _is_cached_session(session)
    if offline and not cached:
        raise InvalidParameterError("offline mode needs a requests_cache.CachedSession as the session")
    if cached and (auth_header_value(headers) or auth_header_value(session.headers)):
        require_key_separation(session)
    extra: dict[str, Any] = {}
    if cached:
        if offline:
            extra["only_if_cached"] = True
        if refresh:
            extra["force_refresh"] = True
    started = time.monotonic()
    deadline_at = started + retry.deadline
    last_error: OrcatalogError | None = None
    attempt = 0
    while attempt < retry.attempts:
        attempt += 1
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            break
        hook = partial(_read_body, deadline_at, safe_url, check, max_body_bytes)
        send = partial(
            session.get,
            url,
            params=params,
            headers=dict(headers or {}),
            timeout=(min(timeout[0], remaining), min(timeout[1], remaining)),
            hooks={"response": [hook]},
            **extra,
        )
        try:
            response = run_within(deadline_at, send)
        except _BadBody as exc:  # a body that must not be cached: never retried
            exc.error.attempts = attempt  # type: ignore[attr-defined]
            last_error = exc.error
            break
        except DeadlinePassed:
            last_error = RequestTimeoutError(f"GET {safe_url}: overall deadline of {retry.deadline:.1f} s passed "
                                             f"on attempt {attempt}", url=safe_url, attempts=attempt)  # fmt: skip
            break
        except requests.exceptions.Timeout as exc:
            last_error = RequestTimeoutError(
                f"GET {safe_url} timed out ({type(exc).__name__}) on attempt {attempt}", url=safe_url, attempts=attempt
            )
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:  # fmt: skip
            last_error = TransportError(
                f"GET {safe_url} failed: {redact_text(_short(exc))} ({type(exc).__name__})", url=safe_url, attempts=attempt
            )
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"GET {safe_url} failed: {type(exc).__name__}: {redact_text(_short(exc))}",
                                 url=safe_url, attempts=attempt) from None  # fmt: skip
        else:
            from_cache = bool(getattr(response, "from_cache", False))
            if offline and response.status_code == 504 and getattr(response, "reason", "") == "Not Cached":
                raise NotInCacheError(
                    f"offline mode: GET {safe_url} is not in the cache. Run once online (or point "
                    "ORCATALOG_BASE_URL at a replay server) to fill it, or turn offline mode off.",
                    url=safe_url,
                )
            if response.status_code == 200:
                if from_cache or not hasattr(response, "_orcatalog_body"):
                    try:
                        body = _decode(response, safe_url)
                        checked = _checked(check, body, safe_url)
                    except _BadBody as exc:
                        raise exc.error from None
                else:
                    body, checked = response._orcatalog_body, getattr(response, "_orcatalog_checked", None)
                return Fetched(
                    body=body,
                    url=safe_url,
                    status=200,
                    from_cache=from_cache,
                    fetched_at=(_utc(getattr(response, "created_at", None)) if from_cache else None)
                    or datetime.now(timezone.utc),
                    server_date=_server_date(response),
                    stale=from_cache and bool(getattr(response, "is_expired", False)),
                    attempts=attempt,
                    checked=checked,
                )
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            error = _status_error(response, safe_url, retry_after, attempt)
            if response.status_code not in retry.statuses:
                raise error
            if retry_after is not None and retry_after > retry.max_wait:
                error.args = (f"{error.args[0]}; the server asked to wait {retry_after:.0f} s, more than "
                              f"max_wait={retry.max_wait:.0f} s, so orcatalog did not wait",)  # fmt: skip
                raise error
            last_error = error
            if attempt < retry.attempts:
                wait = retry_after if retry_after is not None else retry.wait(attempt)
                if time.monotonic() + wait > deadline_at:
                    break
                logger.info("GET %s: HTTP %s, retrying in %.2f s (attempt %d/%d)",
                            safe_url, response.status_code, wait, attempt, retry.attempts)  # fmt: skip
                sleep(wait)
                continue
            break
        if attempt < retry.attempts:
            wait = retry.wait(attempt)
            if time.monotonic() + wait > deadline_at:
                break
            logger.info("GET %s: %s, retrying in %.2f s", safe_url, last_error, wait)
            sleep(wait)
    if allow_stale and cached:
        stale = _stale_entry(session, url, params, headers, check)
        if stale is not None:
            logger.warning("GET %s failed (%s); returning stale cached data", safe_url, last_error)
            return stale
    if last_error is None:  # the deadline passed before any attempt could answer
        raise RequestTimeoutError(f"GET {safe_url}: overall deadline of {retry.deadline:.1f} s passed",
                                  url=safe_url, attempts=attempt)  # fmt: skip
    _mark_attempts(last_error, attempt, time.monotonic() - started)
    raise last_error


def _mark_attempts(error: OrcatalogError, attempts: int, elapsed: float) -> None:
    setattr(error, "attempts", attempts)  # noqa: B010 - every transport/response error has it
    if attempts > 1 and "(gave up after" not in str(error):
        error.args = (f"{error.args[0]} (gave up after {attempts} attempts in {elapsed:.1f} s)",)


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


def _short(exc: BaseException) -> str:
    """One readable cause instead of urllib3's nested reprs."""
    text = str(exc)
    for needle, cause in _CAUSES:
        if needle in text:
            return cause
    return text if len(text) < 200 else text[:200] + "..."


def _stale_entry(
    session: Any, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None, check: Check | None
) -> Fetched | None:
    prepared = session.prepare_request(requests.Request("GET", url, params=params, headers=dict(headers or {})))
    key = session.cache.create_key(prepared)
    cached = session.cache.get_response(key)
    if cached is None or cached.status_code != 200:
        return None
    try:
        body = orjson.loads(cached.content)
        checked = _checked(check, body, redact_url(url))
    except (orjson.JSONDecodeError, _BadBody):
        return None
    return Fetched(
        body=body,
        checked=checked,
        url=redact_url(url),
        status=200,
        from_cache=True,
        fetched_at=_utc(cached.created_at) or datetime.now(timezone.utc),
        server_date=_server_date(cached),
        stale=True,
    )
