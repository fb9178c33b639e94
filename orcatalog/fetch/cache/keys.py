"""The cache key of a request that carries a credential: requests-cache's key plus a fingerprint
(SHA-256) of the ``Authorization`` header in any casing, so two API keys never share a
``/models/user`` entry; and the refusal to send a credential through a cached session that would.
"""

from __future__ import annotations

import hashlib
from typing import Any

import requests
from requests_cache.cache_keys import create_key

from ...errors import InvalidParameterError
from .serializer import SERIALIZER


def key_fingerprint(api_key: str) -> str:
    """A short, non-reversible fingerprint of an API key (first 16 hex chars of SHA-256)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


def auth_header_value(headers: Any) -> str | None:
    """The Authorization header's value, whatever its casing, or None."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value:
            return str(value)
    return None


def cache_key(request: requests.PreparedRequest, **kwargs: Any) -> str:
    """requests-cache's key, plus a fingerprint of the credential when the request carries one."""
    base = create_key(request, **kwargs)
    auth = auth_header_value(request.headers)
    return f"{base}-{key_fingerprint(auth)}" if auth else base


def require_key_separation(session: Any) -> None:
    """Refuse to send a credential through a cache that could share or store it.

    A ``requests_cache.CachedSession`` keeps answers to two API keys apart only when its cache key
    includes the credential (:func:`cache_key`), and keeps the key out of the file only with this
    package's serializer (:data:`SERIALIZER`). Any other cached session would serve key A's
    ``/models/user`` list to key B.

    Args:
        session: the session about to send a request that carries a credential.

    Raises:
        InvalidParameterError: ``session`` is a cached session not made by :func:`cached_session`.
    """
    settings = getattr(session, "settings", None)
    responses = getattr(getattr(session, "cache", None), "responses", None)
    if settings is None or responses is None:
        return  # not a requests-cache session: nothing is stored
    if (
        getattr(settings, "key_fn", None) is cache_key
        and getattr(getattr(responses, "serializer", None), "name", None) == SERIALIZER.name
    ):
        return
    raise InvalidParameterError(
        "this requests_cache.CachedSession does not put the API key in its cache key, so two keys "
        "would share /models/user answers (and it may store the key). Omit session= to use "
        "orcatalog's cache, or pass session=orcatalog.fetch.cache.cached_session(<cache dir>)."
    )
