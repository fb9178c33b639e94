"""The default HTTP cache: a requests-cache ``CachedSession`` on a private SQLite file.

requests-cache does the caching; this package adds what it lacks for an API keyed by bearer tokens:

- the cache key includes a fingerprint (SHA-256) of the ``Authorization`` header in any casing,
  so two API keys never share a ``/models/user`` entry (requests-cache leaves that header out of
  the key by default, so a naive setup *does* share);
- a serializer stage removes credentials from the stored request and response headers in any
  casing, redirect history included (requests-cache only redacts the exact names it is given, and
  only in the final request);
- JSON serialization of the response metadata (no pickle: a tampered pickle row can run code),
  followed by the body bytes as received, so a cache hit parses the catalog only once;
- a private directory (0700) and file (0600), and a junk or half-written file, or an SQLite file of
  another schema, is moved aside with a warning instead of failing every call; a damaged row is a
  miss with a warning (the next fresh answer replaces it);
- several threads and processes on one folder: a busy or locked database is waited on (SQLite's
  busy timeout, then bounded retries), never taken for damage; only a file *proven* damaged or
  foreign (:func:`.backend._is_damage`, the one rule) is moved aside, and never while another
  session or process uses the folder (:class:`.users._Users`).

The files, from the session down to the file:

- :mod:`.session`: :func:`cached_session` and the session it makes (:class:`OrcatalogCachedSession`);
- :mod:`.keys`: the cache key with the credential's fingerprint, and :func:`require_key_separation`;
- :mod:`.serializer`: how a response is stored (:data:`SERIALIZER`: tolerant load, scrub, JSON + body bytes);
- :mod:`.scrub`: the stage that removes credentials from a stored record;
- :mod:`.backend`: opening the SQLite backend: busy waits, the damage rule, moving a damaged file aside;
- :mod:`.users`: who uses a cache folder (this process's sessions, other processes' ``flock``);
- :mod:`.file`: where the file lives, its name, created private, moved aside with a warning.
"""

from __future__ import annotations

from .backend import BUSY_TIMEOUT
from .file import CACHE_FILE_NAME, default_cache_dir
from .keys import auth_header_value, cache_key, key_fingerprint, require_key_separation
from .scrub import SENSITIVE_HEADERS
from .serializer import SERIALIZER
from .session import DEFAULT_EXPIRE_AFTER, OrcatalogCachedSession, cached_session

__all__ = [
    "BUSY_TIMEOUT",
    "CACHE_FILE_NAME",
    "DEFAULT_EXPIRE_AFTER",
    "SENSITIVE_HEADERS",
    "SERIALIZER",
    "OrcatalogCachedSession",
    "auth_header_value",
    "cache_key",
    "cached_session",
    "default_cache_dir",
    "key_fingerprint",
    "require_key_separation",
]
