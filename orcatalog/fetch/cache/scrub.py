"""The serializer stage that keeps credentials out of the cache file: credential headers of any
casing become ``REDACTED`` in the stored request and response and every redirect hop, and the key
they carried is removed from every other string of the record (:class:`_Scrub`).
"""

from __future__ import annotations

from typing import Any

from ..redact import REDACTED, active_secrets, scrub, secret_forms


#: Headers that carry credentials; matched case-insensitively.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def _request_credentials(record: Any) -> list[str]:
    """Every credential header value of a stored response's record: its request's, and those of
    every hop of its redirect history (the first hop carries the key; a cross-host hop loses it)."""
    found: list[str] = []
    if isinstance(record, dict):
        request = record.get("request")
        headers = request.get("headers") if isinstance(request, dict) else None
        if isinstance(headers, dict):
            found += [str(v) for k, v in headers.items() if str(k).lower() in SENSITIVE_HEADERS and v]
        for hop in record.get("history") or ():
            found += _request_credentials(hop)
    return found


def _blank_credential_headers(value: Any) -> Any:
    """Every ``headers`` object of the record with credential headers (any casing) set to REDACTED."""
    if isinstance(value, dict):
        return {
            k: (
                {n: (REDACTED if str(n).lower() in SENSITIVE_HEADERS else v) for n, v in v.items()}
                if k == "headers" and isinstance(v, dict)
                else _blank_credential_headers(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_blank_credential_headers(v) for v in value]
    return value


class _Scrub:
    """Serializer stage on the response record (a dict, after cattrs): before anything is written,
    credential headers of any casing become ``REDACTED`` in the response, its request and every
    hop of its redirect history, and the key they carried (and any key of a request running now,
    and anything shaped like an OpenRouter key) is removed from every other string of the record:
    URLs of every hop, ``Location`` headers, a header echoing ``Bearer <key>``, hop bodies.
    requests-cache itself only redacts the exact header names it is given, in the final request.
    The body (``_content``) is left as received: a keyed answer that echoes its key is refused
    before it can be cached (:mod:`.http`)."""

    def dumps(self, record: dict[str, Any]) -> dict[str, Any]:
        secrets = [f for value in _request_credentials(record) for f in secret_forms(value)]
        forms = sorted({*secrets, *active_secrets()}, key=len, reverse=True)
        body = record.pop("_content", None)
        clean = scrub(_blank_credential_headers(record), forms)
        if body is not None:
            clean["_content"] = body
        return clean  # type: ignore[no-any-return]

    def loads(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def copy(self) -> _Scrub:
        return self
