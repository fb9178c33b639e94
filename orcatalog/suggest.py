"""The one rule for "did you mean": :func:`closest` picks the known value a typo most likely meant,
:func:`did_you_mean` words it. Every suggestion orcatalog makes (filters, sorts, modalities, columns,
model ids, token columns) comes from here. An id the catalog listed once and lists no more is not a
typo: given the ids no longer listed and when each was last seen, :func:`did_you_mean` says so
(``last seen 2026-01-01 00:00 UTC, no longer listed``) instead of offering a look-alike.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["closest", "did_you_mean", "no_model_words"]


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


def did_you_mean(
    value: str, known: Iterable[object], *, cutoff: float = 0.6, unlisted: Mapping[str, Any] | None = None
) -> str:
    """`` (did you mean 'x'?)`` for :func:`closest`'s answer, or an empty string.

    Args:
        value, known, cutoff: as :func:`closest`.
        unlisted: ids no longer listed (listed once, absent from the answer asked about) -> when each
            was last seen (a time, UTC, or text). ``value`` among them gets `` (last seen <time>, no
            longer listed)``, not a look-alike; a typo whose closest id is one of them names it so.

    Returns:
        The suggestion with a leading space and parentheses, or an empty string.
    """
    gone = {str(k): v for k, v in (unlisted or {}).items()}
    if value in gone:
        return f" (last seen {_when(gone[value])}, no longer listed)"
    listed = list(known)
    match = closest(value, [*listed, *gone], cutoff=cutoff)
    if match is None:
        return ""
    gone_only = match in gone and match not in {str(k) for k in listed}
    seen = f" last seen {_when(gone[match])}, no longer listed" if gone_only else ""
    return f" (did you mean {match!r}?{seen})"


def no_model_words(missing: Iterable[object], known: Iterable[object]) -> str:
    """The one wording of model ids asked for and not found, each with its suggestion:
    ``"no model 'openai/gpt4o' (did you mean 'openai/gpt-4o'?)"``, several joined by commas. The
    library's :class:`~orcatalog.errors.UnknownModelWarning` (``history(ids=)``,
    ``endpoint_history``, ``watch``) and the command line's "no model" errors say it so.

    Args:
        missing: the ids not found (in the order asked).
        known: the ids that could have been meant.
    """
    listed = [str(k) for k in known]
    return "no model " + ", ".join(f"{str(m)!r}{did_you_mean(str(m), listed)}" for m in missing)


def _when(value: Any) -> str:
    """A last-seen time as the suggestions show it: minutes, UTC (text is kept as it is)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else str(value)
