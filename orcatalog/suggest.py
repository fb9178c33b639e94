"""The one rule for "did you mean": :func:`closest` picks the known value a typo most likely meant,
:func:`did_you_mean` words it. Every suggestion orcatalog makes (filters, sorts, modalities, columns,
model ids, token columns) comes from here. An id the catalog listed once and lists no more is not a
typo: given the ids no longer listed and when each was last seen, :func:`did_you_mean` says so
(``last seen 2026-01-01 00:00 UTC, no longer listed``) instead of offering a look-alike.

A suggestion keeps the kind and the author of what was typed: an id that names what its model makes
(:data:`KIND_WORDS`: ``qwen/qwen3-embedding-8b`` an embedding model) gets an id of that kind or no
suggestion, never a text model such as ``qwen/qwen3-8b``; between equally alike look-alikes, one of the typed
author's ids wins.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["KIND_WORDS", "closest", "did_you_mean", "kinds_named", "no_model_words"]

#: What a model makes (its output modality, :data:`orcatalog.schema.OUTPUT_MODALITIES`) -> the
#: starts of the words that name it in an id (``text-embedding-3-small``, ``mistral-embed``,
#: ``rerank-2.5``, ``gpt-4o-mini-tts``, ``whisper-1``, ``gpt-image-1``, ``imagen-4``). Ids are the
#: only evidence a typo carries: its model is not in the catalog, so its modalities are unknown.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "embeddings": ("embed",),
    "rerank": ("rerank",),
    "speech": ("tts",),
    "transcription": ("whisper", "transcri"),
    "image": ("image",),
    "video": ("video",),
    "audio": ("audio",),
}

_WORD = re.compile(r"[a-z0-9]+")


def kinds_named(text: str) -> frozenset[str]:
    """The kinds of model (:data:`KIND_WORDS`' keys) a value's words name: a word starting with one
    of a kind's word starts (``embedding``, ``embed``) names it; case does not matter.

    Args:
        text: a model id, or any name.

    Returns:
        The kinds named, empty for most ids (a text model's id names none).
    """
    words = _WORD.findall(text.lower())
    return frozenset(kind for kind, starts in KIND_WORDS.items() if any(w.startswith(starts) for w in words))


def closest(value: str, known: Iterable[object], *, cutoff: float = 0.6) -> str | None:
    """The known value ``value`` most likely meant, or None.

    A value that names a kind of model (:func:`kinds_named`: ``openai/text-embedding-3-large`` an
    embedding model) is compared with known values of that kind only: no suggestion is better than a
    model of another kind. Then a known value that starts with what was typed wins (the shortest
    such, then the first in alphabetical order: ``mistralai/mistral-7b`` ->
    ``mistralai/mistral-7b-instruct``), then a model id whose part after the author starts with it
    (``gpt-4o`` -> ``openai/gpt-4o``); otherwise the closest by :func:`difflib.get_close_matches`
    with ``cutoff`` (0 to 1: how alike they must be), an id of the typed author first among equally
    alike ones, compared without case when no exact-case match is close enough.

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
    kinds = kinds_named(value)
    if kinds:  # an id that says what its model makes gets one that makes the same, or nothing
        names = [n for n in names if kinds & kinds_named(n)]
    starting = sorted((n for n in names if n.startswith(value)), key=lambda n: (len(n), n))
    if starting:
        return starting[0]
    if "/" not in value:  # a model id typed without its author: ``gpt-4o`` -> ``openai/gpt-4o``
        slugs = sorted((n for n in names if n.partition("/")[2].startswith(value)), key=lambda n: (len(n), n))
        if slugs:
            return slugs[0]
    return _alike(value, names, cutoff)


def _author(name: str) -> str:
    """A model id's author, the same for an alias (``~x-ai/grok-latest``: ``x-ai``)."""
    return name.partition("/")[0].lstrip("~")


def _alike(value: str, names: list[str], cutoff: float) -> str | None:
    """The name most like ``value`` by difflib at ``cutoff`` (without case when none is close with
    it); between equally alike model ids, one of the typed author's wins. (A larger preference for
    the author was measured on typos of recorded ids and did worse: a typo is as often in the
    author, ``x-ai/glm-5.2`` for ``z-ai/glm-5.2``, and the rest of an id says more.)"""
    author = _author(value) if "/" in value else None
    for typed, pool in ((value, {n: n for n in names}), (value.lower(), {n.lower(): n for n in names})):
        close = difflib.get_close_matches(typed, list(pool), n=5, cutoff=cutoff)
        if close:  # difflib's score (its argument order), then the typed author; max keeps difflib's order
            scores = [
                (difflib.SequenceMatcher(None, c, typed).ratio(), author is not None and _author(pool[c]) == author)
                for c in close
            ]
            return pool[close[scores.index(max(scores))]]
    return None


def did_you_mean(
    value: str, known: Iterable[object], *, cutoff: float = 0.6, unlisted: Mapping[str, Any] | None = None
) -> str:
    """`` (did you mean 'x'?)`` for :func:`closest`'s answer, or an empty string.

    Args:
        value, known, cutoff: as :func:`closest`.
        unlisted: ids not listed in the answer asked about that other snapshots list -> when each
            was last seen (a time, UTC, or text), ``(last seen, listed again)`` for one a later
            snapshot lists again (absent then, not retired), or ``(None, first listed)`` for one only
            later snapshots list. ``value`` among them gets :func:`absence_words` (`` (last seen
            <time>, no longer listed)``, ``not listed then: last seen <time>, listed again from
            <time>``, ``not listed yet then: first listed <time>``), not a look-alike; a typo whose
            closest id is one of them names it so.

    Returns:
        The suggestion with a leading space and parentheses, or an empty string.
    """
    gone = {str(k): v for k, v in (unlisted or {}).items()}
    if value in gone:
        return f" ({absence_words(gone[value])})"
    listed = list(known)
    match = closest(value, [*listed, *gone], cutoff=cutoff)
    if match is None:
        return ""
    gone_only = match in gone and match not in {str(k) for k in listed}
    seen = f" {absence_words(gone[match])}" if gone_only else ""
    return f" (did you mean {match!r}?{seen})"


def absence_words(seen: Any) -> str:
    """How an id missing from the answer asked about is said (the one wording of the ``show``
    and ``cost`` errors and notes): last seen, and whether a later snapshot lists it again
    (``(last seen, listed again)``) or none does (no longer listed); ``(None, first listed)``: not
    listed yet then."""
    if isinstance(seen, tuple):
        last, back = seen
        if last is None:
            return f"not listed yet then: first listed {_when(back)}"
        if back is not None:
            return f"not listed then: last seen {_when(last)}, listed again from {_when(back)}"
        seen = last
    return f"last seen {_when(seen)}, no longer listed"


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
