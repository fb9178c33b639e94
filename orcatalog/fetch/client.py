"""The four models endpoints as DataFrames: the ``Client`` class (the module-level shortcuts on a
default client are :mod:`.shortcuts`, still importable from here).

Flow: check parameters (:mod:`.params`) -> GET JSON (:mod:`.http`) -> flatten (:mod:`orcatalog.frames.models`).
The session is injected (any ``requests.Session``); by default it is a ``requests_cache``
``CachedSession`` on a private SQLite file (:mod:`.cache`), created on first use.

API-key resolution lives here, once: the client reads ``$OPENROUTER_API_KEY`` when it is built,
:meth:`Client._key` picks a call's key, and :meth:`Client._key_for` resolves a *required* key (the
argument, the client's, or an injected session's header) with its fingerprint for every call that
needs one (``/models/user``, and ``/activity`` and ``/generation`` in :mod:`.usage`).

Beside it: the settings' checks and the key holder (:mod:`.settings`), what a body says (its
checks, paging, provenance: :mod:`.pages`). Layer: fetch.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pandas as pd
import requests

from . import params as _params
from .params import DEFAULT_BASE_URL, check_base_url
from ..scope import is_unfiltered, scope_of
from .cache import DEFAULT_EXPIRE_AFTER, auth_header_value, cached_session, key_fingerprint
from ..frames.models import catalog_frame, check_body, list_frame, models_frame
from .http import DEFAULT_MAX_BODY_BYTES, Check, Clock, Decision, Fetched, RetryConfig, Sleep, get_json
from .pages import _MAX_PAGES, ListBody, _count, _may_continue, _model_frame, _provenance
from .redact import redact_url
from .settings import _Secret, _check_header, _check_key, _check_timeout
from ..progress import bar
from ..errors import InvalidParameterError

__all__ = ["Client", "ListBody", "DEFAULT_BASE_URL"]


class Client:
    """Holds the settings for talking to the OpenRouter models API and offers its four operations.

    Args:
        base_url: API root; default ``$ORCATALOG_BASE_URL`` or ``https://openrouter.ai/api/v1``
            (in-region: ``https://eu.openrouter.ai/api/v1``, ``https://us.openrouter.ai/api/v1``;
            offline: the URL printed by ``orcatalog replay``). Never with ``user:password@``:
            pass the key as ``api_key``.
        api_key: OpenRouter key, needed only by :meth:`fetch_user_models`; default
            ``$OPENROUTER_API_KEY``. Never shown in reprs, errors, logs or the cache.
        session: any ``requests.Session``. Default: a ``requests_cache.CachedSession`` on
            ``<cache_dir>/http_cache.sqlite``, created on first use. A cached session that is to
            carry a key must come from :func:`orcatalog.fetch.cache.cached_session` (others would
            share ``/models/user`` answers between keys and are refused for keyed requests).
        timeout: seconds, or ``(connect, read)`` seconds; always set (default ``(10, 60)``).
        retries: a :class:`RetryConfig` (attempts, backoff, max wait, overall deadline, statuses).
        offline: serve only from the cache (default ``$ORCATALOG_OFFLINE == "1"``); a miss raises
            :class:`NotInCacheError`.
        stale_if_error: when a refresh fails, return the expired cached copy instead of raising;
            the frame's ``attrs["stale"]`` is then True and ``attrs["fetched_at"]`` tells its age.
        cache_dir: folder of the default cache; default ``$ORCATALOG_CACHE_DIR`` or ``~/.cache/orcatalog``.
        expire_after: freshness of the default cache (timedelta or seconds); default 5 minutes.
        max_body_bytes: cap on one decoded response body, in bytes (default 64 MiB, about 50
            times the largest real catalog). A bigger body (or a gzip bomb) stops being read there
            and raises :class:`BodyTooLargeError`; it is never cached.
        http_referer, title, categories: the app headers ``HTTP-Referer``, ``X-OpenRouter-Title``
            and ``X-OpenRouter-Categories`` (a list or comma-separated string).
        progress: show a progress bar (on stderr) while following several pages: True/False, or
            None (default) for only on a terminal or in a notebook.
        clock, sleep: how the retry loop reads time (a monotonic clock, seconds) and waits
            (seconds); default ``time.monotonic`` and ``time.sleep``. Tests pass a fake pair so
            that a ``Retry-After`` or a backoff costs no real time. The default cache waits on the
            same ``sleep`` while its file is busy (:func:`orcatalog.fetch.cache.cached_session`).
        wall_clock: the time of day in Unix seconds, read only to turn a ``Retry-After`` HTTP date
            into a wait; default ``time.time``.

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

    # -- plumbing ---------------------------------------------------------------------------

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

    def _collect(
        self,
        path: str,
        query: dict[str, str],
        page: int | None,
        *,
        headers: dict[str, str],
        retries: RetryConfig | None,
        refresh: bool,
    ) -> tuple[list[dict[str, Any]], list[Fetched], int | None]:
        """Every model of a list endpoint, following pages; no duplicate ids. The first page of an
        unfiltered ``/models`` that lists nothing is refused before it can be cached
        (:func:`orcatalog.frames.models.refuse_empty_catalog`); a filtered list may be empty."""
        params = dict(query)
        if page is not None:
            params.update(offset="0", limit=str(page))
        first = catalog_frame if is_unfiltered(path, query) else list_frame  # an empty catalog is a failed fetch
        fetched = [self._get(path, params, headers=headers, retries=retries, refresh=refresh, check=first)]
        models: list[dict[str, Any]] = []
        seen: set[Any] = set()  # ids as sent; check_body vouches for their type
        total: int | None = None
        pages: Any = None  # a progress bar, once there is more than one page
        while True:
            last = fetched[-1]
            data = check_body(last.body, url=last.url)
            count = last.body.get("total_count")
            if isinstance(count, int) and not isinstance(count, bool):
                total = count
            if not seen and not _may_continue(last.body):
                models = data  # the usual case: one full body (models_frame checks its ids)
                break
            new = [m for m in data if isinstance(m, dict) and m.get("id") not in seen]
            seen.update(m.get("id") for m in new)
            models.extend(new)
            next_params = self._next_page(last.body, params, len(models), total, added=len(new))
            if next_params is None or len(fetched) >= _MAX_PAGES:
                break
            params = next_params
            if pages is None:
                pages = bar(desc=f"GET {path}", total=total, unit="model", show=self.progress)
                pages.update(len(models))
            fetched.append(self._get(path, params, headers=headers, retries=retries, refresh=refresh, check=list_frame))
            pages.update(len(check_body(fetched[-1].body, url=fetched[-1].url)))
        if pages is not None:
            pages.close()
        return models, fetched, total

    def _list(self, path: str, query: dict[str, str], page: int | None, **options: Any) -> pd.DataFrame:
        """:meth:`_collect` (same options), flattened into the contract frame with provenance."""
        models, fetched, total = self._collect(path, query, page, **options)
        frame = fetched[0].checked if len(fetched) == 1 else models_frame(models, url=fetched[0].url)
        _provenance(frame, fetched, path, query, total, self.base_url)
        return frame

    def fetch_body(
        self, *, user: bool = False, api_key: str | None = None, refresh: bool = True, **filters: Any
    ) -> ListBody:
        """The raw list body (pages merged into one ``data``) and its provenance, e.g. for
        :meth:`orcatalog.SnapshotStore.snapshot`. Fetching never writes anything.

        Args:
            user: ``GET /models/user`` (the key's own list) instead of ``/models``.
            api_key: the key for ``user=True`` (default the client's).
            refresh: bypass the cache (default True: a snapshot is a fresh observation).
            filters: as :meth:`fetch_models`.

        Returns:
            A :class:`ListBody`: the body and its provenance.

        Raises:
            InvalidParameterError: a bad filter, or ``user=True`` without a key (before any request).
            Any fetch error of :meth:`fetch_models`.
        """
        path = "/models/user" if user else "/models"
        query = _params.list_query(filters)
        key, fingerprint = self._key_for(api_key, "a /models/user snapshot") if user else (None, None)
        headers = self._headers(None, key)
        models, fetched, total = self._collect(path, query, None, headers=headers, retries=None, refresh=refresh)
        if len(fetched) > 1:  # each page passed the contract; the merged list must too (ids across pages)
            models_frame(models, url=fetched[0].url)
        first = fetched[0].body
        body = {k: v for k, v in first.items() if k not in ("data", "links")} if len(fetched) > 1 else dict(first)
        body["data"] = models
        return ListBody(
            body=body,
            fetched_at=min(f.fetched_at for f in fetched),
            endpoint=path,
            params=query,
            url=fetched[0].url,
            from_cache=all(f.from_cache for f in fetched),
            key_fingerprint=fingerprint,
            scope=scope_of(self.base_url, path, query, fingerprint),
        )

    @staticmethod
    def _next_page(
        body: Mapping[str, Any], params: dict[str, str], have: int, total: int | None, *, added: int
    ) -> dict[str, str] | None:
        if added == 0:
            return None  # a page with nothing new: stop rather than loop
        links = body.get("links")
        nxt = links.get("next") if isinstance(links, dict) else None
        if isinstance(nxt, str) and nxt:
            given = dict(parse_qsl(urlsplit(nxt).query))
            offset = given.get("offset")
            if offset is not None and offset.isdigit():
                limit = given.get("limit") or params.get("limit") or str(max(added, 1))
                return {**params, "offset": offset, "limit": limit}
        if total is not None and have < total:
            limit = params.get("limit") or str(max(added, 1))
            return {**params, "offset": str(have), "limit": limit}
        return None

    # -- the four operations ----------------------------------------------------------------

    @_params.with_filter_parameters
    def fetch_models(
        self,
        *,
        page_size: int | None = None,
        retries: RetryConfig | None = None,
        refresh: bool = False,
        headers: Mapping[str, str] | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """``GET /models``: the catalog (by default all of it) as the contract frame.

        Filters (all optional; lists may also be given as comma-separated strings):
            category (str), supported_parameters (list[str]), output_modalities (list[str] or
            "all"; **default "all"**, where the server's own default "text" hides image, audio and
            embedding models), input_modalities (list[str]), sort (one of ``SORTS``), q (str),
            context (int >= 1, tokens), min_price / max_price (USD per million prompt tokens),
            min_output_price / max_output_price (USD per million completion tokens), arch (str),
            model_authors (list[str]), providers (list[str]), distillable (bool), zdr (True only),
            region ("eu" or "us"), min_age_days / max_age_days (int, days), min/max
            intelligence, coding and agentic index (numbers), min/max tool_success_rate (0..1).
            A price sort ranks by the mean of the prompt and completion prices per token; models
            without such a price (dynamically priced, priced per image or request, or producing an
            output whose price the catalog does not list: :func:`orcatalog.schema.priced_first`)
            come after the priced ones, in either direction.

        Args:
            page_size: ask for pages of this many models (1..1000) instead of one full body;
                pages are followed either way when the server paginates (``links.next``/offset).
            retries: overrides the client's :class:`RetryConfig` for this call.
            refresh: bypass the cache for this call (the fresh answer replaces the entry).
            headers: extra headers for this call (e.g. the app headers).

        Returns:
            One row per model, no duplicate ids; columns per :mod:`orcatalog.schema`. ``attrs``
            holds provenance: ``url``, ``params``, ``fetched_at`` (UTC; original time for cached
            answers), ``from_cache``, ``stale``, ``server_date``, ``pages``, ``total_count``,
            ``scope`` (what the list covers, see :mod:`orcatalog.scope`).

        Raises:
            InvalidParameterError: a bad filter (before any request).
            APIError and subclasses, TransportError, RequestTimeoutError, InvalidResponseError,
            SchemaError (also for an unfiltered catalog that lists no models: a failed fetch, never
            cached), NotInCacheError: see :mod:`orcatalog.errors`.
        """
        query = _params.list_query(filters)
        page = _params.page_size(page_size)
        frame = self._list("/models", query, page, headers=self._headers(headers), retries=retries, refresh=refresh)
        if query.get("sort") in _params.PRICE_SORTS:
            from ..schema import priced_first

            frame = priced_first(frame)  # no per-token price to rank by (Lyria's unlisted audio): after the priced
        return frame

    def fetch_model(
        self,
        model_id: str,
        *,
        retries: RetryConfig | None = None,
        refresh: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """``GET /model/{author}/{slug}``: one model as a one-row contract frame.

        Args:
            model_id: ``author/slug``, ``author/slug:variant`` (e.g. ``openai/gpt-4:free``) or a
                ``~author/slug-latest`` alias (the API resolves it; ``alias_target_slug`` says to what).

        Raises:
            InvalidParameterError: the id is not of that shape (before any request).
            NotFoundError: no such model (also a ``LookupError``).
            Other errors as :meth:`fetch_models`.
        """
        author, slug = _params.model_path(model_id)
        path = f"/model/{quote(author, safe='~')}/{quote(slug, safe=':')}"
        fetched = self._get(
            path, None, headers=self._headers(headers), retries=retries, refresh=refresh, check=_model_frame
        )
        frame = fetched.checked
        _provenance(frame, [fetched], path, {}, None, self.base_url)
        return frame

    def count_models(
        self,
        output_modalities: str | Sequence[str] | None = None,
        *,
        retries: RetryConfig | None = None,
        refresh: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> int:
        """``GET /models/count``: how many models there are.

        Args:
            output_modalities: a modality, a list of them, or "all" (default "all", matching
                :meth:`fetch_models`).

        Returns:
            The count (models).

        Raises:
            InvalidParameterError: a bad modality value; SchemaError: no integer count in the body.
        """
        query = _params.count_query(output_modalities)
        fetched = self._get(
            "/models/count", query, headers=self._headers(headers), retries=retries, refresh=refresh, check=_count
        )
        return int(fetched.checked)

    def fetch_user_models(
        self,
        api_key: str | None = None,
        *,
        page_size: int | None = None,
        retries: RetryConfig | None = None,
        refresh: bool = False,
        headers: Mapping[str, str] | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """``GET /models/user``: the models this API key may use (provider preferences, privacy
        settings and guardrails applied), as the contract frame.

        Cached per key: two keys never share an entry, and the key is never written to the cache.

        Args:
            api_key: the key; default the client's (``$OPENROUTER_API_KEY``).
            page_size, retries, refresh, headers, filters: as :meth:`fetch_models` (the API
                documents only pagination for this endpoint; filters are sent along).

        Raises:
            InvalidParameterError: no API key, or a bad filter (before any request).
            UnauthorizedError: the key was refused (401). Other errors as :meth:`fetch_models`.
        """
        key, fingerprint = self._key_for(api_key, "fetch_user_models")
        query = _params.list_query(filters)
        page = _params.page_size(page_size)
        frame = self._list(
            "/models/user", query, page, headers=self._headers(headers, key), retries=retries, refresh=refresh
        )
        frame.attrs["key_fingerprint"] = fingerprint
        frame.attrs["scope"] = scope_of(self.base_url, "/models/user", query, fingerprint)
        return frame

    # -- providers, endpoints and usage: thin methods over the one implementation of each, which
    # takes ``client=`` (the module functions), so ``client.fetch_endpoints(...)`` and
    # ``orcatalog.fetch_endpoints(..., client=client)`` are the same call

    def fetch_endpoints(self, model_id: str | None = None, **options: Any) -> pd.DataFrame:
        """Which providers serve a model: :func:`orcatalog.fetch_endpoints` with this client
        (``models=``, ``zdr=``, ``concurrency=``, ``refresh=``, ``retries=``, ``progress=`` as there).

        Returns:
            One row per endpoint (the endpoints contract). Raises as :func:`orcatalog.fetch_endpoints`.
        """
        from .endpoints import fetch_endpoints

        return fetch_endpoints(model_id, client=self, **options)

    def fetch_providers(self, **options: Any) -> pd.DataFrame:
        """``GET /providers``: :func:`orcatalog.fetch_providers` with this client (``refresh=``,
        ``retries=`` as there).

        Returns:
            One row per provider. Raises as :func:`orcatalog.fetch_providers`.
        """
        from .endpoints import fetch_providers

        return fetch_providers(client=self, **options)

    def fetch_activity(self, date: Any = None, **options: Any) -> pd.DataFrame:
        """``GET /activity``: :func:`orcatalog.fetch_activity` with this client (``api_key_hash=``,
        ``api_key=`` (a management key), ``refresh=``, ``retries=`` as there).

        Returns:
            One row per date, model and endpoint. Raises as :func:`orcatalog.fetch_activity`.
        """
        from .usage import fetch_activity

        return fetch_activity(date, client=self, **options)


#: The module-level shortcuts, in :mod:`.shortcuts`; still importable from here.
_SHORTCUTS = ("default_client", "fetch_models", "fetch_model", "count_models", "fetch_user_models")


def __getattr__(name: str) -> Any:
    if name in _SHORTCUTS:
        from . import shortcuts

        return getattr(shortcuts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
