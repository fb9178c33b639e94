"""Time arguments: the one rule that reads every time a user gives (``as_of=``, ``start`` / ``end``,
``at=``, ``--since``, ``--until``, ``--as-of``, ``--at``) and the one wording of how far an answer's
snapshot is from the time asked.

**Accepted** (:func:`parse_time`): ISO 8601 text — a date ``2026-01-08``, a date and time
``2026-01-08T12:00``, ``2026-01-08 12:00:30``, with fractions of a second, and a zone ``Z`` or
``+02:00`` (without a zone it is UTC) — and ``datetime.datetime``, ``datetime.date``,
``pandas.Timestamp`` and ``numpy.datetime64`` objects (naive ones are UTC: the one zone rule,
:func:`as_utc`, which every module that meets a time without a zone calls).

**Refused** with :class:`~orcatalog.errors.InvalidParameterError` naming the accepted forms: every
other text, since forms like ``05/01/2026`` (May 1 or January 5?), ``01.05.2026`` or ``May 1`` are
ambiguous or locale-bound; and numbers, on purpose, whether given as numbers or as text
(``--as-of 1768910400``): an integer such as ``1768910400`` could be Unix seconds or milliseconds,
``20260108`` a compact date, and pandas would take it as nanoseconds after 1970; convert Unix
seconds yourself, ``pd.Timestamp(1768910400, unit="s")``.

**Date-only**: a date means that day. As a *start* (``movers`` start, ``--since``) it is the day's
first moment, so a snapshot at 01:19 that day is inside the window; as an *end* (``movers`` end,
``--until``, ``diff``'s NEW: ``parse_time(..., end=True)``) it is the day's last moment, so the whole
day is inside (``diff 2025-12-18 2026-01-07`` compares with the last snapshot of January 7, not the
one of January 6); elsewhere (``as_of``) it is midnight UTC.

**One reading of text**: :func:`iso_times` reads ISO 8601 text, vectorised, for all of them: a
time argument (:func:`parse_time`), a usage column (:func:`parse_time_column`) and the times in the
API's usage bodies (``frames/usage.py``: activity dates, generation ``created_at``). No other module
parses time text (``tests/test_times.py`` guards it; the exceptions it allows say why).

**Answers from other times** (:func:`answer_notes`): a question asked before the first snapshot is
answered from the first and says so; an answer from a snapshot older than the asked time says how old
it is, and a time in the future says so.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidParameterError

__all__ = [
    "parse_time",
    "stored_time",
    "as_utc",
    "parse_time_column",
    "iso_times",
    "NotATime",
    "is_date_only",
    "answer_notes",
    "in_text_forms",
    "age_text",
    "ACCEPTED",
    "ACCEPTED_TEXT",
]

#: The accepted forms that are text: all a command line or a usage file can hold.
ACCEPTED_TEXT = "an ISO 8601 date or time (2026-01-08, 2026-01-08T12:00, 2026-01-08T12:00:00Z, 2026-01-08T14:00+02:00)"
#: How the accepted forms are named in error messages (the library's: text and Python objects).
ACCEPTED = ACCEPTED_TEXT + ", a datetime or a pandas Timestamp"
#: The hints for Unix seconds: in Python (a number argument, a column of numbers), and as text.
_UNIX_SECONDS = "(for Unix seconds, pd.Timestamp({value!r}, unit='s'))"
_UNIX_COLUMN = "(for Unix seconds, pd.to_datetime(column, unit='s'))"
_UNIX_TEXT = "(Unix seconds are not read as times: write the time itself{example})"
#: Why a number, or text that is one (``--as-of 1768910400``), is refused: on purpose, not by accident.
_NUMBER = (
    "{name}={value!r} is a number, not a time: numbers are refused on purpose (Unix seconds, milliseconds "
    "and compact dates such as 20260108 cannot be told apart); give {accepted} {hint}"
)
#: Text that is a number (digits, a sign, a fraction or an exponent).
_NUMBER_TEXT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # date
    r"(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"  # time (hours, minutes, seconds, fraction)
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"  # and its zone: a zone only follows a time (2026-06-19-08 is no time)
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The zone of a time that has one (after its clock time): sign, hours, minutes.
_OFFSET = re.compile(r"[T ][\d:.,]+([+-])(\d{2}):?(\d{2})?$")


class NotATime(ValueError):
    """A text :func:`iso_times` does not read as a time: ``value`` is the first such text, ``reason``
    pandas' words when the text has the form but not a real time (``2026-02-30``), else ``""``."""

    def __init__(self, value: Any, reason: str = "") -> None:
        super().__init__(f"{value!r} is not an ISO 8601 time{f' ({reason})' if reason else ''}")
        self.value = value
        self.reason = reason


def iso_times(texts: pd.Series) -> pd.Series:
    """ISO 8601 texts as UTC times, vectorised: the one reading of time text (a time argument, a
    usage column, a usage body's dates). Each text, stripped, must be a date, or a date and time (hours;
    minutes; seconds; a fraction of up to 9 digits after ``.`` or ``,``) with an optional zone ``Z``
    or ``+HH[:MM]`` after the time (without one it is UTC; a date alone takes none, so
    ``2026-06-19-08`` is refused, not read as a zone); anything else, ambiguous forms such as
    ``05/01/2026`` included, is refused.

    Args:
        texts: a Series of ``str`` (None and NaN stay NaT).

    Returns:
        A ``datetime64[.., UTC]`` Series (the unit pandas infers: ``us``, ``ns`` for finer
        fractions), same index.

    Raises:
        NotATime: a value that is not such a text, or a text of that form that is no real time
            (``2026-02-30``, ``T25:00``); the first one is named. Callers map it to their error
            (:class:`~orcatalog.errors.InvalidParameterError` for arguments,
            :class:`~orcatalog.errors.SchemaError` for bodies).
    """
    values = texts.to_numpy(dtype=object)
    null = pd.isna(values)
    stripped = pd.Series(values[~null], dtype=object)
    is_text = stripped.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not is_text.all():
        raise NotATime(stripped[~is_text].iloc[0])
    stripped = stripped.str.strip()
    matched = stripped.str.fullmatch(_ISO.pattern).to_numpy(dtype=bool)
    if not matched.all():
        raise NotATime(values[~null][int(np.flatnonzero(~matched)[0])])
    cleaned = np.full(len(values), None, dtype=object)
    cleaned[~null] = stripped.str.replace(",", ".", regex=False).to_numpy(dtype=object)
    try:
        return pd.to_datetime(pd.Series(cleaned, index=texts.index, dtype=object), utc=True, format="ISO8601")
    except (TypeError, ValueError, OverflowError) as exc:
        for value in values[~null]:  # name the first text that is no real time, in pandas' one-line words
            reason = _why_not(str(value).strip().replace(",", "."))
            if reason:
                raise NotATime(value, reason) from None
        raise NotATime(values[~null][0], str(exc).splitlines()[0]) from None


def _why_not(text: str) -> str:
    """Why one text of :data:`_ISO`'s form is no real time (``""`` when it is one)."""
    try:
        pd.to_datetime(pd.Series([text], dtype=object), utc=True, format="ISO8601")
    except (TypeError, ValueError, OverflowError):
        try:
            pd.Timestamp(text)  # the same reading, and words that say what is wrong ("day is out of range")
        except (TypeError, ValueError, OverflowError) as exc:
            return str(exc).splitlines()[0]
        return "not a time pandas can hold"
    return ""


def is_date_only(value: Any) -> bool:
    """Whether a time argument names a whole day (``"2026-01-08"`` or a ``datetime.date``)."""
    if isinstance(value, str):
        return bool(_DATE.fullmatch(value.strip()))
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)


def _compact_date_hint(text: str) -> str | None:
    """``(a date? write 2026-06-19)`` for eight digits that read as a calendar date (trial R: the
    refusal of ``20260619`` offered only the Unix-seconds reading), else None."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        day = pd.Timestamp(year=int(text[:4]), month=int(text[4:6]), day=int(text[6:]))
    except ValueError:
        return None
    return f"(a date? write {day:%Y-%m-%d})"


def parse_time(value: Any, name: str = "time", *, end: bool = False) -> pd.Timestamp:
    """A time argument as a UTC ``Timestamp``, by the module's one rule.

    Args:
        value: ISO 8601 text, a ``datetime`` / ``date`` / ``Timestamp`` / ``datetime64``.
        name: the argument's name, for messages (``as_of``, ``start``, ...).
        end: the value ends a window (``end``, ``--until``, ``diff``'s NEW): a date-only value
            (:func:`is_date_only`) then means through that day, its last nanosecond (23:59:59.999999999
            UTC), so a snapshot at 23:17 that day is inside; a value with a time is read as given.

    Returns:
        The time in UTC (a naive input is taken as UTC; a date is midnight UTC of that day, or its
        last moment with ``end=True``).

    Raises:
        InvalidParameterError: anything else (ambiguous text such as ``05/01/2026``, numbers,
            NaT), naming the accepted forms.
    """
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_TEXT.fullmatch(text):
            hint = _UNIX_SECONDS.format(value=int(text) if text.lstrip("+-").isdigit() else float(text))
            if date_hint := _compact_date_hint(text):  # both readings
                hint = f"{date_hint} {hint}"
            raise InvalidParameterError(_NUMBER.format(name=name, value=value, accepted=ACCEPTED, hint=hint))
        if not _ISO.fullmatch(text):
            raise InvalidParameterError(f"{name}={value!r} is not a time: give {ACCEPTED}")
        offset = _OFFSET.search(text)
        if offset and int(offset[2]) * 60 + int(offset[3] or 0) >= 24 * 60:
            zone = f"{offset[1]}{offset[2]}:{offset[3] or '00'}"
            raise InvalidParameterError(
                f"{name}={value!r} is not a time: UTC offset {zone} is out of range (-24:00..+24:00)"
            )
        try:
            ts = iso_times(pd.Series([text], dtype=object)).iloc[0]
        except NotATime as exc:
            reason = f" ({exc.reason})" if exc.reason else ""
            raise InvalidParameterError(f"{name}={value!r} is not a time{reason}: give {ACCEPTED}") from None
    elif isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp, np.datetime64)):
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidParameterError(f"{name}={value!r} is not a time ({exc})") from None
    elif isinstance(value, (bool, int, float, np.integer, np.floating)):
        hint = _UNIX_SECONDS.format(value=value)
        number = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if number and (date_hint := _compact_date_hint(str(value))):
            hint = f"{date_hint} {hint}"  # both readings, as for text
        raise InvalidParameterError(_NUMBER.format(name=name, value=value, accepted=ACCEPTED, hint=hint))
    else:
        raise InvalidParameterError(f"{name}={value!r} is not a time: give {ACCEPTED}")
    if ts is pd.NaT:
        raise InvalidParameterError(f"{name} must be a time, got NaT")
    ts = as_utc(ts)
    if end and is_date_only(value):
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return ts


def as_utc(when: Any) -> pd.Timestamp:
    """A time as a UTC ``Timestamp`` by the one zone rule: a time without a zone is UTC (it is not
    the machine's local time); a time with one is converted. No parsing: ``when`` is already a time
    (a ``Timestamp``, ``datetime``, ``datetime64``), for text and checks use :func:`parse_time`.

    Raises:
        TypeError, ValueError: ``when`` is no time pandas can hold (as ``pd.Timestamp`` raises).
    """
    ts = pd.Timestamp(when)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def stored_time(when: pd.Timestamp) -> pd.Timestamp:
    """A fetch time as a snapshot store keeps it: UTC, to the microsecond.

    The store's ``fetched_at`` columns are ``timestamp[us, UTC]`` (Parquet and Delta hold no finer
    unit), so the digits below a microsecond of a ``pandas.Timestamp`` (its nanoseconds, e.g.
    ``2026-01-08T01:19:00.123456789Z``) are dropped, toward the past, before anything is written:
    the snapshot then reads back at exactly the time stored (a write reports success only then),
    and its id, to the second, is the same either way. Every body a store records passes here.

    Args:
        when: a time with a zone (as :func:`parse_time` returns it), or naive UTC.

    Returns:
        The same time in UTC, truncated to whole microseconds.
    """
    return as_utc(when).floor("us")


def in_text_forms(message: str) -> str:
    """A message of this module's for someone who can only type text (the command line): the
    accepted forms without the Python objects (:data:`ACCEPTED_TEXT`), and the Unix-seconds hints
    without Python calls (a number given is shown as the time it would be in seconds).

    Args:
        message: any message; parts this module did not write are left as they are.

    Returns:
        The message in text forms.
    """

    def seconds(match: re.Match[str]) -> str:
        try:
            when = pd.Timestamp(float(match.group(1)), unit="s", tz="UTC")
        except (TypeError, ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
            return _UNIX_TEXT.format(example=", e.g. 2026-01-08T12:00Z")
        return _UNIX_TEXT.format(example=f": {match.group(1)} seconds is {when:%Y-%m-%dT%H:%M:%SZ}")

    text = message.replace(ACCEPTED, ACCEPTED_TEXT)
    text = text.replace(_UNIX_COLUMN, _UNIX_TEXT.format(example=", e.g. 2026-01-08T12:00Z"))
    pattern = re.escape(_UNIX_SECONDS).replace(re.escape("{value!r}"), "'?([-+0-9.e]+)'?")
    return re.sub(pattern, seconds, text)


def parse_time_column(column: pd.Series, name: str = "time") -> pd.Series:
    """A column of times (a usage log's) by the same rule as :func:`parse_time`, vectorised.

    Args:
        column: datetimes (naive ones are UTC), or ISO 8601 text in any mix of its forms (nulls stay
            null).
        name: the column's name, for messages.

    Returns:
        A ``datetime64[.., UTC]`` Series (the unit pandas infers), same index and name.

    Raises:
        InvalidParameterError: a value that is not such a time (the first one is named), numbers.
    """
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return pd.to_datetime(column, utc=True)
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        raise InvalidParameterError(f"usage[{name!r}] holds numbers, not times: give {ACCEPTED} {_UNIX_COLUMN}")
    values = column.to_numpy(dtype=object)
    texts = np.array([isinstance(v, str) for v in values], dtype=bool)
    objects = ~texts & ~pd.isna(values)
    bad = next(
        (v for v in values[objects] if not isinstance(v, (_dt.datetime, _dt.date, pd.Timestamp, np.datetime64))), None
    )
    if bad is not None:
        raise InvalidParameterError(f"usage[{name!r}] holds values that are not times, e.g. {bad!r}: give {ACCEPTED}")
    try:
        if not objects.any():  # text (and nulls): the one reading of time text
            return iso_times(column).rename(column.name)
        mixed = values.copy()  # texts read by that rule, then every value a datetime object
        if texts.any():
            mixed[texts] = list(iso_times(pd.Series(values[texts], dtype=object)))
        return pd.to_datetime(pd.Series(mixed, index=column.index, name=column.name, dtype=object), utc=True)
    except NotATime as exc:
        reason = f" ({exc.reason})" if exc.reason else ""
        raise InvalidParameterError(
            f"usage[{name!r}] holds values that are not times, e.g. {exc.value!r}{reason}: give {ACCEPTED}"
        ) from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidParameterError(
            f"usage[{name!r}] holds values that are not times ({str(exc).splitlines()[0]}): give {ACCEPTED}"
        ) from None


def age_text(delta: pd.Timedelta) -> str:
    """How far apart two times are, in the one wording of :func:`answer_notes` (``"96 days"``,
    ``"1.6 hours"``, ``"12 minutes"``, ``"40 seconds"``): a price's age in a table says it so too."""
    return _span(delta)


def _span(delta: pd.Timedelta) -> str:
    seconds = abs(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds / size
            text = f"{count:.0f}" if count >= 10 or count.is_integer() else f"{count:.1f}"
            return f"{text} {unit}{'' if text == '1' else 's'}"
    return f"{seconds:.0f} seconds"


#: An answer from a snapshot older than the asked time by more than this is stale: it is said as a
#: warning too, not only in ``attrs["notes"]`` (hourly or daily snapshots are never that far apart).
STALE_AFTER = pd.Timedelta("7D")


def answer_warning(
    asked: Any, answered: Any, *, name: str = "as_of", now: Any = None, precision: str | None = None
) -> str | None:
    """The notes of an answer that a user must see, as one warning line, or None: the asked time is
    before the first snapshot or in the future, or the answer is stale (:data:`STALE_AFTER`).

    Args:
        asked, answered, name, now, precision: as :func:`answer_notes` (the answer before the
            first snapshot is the case ``answered > asked``).
    """
    asked_at, answered_at = parse_time(asked, name), parse_time(answered, "answered")
    now_at = pd.Timestamp.now(tz="UTC") if now is None else parse_time(now, "now")
    if answered_at > asked_at or asked_at > now_at or asked_at - answered_at > STALE_AFTER:
        first = answered_at if answered_at > asked_at else None
        notes = answer_notes(asked_at, answered_at, first=first, name=name, now=now_at, precision=precision)
        return "; ".join(notes) or None
    return None


def answer_notes(
    asked: Any,
    answered: Any,
    *,
    first: Any = None,
    name: str = "as_of",
    now: Any = None,
    scope: str | None = None,
    precision: str | None = None,
) -> list[str]:
    """What an answer should say about the snapshot it came from, in the one wording.

    Args:
        asked: the time asked (anything :func:`parse_time` reads).
        answered: when the snapshot that answers was fetched.
        first: the first snapshot's time, when the question may start before it.
        name: how the asked time is called in the notes (``as_of``, ``start``, ``--since``).
        now: the current time (default the clock; tests inject it).
        scope: the answering snapshot's scope (:mod:`orcatalog.scope`), named in the notes when
            given: a store may hold several lists (the catalog, a filtered list), each its own timeline.
        precision: the answering snapshot's ``time_precision``; ``"day"`` (a file named by its date:
            fetched at an unknown time of that day, stamped 00:00) is said as the date alone, and it
            is older than the asked time only when that time is on a later day, by whole days
            (trial R F11: "12 hours older" of a body that may be from 22:55 that day).

    Returns:
        Zero or more sentences: the asked time is before the first snapshot (the first is used); it
        is in the future; the answering snapshot is older than asked (and by how much).
    """
    asked_at, answered_at = parse_time(asked, name), parse_time(answered, "answered")
    now_at = pd.Timestamp.now(tz="UTC") if now is None else parse_time(now, "now")
    notes = []
    of = f" (scope {scope!r})" if scope else ""
    day = precision == "day"
    if first is not None and asked_at < parse_time(first, "first"):
        notes.append(
            f"{name} {asked_at:%Y-%m-%d %H:%M} is before the first snapshot{of}: the first, "
            f"{f'{answered_at:%Y-%m-%d}' if day else f'{answered_at:%Y-%m-%d %H:%M} UTC'}, is used"
        )
        return notes
    if asked_at > now_at:
        notes.append(f"{name} {asked_at:%Y-%m-%d %H:%M} is in the future")
    if day:
        days = (asked_at.tz_convert("UTC").normalize() - answered_at.tz_convert("UTC").normalize()).days
        if days > 0:
            scoped = f", scope {scope!r}" if scope else ""
            notes.append(
                f"the answer is the snapshot of {answered_at:%Y-%m-%d} (a date only{scoped}), "
                f"{_span(pd.Timedelta(days, 'D'))} before {name} {asked_at:%Y-%m-%d %H:%M}"
            )
    elif answered_at < asked_at:
        notes.append(
            f"the answer is the snapshot of {answered_at:%Y-%m-%d %H:%M} UTC{of}, "
            f"{_span(asked_at - answered_at)} older than {name} {asked_at:%Y-%m-%d %H:%M}"
        )
    return notes
