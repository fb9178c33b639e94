"""The column contracts: every column of a frame, its dtype and its unit, and the price rules, in
one place. One module per concern, each the one home of the rules its docstring names:

- :mod:`.columns`: the models contract (:data:`COLUMNS`, :data:`FAMILIES`, :data:`STORE_COLUMNS`),
  the dtype names, what a value of the wrong JSON type does (:func:`dtype_of`);
- :mod:`.prices`: the price keys and their units (:data:`PRICE_UNITS`, :func:`image_is_token_rate`),
  the zero/absent rule (:func:`settled_prices`), the price-column rule (:func:`is_price_column`);
- :mod:`.free`: the ``is_free`` rule (:func:`is_free_rule`) and the rows priced only otherwise;
- :mod:`.display`: how a price is shown (units, headings, the unknown-unit note, the blanks and
  their footnotes);
- :mod:`.endpoints`, :mod:`.usage`: the endpoints and providers contracts, the activity and
  generation contracts (imported on first use: ``orcatalog.schema.endpoints``).

Every public name of the first four is importable from here (``from orcatalog.schema import
COLUMNS``). ``help(orcatalog.schema)`` shows their docstrings below, the declared contract rendered.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import columns, display, free, prices
from .columns import (
    COLUMNS,
    FAMILIES,
    KNOWN_DEFAULT_KEYS,
    KNOWN_MODALITIES,
    KNOWN_PRICE_KEYS,
    MAX_COUNT,
    MAX_TIME,
    MIN_TIME,
    OUTPUT_MODALITIES,
    SCHEMA_VERSION,
    STORE_COLUMNS,
    Column,
    dtype_of,
)
from .columns import bool_array as bool_array  # a helper the package's modules share, not public
from .prices import (
    BASE_PRICE_KEYS,
    PER_UNIT_PRICE_KEYS,
    PRICE_UNITS,
    TOKEN_PRICE_KEYS,
    UNKNOWN_UNIT,
    image_is_token_rate,
    is_price_column,
    price_columns,
    price_unit,
    settled_price_arrays,
    settled_prices,
)
from .free import (
    OUTPUT_PRICE_KEYS,
    UNPRICED_OUTPUTS,
    frame_is_free,
    frame_unlisted_outputs,
    is_free_rule,
    lists_only_zero_prices,
    priced_only_otherwise,
    output_price_unlisted,
    without_token_price,
    priced_first,
    unlisted_output_prices,
)
from .display import (
    PER_TOKEN_COLUMNS,
    how_priced,
    not_in_column_unit,
    price_display_unit,
    price_display_units,
    price_field,
    price_heading,
    unknown_price_columns,
    unknown_unit_note,
    usd_text,
)

__all__ = [
    "Column",
    "is_price_column",
    "COLUMNS",
    "FAMILIES",
    "SCHEMA_VERSION",
    "KNOWN_PRICE_KEYS",
    "BASE_PRICE_KEYS",
    "KNOWN_MODALITIES",
    "OUTPUT_MODALITIES",
    "KNOWN_DEFAULT_KEYS",
    "MIN_TIME",
    "MAX_TIME",
    "MAX_COUNT",
    "settled_prices",
    "settled_price_arrays",
    "price_columns",
    "lists_only_zero_prices",
    "is_free_rule",
    "frame_is_free",
    "frame_unlisted_outputs",
    "unlisted_output_prices",
    "OUTPUT_PRICE_KEYS",
    "UNPRICED_OUTPUTS",
    "dtype_of",
    "STORE_COLUMNS",
    "PER_UNIT_PRICE_KEYS",
    "PRICE_UNITS",
    "TOKEN_PRICE_KEYS",
    "UNKNOWN_UNIT",
    "price_unit",
    "price_display_unit",
    "price_display_units",
    "price_heading",
    "price_field",
    "unknown_price_columns",
    "unknown_unit_note",
    "usd_text",
    "image_is_token_rate",
    "priced_only_otherwise",
    "output_price_unlisted",
    "without_token_price",
    "priced_first",
    "how_priced",
    "not_in_column_unit",
    "PER_TOKEN_COLUMNS",
]

#: Submodules imported on first attribute access (they import numpy; ``import orcatalog.schema`` stays light).
_LAZY_SUBMODULES = ("endpoints", "usage")

#: help(orcatalog.schema): this overview, then each module's rules (the declared contract rendered).
__doc__ = "\n\n".join([__doc__ or "", *(m.__doc__ or "" for m in (columns, prices, free, display))])


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
