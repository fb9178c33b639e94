"""Keeping API keys out of every text the fetch layer builds or lets through: the one home of redaction.

- :func:`redact_text` / :func:`redact_url`: anything shaped like an OpenRouter key (``sk-or-...``),
  and every key of a request now running (in plain, URL-encoded and ``Bearer`` forms), becomes
  ``REDACTED``; a URL also loses its user info and the values of secret-looking query parameters.
- :func:`keyed`: for the duration of a keyed request, its key is *active*: the two functions above
  remove it even when it has no ``sk-or-`` shape, and a logging filter installed on the HTTP
  libraries' loggers (urllib3, requests, requests-cache, orcatalog) rewrites every record they
  emit, so a DEBUG line such as urllib3's ``"GET /path/<key> HTTP/1.1" 200`` never carries it.
- :func:`scrub` removes given secrets from every string of a nested structure (the cache's
  serializer uses it on a stored response's metadata).

Requests run on worker threads (:mod:`.deadline`), so the active keys are process-wide, counted per
activation, not thread-local: removing another thread's key from a log line is harmless.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

__all__ = ["REDACTED", "redact_text", "redact_url", "keyed", "secret_forms", "scrub", "active_secrets"]

REDACTED = "REDACTED"
_KEY_PATTERN = re.compile(r"sk-or-[A-Za-z0-9_-]+")
_KEY_PATTERN_BYTES = re.compile(rb"sk-or-[A-Za-z0-9_-]+")
#: User info in a URL without "//" (which urlsplit does not see as such).
_NO_NETLOC_USER = re.compile(r"[^/@?#]*@")
_SECRET_PARAM = re.compile(r"(?i)(key|token|secret|password|auth)")
#: Loggers (and their children) that may print request lines, URLs or headers during a request.
LIBRARY_LOGGERS = ("urllib3", "requests", "requests_cache", "orcatalog")

_lock = threading.Lock()
_active: Counter[str] = Counter()
_forms: tuple[str, ...] = ()  # every form of every active secret, longest first


def secret_forms(secret: str) -> list[str]:
    """The texts under which ``secret`` may appear: itself, its token after an auth scheme
    (``Bearer KEY`` -> ``KEY``), and their URL-encoded forms; longest first."""
    secret = secret.strip()
    forms = {secret}
    scheme, _, token = secret.partition(" ")
    if token.strip() and scheme.isalpha():
        forms.add(token.strip())
    for form in list(forms):
        forms.update({quote(form, safe=""), quote_plus(form)})
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


def active_secrets() -> tuple[str, ...]:
    """The forms of the keys of the requests running now (longest first)."""
    return _forms


def _replace(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return _KEY_PATTERN.sub(REDACTED, text)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without anything shaped like an OpenRouter key, without the active keys, and
    without ``secrets`` (each in every form of :func:`secret_forms`)."""
    extra = [f for s in secrets if s for f in secret_forms(s)]
    return _replace(str(text), sorted({*extra, *_forms}, key=len, reverse=True))


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """The URL without user info, with secret-looking query values replaced by ``REDACTED``, then
    as :func:`redact_text`."""
    parts = urlsplit(str(url))
    if not parts.netloc and "@" in str(url).split("?")[0].split("#")[0]:
        # no "//" ("user:pw@host", "https:/user:pw@host"): urlsplit finds no user info, so drop
        # the text before the first "@" (back to a "/"), or the password would be echoed
        return redact_url(_NO_NETLOC_USER.sub("", str(url), count=1), secrets)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = "&".join(
        (f"{k}={REDACTED}" if _SECRET_PARAM.search(k) and v else (f"{k}={v}" if sep else k))
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, "")), secrets)


def scrub(value: Any, forms: Iterable[str]) -> Any:
    """``value`` (nested dicts, lists, strings and bytes) with every form in ``forms`` and every
    ``sk-or-`` key shape in every string or bytes (dict keys included) replaced by ``REDACTED``;
    other values as they are. Returns a new structure."""
    forms = tuple(forms)
    if isinstance(value, str):
        return _replace(value, forms)
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        for form in forms:
            data = data.replace(form.encode("utf-8"), REDACTED.encode())
        return _KEY_PATTERN_BYTES.sub(REDACTED.encode(), data)
    if isinstance(value, dict):
        return {scrub(k, forms): scrub(v, forms) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(v, forms) for v in value)
    return value


class _RedactingFilter(logging.Filter):
    """Rewrites a record's message with the active keys removed (the record is still emitted)."""

    def filter(self, record: logging.LogRecord) -> bool:
        forms = _forms
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot format: drop its arguments
            message = str(record.msg)
        clean = _replace(message, forms)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = _replace(record.exc_text, forms)
        return True


_FILTER = _RedactingFilter()
_filtered: list[logging.Logger] = []


def _library_loggers() -> list[logging.Logger]:
    names = [
        n
        for n in list(logging.Logger.manager.loggerDict)
        if any(n == p or n.startswith(p + ".") for p in LIBRARY_LOGGERS)
    ]
    return [logging.getLogger(n) for n in sorted({*names, *LIBRARY_LOGGERS})]


@contextlib.contextmanager
def keyed(secret: str | None) -> Iterator[None]:
    """While the block runs, ``secret`` (an API key or an ``Authorization`` value) is active:
    removed from :func:`redact_text`, :func:`redact_url` and every record the HTTP libraries'
    loggers emit. Nested and concurrent uses are counted; the filter goes when the last ends.
    ``None`` does nothing."""
    if not secret:
        yield
        return
    global _forms
    new = secret_forms(secret)
    with _lock:
        if not _active:
            _filtered[:] = _library_loggers()
            for lg in _filtered:
                lg.addFilter(_FILTER)
        _active.update(new)
        _forms = tuple(sorted(_active, key=len, reverse=True))
    try:
        yield
    finally:
        with _lock:
            _active.subtract(new)
            for form in [f for f, n in _active.items() if n <= 0]:
                del _active[form]
            _forms = tuple(sorted(_active, key=len, reverse=True))
            if not _active:
                for lg in _filtered:
                    lg.removeFilter(_FILTER)
                _filtered.clear()
