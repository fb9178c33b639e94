"""The :class:`Client` class put together: its settings and one GET (:mod:`.base`), paging
(:mod:`.paging`) and the models operations (:mod:`.models`), plus providers, endpoints and activity
as thin methods over their one implementation in :mod:`orcatalog.fetch.endpoints` and
:mod:`orcatalog.fetch.usage`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .models import _Models


class Client(_Models):
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

    # -- providers, endpoints and usage: thin methods over the one implementation of each, which
    # takes ``client=`` (the module functions), so ``client.fetch_endpoints(...)`` and
    # ``orcatalog.fetch_endpoints(..., client=client)`` are the same call

    def fetch_endpoints(self, model_id: str | None = None, **options: Any) -> pd.DataFrame:
        """Which providers serve a model: :func:`orcatalog.fetch_endpoints` with this client
        (``models=``, ``zdr=``, ``concurrency=``, ``refresh=``, ``retries=``, ``progress=`` as there).

        Returns:
            One row per endpoint (the endpoints contract). Raises as :func:`orcatalog.fetch_endpoints`.
        """
        from ..endpoints import fetch_endpoints

        return fetch_endpoints(model_id, client=self, **options)

    def fetch_providers(self, **options: Any) -> pd.DataFrame:
        """``GET /providers``: :func:`orcatalog.fetch_providers` with this client (``refresh=``,
        ``retries=`` as there).

        Returns:
            One row per provider. Raises as :func:`orcatalog.fetch_providers`.
        """
        from ..endpoints import fetch_providers

        return fetch_providers(client=self, **options)

    def fetch_activity(self, date: Any = None, **options: Any) -> pd.DataFrame:
        """``GET /activity``: :func:`orcatalog.fetch_activity` with this client (``api_key_hash=``,
        ``api_key=`` (a management key), ``refresh=``, ``retries=`` as there).

        Returns:
            One row per date, model and endpoint. Raises as :func:`orcatalog.fetch_activity`.
        """
        from ..usage import fetch_activity

        return fetch_activity(date, client=self, **options)
