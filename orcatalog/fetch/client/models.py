"""The four models operations of :class:`~orcatalog.fetch.client.Client`: ``/models``
(:meth:`fetch_models`, and :meth:`fetch_body` for a snapshot's raw body), ``/model/{id}``,
``/models/count`` and ``/models/user``. Flow: check parameters (:mod:`orcatalog.fetch.params`) ->
GET JSON (:mod:`.base`, pages: :mod:`.paging`) -> flatten (:mod:`orcatalog.frames.models`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd

from .. import params as _params
from ...scope import scope_of
from ...frames.models import models_frame
from ..http import RetryConfig
from ..pages import ListBody, _count, _model_frame, _provenance
from .paging import _Paging


class _Models(_Paging):
    """``/models``, ``/model/{id}``, ``/models/count`` and ``/models/user`` as DataFrames."""

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
            from ...schema import priced_first

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
