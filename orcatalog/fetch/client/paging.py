"""Following the pages of a list endpoint (``/models``, ``/models/user``) for
:class:`~orcatalog.fetch.client.Client`: every model once, with a progress bar when there are
several pages, flattened into the contract frame with its provenance (:mod:`orcatalog.fetch.pages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from ...scope import is_unfiltered
from ...frames.models import catalog_frame, check_body, list_frame, models_frame
from ..http import Fetched, RetryConfig
from ..pages import _MAX_PAGES, _may_continue, _provenance
from ...progress import bar
from .base import _Base


class _Paging(_Base):
    """The list endpoints' paging, on the client's one GET."""

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
