"""Bodies taken in: each checked, dated and given its scope before anything is hashed or written.

A :class:`Body` is one body to record with where and when it came from: :func:`make_body` checks it
(:func:`check_whole`) and gives it its scope, :func:`read_bodies` reads them from files and archives,
:func:`given_time` and :func:`utc` read the times a caller gives. Pure work on memory and on the
caller's files: nothing here touches a store.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import BodyFileError, InvalidParameterError, OrcatalogWarning, SchemaError
from ..fetch.params import check_base_url, list_query
from ..frames import bodies
from ..frames.ids import catalog_ids
from ..frames.models import check_body, refuse_empty_catalog
from ..scope import is_unfiltered, scope_of
from ..times import is_date_only, parse_time, stored_time

__all__ = [
    "Body",
    "utc",
    "given_time",
    "check_whole",
    "answered_base_url",
    "answered_query",
    "make_body",
    "read_bodies",
    "warn_if_name_disagrees",
    "show_progress",
]


@dataclass
class Body:
    """One body to record, with where and when it came from."""

    source: str
    fetched_at: pd.Timestamp
    body: dict[str, Any]
    scope: str
    base_url: str | None
    endpoint: str
    query: dict[str, str]
    key_fingerprint: str | None = None
    time_precision: str = "second"

    def __post_init__(self) -> None:
        self.fetched_at = stored_time(self.fetched_at)  # the store keeps microseconds: the one rule


def utc(value: Any, name: str, *, end: bool = False) -> pd.Timestamp:
    """A time argument of the store (``fetched_at``, ``start``, ``end``) as a UTC ``Timestamp``, by
    the one time rule (:func:`orcatalog.times.parse_time`: ISO 8601 or datetime objects; naive
    means UTC; ambiguous text such as ``05/01/2026`` and numbers are refused); ``end=True``: a
    date-only value is the end of a window, through that day.

    Raises:
        InvalidParameterError: not such a time, naming the accepted forms.
    """
    return parse_time(value, name, end=end)


def given_time(value: Any, name: str = "fetched_at") -> tuple[pd.Timestamp, str]:
    """A fetch time a caller gave (``fetched_at=``, ``--fetched-at``, the times of
    ``import_bodies``) as ``(UTC time, time_precision)``, by the rule file names follow
    (:func:`orcatalog.frames.bodies.dated_name`): a date only (``"2026-01-08"``, a
    ``datetime.date``) is ``"day"`` precision, a fetch at an unknown time of that day recorded at its
    midnight; any other time is ``"second"``.

    Raises:
        InvalidParameterError: not such a time (:func:`utc`).
    """
    return utc(value, name), "day" if is_date_only(value) else "second"


def check_whole(source: str, body: dict[str, Any]) -> list[Any]:
    """The body's ``data`` after the checks every recorded body passes: a models list, string
    ids, no duplicates, and as many models as its ``total_count`` says (a page is not a catalog).

    Raises:
        SchemaError: naming ``source``.
    """
    data = check_body(body, url=source)
    catalog_ids(data, url=source)
    total = body.get("total_count")
    if isinstance(total, int) and not isinstance(total, bool) and total != len(data):
        raise SchemaError(
            f"{source}: total_count says {total} models but the body has {len(data)} "
            "(one page of a paginated list?); nothing was written",
            url=source,
        )
    return data


def answered_base_url(base_url: Any) -> str | None:
    """The API recorded bodies came from, checked by the client's rule
    (:func:`orcatalog.fetch.params.check_base_url`) before anything is read: a URL carrying
    ``user:password@`` is refused, never stored; None is the public API.

    Raises:
        InvalidParameterError: a bad URL (named with its secrets removed).
    """
    return None if base_url is None else check_base_url(base_url)


def answered_query(query: Mapping[str, Any] | None) -> dict[str, str]:
    """The query a recorded body answered, as the API strings the scope rule reads.

    Args:
        query: list filters as ``fetch_models`` takes them (``{"output_modalities": "all"}``,
            ``{"input_modalities": ["image"]}``, ...); None or empty: the unfiltered list.

    Returns:
        Filter name -> API string; ``{}`` for the unfiltered list (no default is added).

    Raises:
        InvalidParameterError: an unknown filter or a bad value (before anything is read).
    """
    return list_query(query or {}, default_all=False)


def make_body(
    source: str,
    body: Any,
    when: pd.Timestamp,
    base_url: str | None,
    precision: str = "second",
    query: Mapping[str, str] | None = None,
) -> Body:
    """A checked body of the ``/models`` list of ``base_url`` (default the public API) that answered
    ``query`` (API strings from :func:`answered_query`; none: the unfiltered list), in its scope
    (:func:`orcatalog.scope.scope_of`).

    Raises:
        SchemaError: as :func:`check_whole`, or an unfiltered body lists no models (an unfiltered
            catalog is never empty: a failed fetch saved as a file; a filtered list may be empty).
    """
    query = dict(query or {})
    data = check_whole(source, body)
    if is_unfiltered("/models", query):
        refuse_empty_catalog(data, source=source)
    return Body(
        source=source,
        fetched_at=when,
        body=body,
        scope=scope_of(base_url, "/models", query),
        base_url=base_url,
        endpoint="/models",
        query=query,
        time_precision=precision,
    )


def read_bodies(
    files: list[Path],
    when: tuple[pd.Timestamp, str] | None,
    base_url: str | None,
    progress: bool | None,
    query: Mapping[str, str] | None = None,
) -> Iterator[Body]:
    """Checked bodies from files and archives (through :func:`orcatalog.frames.bodies.read_files`),
    dated by ``when`` (a time and its precision, :func:`given_time`) or by their names (a bare date
    is a day-precision time), answering ``query``.

    Raises:
        InvalidParameterError: a body has no time. SchemaError, BodyFileError, FileNotFoundError.
    """
    for name, data in bodies.read_files(show_progress(files, "reading", progress)):
        if when is not None:
            warn_if_name_disagrees(name, when[0])
        dated = when if when is not None else bodies.dated_name(name)
        if dated is None:
            check_whole(name, bodies.parse(name, data))  # a file that is no catalog says so first
            raise InvalidParameterError(
                f"{name}: no fetch time. Name the file with its UTC time (models-2026-01-03T231610Z.json) "
                "or pass fetched_at="
            )
        yield make_body(name, bodies.parse(name, data), dated[0], base_url, dated[1], query)


def warn_if_name_disagrees(name: str, when: pd.Timestamp) -> None:
    """The fetch time given wins over the time in a body file's name (a name often holds a commit
    or download date, only a bound on the fetch), but not in silence: an
    :class:`~orcatalog.errors.OrcatalogWarning` names both when they differ (a given time within the
    named day, or equal to the named second, agrees). A name whose time cannot be told is the
    reason to give one: no warning."""
    try:
        named = bodies.dated_name(name)
    except BodyFileError:
        return
    if named is None:
        return
    at, precision = named
    if at == when or (precision == "day" and at.normalize() == when.tz_convert("UTC").normalize()):
        return
    shown = f"{at:%Y-%m-%d}" if precision == "day" else at.isoformat()
    warnings.warn(
        f"orcatalog: {name}: dated by the fetch time given, {when.isoformat()}, not at the {precision} "
        f"its name says, {shown}",  # "dated", not "recorded": a refusal may follow (re-check trial N2)
        OrcatalogWarning,
        stacklevel=4,
    )


def show_progress(items: Iterable[Any], desc: str, show: bool | None) -> Iterable[Any]:
    """``items`` with a progress bar (default: only on a terminal or in a notebook)."""
    from ..progress import progress

    return progress(items, desc=desc, show=show)
