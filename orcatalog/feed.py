"""An Atom feed (RFC 4287) of the changes ``orcatalog watch`` finds, for feed readers and chat bots.

    >>> from orcatalog.feed import update_feed
    >>> update_feed("changes.xml", oc.watch(store))        # adds this run's changes, keeps the rest

- One entry per change, its id derived from the snapshot id, the model and the field
  (``urn:orcatalog:change:<snapshot>/<model>/<field or change>``): the same change always has the
  same id, and entries of earlier runs are kept as they were, so a reader never sees one twice.
- Newest first (by the snapshot's fetch time), at most :data:`MAX_ENTRIES` entries (the oldest go).
- Written atomically: a temporary file in the same folder, then ``os.replace``; a reader sees the
  old feed or the new one, never half of one. The file keeps an existing feed's permissions (a new
  one gets ``0o666`` less the umask), so a web server that could read it still can; the folder
  must be writable by the watch's user.

Only the standard library (``xml.etree``); the feed is rendered from the watch frame alone.
"""

from __future__ import annotations

import math
import os
import stat
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .errors import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["update_feed", "check_feed", "entry_id", "MAX_ENTRIES", "ATOM_NS"]

ATOM_NS = "http://www.w3.org/2005/Atom"
#: How many entries a feed keeps (the newest).
MAX_ENTRIES = 200
_A = f"{{{ATOM_NS}}}"


def entry_id(snapshot_id: str, model: str, what: str) -> str:
    """The entry id of one change: ``urn:orcatalog:change:<snapshot>/<model>/<field or change>``
    (percent-encoded, so any model id makes a valid IRI)."""
    return "urn:orcatalog:change:" + "/".join(quote(str(p), safe=":-._~") for p in (snapshot_id, model, what))


def feed_id(scope: str) -> str:
    """The feed's own id: one feed per scope of the catalog."""
    return "urn:orcatalog:watch:" + quote(scope, safe=":-._~")


def check_feed(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a feed path that cannot be kept: a missing folder, an existing
    file that is not an Atom feed (it would be replaced, losing what it holds), or a folder where
    the feed's temporary file cannot be made (not writable, a name too long): that file is made
    and removed here, as :func:`update_feed` will make it, so ``watch`` fails before it records.

    Raises:
        InvalidParameterError: saying which and what to do, naming ``path`` as given.
    """
    target = Path(path)
    _existing(target)
    try:
        fd, tmp = _temporary(target)
    except OSError as exc:
        raise InvalidParameterError(
            f"feed={str(path)!r} cannot be written in {os.path.abspath(target.parent)} ({exc.strerror or exc}); "
            "it is written through a temporary file beside it, so its folder must be writable and its name short"
        ) from None
    os.close(fd)
    os.unlink(tmp)


def _existing(path: Path) -> list[ET.Element]:
    if not path.parent.is_dir():
        raise InvalidParameterError(
            f"feed={str(path)!r}: there is no folder {path.parent} to write it into; create it first"
        )
    if path.is_dir():
        raise InvalidParameterError(f"feed={str(path)!r} is a folder: give a file name, e.g. changes.xml")
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InvalidParameterError(
            f"feed={str(path)!r} exists but is not an XML file ({exc}); move it away or name another file"
        ) from None
    if root.tag != f"{_A}feed":
        raise InvalidParameterError(
            f"feed={str(path)!r} exists but is not an Atom feed (its root is {root.tag!r}); "
            "move it away or name another file"
        )
    return root.findall(f"{_A}entry")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return format(value, ".8g")
    return str(value)


def _title(row: dict[str, Any]) -> str:
    change, model = row["change"], row["id"]
    if change == "added":
        return f"{model} was added to the catalog"
    if change == "back":
        return f"{model} is back in the catalog"
    if change == "removed":
        return f"{model} is no longer in the catalog"
    unit = f" {row['unit']}" if _text(row.get("unit")) else ""
    pct = row.get("pct_change")
    pct_text = f" ({pct:+.1f}%)" if isinstance(pct, float) and not math.isnan(pct) else ""
    if row.get("kind") not in (None, "changed"):
        return f"{model}: {row['field']} {row['kind']} ({_text(row['old']) or '-'} -> {_text(row['new']) or '-'}{unit})"
    return f"{model}: {row['field']} {_text(row['old'])} -> {_text(row['new'])}{unit}{pct_text}"


def _iso(value: Any) -> str:
    import pandas as pd

    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # fixed width: sorts as time


def _entry(row: dict[str, Any]) -> ET.Element:
    entry = ET.Element(f"{_A}entry")
    ET.SubElement(entry, f"{_A}id").text = entry_id(
        row["snapshot_id"], row["id"], row["field"] if _text(row.get("field")) else row["change"]
    )
    ET.SubElement(entry, f"{_A}title").text = _title(row)
    ET.SubElement(entry, f"{_A}updated").text = _iso(row["fetched_at"])
    ET.SubElement(entry, f"{_A}category", term=str(row["change"]))
    summary = (
        f"snapshot {row['snapshot_id']} (fetched {_iso(row['fetched_at'])}) against {row['previous_id']}; "
        f"scope {row['scope']}"
    )
    ET.SubElement(entry, f"{_A}summary").text = summary
    # RFC 4287 4.1.1: an entry without a link rel="alternate" must have a content element
    ET.SubElement(entry, f"{_A}content", type="text").text = f"{_title(row)}. {summary}"
    return entry


def update_feed(
    path: str | os.PathLike[str], changes: pd.DataFrame, *, max_entries: int = MAX_ENTRIES, title: str | None = None
) -> int:
    """Add the changes of one watch run to the Atom feed at ``path`` (created if missing).

    Args:
        path: the feed file; its folder must exist.
        changes: the frame :func:`orcatalog.watch` returns (its ``attrs`` name the snapshot and scope).
        max_entries: how many entries the feed keeps, newest first (default :data:`MAX_ENTRIES`).
        title: the feed's title (default names the scope).

    Returns:
        The number of entries this run added (a change already in the feed is not added again).

    Raises:
        InvalidParameterError: a missing folder, a file that is not an Atom feed, max_entries < 1.
        OSError: the file cannot be written (the old feed is left as it was).
    """
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
        raise InvalidParameterError(f"max_entries must be an int >= 1, got {max_entries!r}")
    target = Path(path)
    kept = _existing(target)
    scope = str(changes.attrs.get("scope") or "catalog")
    fresh = [_entry(row) for row in changes.to_dict("records")]
    known = {e.findtext(f"{_A}id") for e in kept}
    added = [e for e in fresh if e.findtext(f"{_A}id") not in known]
    # newest first: by updated (ISO UTC text sorts as time), this run's in the frame's order; stable sort
    entries = sorted(added + kept, key=lambda e: e.findtext(f"{_A}updated") or "", reverse=True)[:max_entries]
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{_A}feed")
    ET.SubElement(feed, f"{_A}id").text = feed_id(scope)
    ET.SubElement(feed, f"{_A}title").text = title or f"OpenRouter catalog changes ({scope})"
    newest = entries[0].findtext(f"{_A}updated") if entries else None
    run_time = _iso(changes.attrs["fetched_at"]) if changes.attrs.get("fetched_at") is not None else None
    ET.SubElement(feed, f"{_A}updated").text = max(t for t in (newest, run_time, "1970-01-01T00:00:00.000000Z") if t)
    author = ET.SubElement(feed, f"{_A}author")
    ET.SubElement(author, f"{_A}name").text = "orcatalog watch"
    ET.SubElement(feed, f"{_A}generator").text = "orcatalog"
    feed.extend(entries)
    ET.indent(feed)
    data = ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
    _write_atomically(target, data)
    return len([e for e in added if e in entries])


def _file_mode(target: Path) -> int:
    """The permission bits the feed file gets: an existing file's own (so a feed a web server reads
    stays readable), else what ``open()`` would give a new file (``0o666`` less the umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)  # the only portable way to read the umask is to set it and put it back
        os.umask(umask)
        return 0o666 & ~umask


def _temporary(target: Path) -> tuple[int, str]:
    """The temporary file a new feed is written to, beside ``target`` (always 0600; the one place
    its name is made, so :func:`check_feed` tries the very file a write makes)."""
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)


def _write_atomically(target: Path, data: bytes) -> None:
    mode = _file_mode(target)
    try:
        fd, tmp = _temporary(target)
    except OSError as exc:  # name the feed the user gave, not the temporary file
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):  # the feed the user gave, not the temporary file (removed)
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise
