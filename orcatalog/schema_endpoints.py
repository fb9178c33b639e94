"""The endpoints and providers contracts' earlier import path, kept for code that uses it: they live in
:mod:`orcatalog.schema.endpoints` (import them from there)."""

from .schema.endpoints import (
    ENDPOINT_COLUMNS,
    ERROR_COLUMN,
    PERCENTILES,
    PROVIDER_COLUMNS,
    STATUS_LABELS,
    effective_price,
    endpoint_label,
    status_label,
)

__all__ = [
    "ENDPOINT_COLUMNS",
    "ERROR_COLUMN",
    "PROVIDER_COLUMNS",
    "STATUS_LABELS",
    "status_label",
    "endpoint_label",
    "effective_price",
    "PERCENTILES",
]
