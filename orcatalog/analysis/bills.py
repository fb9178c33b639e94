"""Where a bill and its list price disagree, and why it may be (the one home of that rule).

:func:`bill_reasons` compares what OpenRouter billed each usage row with the row at its model's
list price and names the likely reason; :func:`cache_reads_explain` says whether a share of cache
reads (which the activity does not count) can explain a bill. Pure functions on arrays (USD);
:func:`orcatalog.analysis.reprice` calls them for every row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ROUNDING_USD", "CACHE_READS", "cache_reads_explain", "bill_reasons"]

#: Half the last decimal of the API's USD amounts (six decimals): a list price this close to the
#: bill reproduces it "within rounding".
ROUNDING_USD = 5e-7
#: The reason of a row whose bill lies between its list price with every prompt token a cache read
#: and its list price with none (within :data:`ROUNDING_USD`): some share of cache reads, which the
#: activity does not count, reproduces it. Such a row ``agrees``.
CACHE_READS = "cache reads explain it"


def cache_reads_explain(usage_usd: np.ndarray, list_usd: np.ndarray, all_cached_usd: np.ndarray) -> np.ndarray:
    """Whether a share of cache reads can explain each bill (the one rule): the bill lies between
    the list price with every prompt token a cache read (``all_cached_usd``) and the list price
    with none (``list_usd``), each side within :data:`ROUNDING_USD`. USD arrays of one length;
    NaN anywhere gives False."""
    bill = np.asarray(usage_usd, dtype=float)
    high, low = np.asarray(list_usd, dtype=float), np.asarray(all_cached_usd, dtype=float)
    with np.errstate(invalid="ignore"):
        return (bill <= high + ROUNDING_USD) & (bill >= low - ROUNDING_USD)  # type: ignore[no-any-return]


def bill_reasons(
    usage_usd: np.ndarray,
    list_usd: np.ndarray,
    byok_requests: np.ndarray | None,
    note: Any,
    all_cached_usd: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.Categorical]:
    """Where a row's bill and its list price disagree, and the likely reason (the one rule).

    Args:
        usage_usd: what OpenRouter billed per row (USD; NaN unknown).
        list_usd: the row at its model's list price (USD; NaN when it has none).
        byok_requests: per-row BYOK request counts, or None.
        note: per-row notes of the list price (why there is none; null for none): a Categorical
            or anything ``pd.Categorical`` takes.
        all_cached_usd: the rows at list price with every prompt token a cache read (USD), when
            the usage does not count cache reads; None when it does.

    Returns:
        ``(agrees, reason)``: a bool array (within :data:`ROUNDING_USD`, or within the range cache
        reads explain, :func:`cache_reads_explain`; False when either side is unknown) and a
        Categorical: null when they agree at list price; :data:`CACHE_READS` when they agree
        through cache reads; ``"byok"`` (the provider billed on the
        user's own key: OpenRouter's bill is a fee, not the inference); ``"billed below list"``
        (cache reads the activity does not count, a discount, or a cheaper endpoint than the
        model's list price); ``"billed above list"`` (a dearer endpoint, a price change, or a
        time-of-day price); the list price's note when it has none (``"no list price"`` without
        one); ``"no bill"``.
    """
    note = note if isinstance(note, pd.Categorical) else pd.Categorical(note)
    diff = usage_usd - list_usd
    agrees = np.abs(diff) <= ROUNDING_USD + 1e-12
    texts = [
        "billed below list",
        "billed above list",
        "no bill",
        "byok",
        "no list price",
        CACHE_READS,
        *map(str, note.categories),
    ]
    codes = np.where(diff < 0, 0, 1).astype(np.int32)
    if all_cached_usd is not None:
        cached = ~agrees & cache_reads_explain(usage_usd, list_usd, all_cached_usd)
        codes[cached] = 5
        agrees = agrees | cached
    codes[agrees & (codes != 5)] = -1
    codes[np.isnan(usage_usd)] = 2
    unknown = np.isnan(list_usd)
    own = np.asarray(note.codes)
    codes[unknown] = np.where(own[unknown] >= 0, own[unknown] + 6, 4)
    if byok_requests is not None:
        byok = np.nan_to_num(np.asarray(byok_requests, dtype=float)) > 0
        codes[byok] = 3
        agrees = agrees & ~byok
    used = np.unique(codes[codes >= 0])
    remap = np.full(len(texts), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    reason = pd.Categorical.from_codes(
        np.where(codes >= 0, remap[np.maximum(codes, 0)], -1),
        categories=pd.Index([texts[i] for i in used], dtype=object),
    )
    return agrees & ~unknown & ~np.isnan(usage_usd), reason
