"""Small hostile HTTP servers on loopback, written at the socket level so they can misbehave in
ways a well-behaved server library never would (header drips, gzip bombs, redirects, foreign bodies).

Each server answers every connection with ``handler(conn, path, headers, stop)``; ``stop`` is set when
the server closes, so a dripping handler ends with the test.
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Callable, Iterator
from types import TracebackType

Handler = Callable[[socket.socket, str, dict[str, str], threading.Event], None]


class HostileServer:
    """A loopback TCP server that hands each request to ``handler``; records what it was asked."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.stop_event = threading.Event()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)

    def url(self) -> str:
        """The API root on this server, e.g. ``http://127.0.0.1:PORT/api/v1``."""
        return f"http://127.0.0.1:{self.port}/api/v1"

    def __enter__(self) -> HostileServer:
        self._accept.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_event.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()
        self._accept.join(5)
        for t in self._threads:
            t.join(5)

    def _serve(self) -> None:
        while not self.stop_event.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._one, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                path = head[0].split(" ")[1]
                headers = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
                self.requests.append((path, headers))
                self.handler(conn, path, headers, self.stop_event)
            except OSError:
                return


def response(status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    """An HTTP/1.1 response (connection closed after it); ``length`` announces a body sent separately."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body) if length is None else length}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {"Content-Type": "application/json"}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def serve(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    """Answer every request with the same response."""

    def handler(conn: socket.socket, path: str, headers_in: dict[str, str], stop: threading.Event) -> None:
        conn.sendall(response(status, body, headers))

    return handler


def redirect_then_serve(location: Callable[[str], str | None], body: bytes) -> Handler:
    """302 to ``location(path)`` when it gives a URL, else serve ``body``."""

    def handler(conn: socket.socket, path: str, headers_in: dict[str, str], stop: threading.Event) -> None:
        target = location(path)
        if target is None:
            conn.sendall(response(200, body))
        else:
            conn.sendall(response(302, b"", {"Location": target}))

    return handler


def drip_headers(interval: float, nbytes: int) -> Handler:
    """Send a header one byte per ``interval`` seconds, ``nbytes`` of it, then drop the connection."""

    def handler(conn: socket.socket, path: str, headers_in: dict[str, str], stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        filler = (b"X-Drip: " + b"a" * nbytes)[:nbytes]
        for byte in filler:
            if stop.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return handler


def gzip_bomb(decoded_mb: int) -> Handler:
    """A gzip-encoded 200 whose body decodes to ``decoded_mb`` MiB (members of 1 MiB of spaces)."""
    member = gzip.compress(b" " * (1 << 20), compresslevel=9)

    def chunks() -> Iterator[bytes]:
        yield gzip.compress(b'{"data": [')
        for _ in range(decoded_mb):
            yield member

    def handler(conn: socket.socket, path: str, headers_in: dict[str, str], stop: threading.Event) -> None:
        parts = list(chunks())
        head = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        conn.sendall(response(200, b"", head, length=sum(map(len, parts))))
        for part in parts:
            if stop.is_set():
                return
            conn.sendall(part)

    return handler
