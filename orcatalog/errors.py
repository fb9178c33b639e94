"""Every error orcatalog raises, in one place.

The hierarchy::

    OrcatalogError                      base of everything below
    ├── InvalidParameterError           (also ValueError) bad argument; raised before any request
    ├── TransportError                  the request never got an HTTP answer
    │   └── RequestTimeoutError         (also TimeoutError) connect/read timeout or total deadline
    ├── NotInCacheError                 (also LookupError) offline mode and the cache has no entry
    ├── BodyFileError                   (also ValueError) a recorded body file or archive is damaged
    ├── TableFileError                  (also ValueError) read_csv/read_parquet: not such a file, or a
    │                                   column that cannot take its contract dtype (names file and column)
    ├── ResponseError                   an HTTP answer we cannot use
    │   ├── InvalidResponseError        body is not JSON (HTML from a CDN, truncated, wrong type)
    │   │   └── BodyTooLargeError       the decoded body passed the size cap (max_body_bytes)
    │   ├── SchemaError                 JSON, but not the shape of a models body (data missing, dup ids,
    │   │                               a value of the wrong JSON type: names the model and field)
    │   └── APIError                    the API said no: status, code and message from its error body
    │       ├── BadRequestError         400
    │       ├── UnauthorizedError       401
    │       ├── PaymentRequiredError    402
    │       ├── ForbiddenError          403
    │       ├── NotFoundError           404 (also LookupError)
    │       ├── RateLimitError          429
    │       └── ServerError             5xx (and 408)
    ├── CacheError                      the local HTTP cache cannot be used
    └── StoreError                      the snapshot store cannot do what was asked
        ├── StoreWriteError             (also OSError) disk full, read-only target, ...; nothing earlier touched
        ├── SnapshotConflictError       another writer holds or wrote this snapshot id
        ├── SnapshotNotFoundError       (also LookupError) no such snapshot / none at or before as_of
        ├── StoreDamagedError           a store file is damaged or gone (names the file and the snapshots)
        ├── StoreReadError              a store file whose SHA-256 matched cannot be parsed here (names the
        │                               file and the library): not damage, nothing is moved
        ├── LegacyLayoutError           a write to a store in the earlier parquet layout, which is read but
        │                               no longer written (names `orcatalog migrate OLD NEW`)
        └── MixedScopeError             (also ValueError) comparing a filtered or regional fetch with the catalog

The warnings (answers given with something the user must know; each says it in one line)::

    OrcatalogWarning                    (a RuntimeWarning) base of orcatalog's warnings
    ├── AsOfWarning                     an as-of answer from a future time, a stale snapshot, or the first one
    ├── PartialSnapshotWarning          a snapshot flagged partial was recorded, loaded, diffed or watched
    ├── TwinSnapshotWarning             two different snapshots of one scope at one time: which one answered
    ├── StoreDamageWarning              store files that cannot be read are left out of the answer
    ├── CacheDamageWarning              a damaged HTTP cache entry or file was ignored or moved aside
    ├── UnreadableValueWarning          a value of the right type that cannot be read was kept in `extra`
    └── UnknownModelWarning             a model asked for by id is in none of the snapshots compared

Every message names the URL (with secrets removed), the HTTP status when there is one, and the
API's own error message. No message, repr or attribute ever carries an API key.
"""

from __future__ import annotations

__all__ = [
    "OrcatalogWarning",
    "AsOfWarning",
    "PartialSnapshotWarning",
    "TwinSnapshotWarning",
    "StoreDamageWarning",
    "CacheDamageWarning",
    "UnreadableValueWarning",
    "UnknownModelWarning",
    "OrcatalogError",
    "InvalidParameterError",
    "TransportError",
    "RequestTimeoutError",
    "NotInCacheError",
    "BodyFileError",
    "TableFileError",
    "ResponseError",
    "InvalidResponseError",
    "BodyTooLargeError",
    "SchemaError",
    "APIError",
    "BadRequestError",
    "UnauthorizedError",
    "PaymentRequiredError",
    "ForbiddenError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "CacheError",
    "StoreError",
    "StoreWriteError",
    "SnapshotConflictError",
    "SnapshotNotFoundError",
    "StoreDamagedError",
    "StoreReadError",
    "LegacyLayoutError",
    "MixedScopeError",
    "error_for_status",
]


class OrcatalogError(Exception):
    """Base class of every orcatalog error."""


class InvalidParameterError(OrcatalogError, ValueError):
    """A parameter is invalid. Raised before any request is sent."""


class TransportError(OrcatalogError):
    """No usable HTTP answer: connection refused, DNS failure, reset mid-body.

    Attributes:
        url: the request URL with secrets removed.
        attempts: how many attempts were made.
    """

    def __init__(self, message: str, *, url: str | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.url = url
        self.attempts = attempts


class RequestTimeoutError(TransportError, TimeoutError):
    """The connect or read timeout fired, or the overall deadline passed."""


class NotInCacheError(OrcatalogError, LookupError):
    """Offline mode is on and the cache holds no entry for this request."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class BodyFileError(OrcatalogError, ValueError):
    """A recorded body file or archive cannot be read: truncated, or not what its name says (a
    name that dates it in the future included). The message names the file."""


class TableFileError(OrcatalogError, ValueError):
    """A file given to :func:`orcatalog.read_csv` / :func:`orcatalog.read_parquet` is not a CSV or
    parquet table orcatalog can read (damaged, another format, another text encoding), or one of
    its columns cannot take the dtype the contract declares. The message names the file and the
    column."""


class CacheError(OrcatalogError):
    """The local HTTP cache could not be opened or used."""


class StoreError(OrcatalogError):
    """The snapshot store cannot do what was asked."""


class StoreWriteError(StoreError, OSError):
    """Writing a snapshot failed (disk full, read-only target, ...). Temporary files were removed
    and no earlier snapshot was touched."""


class SnapshotConflictError(StoreError):
    """Another writer holds or has written this snapshot id with different content."""


class SnapshotNotFoundError(StoreError, LookupError):
    """No snapshot with that id, or none at or before the requested time."""


class StoreDamagedError(StoreError):
    """A store file is damaged (its content does not match its recorded SHA-256, or, with no hash
    to check, it cannot be parsed) or a committed batch lost its manifest. The message names the
    file and the snapshots it affects. Reading never changes the store: the file stays where it is."""


class StoreReadError(StoreError):
    """A store file whose bytes are intact (they match their recorded SHA-256) cannot be parsed by
    the library reading it here (an older or newer pyarrow, a missing codec). This is not damage:
    nothing is moved or changed, and a reader with a working library reads the store whole. The
    message names the file, the library and its version."""


class LegacyLayoutError(StoreError):
    """A write (``snapshot``, ``import_files``, ``import_bodies``, ``compact``) to a store in the
    earlier parquet layout, which orcatalog reads but no longer writes. Raised before anything is
    fetched or written; the message names ``orcatalog migrate OLD NEW`` (the library call:
    :func:`orcatalog.store.migrate.migrate`), which copies the store into the Delta layout."""


class MixedScopeError(StoreError, ValueError):
    """Frames from different scopes (a filtered, regional or per-user fetch against the full
    catalog) were compared; pass ``allow_mixed=True`` to compare them anyway."""


class ResponseError(OrcatalogError):
    """An HTTP answer orcatalog cannot use.

    Attributes:
        url: the request URL with secrets removed.
        status: the HTTP status code, or None.
        attempts: how many attempts were made.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts


class InvalidResponseError(ResponseError):
    """The body is not valid JSON (an HTML page, a truncated body, a wrong content type)."""


class BodyTooLargeError(InvalidResponseError):
    """The decoded body passed the client's size cap (``Client(max_body_bytes=...)``, default
    64 MiB); reading stopped there and nothing was cached."""


class SchemaError(ResponseError):
    """The body is JSON but not shaped like the endpoint's answer (``data`` missing, duplicate ids,
    a value of the wrong JSON type; the rules are in :mod:`orcatalog.schema`). Such a body is never
    cached or stored."""


class APIError(ResponseError):
    """The API answered with an error body ``{"error": {"code", "message"}}`` or an error status.

    Attributes:
        code: the API's error code (often the HTTP status), or None.
        api_message: the API's error message, or None.
        retry_after: seconds the server asked us to wait (429/503), or None.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        code: int | str | None = None,
        api_message: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, url=url, status=status, attempts=attempts)
        self.code = code
        self.api_message = api_message
        self.retry_after = retry_after


class BadRequestError(APIError):
    """HTTP 400: the API rejected the parameters."""


class UnauthorizedError(APIError):
    """HTTP 401: missing or invalid API key."""


class PaymentRequiredError(APIError):
    """HTTP 402: the account has no credits left."""


class ForbiddenError(APIError):
    """HTTP 403: authenticated but not allowed (or blocked by the CDN)."""


class NotFoundError(APIError, LookupError):
    """HTTP 404: no such model or resource."""


class RateLimitError(APIError):
    """HTTP 429: too many requests, and waiting would exceed the retry budget."""


class ServerError(APIError):
    """HTTP 5xx (or 408): the server failed; retried within the budget before this is raised."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    402: PaymentRequiredError,
    403: ForbiddenError,
    404: NotFoundError,
    408: ServerError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """The error class for an HTTP status code: the one place statuses map to errors."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return APIError


#: How a library message says to record a store: the library's own calls. The command line says its
#: commands instead (``orcatalog snapshot`` / ``orcatalog import``): the one translation is
#: :func:`orcatalog.cli.errors.in_command_words`, so each caller gets the words it can type.
RECORD_A_STORE = "SnapshotStore.snapshot() or .import_files()"


class OrcatalogWarning(RuntimeWarning):
    """Base of every warning orcatalog gives (filter them all with this class)."""


class AsOfWarning(OrcatalogWarning):
    """An as-of answer a user must see (:func:`orcatalog.times.answer_warning`): a time in the
    future, an answer from a snapshot more than a week older, or a time before the first snapshot.
    The command line says it as its own note lines and ignores this warning."""


class PartialSnapshotWarning(OrcatalogWarning):
    """A snapshot flagged partial (far fewer models than the previous one of its scope) was
    recorded, loaded, diffed or watched; a command that says what it means for its own answer
    (``diff``) ignores the loading one."""


class TwinSnapshotWarning(OrcatalogWarning):
    """An answer met two different snapshots of one scope at one time (twins, which older stores
    hold): it says which one it used and why (``load``), or that it kept both (``history``)."""


class StoreDamageWarning(OrcatalogWarning):
    """Store files that cannot be read were left out of an answer (named in the message); answers
    that would need them raise :class:`StoreDamagedError` instead."""


class CacheDamageWarning(OrcatalogWarning):
    """A damaged HTTP cache entry was ignored (the next fresh answer replaces it), or an unreadable
    cache file was moved aside and an empty cache started."""


class UnreadableValueWarning(OrcatalogWarning):
    """Values of the right JSON type that cannot be read (a price ``"n/a"``, a date ``"soon"``)
    were kept in the frame's ``extra`` column (the message names model and field)."""


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` attributed to the first frame outside the orcatalog package: the user's
    call (``store.load()``, ``oc.frames.models_frame(...)``), however deep inside the library the
    warning arose, so ``filename`` / ``lineno`` (and the default filter's once-per-location) are
    the user's, never a library module's. (Python 3.12's ``skip_file_prefixes`` does the same;
    orcatalog supports 3.11.)"""
    import os
    import sys
    import warnings
    from types import FrameType
    from typing import cast

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    level, frame = 2, cast("FrameType | None", sys._getframe(1))
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class UnknownModelWarning(OrcatalogWarning):
    """A model asked for by id (``watch``, ``SnapshotStore.history(ids=)``,
    ``SnapshotStore.endpoint_history``) is in none of the snapshots read: check the id (the message
    suggests the closest one, :func:`orcatalog.suggest.no_model_words`)."""
