"""Reading and judging one response inside requests' response hook (:class:`_BodyReader`).

Why in a hook: requests-cache saves a response inside ``session.send``, before the caller sees
it. A hook runs earlier, so it can (1) read the body under the overall deadline and the size cap
and (2) refuse a 200 that is not valid JSON, is an ``{"error": ...}`` object, echoes the request's
key, or fails the caller's check (the column contract) by raising :class:`.faults._BadBody`, which
keeps it out of the cache and leaves any earlier good entry in place. The reader keeps what it
read; nothing is stored on the ``requests.Response``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import requests
import urllib3

from .deadline import DeadlinePassed
from .redact import active_secrets, redact_text
from ..errors import (
    BodyTooLargeError,
    InvalidResponseError,
    SchemaError,
)

from .faults import _BadBody, _api_error, _error_message, _snippet
from .retry import Clock

#: Default cap on a decoded body, in bytes: 64 MiB, about 50 times the largest real catalog (1.3 MB).
DEFAULT_MAX_BODY_BYTES = 64 * 2**20


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
