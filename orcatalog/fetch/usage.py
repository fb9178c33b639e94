"""Your own usage as DataFrames: ``fetch_activity`` (``GET /activity``) and ``fetch_generation``
(``GET /generation?id=``).

Flow: check arguments (before any request) -> GET through :meth:`Client._get` with a bearer key,
exactly as ``/models/user`` is fetched (same session and private cache, keyed entries that two keys
never share and that never hold the key in the clear, redaction of every message and log line by
:mod:`.redact`, status -> error by :func:`orcatalog.errors.error_for_status`) -> flatten
(:mod:`orcatalog.frames.usage`, checked before a body can be cached).

``/activity`` needs a *management* key (OpenRouter's provisioning keys); an inference key gets 401
or 403, which become one-line errors saying so (:func:`_needs_management_key`, the one place).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..errors import APIError, ForbiddenError, InvalidParameterError, UnauthorizedError
from ..frames.usage import activity_body_frame, generation_body_frame
from ..scope import scope_of
from ..times import parse_time
from .endpoints import _client  # the one rule for the client= argument
from .http import Fetched, RetryConfig
from .redact import redact_url

__all__ = ["fetch_activity", "fetch_generation", "MANAGEMENT_KEY_HINT"]

#: What a 401/403 from ``/activity`` tells the user.
MANAGEMENT_KEY_HINT = (
    "GET /activity needs a management key (create one at "
    "https://openrouter.ai/settings/management-keys and pass it as api_key=)"
)
_HASH = re.compile(r"[0-9a-fA-F]{64}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_GENERATION_ID = re.compile(r"[\x21-\x7e]{1,256}")


def day_arg(date: Any) -> str | None:
    """The ``date`` filter of ``/activity`` as ``YYYY-MM-DD``: a day by the one time rule
    (:func:`orcatalog.times.parse_time`: ``YYYY-MM-DD`` text, a ``datetime.date``, or a midnight
    ``Timestamp``/``datetime``); None for no filter.

    Raises:
        InvalidParameterError: anything else (a time of day, another format, an impossible date).
    """
    if date is None:
        return None
    day = parse_time(date, "date")
    if day != day.normalize() or (isinstance(date, str) and not _DAY.fullmatch(date.strip())):
        raise InvalidParameterError(f"date={date!r} is not a day: give 'YYYY-MM-DD' (a UTC day of the last 30)")
    return str(day.date())


def _needs_management_key(exc: APIError) -> APIError:
    """A 401/403 from ``/activity`` as the same error class with a one-line message saying a
    management key is needed (the API's own message kept)."""
    said = f" (the API said: {exc.api_message})" if exc.api_message else ""
    text = f"GET {exc.url}: HTTP {exc.status}: {MANAGEMENT_KEY_HINT}{said}".replace("\n", " ")
    return type(exc)(
        text,
        url=exc.url,
        status=exc.status,
        code=exc.code,
        api_message=exc.api_message,
        retry_after=exc.retry_after,
        attempts=exc.attempts,
    )


def _provenance(
    frame: pd.DataFrame, fetched: Fetched, base_url: str, path: str, params: dict[str, str], fingerprint: str | None
) -> None:
    frame.attrs.update(
        {
            "url": fetched.url,
            "base_url": redact_url(base_url),
            "endpoint": path,
            "params": dict(params),
            "fetched_at": pd.Timestamp(fetched.fetched_at),
            "from_cache": fetched.from_cache,
            "stale": fetched.stale,
            "key_fingerprint": fingerprint,
            "scope": scope_of(base_url, path, params, fingerprint),
        }
    )


def fetch_activity(
    date: Any = None,
    *,
    api_key_hash: str | None = None,
    api_key: str | None = None,
    client: Any = None,
    refresh: bool = False,
    retries: RetryConfig | None = None,
) -> pd.DataFrame:
    """``GET /activity``: the account's usage over the last 30 completed UTC days, one row per
    date, model and endpoint.

    Args:
        date: only this UTC day (``"YYYY-MM-DD"``, a ``datetime.date`` or a midnight Timestamp).
        api_key_hash: only the usage of this API key (its SHA-256 hex hash, as the keys API lists it).
        api_key: a *management* key; default the client's (``$OPENROUTER_API_KEY``). Never cached,
            logged or shown; cache entries are kept per key.
        client: the :class:`~orcatalog.Client` (default: the shared one from the environment).
        refresh: bypass the cache (the fresh answer replaces the entry).
        retries: overrides the client's :class:`~orcatalog.RetryConfig`.

    Returns:
        The activity contract (:mod:`orcatalog.schema.usage`): ``date`` (UTC), ``model``,
        ``model_permaslug``, ``provider_name`` (+ ``provider_slug``, ``quantization``),
        ``endpoint_id``, ``requests``, token counts, ``usage_usd``, ``byok_usage_inference_usd``
        (USD), ``byok_requests``, ``extra``. ``attrs`` holds provenance (``fetched_at`` UTC,
        ``from_cache``, ``key_fingerprint``, never the key).

    Raises:
        InvalidParameterError: a bad ``date`` or ``api_key_hash``, or no key (before any request).
        UnauthorizedError / ForbiddenError: 401 / 403, saying that a management key is needed.
        Other fetch errors as :func:`orcatalog.fetch_models`; SchemaError for a body that is not
        an activity list (never cached).
    """
    params: dict[str, str] = {}
    day = day_arg(date)
    if day is not None:
        params["date"] = day
    if api_key_hash is not None:
        if not isinstance(api_key_hash, str) or not _HASH.fullmatch(api_key_hash):
            raise InvalidParameterError(
                "api_key_hash must be a SHA-256 hex string (64 hex digits), as the keys API "
                "lists it; never the key itself"
            )
        params["api_key_hash"] = api_key_hash.lower()
    c = _client(client)
    key, fingerprint = c._key_for(api_key, "fetch_activity (a management key)")
    try:
        fetched = c._get(
            "/activity",
            params,
            headers=c._headers(None, key),
            retries=retries,
            refresh=refresh,
            check=activity_body_frame,
        )
    except (UnauthorizedError, ForbiddenError) as exc:
        raise _needs_management_key(exc) from None
    frame: pd.DataFrame = fetched.checked
    _provenance(frame, fetched, c.base_url, "/activity", params, fingerprint)
    return frame


def fetch_generation(
    id: str,  # the API's parameter name
    *,
    api_key: str | None = None,
    client: Any = None,
    refresh: bool = False,
    retries: RetryConfig | None = None,
) -> pd.DataFrame:
    """``GET /generation?id=``: one generation's stats as a one-row frame.

    Args:
        id: the generation id (``gen-...``, the ``id`` of a completion response).
        api_key: the key that made it (default the client's); never cached in the clear.
        client, refresh, retries: as :func:`fetch_activity`.

    Returns:
        The generation contract (:mod:`orcatalog.schema.usage`): tokens (normalised and native:
        prompt, completion, reasoning, cached), ``total_cost_usd`` / ``usage_usd`` /
        ``upstream_inference_cost_usd`` (USD), ``latency_ms``, ``generation_time_ms``,
        ``provider_name``, ``created_at`` (UTC), ``extra``; provenance in ``attrs``.

    Raises:
        InvalidParameterError: an empty or non-printable id, or no key (before any request).
        NotFoundError: no such generation (also a ``LookupError``). UnauthorizedError: the key was refused.
        Other fetch errors as :func:`orcatalog.fetch_models`.
    """
    if not isinstance(id, str) or not _GENERATION_ID.fullmatch(id):
        raise InvalidParameterError(
            f"id={id!r} is not a generation id: give the 'gen-...' id of a response "
            "(printable, no spaces, at most 256 characters)"
        )
    c = _client(client)
    key, fingerprint = c._key_for(api_key, "fetch_generation")
    params = {"id": id}
    fetched = c._get(
        "/generation",
        params,
        headers=c._headers(None, key),
        retries=retries,
        refresh=refresh,
        check=generation_body_frame,
    )
    frame: pd.DataFrame = fetched.checked
    _provenance(frame, fetched, c.base_url, "/generation", params, fingerprint)
    return frame
