"""Recorded ``/models`` bodies on disk: how a body file is found, read and dated. The only reader.

A body is a ``.json`` or ``.json.gz`` file, or such a member of a tar archive (``.tar``,
``.tar.gz``, ``.tgz``, ``.tar.xz``, ``.tar.bz2``); a folder stands for the bodies and archives in
it. The snapshot store imports them and the replay server serves them, both through
:func:`read_files`, so the two can never disagree on what a body file is.
"""

from __future__ import annotations

import gzip
import lzma
import os
import re
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import BodyFileError, SchemaError

__all__ = ["BODY_SUFFIXES", "ARCHIVE_SUFFIXES", "expand", "read_files", "parse", "time_from_name", "dated_name"]

BODY_SUFFIXES = (".json", ".json.gz")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")

_TIME_IN_NAME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"  # the date
    r"(?:T(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.\d+)?)?)?"  # after T: hours[, minutes[, seconds]]
    r"|[_ ](\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?)?"  # after _ or a space: a full time only
    r"(Z|[+-]\d{2}:?\d{2})?(?=[^0-9]|$)"
)
#: How precise a time in a name is, finest first (the finer one wins when a name holds several).
PRECISIONS = ("second", "minute", "hour", "day")
#: What a damaged compressed file or archive raises while it is read.
_DAMAGE = (EOFError, gzip.BadGzipFile, lzma.LZMAError, zlib.error, tarfile.TarError)


def is_body_name(name: str) -> bool:
    """True for names of body files (``.json``, ``.json.gz``)."""
    return name.endswith(BODY_SUFFIXES)


def is_archive_name(name: str) -> bool:
    """True for names of tar archives of bodies."""
    return name.endswith(ARCHIVE_SUFFIXES)


def expand(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Body files and archives: each path as given, a folder as its bodies and archives (sorted).

    Raises:
        FileNotFoundError: a path does not exist.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(q for q in path.iterdir() if is_body_name(q.name) or is_archive_name(q.name))
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"no such file: {path}")


def _decompress(name: str, data: bytes) -> bytes:
    if not name.endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except _DAMAGE as exc:
        raise BodyFileError(f"{name}: damaged gzip file ({exc}); re-download or re-record it") from None


def read_files(paths: Iterable[str | Path]) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of every body in ``paths`` (files, archives, folders), decompressed.

    A plain file is named by its path; an archive member by ``<archive file name>:<member path>``.
    Archives are read in their own order (seeking back in a compressed tar re-decompresses).

    Raises:
        FileNotFoundError: a path does not exist.
        BodyFileError: a file or archive is truncated or not what its name says (the message names it).
    """
    for path in expand(paths):
        if is_archive_name(path.name):
            try:
                with tarfile.open(path) as tar:
                    for member in tar:
                        if member.isfile() and is_body_name(member.name):
                            raw = tar.extractfile(member).read()  # type: ignore[union-attr]
                            name = f"{path.name}:{member.name}"
                            yield name, _decompress(name, raw)
            except BodyFileError:
                raise
            except _DAMAGE as exc:
                raise BodyFileError(
                    f"{path}: damaged or truncated archive ({type(exc).__name__}: {exc}); re-download it"
                ) from None
        else:
            yield str(path), _decompress(str(path), path.read_bytes())


def member_names(path: str | Path) -> list[str]:
    """The names of the bodies an archive holds (their own file names, without folders), read
    from its index without decompressing the bodies' JSON.

    Raises:
        BodyFileError: a damaged or truncated archive (the message names it).
    """
    try:
        with tarfile.open(path) as tar:
            return [Path(m.name).name for m in tar if m.isfile() and is_body_name(m.name)]
    except _DAMAGE as exc:
        raise BodyFileError(
            f"{path}: damaged or truncated archive ({type(exc).__name__}: {exc}); re-download it"
        ) from None


def parse(name: str, raw: bytes | str) -> Any:
    """The JSON value of a body.

    Raises:
        SchemaError: not valid JSON (the message names the body).
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SchemaError(
            f"{name}: not valid JSON ({exc}); is it a recorded /models body? Re-record or re-download it", url=name
        ) from None


def time_from_name(name: str) -> Any:
    """The UTC time written in a file name (``models-2026-01-03T231610Z.json``,
    ``models-2025-12-18.json.gz``) as a ``pandas.Timestamp``, or None when there is none.

    In ``archive:member`` names the member's own time wins. A bare date gives midnight; see
    :func:`dated_name` for how precise the time is.
    """
    found = dated_name(name)
    return None if found is None else found[0]


def dated_name(name: str) -> tuple[Any, str] | None:
    """``(UTC time, precision)`` written in a file name, or None when there is none.

    The precision (:data:`PRECISIONS`) is ``"day"`` for a bare date (``models-2025-12-18.json.gz``:
    taken at an unknown time that day; the time is its midnight), ``"hour"`` or ``"minute"`` for a
    time after ``T`` without seconds (``models-2026-01-08T12Z.json``: the start of that hour), and
    ``"second"`` for a full time (``T231610Z``, ``_231610``, ``T23:16:10+02:00``). After ``_`` or a
    space only a full time is read (``models-2026-01-08_01.json`` may as well be a counter). The
    time is read by the one time rule (:func:`orcatalog.times.parse_time`). In ``archive:member``
    names only the member's part is read. A name with a date and a time
    (``models-2026-01-08T011901Z-from-2025-01-01.json``) gives its time: the finer one wins.

    Raises:
        BodyFileError: the name's time is not a real one (``2026-13-01``, a UTC offset of
            ``+24:00``), or it holds two different times of the same precision, so which one the
            body was fetched at cannot be told; the message names the file and ``--fetched-at``.
    """
    from ..errors import InvalidParameterError
    from ..times import parse_time

    found: dict[str, set[Any]] = {p: set() for p in PRECISIONS}
    for match in _TIME_IN_NAME.finditer(Path(_own_part(name)).name):
        y, mo, d, th, tm, ts, h, mi, s, tz = match.groups()
        h, mi, s = (th, tm, ts) if th is not None else (h, mi, s)
        precision = "second" if s is not None else "minute" if mi is not None else "hour" if h else "day"
        text = f"{y}-{mo}-{d}T{h or '00'}:{mi or '00'}:{s or '00'}{tz or ''}"
        try:
            found[precision].add(parse_time(text, "the time in the name"))
        except InvalidParameterError as exc:
            why = str(exc).split(" (", 1)[1].split("): give", 1)[0] if " (" in str(exc) else str(exc)
            raise BodyFileError(
                f"{name}: the time in the name, {match.group(0)!r}, is not a real time ({why}); "
                "rename the file or give the fetch time (--fetched-at / fetched_at=)"
            ) from None
    for precision in PRECISIONS:
        times = found[precision]
        if len(times) > 1:
            shown = ", ".join(t.isoformat() for t in sorted(times))
            raise BodyFileError(
                f"{name}: the name holds {len(times)} different times ({shown}), so when the body was "
                "fetched cannot be told; rename the file or give the fetch time (--fetched-at / fetched_at=)"
            )
        if times:
            return times.pop(), precision
    return None


def _own_part(name: str) -> str:
    """The member's part of an ``archive:member`` name (the archive's own dates are not the body's)."""
    for suffix in ARCHIVE_SUFFIXES:
        at = name.find(suffix + ":")
        if at >= 0:
            return name[at + len(suffix) + 1 :]
    return name
