"""Every failure of one GET as a typed error of :mod:`orcatalog.errors`, from one place.

- :data:`EXCEPTION_TABLE` / :func:`map_exception`: requests, urllib3 and the HTTP cache's sqlite3
  exceptions -> typed errors and whether the attempt is retried (httpx's ``map_exceptions``); the
  command line asks it too.
- :func:`_status_error` / :func:`_api_error`: a non-200 answer (or an ``{"error": ...}`` 200 body)
  -> the error class of its status (:func:`orcatalog.errors.error_for_status`), with the API's
  code and message, keys removed.
- :class:`_BadBody`: how a refused body leaves requests' response hook (never retried, never cached).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import orjson
import requests
import urllib3

from .deadline import DeadlinePassed
from .redact import redact_text
from ..errors import (
    APIError,
    CacheError,
    InvalidResponseError,
    OrcatalogError,
    RequestTimeoutError,
    ResponseError,
    TransportError,
    error_for_status,
)


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
