"""orcatalog: the OpenRouter models API as clean pandas DataFrames.

    >>> import orcatalog as oc
    >>> df = oc.fetch_models()                 # the whole catalog, one row per model
    >>> df[["id", "prompt_usd_per_mtok", "context_length"]].sort_values("prompt_usd_per_mtok")

Columns, dtypes and units: :mod:`orcatalog.schema`. Errors: :mod:`orcatalog.errors`.
Offline tests and notebooks: :mod:`orcatalog.testing` (a replay server on loopback).

``import orcatalog`` is light: each public name is imported on first use (PEP 562), so the command
line and ``import orcatalog`` do not pay for pandas, pyarrow or requests until they are needed.
"""

#: ``typing.TYPE_CHECKING`` without importing typing: this module is all the console script runs
#: before its Ctrl-C guard (:mod:`orcatalog._launch`), so it imports nothing, not even its errors
#: (``tests/test_cli.py`` holds the console script at its first other import).
TYPE_CHECKING = False


if TYPE_CHECKING:
    from typing import Any

    from .errors import (
        APIError,
        AsOfWarning,
        CacheDamageWarning,
        OrcatalogWarning,
        PartialSnapshotWarning,
        StoreDamageWarning,
        TwinSnapshotWarning,
        UnknownModelWarning,
        UnreadableValueWarning,
        BadRequestError,
        BodyFileError,
        TableFileError,
        CacheError,
        ForbiddenError,
        InvalidParameterError,
        InvalidResponseError,
        BodyTooLargeError,
        LegacyLayoutError,
        MixedScopeError,
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
        StoreReadError,
        StoreWriteError,
        TransportError,
        UnauthorizedError,
    )

    from .analysis.catalog import fold_variants, select
    from .analysis.changes import diff, lifecycle, price_changes
    from .analysis.cost import estimate_cost
    from .analysis.price_at import price_at
    from .analysis.trends import catalog_events, catalog_size, frontier, market_trend, movers
    from .plot import plot_catalog_size, plot_cost, plot_market_trend, plot_price_history, plot_price_vs_context
    from .report import build_report
    from .export import read_csv, read_parquet, readable, to_csv, to_parquet
    from .fetch.client import Client
    from .fetch.shortcuts import count_models, fetch_model, fetch_models, fetch_user_models
    from .fetch.retry import RetryConfig
    from .fetch.endpoints import fetch_endpoints, fetch_providers
    from .fetch.usage import fetch_activity, fetch_generation
    from .export import read_usage
    from .analysis.reprice.entry import reprice
    from .analysis.endpoints import best_endpoints
    from .plot import plot_endpoints, plot_reprice
    from .store import SnapshotStore
    from .watcher import watch

__version__ = "0.1.0"

#: Public name -> the module that defines it, imported on first access.
_LAZY = {
    "Client": ".fetch.client",
    "fetch_models": ".fetch.shortcuts",
    "fetch_model": ".fetch.shortcuts",
    "count_models": ".fetch.shortcuts",
    "fetch_user_models": ".fetch.shortcuts",
    "RetryConfig": ".fetch.retry",
    "fetch_endpoints": ".fetch.endpoints",
    "fetch_activity": ".fetch.usage",
    "read_usage": ".export",
    "reprice": ".analysis.reprice.entry",
    "fetch_generation": ".fetch.usage",
    "fetch_providers": ".fetch.endpoints",
    "best_endpoints": ".analysis.endpoints",
    "plot_endpoints": ".plot",
    "plot_reprice": ".plot",
    "SnapshotStore": ".store",
    "watch": ".watcher",
    "diff": ".analysis.changes.diff",
    "price_changes": ".analysis.changes.events",
    "lifecycle": ".analysis.changes.listing",
    "estimate_cost": ".analysis.cost",
    "price_at": ".analysis.price_at",
    "movers": ".analysis.trends",
    "market_trend": ".analysis.trends",
    "frontier": ".analysis.trends",
    "catalog_size": ".analysis.trends",
    "catalog_events": ".analysis.trends",
    "select": ".analysis.catalog",
    "fold_variants": ".analysis.catalog",
    "plot_price_history": ".plot",
    "plot_price_vs_context": ".plot",
    "plot_market_trend": ".plot",
    "plot_catalog_size": ".plot",
    "plot_cost": ".plot",
    "build_report": ".report",
    "to_csv": ".export",
    "to_parquet": ".export",
    "read_csv": ".export",
    "read_parquet": ".export",
    "readable": ".export",
}


#: Every submodule and subpackage, read from the package folder on the first attribute asked for
#: (so ``oc.scope``, ``oc.times``, ... work on a fresh import, and a new module needs no entry here;
#: not at import: pkgutil imports inspect, too slow for the console script's first step).
_SUBMODULES: frozenset[str] | None = None


def _submodules() -> frozenset[str]:
    global _SUBMODULES
    if _SUBMODULES is None:
        import pkgutil

        _SUBMODULES = frozenset(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return _SUBMODULES


def __getattr__(name: str) -> "Any":
    from importlib import import_module

    module = _LAZY.get(name, ".errors" if name in __all__ else None)  # the rest: errors and warnings
    if module is None:
        if name in _submodules():
            return import_module(f".{name}", __name__)
        raise AttributeError(f"module 'orcatalog' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The public names (all of them, imported yet or not) and the subpackages already imported."""
    loaded = {k for k, v in globals().items() if getattr(v, "__name__", "").startswith(__name__ + ".")}
    return sorted({*__all__, *loaded, "__doc__", "__name__", "__path__", "__version__"})


__all__ = [
    "Client",
    "RetryConfig",
    "fetch_models",
    "fetch_model",
    "count_models",
    "fetch_user_models",
    "fetch_endpoints",
    "fetch_activity",
    "read_usage",
    "reprice",
    "fetch_generation",
    "fetch_providers",
    "best_endpoints",
    "plot_endpoints",
    "plot_reprice",
    "SnapshotStore",
    "watch",
    "diff",
    "price_changes",
    "lifecycle",
    "estimate_cost",
    "price_at",
    "movers",
    "market_trend",
    "frontier",
    "catalog_size",
    "catalog_events",
    "build_report",
    "select",
    "fold_variants",
    "plot_price_history",
    "plot_price_vs_context",
    "plot_market_trend",
    "plot_catalog_size",
    "plot_cost",
    "to_csv",
    "to_parquet",
    "read_csv",
    "read_parquet",
    "readable",
    "OrcatalogError",
    "InvalidParameterError",
    "TransportError",
    "RequestTimeoutError",
    "NotInCacheError",
    "BodyFileError",
    "TableFileError",
    "CacheError",
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
    "StoreDamagedError",
    "StoreReadError",
    "LegacyLayoutError",
    "StoreError",
    "StoreWriteError",
    "SnapshotConflictError",
    "SnapshotNotFoundError",
    "MixedScopeError",
    "OrcatalogWarning",
    "AsOfWarning",
    "PartialSnapshotWarning",
    "TwinSnapshotWarning",
    "StoreDamageWarning",
    "CacheDamageWarning",
    "UnreadableValueWarning",
    "UnknownModelWarning",
    "__version__",
]
