"""What a :class:`~orcatalog.fetch.client.Client` is built from and what every call goes through:
the settings checked once (base URL, timeout, retries, cache, app headers, clocks), the session
injected or made on first use (:func:`orcatalog.fetch.cache.cached_session`), and the one GET
(:func:`orcatalog.fetch.http.get_json`) with the call's headers.

API-key resolution lives here, once: the client reads ``$OPENROUTER_API_KEY`` when it is built,
:meth:`_Base._key` picks a call's key, and :meth:`_Base._key_for` resolves a *required* key (the
argument, the client's, or an injected session's header) with its fingerprint for every call that
needs one (``/models/user``, and ``/activity`` and ``/generation`` in :mod:`orcatalog.fetch.usage`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

import requests

from ..params import DEFAULT_BASE_URL, check_base_url
from ..cache import DEFAULT_EXPIRE_AFTER, auth_header_value, cached_session, key_fingerprint
from ..http import DEFAULT_MAX_BODY_BYTES, Check, Clock, Decision, Fetched, RetryConfig, Sleep, get_json
from ..redact import redact_url
from ..settings import _Secret, _check_header, _check_key, _check_timeout
from ...errors import InvalidParameterError


class _Base:
    """The client's settings, key and session, and its one GET (the arguments are documented on
    :class:`~orcatalog.fetch.client.Client`).

    Raises:
        InvalidParameterError: a bad setting; nothing is created or sent.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retries: RetryConfig | None = None,
        offline: bool | None = None,
        stale_if_error: bool = False,
        cache_dir: str | os.PathLike[str] | None = None,
        expire_after: timedelta | int | float = DEFAULT_EXPIRE_AFTER,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        http_referer: str | None = None,
        title: str | None = None,
        categories: str | Sequence[str] | None = None,
        progress: bool | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        wall_clock: Clock | None = None,
    ) -> None:
        self.progress = progress
        if any(f is not None and not callable(f) for f in (clock, sleep, wall_clock)):
            raise InvalidParameterError(
                "clock, sleep and wall_clock must be callables: clock() -> seconds, sleep(seconds), wall_clock() -> Unix seconds"
            )
        self._clock: Clock = clock or time.monotonic
        self._sleep: Sleep = sleep or time.sleep
        self._wall_clock: Clock = wall_clock or time.time
        self.base_url = check_base_url(base_url or os.environ.get("ORCATALOG_BASE_URL") or DEFAULT_BASE_URL)
        key = _check_key(api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY") or None)
        self._secret = _Secret(key) if key is not None else None
        if session is not None and not isinstance(session, requests.Session):
            raise InvalidParameterError(f"session must be a requests.Session, got {type(session).__name__}")
        self.timeout = _check_timeout(timeout)
        if retries is not None and not isinstance(retries, RetryConfig):
            raise InvalidParameterError("retries must be an orcatalog.RetryConfig")
        self.retries = retries or RetryConfig()
        self.offline = os.environ.get("ORCATALOG_OFFLINE", "") == "1" if offline is None else bool(offline)
        self.stale_if_error = bool(stale_if_error)
        self._cache_dir = cache_dir
        if isinstance(expire_after, bool) or not isinstance(expire_after, (timedelta, int, float)):
            raise InvalidParameterError("expire_after must be a timedelta or seconds")
        self._expire_after = expire_after
        if type(max_body_bytes) is not int or max_body_bytes < 1:
            raise InvalidParameterError(f"max_body_bytes must be an int >= 1 (bytes), got {max_body_bytes!r}")
        self.max_body_bytes = max_body_bytes
        self.app_headers = {
            k: v
            for k, v in (
                ("HTTP-Referer", _check_header("HTTP-Referer", http_referer)),
                ("X-OpenRouter-Title", _check_header("X-OpenRouter-Title", title)),
                ("X-OpenRouter-Categories", _check_header("X-OpenRouter-Categories", categories)),
            )
            if v is not None
        }
        self._session = session
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        key = f"<set, fingerprint {self._secret.fingerprint}>" if self._secret else "None"
        return (
            f"Client(base_url={redact_url(self.base_url)!r}, api_key={key}, offline={self.offline}, "
            f"timeout={self.timeout}, retries={self.retries})"
        )

    @property
    def has_api_key(self) -> bool:
        """Whether an API key is configured (the key itself is never exposed)."""
        return self._secret is not None

    @property
    def session(self) -> requests.Session:
        """The HTTP session (created on first use when none was injected)."""
        with self._lock:
            if self._session is None:
                self._session = cached_session(self._cache_dir, expire_after=self._expire_after, sleep=self._sleep)
            return self._session

    def _key(self, api_key: str | None) -> str | None:
        """The key a call uses: ``api_key`` (checked) or the client's; None when neither is set."""
        return _check_key(api_key) or (self._secret.value if self._secret else None)

    def _key_for(self, api_key: str | None, what: str) -> tuple[str | None, str]:
        """The key of a call that needs one, and its fingerprint: ``api_key`` (checked), else the
        client's, else the ``Authorization`` header of an injected session (then the key to send is
        None: the session sends its own). The one place a required key is resolved
        (``/models/user``, ``/activity``, ``/generation``).

        Raises:
            InvalidParameterError: no key anywhere, naming ``what`` (before any request).
        """
        key = self._key(api_key)
        if key is not None:
            return key, key_fingerprint(key)
        session_auth = auth_header_value(self._session.headers) if self._session is not None else None
        if session_auth is None:
            raise InvalidParameterError(f"{what} needs an API key: pass api_key= or set OPENROUTER_API_KEY")
        return None, key_fingerprint(session_auth.removeprefix("Bearer ").strip())

    def _headers(self, headers: Mapping[str, str] | None, api_key: str | None = None) -> dict[str, str]:
        out = {"Accept": "application/json", **self.app_headers}
        for name, value in (headers or {}).items():
            if name.lower() == "authorization":
                raise InvalidParameterError("pass the key as api_key=, not as an Authorization header")
            checked = _check_header(name, value)
            if checked is not None:
                out[name] = checked
        if api_key is not None:
            out["Authorization"] = f"Bearer {api_key}"
        return out

    def _get(
        self,
        path: str,
        params: Mapping[str, str] | None,
        *,
        headers: dict[str, str],
        retries: RetryConfig | None,
        refresh: bool,
        check: Check,
        pause: Callable[[Decision], None] | None = None,
    ) -> Fetched:
        """GET ``path`` (or an absolute URL); ``check`` refuses a body before it can be cached;
        ``pause`` waits out a retry (see :func:`~orcatalog.fetch.http.get_json`)."""
        if retries is not None and not isinstance(retries, RetryConfig):
            raise InvalidParameterError("retries must be an orcatalog.RetryConfig")
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        return get_json(
            self.session,
            url,
            params=params,
            headers=headers,
            timeout=self.timeout,
            retry=retries or self.retries,
            offline=self.offline,
            refresh=bool(refresh),
            allow_stale=self.stale_if_error,
            check=check,
            max_body_bytes=self.max_body_bytes,
            clock=self._clock,
            sleep=self._sleep,
            wall_clock=self._wall_clock,
            pause=pause,
        )
