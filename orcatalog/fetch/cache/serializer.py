"""How a response is stored: the cattrs record made tolerant of damaged rows, credentials removed
(:mod:`.scrub`), then one JSON line of metadata and the body bytes as received (no pickle: a
tampered pickle row can run code; no escaping: a cache hit parses the catalog once). :data:`SERIALIZER`.
"""

from __future__ import annotations

import base64
import warnings
from typing import Any

import orjson
from cattrs.preconf.orjson import make_converter as make_orjson_converter
from requests_cache.serializers import SerializerPipeline
from requests_cache.serializers.cattrs import CattrStage

from ...errors import CacheDamageWarning
from .scrub import _Scrub


def _bytes_default(value: Any) -> Any:
    """orjson fallback: any other bytes field (a request body) as UTF-8 text or base64."""
    if isinstance(value, (bytes, bytearray)):
        try:
            return {"utf8": bytes(value).decode("utf-8")}
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _bytes_from_json(value: Any, _type: Any) -> bytes:
    if not value:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dict) and "utf8" in value:
        return str(value["utf8"]).encode("utf-8")
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"])
    return base64.b64decode(value)


class _FramedJSON:
    """Final stage: one JSON line of response metadata, a newline, then the body bytes as received.

    The body is not wrapped in a JSON string (no escaping, no base64), so a cache hit parses the
    catalog once, in orcatalog, instead of three times. orjson never writes a raw newline, so the
    first newline always ends the JSON part. Nothing here is executable on load (unlike pickle).
    """

    def dumps(self, value: dict[str, Any]) -> bytes:
        body = value.pop("_content", None) or b""
        return orjson.dumps(value, default=_bytes_default) + b"\n" + bytes(body)

    def copy(self) -> _FramedJSON:
        return self

    def loads(self, value: bytes) -> dict[str, Any]:
        try:
            head, _, body = bytes(value).partition(b"\n")
            record = orjson.loads(head)
            record["_content"] = body
        except (TypeError, ValueError) as exc:
            _damaged_row(exc)
            raise ValueError(f"damaged cache entry ({type(exc).__name__})") from None
        return record


class _TolerantStage:
    """Wraps the cattrs stage: a stored row that does not load becomes a ``ValueError``, which
    requests-cache treats as a miss (the next fresh answer replaces the row), with a warning,
    instead of a ``ClassValidationError`` out of every call."""

    def __init__(self, inner: CattrStage) -> None:
        self.inner = inner

    @property
    def decode_content(self) -> bool:
        return bool(self.inner.decode_content)

    @decode_content.setter
    def decode_content(self, value: bool) -> None:
        self.inner.decode_content = value

    def dumps(self, value: Any) -> Any:
        return self.inner.dumps(value)

    def loads(self, value: Any) -> Any:
        try:
            response = self.inner.loads(value)
            if response.status_code != 200 or not isinstance(response.url, str):  # only 200s are stored
                raise TypeError(f"a stored response with status {response.status_code!r}")
        except Exception as exc:  # any damage in a row means the same: ignore the row
            _damaged_row(exc)
            raise ValueError(f"damaged cache entry ({type(exc).__name__})") from None
        return response

    def copy(self) -> _TolerantStage:
        return _TolerantStage(self.inner.copy())


def _damaged_row(reason: BaseException) -> None:
    warnings.warn(
        f"orcatalog: ignored a damaged HTTP cache entry ({type(reason).__name__}); the next fresh answer replaces it",
        CacheDamageWarning,
        stacklevel=2,
    )


def _json_stage() -> CattrStage:
    stage = CattrStage(make_orjson_converter)
    stage.converter.register_unstructure_hook(bytes, lambda v: v)  # _FramedJSON places it
    stage.converter.register_structure_hook(bytes, _bytes_from_json)
    return stage


#: Response metadata as a JSON-ready record, credentials removed from it, then JSON and the body as raw bytes.
SERIALIZER = SerializerPipeline(
    [_TolerantStage(_json_stage()), _Scrub(), _FramedJSON()],
    name="orcatalog-json",
    is_binary=True,
)
