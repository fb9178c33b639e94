"""What a test can make the replay server do wrong: :class:`Fault`, one injected misbehaviour
(a status, ``Retry-After``, a stall, a truncated, HTML or wrong-type body, a slow drip, a reset),
queued with :meth:`~orcatalog.testing.ReplayServer.add_fault` and sent by the handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
