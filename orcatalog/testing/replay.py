"""A real HTTP server on loopback that replays recorded ``/models`` bodies: test notebooks offline.

    >>> from orcatalog.testing import ReplayServer
    >>> import orcatalog as oc
    >>> with ReplayServer("models-2026-01-15.json.gz") as server:          # a file, folder or payloads
    ...     client = oc.Client(base_url=server.base_url, session=requests.Session())
    ...     df = client.fetch_models(input_modalities=["image"], sort="pricing-low-to-high")

Or from a shell: ``orcatalog replay PATH`` prints a base URL to put in ``ORCATALOG_BASE_URL``.

What it serves, under ``/api/v1`` like the real API:

- ``GET /models``: the spec's envelope (``data``, ``total_count``, ``links.next``) around the
  recorded bytes of each model; filters applied where the body has the data (``q``,
  ``input_modalities``, ``output_modalities`` (default ``text``, as the real server), ``context``,
  ``min_price``/``max_price`` and ``min_output_price``/``max_output_price`` (USD per million
  tokens), ``model_authors``, ``supported_parameters``, ``sort`` by average price, context or
  newest), ``offset``/``limit`` pagination. Parameters it cannot apply from a body (``category``,
  ``providers``, ``zdr``, other sorts, a filter on a field the body lacks) are not applied and
  are named in the ``X-Replay-Ignored`` header; unknown ``sort``/``category``/``output_modalities``
  values get 400 like the API. Logic: :mod:`.listing`.
- ``GET /models/count``, ``GET /model/{author}/{slug}`` (exact ids incl. ``:variant``, ``aliases``
  you declare; 404 otherwise), ``GET /models/{author}/{slug}/endpoints`` (the ``links.details``
  route, from recorded endpoints bodies, or with ``spec_endpoints=True`` spec-shaped fixtures
  (:mod:`.fixtures`) for the other catalog models; 404 otherwise), ``GET /endpoints/zdr`` (the
  endpoints of the newest 2026-shape recording of each model plus the fixtures' ZDR-marked ones;
  recordings do not say which endpoints retain no data, so all of theirs are listed),
  ``GET /providers`` (the newest recorded providers body; 404 without one), ``GET /models/user``
  behind ``Authorization: Bearer <key>`` for the keys you declare (401 otherwise).
- ``GET /activity`` (``date=YYYY-MM-DD`` filter; ``api_key_hash`` named in ``X-Replay-Ignored``)
  behind a management key you declare (401 without a known key, 403 for an inference key, as the
  API), from a recorded activity body or the spec's example; ``GET /generation?id=`` for any
  declared key, a spec-shaped generation (:func:`.fixtures.spec_generation_body`) for one request of
  each activity row, under the ids :meth:`ReplayServer.generation_ids` lists.
- Faults for tests: :meth:`ReplayServer.add_fault` queues statuses, ``Retry-After``, delays,
  truncated, HTML or wrong-type bodies, slow drips and connection resets.

Several bodies (a folder, a list): the newest (last by name) is served; :meth:`ReplayServer.use`
switches to another one.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import orjson

from ..fetch.cache import key_fingerprint
from ..frames import bodies
from ..frames.models import body_kind
from .listing import (
    ANSWERED_FILTERS,
    ANSWERED_SORTS,
    envelope,
    fill_required,
    filter_models,
    invalid,
    lacking,
    model_spans,
    unanswerable,
)

__all__ = [
    "ReplayServer",
    "Fault",
    "load_bodies",
    "filter_models",
    "serve_forever",
    "sample_path",
    "unanswerable",
    "ANSWERED_FILTERS",
    "ANSWERED_SORTS",
    "IGNORED_HEADER",
]

API_PREFIX = "/api/v1"
#: The compact catalog shipped inside the package (made by scripts/derive_test_data.py from a
#: recorded body: every model, id, price, limit and modality kept; descriptions replaced).
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE = SAMPLE_DIR / "models-2026-04-17.json.gz"
#: The compact activity body shipped inside the package (scripts/derive_test_data.py).
SAMPLE_ACTIVITY = SAMPLE_DIR / "activity" / "activity-2026-08-30.json.gz"
#: Response header naming the list parameters the replay server did not apply (comma-separated).
IGNORED_HEADER = "X-Replay-Ignored"


def sample_path() -> Path:
    """The packaged sample catalog (346 models recorded on 2026-04-17), for offline use anywhere.

    ``ReplayServer()`` with no source and ``orcatalog --replay sample`` serve it.
    """
    return SAMPLE


@dataclass
class Fault:
    """One injected misbehaviour, used for the next ``times`` requests whose path starts with ``path``.

    Attributes:
        path: path prefix after ``/api/v1`` (``"/models"`` also matches ``/models/count``).
        status: HTTP status to answer with (default 200 when only the body is faulty).
        body: body bytes or a JSON-able object; default a JSON error body for statuses >= 400.
        content_type: Content-Type to send (default ``application/json``).
        headers: extra headers, e.g. ``{"Retry-After": "2"}``.
        delay: seconds to wait before answering (a read stall); stopping the server ends the wait.
        drip: seconds between single bytes of the body (a slow drip).
        truncate_at: send only this many bytes of the real body, as a complete response.
        reset_after: announce the full length, send this many bytes, then reset the connection.
        times: how many requests this fault applies to.
    """

    path: str = "/models"
    status: int | None = None
    body: Any = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float | None = None
    truncate_at: int | None = None
    reset_after: int | None = None
    times: int = 1


@dataclass
class _Body:
    name: str
    raw: bytes
    parsed: dict[str, Any]
    spans: tuple[bytes, list[bytes]] | None = None  # the recorded bytes of data and of each model


def load_bodies(source: str | Path | Mapping[str, Any] | bytes | Sequence[Any]) -> list[tuple[str, bytes]]:
    """Recorded bodies as ``(name, bytes)``, sorted by name for files and folders.

    Args:
        source: a ``.json``/``.json.gz`` file, a tar archive of them, a folder of them, one payload
            (a dict or bytes), or a list of any of these.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no recorded body at {path}")
        found = [(name.rsplit(":", 1)[-1].rsplit("/", 1)[-1], raw) for name, raw in bodies.read_files([path])]
        return sorted(found) if path.is_dir() or bodies.is_archive_name(path.name) else found
    if isinstance(source, bytes):
        return [("payload-0", source)]
    if isinstance(source, Mapping):
        return [("payload-0", orjson.dumps(source))]
    out: list[tuple[str, bytes]] = []
    for i, item in enumerate(source):
        for name, raw in load_bodies(item):
            out.append((name if isinstance(item, (str, Path)) else f"payload-{i}", raw))
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    #: Headers and body go out in two writes; with Nagle's algorithm on, a keep-alive client then
    #: waits for the delayed ACK (about 40 ms per request on Linux) before the body arrives.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        return

    def do_GET(self) -> None:  # stdlib name
        replay = self.server.replay
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        auth = self.headers.get("Authorization")
        replay._log(parts.path, query, dict(self.headers.items()), auth)
        path = parts.path[len(API_PREFIX) :] if parts.path.startswith(API_PREFIX) else None
        fault = replay._take_fault(path or parts.path)
        if fault is not None and (fault.status is not None and fault.status != 200 or fault.body is not None):
            return self._send_fault(fault)
        if path is None:
            return self._json(404, {"error": {"code": 404, "message": "Not Found"}})
        status, payload, headers = replay._answer(path, query, auth)
        raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        self._send(status, raw, "application/json", fault, headers)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, orjson.dumps(payload), "application/json", None)

    def _send_fault(self, fault: Fault) -> None:
        status = fault.status or 200
        body = fault.body
        if body is None:
            body = {"error": {"code": status, "message": f"injected HTTP {status}"}}
        raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else orjson.dumps(body)
        ctype = fault.content_type or ("text/html" if raw.lstrip().startswith(b"<") else "application/json")
        self._send(status, raw, ctype, fault)

    def _send(
        self, status: int, raw: bytes, ctype: str, fault: Fault | None, headers: Mapping[str, str] | None = None
    ) -> None:
        if fault is not None and fault.delay and self.server.replay._stopping.wait(fault.delay):
            return  # the server stopped during the stall (as a drip's wait, below): nothing to answer
        if fault is not None and fault.truncate_at is not None:
            raw = raw[: fault.truncate_at]
        if fault is not None and fault.content_type:
            ctype = fault.content_type
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        for k, v in {**(headers or {}), **(fault.headers if fault is not None else {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if fault is not None and fault.reset_after is not None:
            self.wfile.write(raw[: fault.reset_after])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault is not None and fault.drip:
            try:
                for i in range(len(raw)):
                    self.wfile.write(raw[i : i + 1])
                    self.wfile.flush()
                    if self.server.replay._stopping.wait(fault.drip):
                        break
            except OSError:
                pass
            self.close_connection = True
            return
        try:
            self.wfile.write(raw)
        except OSError:
            self.close_connection = True


def _kind(name: str, parsed: Any) -> str | None:
    """What a recorded body is (:func:`orcatalog.frames.models.body_kind`, the one rule), or its
    name's word for an empty list (``providers-*``); None for a catalog, an empty list of no
    declared kind, and a payload (a test's deliberately broken body is served as given)."""
    if name.startswith("payload-"):
        return None
    kind = body_kind(parsed)
    if kind is None:
        return "providers" if name.startswith("providers-") else None
    return None if kind[0] == "models" else kind[0]


def _providers_body(found: list[tuple[str, bytes]]) -> bytes | None:
    """The newest recorded ``/providers`` body among ``found`` (by name), or None."""
    bodies_ = sorted((name, raw) for name, raw in found if _kind(name, _parse(name, raw)) == "providers")
    return bodies_[-1][1] if bodies_ else None


def _endpoint_bodies(found: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """Recorded endpoints bodies among ``found`` by model id (the newest recording of each wins)."""
    out: dict[str, bytes] = {}
    for name, raw in sorted(found, key=lambda item: item[0]):
        parsed = _parse(name, raw)
        if _kind(name, parsed) == "endpoints":
            out[parsed["data"]["id"]] = raw
    return out


def _activity_rows(source: Any) -> list[dict[str, Any]]:
    """The rows of an activity body (file or payload); the spec's example when None."""
    if source is None:
        from .fixtures import spec_activity_body

        return spec_activity_body()["data"]
    found = load_bodies(source)
    if len(found) != 1:
        raise ValueError(f"give one activity body, got {len(found)} in {source!r}")
    data = _parse(*found[0])
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"not an activity body (no data list): {source!r}")
    return rows


def _parse(name: str, raw: bytes) -> Any:
    """A recorded body's JSON; payloads (tests' deliberately broken bodies) may be anything."""
    if name.startswith("payload-"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    return bodies.parse(name, raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replay: ReplayServer


class ReplayServer:
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

    # -- answers ------------------------------------------------------------------------------

    def generation_ids(self) -> list[str]:
        """The ids ``GET /generation`` answers: one per activity row, in the activity's order."""
        from .fixtures import generation_id

        return [generation_id(row, i) for i, row in enumerate(self._activity)]

    def _usage(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, Any, dict[str, str]]:
        """``/activity`` and ``/generation``: the API's keys, statuses and messages."""
        key = auth.removeprefix("Bearer ").strip() if auth and auth.startswith("Bearer ") else None
        if key is None:
            return 401, {"error": {"code": 401, "message": "No auth credentials found"}}, {}
        if path == "/activity":
            if key not in self._management_keys:
                if key in self._keys:
                    return (
                        403,
                        {"error": {"code": 403, "message": "Only management keys can perform this operation"}},
                        {},
                    )
                return 401, {"error": {"code": 401, "message": "User not found."}}, {}
            day = query.get("date")
            if day is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}, {}
            rows = [r for r in self._activity if day is None or str(r.get("date", ""))[:10] == day]
            ignored = [k for k in query if k != "date"]
            return 200, {"data": rows}, ({IGNORED_HEADER: ",".join(ignored)} if ignored else {})
        if key not in self._management_keys and key not in self._keys:
            return 401, {"error": {"code": 401, "message": "User not found."}}, {}
        wanted = query.get("id")
        if not wanted:
            return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}, {}
        from .fixtures import spec_generation_body

        for i, gid in enumerate(self.generation_ids()):
            if gid == wanted:
                return 200, spec_generation_body(self._activity[i], i), {"X-Replay-Fixture": "spec-shaped"}
        return 404, {"error": {"code": 404, "message": f"Generation {wanted} not found"}}, {}

    def _answer(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, Any, dict[str, str]]:
        if path in ("/activity", "/generation"):
            return self._usage(path, query, auth)
        body = self._bodies[self._current]
        models = body.parsed.get("data") if isinstance(body.parsed, dict) else None
        if not isinstance(models, list):
            return 200, body.raw, {}  # a deliberately broken payload: replay it as it is
        if path == "/models":
            return self._list(body, models, query, "/models")
        if path == "/models/count":
            count = len(filter_models(models, {"output_modalities": query.get("output_modalities", "text")}))
            return 200, {"data": {"count": count}}, {}
        if path == "/models/user":
            key = auth.removeprefix("Bearer ").strip() if auth and auth.startswith("Bearer ") else None
            if key is None or key not in self._keys:
                message = "No auth credentials found" if key is None else "User not found."
                return 401, {"error": {"code": 401, "message": message}}, {}
            allowed = self._keys[key]
            visible = models if allowed is None else [m for m in models if m.get("id") in allowed]
            return self._list(body, visible, query, "/models/user")
        if path.startswith("/model/"):
            return (*self._one(models, unquote(path[len("/model/") :])), {})
        if path.startswith("/models/") and path.endswith("/endpoints"):
            return self._endpoints_of(models, unquote(path[len("/models/") : -len("/endpoints")]))
        if path == "/endpoints/zdr":
            return 200, {"data": self._zdr(models)}, {}
        if path == "/providers":
            if self._providers is None:
                return 404, {"error": {"code": 404, "message": "No providers body recorded"}}, {}
            return 200, self._providers, {}
        return 404, {"error": {"code": 404, "message": f"No route for {path}"}}, {}

    def _list(
        self, body: _Body, models: list[dict[str, Any]], query: dict[str, str], path: str
    ) -> tuple[int, Any, dict[str, str]]:
        filters = {k: v for k, v in query.items() if k not in ("offset", "limit")}
        problem = invalid(filters)
        if problem is not None:
            return 400, {"error": {"code": 400, "message": problem}}, {}
        ignored = [*unanswerable(filters), *lacking(models, filters)]
        try:
            selected = filter_models(models, filters)
            offset = int(query.get("offset") or 0)
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError as exc:
            return 400, {"error": {"code": 400, "message": f"Invalid request parameters: {exc}"}}, {}
        if offset < 0 or (limit is not None and not 1 <= limit <= 1000):
            return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}, {}
        end = len(selected) if limit is None else offset + limit
        page = selected[offset:end]
        nxt = None
        if end < len(selected):
            nxt = f"{API_PREFIX}{path}?" + urlencode({**filters, "offset": end, "limit": limit or len(page)})
        headers = {IGNORED_HEADER: ",".join(dict.fromkeys(ignored))} if ignored else {}
        return 200, envelope(self._data_bytes(body, models, page), len(selected), nxt), headers

    def _data_bytes(self, body: _Body, models: list[dict[str, Any]], page: list[dict[str, Any]]) -> bytes:
        """The ``data`` array of a reply: recorded bytes (the whole recorded array when nothing is left out)."""
        if body.spans is None and body.parsed.get("data") is models:
            body.spans = model_spans(body.raw)
        spans = body.spans if body.parsed.get("data") is models else None
        filled = [fill_required(m) if self._fill else None for m in page]
        if spans is not None and len(spans[1]) == len(models):
            if len(page) == len(models) and all(a is b for a, b in zip(page, models)) and not any(filled):
                return spans[0]
            position = {id(m): i for i, m in enumerate(models)}
            parts = [orjson.dumps(f) if f is not None else spans[1][position[id(m)]] for m, f in zip(page, filled)]
        else:
            parts = [orjson.dumps(f if f is not None else m) for m, f in zip(page, filled)]
        return b"[" + b",".join(parts) + b"]"

    def _one(self, models: list[dict[str, Any]], model_id: str) -> tuple[int, Any]:
        by_id = {m.get("id"): m for m in models}
        if model_id in by_id:
            model = by_id[model_id]
        elif self._aliases.get(model_id) in by_id:
            target = self._aliases[model_id]
            model = {
                **by_id[target],
                "id": model_id,
                "alias_target": {"slug": target, "name": by_id[target].get("name")},
            }
        else:
            return 404, {"error": {"code": 404, "message": f"Model {model_id} not found"}}
        return 200, {"data": (fill_required(model) or model) if self._fill else model}

    def _endpoints_of(self, models: list[dict[str, Any]], slug: str) -> tuple[int, Any, dict[str, str]]:
        """``links.details``: the recorded endpoints body of the model, by id or canonical slug;
        else a spec-shaped fixture when asked for and the model is in the catalog."""
        ids = {slug} | {m.get("id") for m in models if m.get("canonical_slug") == slug}
        for model_id in ids:
            if model_id in self._endpoints:
                return 200, self._endpoints[model_id], {}
        if self._spec_endpoints:
            model = next((m for m in models if m.get("id") in ids), None)
            if model is not None:
                body = self._fixture(model)
                return (
                    200,
                    {"data": {**body["data"], "endpoints": [_served(e) for e in body["data"]["endpoints"]]}},
                    {"X-Replay-Fixture": "spec-shaped"},
                )
        return 404, {"error": {"code": 404, "message": "Resource not found"}}, {}

    def _fixture(self, model: dict[str, Any]) -> dict[str, Any]:
        from .fixtures import spec_endpoints_body

        with self._lock:
            body = self._fixtures.get(model["id"])
            if body is None:
                body = self._fixtures[model["id"]] = spec_endpoints_body(model)
        return body

    def _zdr(self, models: list[dict[str, Any]]) -> list[Any]:
        """Every endpoint of each model's newest 2026-shape recording, plus ZDR-marked fixture endpoints."""
        out: list[Any] = []
        for raw in self._endpoints.values():
            endpoints = orjson.loads(raw)["data"].get("endpoints") or []
            out.extend(e for e in endpoints if isinstance(e, dict) and "model_id" in e)
        if self._spec_endpoints:
            for model in models:
                if isinstance(model, dict) and isinstance(model.get("id"), str) and model["id"] not in self._endpoints:
                    out.extend(_served(e) for e in self._fixture(model)["data"]["endpoints"] if e.get("_zdr"))
        return out


def _served(endpoint: dict[str, Any]) -> dict[str, Any]:
    """A fixture endpoint as served: without its private ``_zdr`` mark."""
    return {k: v for k, v in endpoint.items() if k != "_zdr"}


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
