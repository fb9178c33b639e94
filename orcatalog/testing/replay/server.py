"""The replay server itself: :class:`ReplayServer` (what it loads, its lifecycle on a background
thread, the faults queued and the requests logged; its answers are :mod:`.answers`) and
:func:`serve_forever` (the foreground run behind ``orcatalog replay``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ...fetch.cache import key_fingerprint
from ...frames.models import body_kind
from .answers import _Answers
from .faults import Fault
from .handler import API_PREFIX, _Handler, _Server
from .recorded import (
    SAMPLE,
    SAMPLE_ACTIVITY,
    SAMPLE_DIR,
    _activity_rows,
    _Body,
    _endpoint_bodies,
    _kind,
    _parse,
    _providers_body,
    load_bodies,
)


class ReplayServer(_Answers):
    """Serve recorded bodies on ``http://127.0.0.1:<port>/api/v1`` from a background thread.

    Args:
        source: a body file (``.json``/``.json.gz``), a tar archive, a folder, a payload (dict or
            bytes) or a list of these (see :func:`load_bodies`); None (the default) or ``"sample"``:
            the packaged sample catalog (:func:`sample_path`).
        keys: API keys accepted by ``/models/user``: key -> the ids that key may see (None: all).
        aliases: alias id -> concrete id, for ``GET /model/~author/...`` (the response carries
            ``alias_target`` like the real API).
        port: 0 picks a free port.
        endpoints: recorded ``/models/{author}/{slug}/endpoints`` bodies (a file, folder or list, as
            for ``source``) answering the ``links.details`` routes, and ``providers-*`` bodies
            answering ``/providers``; the sample's by default when serving the sample. Other
            models get the API's 404.
        activity: a recorded ``/activity`` body (file or payload) for ``GET /activity``; default the
            sample's when serving the sample, else the spec's example (:func:`.fixtures.spec_activity_body`).
        management_keys: keys accepted by ``/activity`` (the ``keys`` get 403 there, as inference keys do).
        spec_endpoints: answer the endpoints route of every catalog model without a recording
            with a spec-shaped fixture (:func:`.fixtures.spec_endpoints_body`: many providers,
            deterministic, marked by the ``X-Replay-Fixture`` header). Off by default.
        fill_required: fill the fields the OpenAPI spec requires of a model and a body lacks, so a
            client generated from the spec accepts it: nullable ones as null, ``links`` derived
            from ``canonical_slug`` as the API does; nothing invented (a field that is neither
            stays absent). Off by default: models are served as recorded.

    Every list reply (``/models``, ``/models/user``) is the spec's envelope ``{"data": [...],
    "total_count": N, "links": {"next": ...}}`` with each model's recorded bytes inside, unchanged.
    Parameters it cannot apply (see :func:`unanswerable`, and filters on a field the body lacks)
    are left out and named in the ``X-Replay-Ignored`` response header; an unknown ``sort``,
    ``category`` or ``output_modalities`` value gets the API's 400.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        source: Any = None,
        *,
        keys: Mapping[str, Iterable[str] | None] | None = None,
        aliases: Mapping[str, str] | None = None,
        port: int = 0,
        endpoints: Any = None,
        fill_required: bool = False,
        spec_endpoints: bool = False,
        activity: Any = None,
        management_keys: Iterable[str] = (),
    ) -> None:
        if source is None or (isinstance(source, str) and source == "sample"):
            source = SAMPLE
            endpoints = SAMPLE_DIR / "endpoints" if endpoints is None else endpoints
            activity = SAMPLE_ACTIVITY if activity is None and SAMPLE_ACTIVITY.exists() else activity
        self._activity = _activity_rows(activity)
        self._management_keys = set(management_keys)
        self._spec_endpoints = bool(spec_endpoints)
        self._fixtures: dict[str, dict[str, Any]] = {}
        self._fill = bool(fill_required)
        loaded = load_bodies(source)
        if not loaded:
            raise ValueError(f"no recorded bodies found in {source!r}")
        # a body of another kind (endpoints, providers, a count, activity) is never served as a
        # catalog: the endpoints and providers among them answer their own routes
        parsed = [(name, raw, _parse(name, raw)) for name, raw in loaded]
        others = [(name, raw) for name, raw, body in parsed if _kind(name, body) is not None]
        catalogs = [_Body(name, raw, body) for name, raw, body in parsed if _kind(name, body) is None]
        if not catalogs:
            held = sorted({kind[1] for _, _, body in parsed if (kind := body_kind(body)) is not None})
            raise ValueError(
                f"no /models catalog among the recorded bodies in {source!r} (it holds {'; '.join(held)}): "
                "put a models-<time>.json.gz beside them"
            )
        extra = load_bodies(endpoints) if endpoints is not None else []
        self._endpoints = {**_endpoint_bodies(others), **_endpoint_bodies(extra)}
        self._providers = _providers_body(extra) or _providers_body(others)
        self._bodies = catalogs
        self._current = len(self._bodies) - 1
        self._keys = {k: (None if v is None else set(v)) for k, v in (keys or {}).items()}
        self._aliases = dict(aliases or {})
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.replay = self
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API root to give ``Client(base_url=...)`` or ``ORCATALOG_BASE_URL``."""
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}{API_PREFIX}"

    @property
    def names(self) -> list[str]:
        """Names of the loaded bodies, in serving order."""
        return [b.name for b in self._bodies]

    def start(self) -> ReplayServer:
        """Start serving in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="orcatalog-replay", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control ------------------------------------------------------------------------------

    def use(self, which: int | str) -> None:
        """Serve another loaded body from now on: by index or by name."""
        with self._lock:
            if isinstance(which, str):
                self._current = self.names.index(which)
            else:
                self._current = range(len(self._bodies))[which]

    def add_fault(self, fault: Fault | None = None, /, **kwargs: Any) -> Fault:
        """Queue a :class:`Fault` (or build one from keyword arguments); faults apply in order."""
        fault = fault or Fault(**kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path) and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _log(self, path: str, query: dict[str, str], headers: dict[str, str], auth: str | None) -> None:
        safe = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        entry = {"path": path, "query": query, "headers": safe}
        if auth:
            entry["key_fingerprint"] = key_fingerprint(auth.removeprefix("Bearer ").strip())
        with self._lock:
            self.requests.append(entry)


def serve_forever(
    source: Any,
    *,
    port: int = 0,
    ready: Any = None,
    keys: Mapping[str, Iterable[str] | None] | None = None,
    fill_required: bool = False,
) -> None:
    """Run a :class:`ReplayServer` in the foreground until interrupted (used by ``orcatalog replay``).

    Args:
        source, port, keys, fill_required: as for :class:`ReplayServer`.
        ready: called with the server once it listens (prints the base URL).
    """
    server = ReplayServer(source, port=port, keys=keys, fill_required=fill_required)
    if ready is not None:
        ready(server)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()
