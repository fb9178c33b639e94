"""The HTTP side of the replay server: the request handler (log the request, apply a queued
:class:`~.faults.Fault`, else ask the server for its answer, then write it, faults included)
and the threading HTTP server it runs in.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import orjson

from .faults import Fault

if TYPE_CHECKING:
    from .server import ReplayServer

API_PREFIX = "/api/v1"


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replay: ReplayServer
