"""orcatalog: the OpenRouter models API as clean pandas DataFrames.

    >>> import orcatalog as oc
    >>> df = oc.fetch_models()                 # the whole catalog, one row per model
    >>> df[["id", "prompt_usd_per_mtok", "context_length"]].sort_values("prompt_usd_per_mtok")

Columns, dtypes and units: :mod:`orcatalog.schema`. Errors: :mod:`orcatalog.errors`.
Offline tests and notebooks: :mod:`orcatalog.testing` (a replay server on loopback).
"""


from .fetch.http import RetryConfig
from .fetch.client import Client, count_models, fetch_model, fetch_models, fetch_user_models
from .export import to_csv, to_parquet
from .analysis.changes import diff, lifecycle, price_changes
from .store import SnapshotStore
from .errors import (
    APIError,
    BadRequestError,
    BodyFileError,
    CacheError,
    ForbiddenError,
    InvalidParameterError,
    InvalidResponseError,
    NotFoundError,
    NotInCacheError,
    OrcatalogError,
    PaymentRequiredError,
    RateLimitError,
    RequestTimeoutError,
    ResponseError,
    SchemaError,
    ServerError,
    SnapshotConflictError,
    SnapshotNotFoundError,
    StoreDamagedError,
    StoreError,
    StoreWriteError,
    MixedScopeError,
    TransportError,
    UnauthorizedError,
)

__version__ = "0.1.0"

__all__ = [
    "Client",
    "RetryConfig",
    "fetch_models",
    "fetch_model",
    "count_models",
    "fetch_user_models",
    "SnapshotStore",
    "diff",
    "price_changes",
    "lifecycle",
    "to_csv",
    "to_parquet",
    "OrcatalogError",
    "InvalidParameterError",
    "TransportError",
    "RequestTimeoutError",
    "NotInCacheError",
    "BodyFileError",
    "CacheError",
    "ResponseError",
    "InvalidResponseError",
    "SchemaError",
    "APIError",
    "BadRequestError",
    "UnauthorizedError",
    "PaymentRequiredError",
    "ForbiddenError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "StoreDamagedError",
    "StoreError",
    "StoreWriteError",
    "SnapshotConflictError",
    "SnapshotNotFoundError",
    "MixedScopeError",
    "__version__",
]
