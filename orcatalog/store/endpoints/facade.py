"""The endpoint and provider methods of :class:`orcatalog.SnapshotStore` (:class:`EndpointHistory`,
a mixin): arguments checked, then :class:`~orcatalog.store.endpoints.EndpointStore` at work."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import orjson
import pandas as pd

from ...errors import (
    InvalidParameterError,
)
from ...frames.providers import providers_frame
from ..intake import answered_base_url, given_time, utc
from ..refusals import refuse_future
from .files import _check_endpoint, _kind, read_endpoint_files
from .schema import PROVIDERS_PATH, ZDR_PATH, EndpointBody
from .writer import EndpointStore


class EndpointHistory:
    """The endpoint and provider methods of :class:`orcatalog.SnapshotStore` (a mixin: the store
    keeps one class, this module keeps the rules)."""

    root: str
    layout: str
    auto_compact: int | None
    _delta: Any
    _layout_asked: str

    def _endpoints(self) -> EndpointStore:
        """The endpoint tables of this store (Delta layout only).

        Raises:
            StoreError: a parquet-layout store (names ``orcatalog migrate``).
        """
        from ...errors import StoreError

        if self._delta is None and self._layout_asked == "auto" and _empty_parquet(self):
            self._use_delta()
        if self._delta is None:
            raise StoreError(
                f"the store at {self.root} uses the parquet layout, and endpoint and provider history "
                f"needs the Delta layout: copy it with `orcatalog migrate {self.root} NEW` and record into NEW"
            )
        cached = getattr(self, "_endpoint_store", None)
        if cached is None:
            from ... import __version__

            cached = EndpointStore(self._delta.layout, self.auto_compact, __version__)
            self._endpoint_store = cached
        return cached

    def _use_delta(self) -> None:
        from ..delta import DeltaLayout, DeltaStore

        files = self._layout  # type: ignore[attr-defined]
        delta = DeltaLayout(self.root, files, self._storage_options, self._waits)  # type: ignore[attr-defined]
        from ... import __version__

        self._delta = DeltaStore(delta, self.auto_compact, __version__)
        self.layout = "delta"

    def snapshot_endpoints(
        self,
        model_id: str | None = None,
        *,
        models: Any = None,
        zdr: bool = False,
        client: Any = None,
        concurrency: int | None = None,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Fetch the endpoints of one model (or of ``models``, on a bounded pool) and record them:
        one snapshot per model body, in the model's own scope (``/models/{author}/{slug}/endpoints``);
        or, with ``zdr=True``, ``GET /endpoints/zdr`` as one snapshot in its own scope
        (``/endpoints/zdr``, an endpoints snapshot even when the list is empty).

        Args:
            model_id: ``author/slug``.
            models: a models frame (its ``id`` column) or a list of ids (instead of ``model_id``).
            zdr: record every zero-data-retention endpoint instead (one request).
            client: an :class:`orcatalog.Client` (default the environment-configured one).
            concurrency: requests in flight for ``models`` (default
                :data:`orcatalog.fetch.endpoints.DEFAULT_CONCURRENCY`).
            refresh: bypass the HTTP cache.
            progress: progress bar for ``models``.

        Returns:
            The endpoints frame as ``fetch_endpoints(models=...)`` gives it (an ``error`` row per
            model that could not be fetched: nothing is recorded for it), or as
            ``fetch_endpoints(model_id)`` / ``fetch_endpoints(zdr=True)`` give it;
            ``attrs["snapshot_ids"]`` holds the recorded snapshot ids.

        Raises:
            InvalidParameterError (before any request); with ``model_id`` or ``zdr``, the fetch
            error (NotFoundError...), nothing written; SchemaError; StoreError (parquet layout: run
            ``orcatalog migrate``); StoreWriteError; SnapshotConflictError.
        """
        from ...fetch.endpoints import DEFAULT_CONCURRENCY, _client, _model_ids, _provenance, fetch_many, many_frame
        from ...frames.endpoints import endpoints_body_frame

        if zdr not in (True, False):
            raise InvalidParameterError(f"zdr must be True or False, got {zdr!r}")
        if [model_id is not None, models is not None, zdr].count(True) != 1:
            raise InvalidParameterError("give exactly one of model_id, models= or zdr=True")
        store = self._endpoints()
        c = _client(client)
        if zdr:
            one = c._get(
                ZDR_PATH, None, headers=c._headers(None), retries=None, refresh=refresh, check=endpoints_body_frame
            )
            when = pd.Timestamp(one.fetched_at).tz_convert("UTC")
            kind = _kind(one.body, one.url, ZDR_PATH)
            written = store.write([EndpointBody(one.url, when, one.body, kind, c.base_url, endpoint=ZDR_PATH)])
            frame: pd.DataFrame = one.checked
            _provenance(frame, [one], c.base_url, ZDR_PATH)
            frame.attrs["url"] = one.url
            frame.attrs["snapshot_ids"] = written
            return frame
        ids = _model_ids([model_id] if model_id is not None else models)
        fetched, failed = fetch_many(
            c, ids, concurrency=concurrency or DEFAULT_CONCURRENCY, refresh=refresh, progress=progress
        )
        if model_id is not None and failed:
            raise next(iter(failed.values()))
        items = [
            EndpointBody(f.url, pd.Timestamp(f.fetched_at).tz_convert("UTC"), f.body, "endpoints", c.base_url)
            for f in (fetched[i] for i in ids if i in fetched)
        ]
        written = store.write(items)
        frame = many_frame(fetched, failed, ids)
        if model_id is not None:
            frame = frame.drop(columns=["error"])
        frame.attrs["snapshot_ids"] = written
        return frame

    def snapshot_providers(self, client: Any = None, *, refresh: bool = False) -> pd.DataFrame:
        """Fetch ``GET /providers`` and record it (scope ``/providers``).

        Returns:
            The providers frame as ``fetch_providers`` gives it; ``attrs["snapshot_id"]``.

        Raises:
            Fetch errors as ``fetch_providers``; StoreError (parquet layout); StoreWriteError.
        """
        from ...fetch.endpoints import _client

        store = self._endpoints()
        c = _client(client)
        one = c._get("/providers", None, headers=c._headers(None), retries=None, refresh=refresh, check=providers_frame)
        when = pd.Timestamp(one.fetched_at).tz_convert("UTC")
        written = store.write([EndpointBody(one.url, when, one.body, "providers", c.base_url, endpoint=PROVIDERS_PATH)])
        frame: pd.DataFrame = one.checked
        frame.attrs["snapshot_id"] = written[0]
        return frame

    def import_endpoints(
        self,
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        *,
        fetched_at: Any = None,
        base_url: str | None = None,
        endpoint: str | None = None,
    ) -> list[str]:
        """Backfill recorded ``/models/{author}/{slug}/endpoints``, ``/endpoints/zdr`` and
        ``/providers`` bodies (``.json``, ``.json.gz``, tar archives, folders; ``models-count``
        files are skipped), dated by ``fetched_at`` (one body; a file name whose time contradicts
        it gets an :class:`~orcatalog.errors.OrcatalogWarning` naming both) or by the time in their
        names; a file that is no such body is refused as such before its time is asked for.
        Importing the same body at the same time again is a no-op.

        Which endpoint a body came from is declared by its name (``endpoints-<author>--<slug>-<time>``,
        ``endpoints-zdr-<time>``, ``providers-<time>``) or by ``endpoint`` (``"/endpoints/zdr"``,
        ``"/providers"`` or a model's ``"/models/{author}/{slug}/endpoints"``), and checked against
        the body; an undeclared body is told by its shape, except an empty list (``{"data": []}``
        answers both ``/endpoints/zdr`` and ``/providers``), which is refused.

        Returns:
            The snapshot ids, in the order read.

        Raises:
            InvalidParameterError: a body without a time, a bad ``endpoint``, an empty body of no
            declared endpoint (nothing written); SchemaError (also a body that is not what was
            declared; nothing written); SnapshotConflictError: two different bodies of one scope
            and time; StoreError (parquet layout); FileNotFoundError; StoreWriteError.
        """
        items = read_endpoint_files(paths, fetched_at, answered_base_url(base_url), endpoint)
        refuse_future(items, named=fetched_at is None)  # a typo'd year would be every series' latest
        return self._endpoints().write(items)

    def import_endpoint_bodies(
        self,
        bodies: Iterable[tuple[Any, Any]],
        *,
        base_url: str | None = None,
        endpoint: str | None = None,
        now: Any = None,
    ) -> list[str]:
        """Record endpoints or providers bodies held in memory: ``(fetched_at, body)`` pairs, body as
        dict, str or bytes, as one write; ``endpoint`` declares where every one came from (as in
        :meth:`import_endpoints`; undeclared, the kind is told by the shape and an empty list is refused).
        ``now``: the clock a time after which is refused (default the real one; tests and benches
        that write synthetic years inject it).

        Returns:
            The snapshot ids in the order given. Raises as :meth:`import_endpoints`, and
            InvalidParameterError for a time after ``now``.
        """
        _check_endpoint(endpoint)
        base_url = answered_base_url(base_url)
        items = []
        for i, (when, body) in enumerate(bodies):
            parsed = orjson.loads(body) if isinstance(body, (bytes, str)) else body
            kind = _kind(parsed, f"body #{i}", endpoint)
            at, precision = given_time(when)
            items.append(EndpointBody(f"body #{i}", at, parsed, kind, base_url, precision, endpoint=endpoint))
        refuse_future(items, now)
        return self._endpoints().write(items)

    def endpoint_history(
        self,
        model: str | Iterable[str] | None = None,
        provider: str | Iterable[str] | None = None,
        *,
        start: Any = None,
        end: Any = None,
        columns: str | Iterable[str] | None = None,
        base_url: str | None = None,
    ) -> pd.DataFrame:
        """Endpoint prices and statistics over time: one row per (endpoint snapshot, endpoint).

        Args:
            model: model id(s) to keep (default all).
            provider: provider name(s) or tag(s) to keep, case-insensitive (``"Amazon Bedrock"``
                or ``"amazon-bedrock/eu-west-1"``). Bodies of the 2025 shape have no tag (``tag``
                is null there) and are matched by provider: a tag asked for also keeps the tag-less
                rows of its model whose ``provider_name`` is that tag's (``"google-vertex"`` keeps
                the ``Google`` rows recorded before tags), so one endpoint is one series across
                the change.
            start, end: keep snapshots fetched in [start, end] (UTC unless stated).
            columns: the columns to read (default all); ``fetched_at``, ``model_id``,
                ``provider_name`` and ``tag`` are always there. Fewer columns read faster.
            base_url: the API the bodies came from: one source's series, never two mixed (a
                replay server's bodies beside the API's). Default: the public API when the store
                holds endpoints of the models asked from it, else the source of the newest of their
                snapshots (:func:`orcatalog.scope.default_source`); a model asked that is held only
                from another source is named in an ``OrcatalogWarning``.

        Returns:
            Sorted by ``model_id``, ``tag`` (null first), ``fetched_at``: ``fetched_at`` (UTC), ``model_id``,
            ``provider_name``, ``tag``, ``quantization``, ``context_length``
            (tokens), ``status``, ``discount``, prices in USD per million tokens
            (``*_usd_per_mtok``, effective after the discount) and ``price_<key>`` (USD per token,
            request, image or search: the known keys always, then every other key the endpoints
            list, e.g. ``price_input_cache_write_1h``, null where a snapshot does not list it),
            ``uptime_last_5m/30m/1d`` (percent), ``latency_p50..p99``
            (milliseconds, time to first token), ``throughput_p50..p99`` (tokens per second).
            Empty when nothing matches.

        Raises:
            InvalidParameterError: bad times or names, or a column the rows do not have (the
                message names the closest); SnapshotNotFoundError (no store there);
            StoreError (parquet layout).

        Warns:
            UnknownModelWarning: a ``model`` no endpoints snapshot holds (the message suggests
                the closest id); the answer has no rows for it.
            StoreDamageWarning: an endpoint template is missing or damaged: the prices beyond
                the known keys of its rows stay null (the rest of the row is read as stored).
        """
        from ..queries import names

        models = names("model", model) if model is not None else None
        providers = names("provider", provider) if provider is not None else None
        wanted = list(dict.fromkeys(names("columns", columns))) if columns is not None else None  # each once
        start = utc(start, "start") if start is not None else None
        end = utc(end, "end", end=True) if end is not None else None  # a date-only end: through that day
        if start is not None and end is not None and start > end:  # an empty answer would not say why (trial)
            raise InvalidParameterError(
                f"start={start:%Y-%m-%d %H:%M} is after end={end:%Y-%m-%d %H:%M}: give a start= on or before the end="
            )
        source = _source(base_url)
        self._require()  # type: ignore[attr-defined]
        scopes = self._scopes("endpoints", source, models)
        out = self._endpoints().history(models, providers, start, end, wanted, scopes)
        if models and scopes is not None:  # a model held only from another source: said, never an empty answer
            self._warn_other_sources(models, set(out["model_id"].astype(str)), scopes)
        if models:  # a model no endpoints snapshot holds: a warning with the suggestion, never silent
            from ..messages import warn_unknown_models

            warn_unknown_models(
                models,
                out["model_id"].unique(),
                lambda: self._endpoints().history(None, None, None, None, [])["model_id"].unique(),
                f"the endpoints snapshots of {self.root}",  # type: ignore[attr-defined]
            )
        if providers:  # a provider none of these endpoints has: a warning with the suggestion (trial)
            self._warn_unknown_providers(models, providers, out)
        return out

    def _warn_unknown_providers(self, models: list[str] | None, providers: list[str], out: pd.DataFrame) -> None:
        """Warn about the ``providers`` asked for that match no row of the answer and no endpoint
        the store holds of ``models`` (by name or tag, case-insensitive), with the closest name."""
        import warnings

        from ...errors import OrcatalogWarning
        from ...suggest import did_you_mean

        def named(frame: pd.DataFrame) -> set[str]:
            return {str(v).lower() for c in ("provider_name", "tag") for v in frame[c].dropna().unique()}

        seen = named(out)
        missing = [p for p in providers if p.lower() not in seen]
        if not missing:
            return
        held = self._endpoints().history(models, None, None, None, [])
        known = sorted({str(v) for c in ("provider_name", "tag") for v in held[c].dropna().unique()})
        unknown = [p for p in missing if p.lower() not in {k.lower() for k in known}]
        if unknown:
            warnings.warn(
                f"orcatalog: no endpoint from provider {unknown[0]!r} in the endpoints snapshots of "
                f"{self.root}{did_you_mean(unknown[0], known)}: the answer has no rows for it",  # type: ignore[attr-defined]
                OrcatalogWarning,
                stacklevel=3,
            )

    def endpoint_snapshots(self) -> pd.DataFrame:
        """The recorded endpoints and providers snapshots, oldest first: ``snapshot_id`` (for
        :meth:`raw`), ``fetched_at`` (UTC), ``kind`` (``endpoints`` or ``providers``), ``scope``,
        ``model_id`` (null for ``/endpoints/zdr`` and providers), ``base_url``, ``endpoint``,
        ``source``, ``time_precision``, ``n_items`` (endpoints or providers in the body),
        ``content_hash`` (SHA-256 prefix of the body's JSON), ``orcatalog_version``.

        Raises:
            SnapshotNotFoundError (no store there); StoreError (parquet layout).
        """
        self._require()  # type: ignore[attr-defined]
        return self._endpoints().snapshots()

    def providers_history(self, *, base_url: str | None = None) -> pd.DataFrame:
        """Every recorded ``/providers`` snapshot of one source: one row per (snapshot, provider),
        the providers contract with ``fetched_at`` (UTC) and ``snapshot_id`` first.

        Args:
            base_url: the API the bodies came from, as in :meth:`endpoint_history` (default: the
                public API when the store holds providers from it, else the newest snapshot's).

        Raises:
            InvalidParameterError (a bad ``base_url``); SnapshotNotFoundError (no store there);
            StoreError (parquet layout).
        """
        source = _source(base_url)
        self._require()  # type: ignore[attr-defined]
        return self._endpoints().providers_history(self._scopes("providers", source))

    def _scopes(self, kind: str, source: str | None, models: list[str] | None = None) -> list[str] | None:
        """The scopes of ``kind`` snapshots from ``source`` (:func:`orcatalog.scope.source_of`;
        None: the default one, chosen among the snapshots of ``models`` and zdr ones when models are
        named); None when that is every one of them (nothing to filter)."""
        from ...scope import default_source, scope_source

        m = self._endpoints().manifest()
        mine = m["kind"] == kind
        if models and source is None:  # the default of the models asked: one held only from a replay server answers
            asked = mine & (m["model_id"].isin(models) | m["model_id"].isna())
            if asked.any():
                want = default_source(m.loc[asked, "scope"].astype(str))
                source = want
        scopes = m.loc[mine, "scope"].astype(str)
        want = default_source(scopes) if source is None else source
        keep = scopes.map(scope_source) == want
        return None if keep.all() else sorted(set(scopes[keep]))

    def _warn_other_sources(self, models: list[str], answered: set[str], scopes: list[str]) -> None:
        """Warn of each model asked that has no rows from the source read but is held from another
        (a replay server's, say), naming it and ``base_url=``."""
        import warnings

        from ...errors import OrcatalogWarning
        from ...scope import scope_source

        m = self._endpoints().manifest()
        for model in dict.fromkeys(models):
            if model in answered:
                continue
            other = m.loc[(m["kind"] == "endpoints") & (m["model_id"] == model) & ~m["scope"].isin(scopes), "scope"]
            sources = sorted({scope_source(s) or "the public API" for s in other.astype(str)})
            if sources:
                warnings.warn(
                    f"orcatalog: the endpoints of {model!r} are held only from {', '.join(sources)}, not from the "
                    "source read: pass base_url= to read them",
                    OrcatalogWarning,
                    stacklevel=3,
                )


def _empty_parquet(store: Any) -> bool:
    """A local store folder with no data yet (a new store may still take the Delta layout)."""
    from ..layout import FOLDERS

    files = store._layout
    if not files.local:
        return False
    try:
        return not any(n in FOLDERS for n in os.listdir(files.base))
    except FileNotFoundError:
        return True


def _source(base_url: Any) -> str | None:
    """The source a ``base_url=`` names (:func:`orcatalog.scope.source_of`), None for none given.

    Raises:
        InvalidParameterError: not an http(s) URL.
    """
    if base_url is None:
        return None
    from urllib.parse import urlsplit

    from ...scope import source_of

    if (
        not isinstance(base_url, str)
        or urlsplit(base_url).scheme not in ("http", "https")
        or not urlsplit(base_url).hostname
    ):
        raise InvalidParameterError(
            f"base_url must be an http(s) URL such as 'https://openrouter.ai/api/v1', got {base_url!r}"
        )
    return source_of(base_url)
