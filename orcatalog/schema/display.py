"""How a price is shown: the one home of the display unit (per-token prices in USD per million
tokens, :func:`price_display_unit`), of a table's heading with the unit in its name
(:func:`price_heading`) and the names a price field goes by (:func:`price_field`), of the
unknown-unit note (:func:`unknown_unit_note`), and of the rule every table, ``show``, ``prices`` and
price chart blanks a value by when it is not a price in the column's unit
(:func:`not_in_column_unit`), with the footnote that says how such a row is priced
(:func:`how_priced`). The units themselves are :mod:`orcatalog.schema.prices`.
"""

from __future__ import annotations

from typing import Any

from .free import priced_only_otherwise
from .prices import (
    BASE_PRICE_KEYS,
    PER_UNIT_PRICE_KEYS,
    UNKNOWN_UNIT,
    image_is_token_rate,
    is_price_column,
    price_unit,
    settled_price_arrays,
)


def usd_text(value: float) -> str:
    """An amount in USD as a sentence shows it: cents from $1 up (``$1,234.56``), three significant
    digits below (``$0.000288``: rounding a priced row to ``$0.00`` would read as free), ``$0`` for 0.

    Args:
        value: USD (a float; NaN gives ``$nan``).
    """
    import numpy as np

    if not np.isfinite(value) or abs(value) >= 1:
        return f"${value:,.2f}"
    if value == 0:
        return "$0"
    return "$" + np.format_float_positional(value, precision=3, fractional=False, trim="-")


def price_display_unit(column: str) -> tuple[str, float]:
    """The unit in which change reports (``diff``, ``price_changes``, ``movers``) show a
    ``price_<key>`` column.

    Per-token prices are tiny numbers (``2.4e-07``) that displays round to ``0.0``; reports show
    them in USD per million tokens, the unit of the OpenRouter website. Per-request, per-image
    and per-search prices (:data:`PER_UNIT_PRICE_KEYS`) keep their own unit, and a key of unknown
    unit (:func:`price_unit`) keeps the API's number under the label ``unknown``.

    Args:
        column: a price column name, e.g. ``price_prompt``.

    Returns:
        ``(unit label, factor)``: multiply the column's API value by ``factor`` to get the unit,
        e.g. ``("USD/Mtok", 1e6)``, ``("USD/request", 1.0)`` or ``("unknown", 1.0)``.
    """
    unit = price_unit(column)
    if unit in ("fraction", UNKNOWN_UNIT):
        return unit, 1.0
    if unit == "token":
        return "USD/Mtok", 1e6
    return f"USD/{unit}", 1.0


def price_display_units(column: str, token_rate: Any = None) -> tuple[Any, Any]:
    """:func:`price_display_unit` per row: ``(unit labels, factors)`` as numpy arrays, where a row
    whose ``price_image`` is a per-token rate (``token_rate`` true, :func:`image_is_token_rate`) is
    shown in ``USD/Mtok`` (factor 1e6) instead of ``USD/image``.

    Args:
        column: the price column.
        token_rate: for ``price_image``, a bool array (one per row) from :func:`image_is_token_rate`;
            None for other columns (then every row has the column's unit).

    Returns:
        An object array of unit labels and a float array of factors, one per row (length of
        ``token_rate``, or 1 when it is None, to broadcast).
    """
    import numpy as np

    unit, factor = price_display_unit(column)
    if token_rate is None or price_unit(column) != "image":
        return np.array([unit], dtype=object), np.array([factor])
    rate = np.asarray(token_rate, dtype=bool)
    return np.where(rate, "USD/Mtok", unit).astype(object), np.where(rate, 1e6, factor)


def price_heading(column: str) -> str:
    """The name tables show a price column under, its unit in the name: ``price_<key>_usd_per_mtok``
    for a per-token key (values scaled by :func:`price_display_unit`'s factor, 1e6), ``price_<key>_usd``
    per request / input image / search (:data:`PER_UNIT_PRICE_KEYS`); any other column (a fraction,
    a key of unknown unit, ``prompt_usd_per_mtok``, a non-price) keeps its name.

    Args:
        column: a frame's column name.

    Returns:
        The heading.
    """
    if not is_price_column(column):
        return column
    if price_unit(column) == "token":
        return f"{column}_usd_per_mtok"
    if column[len("price_") :] in PER_UNIT_PRICE_KEYS:
        return f"{column}_usd"
    return column


def price_field(name: str, columns: Any) -> tuple[str, float] | None:
    """The column a price field ``name`` means, by either name it goes by: the column's own
    (``price_input_cache_read``) or the heading tables print it under (:func:`price_heading`,
    ``price_input_cache_read_usd_per_mtok``), with the factor that turns the column's API value
    into the unit the name says.

    Args:
        name: the name a user gave.
        columns: the frame's column names.

    Returns:
        ``(column, factor)``: ``("price_input_cache_read", 1e6)`` for the heading,
        ``("price_input_cache_read", 1.0)`` for the column's own name; None when no column goes by ``name``.
    """
    names = [str(c) for c in columns]
    if name in names:
        return name, 1.0
    for column in names:
        if is_price_column(column) and price_heading(column) == name:
            return column, price_display_unit(column)[1]
    return None


def unknown_price_columns(columns: Any) -> list[str]:
    """The ``price_<key>`` names among ``columns`` whose key has no declared unit (:func:`price_unit`).

    Args:
        columns: column names (a frame's ``columns``, or a list).

    Returns:
        Those names, each once, in their order.
    """
    names = dict.fromkeys(str(c) for c in columns)
    return [c for c in names if is_price_column(c) and price_unit(c) == UNKNOWN_UNIT]


def unknown_unit_note(columns: Any) -> str | None:
    """The one line an answer says, once, when it shows price keys of unknown unit, else None.

    Args:
        columns: the answer's column names, or the price fields it reports.

    Returns:
        ``"price key(s) video_second have no declared unit: ..."`` or None.
    """
    unknown = [c[len("price_") :] for c in unknown_price_columns(columns)]
    if not unknown:
        return None
    return (
        f"price key(s) {', '.join(unknown)} have no declared unit (orcatalog.schema.PRICE_UNITS): "
        "shown as the API wrote them, unit 'unknown', not scaled per million tokens"
    )


#: The per-token price columns of a models frame: what they hold is not a model's price when it
#: is priced otherwise (:func:`priced_only_otherwise`).
PER_TOKEN_COLUMNS: tuple[str, ...] = (
    "price_prompt",
    "price_completion",
    "prompt_usd_per_mtok",
    "completion_usd_per_mtok",
)


def not_in_column_unit(frame: Any, column: str) -> Any:
    """Rows whose value in ``column`` is not a price in the unit the column says: the one rule
    every table, ``show``, ``prices`` and price chart blanks by (and footnotes, :func:`how_priced`).

    - a per-token column (:data:`PER_TOKEN_COLUMNS`) of a model priced otherwise
      (:func:`priced_only_otherwise`: its per-token 0 is not its price);
    - ``price_image`` where it is a per-token rate of image input tokens, not a fee per input image
      (:func:`image_is_token_rate`).

    Args:
        frame: a contract (or history) frame; a frame without the columns a rule needs
            (``price_prompt``, ``price_completion``) has no such rows.
        column: one of its columns.

    Returns:
        A numpy bool array, one value per row.
    """
    import numpy as np

    none = np.zeros(len(frame), dtype=bool)
    if not {"price_prompt", "price_completion"} <= set(frame.columns):
        return none
    if column in PER_TOKEN_COLUMNS:
        return np.asarray(priced_only_otherwise(frame), dtype=bool)
    if column == "price_image":
        image = frame["price_image"].to_numpy(dtype=float, na_value=np.nan)
        prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(image_is_token_rate(image, prompt), dtype=bool)
    return none


_UNIT_WORDS = {
    "token": "USD per token",
    "request": "USD per request",
    "image": "USD per input image",
    "search": "USD per search",
}


def how_priced(frame: Any, column: str = "price_prompt") -> list[str | None]:
    """What each row's price is where its value in ``column`` is not a price in the column's unit
    (:func:`not_in_column_unit`), in words for a footnote or legend: for a per-token column, the
    model's non-zero price keys by unit, e.g. ``"image_output, image_token (USD per token)"``,
    ``"request (USD per request)"``, ``"video_second (unit unknown)"``; for ``price_image``,
    ``"image (USD per image input token)"``. None for other rows.

    Args:
        frame: a contract (or history) frame.
        column: the column shown (default the per-token prompt price).

    Returns:
        One string or None per row.
    """
    import numpy as np

    rows = not_in_column_unit(frame, column)
    out: list[str | None] = [None] * len(frame)
    if not rows.any():
        return out
    if column == "price_image":
        return ["image (USD per image input token)" if r else None for r in rows.tolist()]
    skip = (*BASE_PRICE_KEYS, "discount")
    prices = {c[len("price_") :]: v for c, v in settled_price_arrays(frame).items() if c[len("price_") :] not in skip}
    for i in np.flatnonzero(rows).tolist():
        by_unit: dict[str, list[str]] = {}
        for key, values in prices.items():
            if values[i] > 0:
                by_unit.setdefault(price_unit(key), []).append(key)
        out[i] = "; ".join(
            f"{', '.join(keys)} ({_UNIT_WORDS.get(unit) or f'unit {unit}'})" for unit, keys in by_unit.items()
        )
    return out
