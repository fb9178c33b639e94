"""The one rule for "did you mean": :func:`closest` picks the known value a typo most likely meant,
:func:`did_you_mean` words it. Every suggestion orcatalog makes (filters, sorts, modalities, columns,
model ids, token columns) comes from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean"]


def closest(value: str, known: Iterable[object], *, cutoff: float = 0.6) -> str | None:
    """The known value ``value`` most likely meant, or None.

    A known value that starts with what was typed wins (the shortest such, then the first in
    alphabetical order: ``mistralai/mistral-7b`` -> ``mistralai/mistral-7b-instruct``), then a model
    id whose part after the author starts with it (``gpt-4o`` -> ``openai/gpt-4o``); otherwise the
    closest by :func:`difflib.get_close_matches` with ``cutoff`` (0 to 1: how alike they must be),
    compared without case when no exact-case match is close enough.

    Args:
        value: what was typed.
        known: the valid values (any iterable; non-strings are compared as text).
        cutoff: difflib's similarity threshold for the fallback.

    Returns:
        One known value, or None when nothing is close (or ``value`` is itself known).
    """
    names = list(dict.fromkeys(str(k) for k in known))
    value = str(value)
    if not value or value in names:
        return None
    starting = sorted((n for n in names if n.startswith(value)), key=lambda n: (len(n), n))
    if starting:
        return starting[0]
    if "/" not in value:  # a model id typed without its author: ``gpt-4o`` -> ``openai/gpt-4o``
        slugs = sorted((n for n in names if n.partition("/")[2].startswith(value)), key=lambda n: (len(n), n))
        if slugs:
            return slugs[0]
    close = difflib.get_close_matches(value, names, n=1, cutoff=cutoff)
    if close:
        return close[0]
    lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(value.lower(), list(lower), n=1, cutoff=cutoff)
    return lower[close[0]] if close else None


def did_you_mean(value: str, known: Iterable[object], *, cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for :func:`closest`'s answer, or an empty string."""
    match = closest(value, known, cutoff=cutoff)
    return f" (did you mean {match!r}?)" if match is not None else ""
