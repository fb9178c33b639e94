"""The counts of a workload, checked: the one count rule (:func:`bad_counts`: a whole number from 0
to :data:`MAX_COUNT`, for tokens, requests, searches and images alike), the API's usage names read
as our argument names, parts of prompt/completion tokens never above their whole
(:func:`_check_parts`), and :func:`check_workload`, which checks one workload without a catalog.
The argument names are those of :data:`orcatalog.workload.COMPONENTS` (the one table of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InvalidParameterError
from ...workload import COMPONENTS, TOKEN_ARGUMENTS
from ..catalog import output_modalities_arg
from .overrides import _clock


#: The token counts (prompt and completion and their parts), and the item counts that are always
#: counted (``requests`` is counted only when given).
_TOKEN_COUNTS = tuple(c.argument for c in COMPONENTS if c.argument.endswith("_tokens"))
_ITEM_COUNTS = tuple(c.argument for c in COMPONENTS if not c.argument.endswith("_tokens") and c.argument != "requests")

#: The API's ChatUsage names (nested, or flattened with dots) -> our argument names (from COMPONENTS).
_USAGE_NAMES = {c.usage: c.argument for c in COMPONENTS if c.usage}


#: The most a workload may count of one thing (tokens, requests, searches, images): ten trillion,
#: above a year of any single user's traffic. More is a slip (an exponent too many), not a workload.
MAX_COUNT = 10**13
#: What a count must be, in words (every refusal of a count says it).
COUNT_RULE = f"a whole number from 0 to {MAX_COUNT:,} (10^13)"


def bad_counts(values: Any) -> np.ndarray:
    """The one rule of a workload's counts (tokens, requests, searches, images), elementwise: True
    where a value is not a whole number from 0 to :data:`MAX_COUNT` (NaN, infinite, negative,
    fractional or too large). Used by :func:`estimate_cost` / :func:`check_workload` (scalars),
    :func:`orcatalog.analysis.price_at` (usage columns) and the command line's count options."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(~np.isfinite(v) | (v < 0) | (v > MAX_COUNT) | (v != np.floor(v)))


def _count(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or bad_counts(value):
        raise InvalidParameterError(f"{name}={value!r} is invalid: give {COUNT_RULE} of tokens or items")
    return float(value)


def _flatten_usage(usage: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in usage.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten_usage(value, name + "."))
        else:
            out[name] = value
    return out


def _usage_counts(usage: Mapping[str, Any]) -> dict[str, float]:
    """A ChatUsage mapping (nested or dotted names, or our argument names) -> our arguments."""
    flat = _flatten_usage(usage)
    out: dict[str, float] = {}
    for name, value in flat.items():
        target = _USAGE_NAMES.get(name, name if name in TOKEN_ARGUMENTS else None)
        if target is not None and value is not None:
            out[target] = _count(name, value)
    if "prompt_tokens" not in out and "completion_tokens" not in out:
        raise InvalidParameterError(
            "the usage mapping has neither prompt_tokens nor completion_tokens (the API's usage object names)"
        )
    return out


def _check_parts(counts: Mapping[str, Any], rows: pd.Index | None = None) -> None:
    """Parts of prompt/completion tokens may not exceed them (row-wise for arrays; ``rows`` names
    the usage rows in the message)."""
    for side in ("prompt", "completion"):
        whole = np.asarray(counts.get(f"{side}_tokens", 0.0), dtype=float)
        parts = [c.argument for c in COMPONENTS if c.part_of == side and np.any(counts.get(c.argument, 0.0))]
        over = sum(np.asarray(counts[p], dtype=float) for p in parts) > whole if parts else np.False_
        if np.any(over):
            what = f"{parts[0]} is a part" if len(parts) == 1 else f"{' + '.join(parts)} are parts"
            where = f" (usage row {rows[int(np.flatnonzero(over)[0])]!r})" if rows is not None and np.ndim(over) else ""
            raise InvalidParameterError(
                f"{what} of {side}_tokens (as in the API's usage object) and cannot exceed it{where}"
            )


def _nonzero(amount: Any) -> bool:
    """Whether a count (a number, or an array of per-row counts) is non-zero anywhere."""
    return bool(amount) if isinstance(amount, (int, float)) else bool(np.asarray(amount).any())


def check_workload(
    prompt_tokens: int | float | Mapping[str, Any] = 0,
    completion_tokens: int | float = 0,
    *,
    cached_tokens: int | float = 0,
    cache_write_tokens: int | float = 0,
    reasoning_tokens: int | float = 0,
    requests: int | None = None,
    web_searches: int | float = 0,
    images: int | float = 0,
    audio_tokens: int | float = 0,
    audio_output_tokens: int | float = 0,
    image_output_tokens: int | float = 0,
    at: Any = None,
    output_modalities: Any = None,
) -> dict[str, float]:
    """The counts of one workload, checked as :func:`estimate_cost` checks them, without a catalog
    (the command line checks its options with it before fetching anything).

    Returns:
        ``{argument name: count}`` (floats; ``requests`` only when given).

    Raises:
        InvalidParameterError: as :func:`estimate_cost`.
    """
    given = locals()  # the arguments, read by the names of COMPONENTS (the one list of them)
    tokens = {name: given[name] for name in _TOKEN_COUNTS}
    if isinstance(prompt_tokens, Mapping):
        if any(v for name, v in tokens.items() if name != "prompt_tokens"):
            raise InvalidParameterError("give either a usage mapping or token arguments, not both")
        counts = _usage_counts(prompt_tokens)
    else:
        counts = {k: _count(k, v) for k, v in tokens.items()}
    for name in _ITEM_COUNTS:
        counts[name] = _count(name, given[name])
    if requests is not None:
        if (
            isinstance(requests, bool)
            or not isinstance(requests, (int, np.integer))
            or requests < 1
            or bad_counts(requests)
        ):
            raise InvalidParameterError(
                f"requests={requests!r} is invalid: give an int from 1 to {MAX_COUNT:,} (or None)"
            )
        counts["requests"] = float(requests)
    _check_parts(counts)
    _clock(at, 0)
    if output_modalities is not None:
        output_modalities_arg(output_modalities)
    return counts
