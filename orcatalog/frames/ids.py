"""The unique-ids rule, in one place: a catalog lists each model id once, as a string.

:func:`catalog_ids` is what the contract frame (:func:`orcatalog.frames.models.models_frame`), the
store's ingest (:func:`orcatalog.store.intake.check_whole`) and the diff
(:func:`orcatalog.analysis.changes.diff`, through :func:`first_duplicate`) call; none of them
checks ids itself. :func:`is_alias_id` is the one rule of what an alias id is.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

from ..errors import SchemaError

H = TypeVar("H", bound=Hashable)


def first_duplicate(ids: Iterable[H]) -> H | None:
    """The first id that appears a second time, in order, or None when every id is unique.

    Args:
        ids: hashable ids (model ids, provider slugs).

    Returns:
        The repeated id, or None.
    """
    seen: set[H] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None


def catalog_ids(models: list[Any], *, url: str | None = None, unique: bool = True) -> list[str]:
    """The ``id`` of each model object, checked by the catalog rule.

    Args:
        models: the ``data`` list of a ``/models`` body.
        url: where it came from, for the message.
        unique: require each id once (a catalog); False for several versions of one model.

    Returns:
        The ids, in order.

    Raises:
        SchemaError: an item is not an object with a string ``id``, or (``unique``) an id appears
            twice; the message names the item or the id, and ``url``.
    """
    where = f" in {url}" if url else ""
    ids = [m.get("id") if type(m) is dict else None for m in models]
    for i, x in enumerate(ids):
        if type(x) is not str:
            raise SchemaError(
                f"model #{i} is not an object with a string 'id'{where}: not a /models body "
                "(a catalog is what GET /models answers: record one with `orcatalog snapshot`)",
                url=url,
            )
    if unique:
        dup = first_duplicate(ids)
        if dup is not None:
            raise SchemaError(f"duplicate model id {dup!r}{where}", url=url)
    return ids  # type: ignore[return-value]


def is_alias_id(model_id: Any) -> bool:
    """Whether a model id is a ``~author/...-latest`` alias: a name that points at another model
    (``alias_target``), and can be pointed elsewhere, so its price moves when its target changes
    although no model's price did (the ``is_alias`` column, :func:`orcatalog.movers`)."""
    return str(model_id).startswith("~")
