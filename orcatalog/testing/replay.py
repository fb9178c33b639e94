"""A real HTTP server on loopback that replays recorded ``/models`` bodies: test notebooks offline.

    >>> from orcatalog.testing import ReplayServer
    >>> import orcatalog as oc
    >>> with ReplayServer("models-2026-01-15.json.gz") as server:          # a file, folder or payloads
    ...     client = oc.Client(base_url=server.base_url, session=requests.Session())
    ...     df = client.fetch_models(input_modalities=["image"], sort="pricing-low-to-high")

Or from a shell: ``orcatalog replay PATH`` prints a base URL to put in ``ORCATALOG_BASE_URL``.

What it serves, under ``/api/v1`` like the real API:

- ``GET /models``: filters applied where the body has the data (``q``, ``input_modalities``,
  ``output_modalities`` (default ``text``, as the real server), ``context``, ``min_price``/``max_price``
  and ``min_output_price``/``max_output_price`` (USD per million tokens), ``model_authors``,
  ``supported_parameters``, ``sort`` by price, context or newest), ``offset``/``limit`` pagination
  with ``total_count`` and ``links.next``. Filters it cannot apply from a body (``category``,
  ``providers``, ``zdr``, ...) are accepted and ignored. With no filter and no pagination the
  recorded bytes are sent unchanged.
- ``GET /models/count``, ``GET /model/{author}/{slug}`` (exact ids incl. ``:variant``, ``aliases``
  you declare; 404 otherwise), ``GET /models/user`` behind ``Authorization: Bearer <key>`` for the
  keys you declare (401 otherwise).
- Faults for tests: :meth:`ReplayServer.add_fault` queues statuses, ``Retry-After``, delays,
  truncated, HTML or wrong-type bodies, slow drips and connection resets.

Several bodies (a folder, a list): the newest (last by name) is served; :meth:`ReplayServer.use`
switches to another one.
"""

from __future__ import annotations

import math
import socket
import struct
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import orjson

from ..fetch.cache import key_fingerprint
from ..frames import bodies
from ..frames.models import modalities

__all__ = ["ReplayServer", "Fault", "load_bodies", "filter_models", "serve_forever", "sample_path", "unanswerable"]

API_PREFIX = "/api/v1"
#: The compact catalog shipped inside the package (made by scripts/derive_test_data.py from a
#: recorded body: every model, id, price, limit and modality kept; descriptions replaced).
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE = SAMPLE_DIR / "models-2026-04-17.json.gz"


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
        delay: seconds to wait before answering (a read stall).
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


def _modalities(model: Mapping[str, Any], side: str) -> list[str]:
    """The model's input or output modalities (a model that states none is taken as text)."""
    arch = model.get("architecture")
    found = modalities(arch if isinstance(arch, dict) else {})
    if found is None:
        return ["text"]
    stated = found[0] if side == "input" else found[1]
    return [m for m in stated or () if isinstance(m, str)] or ["text"]


def _price(model: Mapping[str, Any], key: str) -> float | None:
    raw = (model.get("pricing") or {}).get(key)
    try:
        value = float(raw) if isinstance(raw, (str, int, float)) else math.nan
    except ValueError:
        return None
    return None if math.isnan(value) or value < 0 else value * 1e6


#: List filters a recorded ``/models`` body can answer; the others (providers, zdr, region, category,
#: benchmark indexes, ...) need data the API keeps elsewhere and are ignored (see :func:`unanswerable`).
ANSWERED_FILTERS = frozenset({
    "output_modalities", "input_modalities", "q", "context", "min_price", "max_price", "min_output_price",
    "max_output_price", "model_authors", "supported_parameters", "sort",
})  # fmt: skip
#: Sort orders a recorded body can answer (by price, context or date).
ANSWERED_SORTS = ("pricing-low-to-high", "pricing-high-to-low", "context-high-to-low", "newest")
_PAGING = frozenset({"offset", "limit"})


def unanswerable(query: Mapping[str, str]) -> list[str]:
    """Names of ``/models`` query parameters the replay server cannot apply from a recorded body.

    Args:
        query: the query parameters as sent (e.g. from :func:`orcatalog.fetch.params.list_query`).

    Returns:
        The parameter names it ignores, in query order (``sort`` when its order needs other data).
    """
    out = [k for k in query if k not in ANSWERED_FILTERS and k not in _PAGING]
    if "sort" in query and query["sort"] not in ANSWERED_SORTS:
        out.append("sort")
    return out


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def filter_models(models: list[dict[str, Any]], query: Mapping[str, str]) -> list[dict[str, Any]]:
    """Apply the list filters a recorded body can answer, as the replay server does."""
    out = list(models)
    outputs = query.get("output_modalities", "text")
    if outputs != "all":
        wanted = set(_split(outputs))
        out = [m for m in out if wanted & set(_modalities(m, "output"))]
    if "input_modalities" in query:
        need = set(_split(query["input_modalities"]))
        out = [m for m in out if need <= set(_modalities(m, "input"))]
    if "q" in query:
        q = query["q"].lower()
        out = [m for m in out if q in str(m.get("id", "")).lower() or q in str(m.get("name", "")).lower()]
    if "context" in query:
        ctx = int(query["context"])
        out = [m for m in out if isinstance(m.get("context_length"), int) and m["context_length"] >= ctx]
    for param, key, op in (
        ("min_price", "prompt", float.__ge__),
        ("max_price", "prompt", float.__le__),
        ("min_output_price", "completion", float.__ge__),
        ("max_output_price", "completion", float.__le__),
    ):
        if param in query:
            bound = float(query[param])
            out = [m for m in out if (p := _price(m, key)) is not None and op(p, bound)]
    if "model_authors" in query:
        authors = set(_split(query["model_authors"]))
        out = [m for m in out if str(m.get("id", "")).lstrip("~").split("/")[0] in authors]
    if "supported_parameters" in query:
        params = set(_split(query["supported_parameters"]))
        out = [m for m in out if params <= set(m.get("supported_parameters") or [])]
    sort = query.get("sort")
    if sort in ("pricing-low-to-high", "pricing-high-to-low"):
        priced = [m for m in out if _price(m, "prompt") is not None]
        unpriced = [m for m in out if _price(m, "prompt") is None]
        priced.sort(key=lambda m: _price(m, "prompt") or 0.0, reverse=sort == "pricing-high-to-low")
        out = priced + unpriced
    elif sort == "context-high-to-low":
        out.sort(key=lambda m: m.get("context_length") or 0, reverse=True)
    elif sort == "newest":
        out.sort(key=lambda m: m.get("created") or 0, reverse=True)
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
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
        status, payload = replay._answer(path, query, auth)
        raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        self._send(status, raw, "application/json", fault)

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

    def _send(self, status: int, raw: bytes, ctype: str, fault: Fault | None) -> None:
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.truncate_at is not None:
            raw = raw[: fault.truncate_at]
        if fault is not None and fault.content_type:
            ctype = fault.content_type
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (fault.headers if fault is not None else {}).items():
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

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        source: Any = None,
        *,
        keys: Mapping[str, Iterable[str] | None] | None = None,
        aliases: Mapping[str, str] | None = None,
        port: int = 0,
    ) -> None:
        if source is None or (isinstance(source, str) and source == "sample"):
            source = SAMPLE
        bodies = load_bodies(source)
        if not bodies:
            raise ValueError(f"no recorded bodies found in {source!r}")
        self._bodies = [_Body(name, raw, _parse(name, raw)) for name, raw in bodies]
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

    def _answer(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, Any]:
        body = self._bodies[self._current]
        models = body.parsed.get("data") if isinstance(body.parsed, dict) else None
        if not isinstance(models, list):
            return 200, body.raw  # a deliberately broken payload: replay it as it is
        if path == "/models":
            return self._list(body, models, query, "/models")
        if path == "/models/count":
            count = len(filter_models(models, {"output_modalities": query.get("output_modalities", "text")}))
            return 200, {"data": {"count": count}}
        if path == "/models/user":
            key = auth.removeprefix("Bearer ").strip() if auth and auth.startswith("Bearer ") else None
            if key is None or key not in self._keys:
                return 401, {"error": {"code": 401, "message": "No auth credentials found" if key is None else "User not found."}}
            allowed = self._keys[key]
            visible = models if allowed is None else [m for m in models if m.get("id") in allowed]
            return self._list(body, visible, query, "/models/user", force=True)
        if path.startswith("/model/"):
            return self._one(models, unquote(path[len("/model/") :]))
        return 404, {"error": {"code": 404, "message": f"No route for {path}"}}

    def _list(
        self, body: _Body, models: list[dict[str, Any]], query: dict[str, str], path: str, force: bool = False
    ) -> tuple[int, Any]:
        page_keys = {"offset", "limit"}
        filters = {k: v for k, v in query.items() if k not in page_keys}
        if not force and not (set(query) & page_keys) and filters in ({"output_modalities": "all"},):
            return 200, body.raw  # the recorded bytes, unchanged
        try:
            selected = filter_models(models, filters)
            offset = int(query.get("offset", 0))
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError as exc:
            return 400, {"error": {"code": 400, "message": f"Invalid request parameters: {exc}"}}
        if offset < 0 or (limit is not None and not 1 <= limit <= 1000):
            return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}
        if limit is None and "offset" not in query:
            return 200, {"data": selected, "total_count": len(selected), "links": {"next": None}}
        end = len(selected) if limit is None else offset + limit
        page = selected[offset:end]
        nxt = None
        if end < len(selected):
            nxt = f"{API_PREFIX}{path}?" + urlencode({**filters, "offset": end, "limit": limit or len(page)})
        return 200, {"data": page, "total_count": len(selected), "links": {"next": nxt}}

    def _one(self, models: list[dict[str, Any]], model_id: str) -> tuple[int, Any]:
        by_id = {m.get("id"): m for m in models}
        if model_id in by_id:
            return 200, {"data": by_id[model_id]}
        target = self._aliases.get(model_id)
        if target in by_id:
            model = dict(by_id[target])
            model["id"] = model_id
            model["alias_target"] = {"slug": target, "name": by_id[target].get("name")}
            return 200, {"data": model}
        return 404, {"error": {"code": 404, "message": f"Model {model_id} not found"}}


def serve_forever(source: Any, *, port: int = 0, ready: Any = None,
                  keys: Mapping[str, Iterable[str] | None] | None = None) -> None:  # fmt: skip
    """Run a :class:`ReplayServer` in the foreground until interrupted (used by ``orcatalog replay``).

    Args:
        source, port, keys: as for :class:`ReplayServer`.
        ready: called with the server once it listens (prints the base URL).
    """
    server = ReplayServer(source, port=port, keys=keys)
    if ready is not None:
        ready(server)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()

