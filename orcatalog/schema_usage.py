"""The usage contracts' earlier import path, kept for code that uses it: they live in
:mod:`orcatalog.schema.usage` (import them from there)."""

from .schema.usage import ACTIVITY_COLUMNS, GENERATION_COLUMNS, USAGE_REQUIRED, billed_usd

__all__ = ["ACTIVITY_COLUMNS", "GENERATION_COLUMNS", "USAGE_REQUIRED", "billed_usd"]
