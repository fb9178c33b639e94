"""What a write refuses before anything is written: a time in the future, a body that is not the
server's default list, a second body at one scope and time.

Each rule is one function, run on the checked bodies (:mod:`.intake`) or the rows about to be
written (:mod:`.ingest`): :func:`refuse_future`, :func:`refuse_not_default`, :func:`refuse_same_time`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pandas as pd

from ..errors import BodyFileError, InvalidParameterError, SnapshotConflictError
from ..frames.models import modalities
from ..scope import asks_server_default
from ..times import parse_time
from .intake import Body

__all__ = ["FUTURE_TOLERANCE", "refuse_future", "refuse_not_default", "refuse_same_time"]


def _without_text_output(data: list[Any]) -> list[tuple[str, list[Any]]]:
    """(id, output modalities) of the models of a body whose output modalities are known and lack ``text``."""
    out = []
    for model in data:
        architecture = model.get("architecture") if isinstance(model, dict) else None
        both = modalities(architecture) if isinstance(architecture, dict) else None
        outputs = both[1] if both else None
        # only well-formed lists are evidence; a malformed one is the contract check's to refuse
        if isinstance(outputs, list) and all(isinstance(o, str) for o in outputs) and "text" not in outputs:
            out.append((str(model.get("id")), outputs))
    return out


#: How far after the clock a recorded fetch time may be: clock skew between the machine that
#: fetched a body and the one importing it. A later time is no fetch that happened.
FUTURE_TOLERANCE = pd.Timedelta("15min")


class _Dated(Protocol):
    """A body about to be recorded, as :func:`refuse_future` reads it (a catalog's or an endpoints one)."""

    source: str
    fetched_at: pd.Timestamp


def refuse_future(items: Sequence[_Dated], now: Any = None, *, named: bool = False) -> None:
    """Refuse bodies dated after the clock (beyond :data:`FUTURE_TOLERANCE`): a snapshot "fetched"
    in 2030 would become the store's latest and answer every later question, so it is refused
    before anything is written (a typo in ``fetched_at`` or a file name, or a wrong time zone).

    Args:
        items: the checked bodies about to be recorded.
        now: the current time (anything :func:`orcatalog.times.parse_time` reads; default the
            clock, tests inject it).
        named: the times were read from the files' names (no ``fetched_at=`` given).

    Raises:
        InvalidParameterError: a time given (``fetched_at=``) in the future, naming each such body,
            its time and the clock's.
        BodyFileError: the same, when the time is a file's name's: the file is what is wrong, not
            an argument (trial S: the command line said so as a usage error, exit 2).
    """
    now_at = pd.Timestamp.now(tz="UTC") if now is None else parse_time(now, "now")
    late = [b for b in items if b.fetched_at > now_at + FUTURE_TOLERANCE]
    if late:
        shown = ", ".join(f"{b.source} at {b.fetched_at:%Y-%m-%d %H:%M} UTC" for b in late[:5])
        more = f" and {len(late) - 5} more" if len(late) > 5 else ""
        error = BodyFileError if named else InvalidParameterError
        raise error(
            f"fetch time in the future: {shown}{more}, but it is {now_at:%Y-%m-%d %H:%M} UTC now; "
            "a snapshot is recorded at the time it was fetched (UTC): check "
            f"{'the file name' if named else 'fetched_at='}; nothing was written"
        )


def refuse_not_default(items: list[Body]) -> None:
    """The evidence rule of an import that declares no output modalities: such a body is recorded as
    the server's default list, which lists only models with text output
    (:func:`orcatalog.scope.asks_server_default`), so a body holding a model whose
    ``architecture.output_modalities`` lacks ``text`` (an image, video, speech, embedding or rerank
    model) cannot be it: most likely it answered ``output_modalities=all``. Checked before anything
    is written; bodies without output modalities (before 2025) give no evidence and pass.

    Args:
        items: the checked bodies about to be recorded.

    Raises:
        InvalidParameterError: naming the files (or bodies), one such model, and the way out
            (``query={"output_modalities": "all"}``, ``--output-modalities all``); nothing was written.
    """
    found = []
    for item in items:
        if asks_server_default(item.endpoint, item.query):
            odd = _without_text_output(item.body["data"])
            if odd:
                found.append((item.source, odd))
    if not found:
        return
    sources = ", ".join(source for source, _ in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    source, odd = found[0]
    example = f"{odd[0][0]} outputs {'+'.join(map(str, odd[0][1])) or 'nothing'}"
    raise InvalidParameterError(
        f"{sources}: {'holds' if len(found) == 1 else 'hold'} models without text output ({len(odd)} in {source}, "
        f"e.g. {example}), so {'it is' if len(found) == 1 else 'they are'} not the server's default (text-output) "
        "list that an import without output_modalities records; nothing was written. "
        "If it is the whole catalog, import it with output_modalities=all (or the modalities it answered)"
    )


def refuse_same_time(rows: list[dict[str, Any]], manifest: pd.DataFrame | None) -> None:
    """The one-body-per-time rule: a scope holds one body per fetch time. A second body of the same
    scope and time with other content (e.g. two lists of one day that answered different filters,
    both imported without their query) is refused before anything is written; the same body again is
    a no-op (its snapshot id is the same), unless it comes as another scope: a snapshot is recorded
    once, with one scope, so the same body at the same time declared with another query is refused
    too, naming the snapshot and its scope.

    Args:
        rows: the manifest rows about to be written (``snapshot_id``, ``fetched_at``, ``scope``,
            ``source``).
        manifest: the store's manifest (same columns; None or empty for a new store).

    Raises:
        SnapshotConflictError: naming both bodies' sources and the way out (the query they answered).
    """
    seen: dict[tuple[str, pd.Timestamp], tuple[str, str]] = {}
    held: dict[str, tuple[str, str]] = {}  # snapshot id -> (scope, source)
    if manifest is not None and len(manifest):
        times = {pd.Timestamp(r["fetched_at"]) for r in rows}
        old = manifest[pd.to_datetime(manifest["fetched_at"], utc=True).isin(times)]
        for sid, when, scope, source in zip(old["snapshot_id"], old["fetched_at"], old["scope"], old["source"]):
            seen[(str(scope), pd.Timestamp(when))] = (str(sid), str(source))
            held[str(sid)] = (str(scope), str(source))
    for r in rows:
        was = held.get(str(r["snapshot_id"]))
        if was is not None and was[0] != str(r["scope"]):
            same_file = str(r["source"]) == was[1]
            what = "was recorded" if same_file else f"is the body {was[1]} recorded"  # a path said once
            raise SnapshotConflictError(
                f"{r['source']} {what} as snapshot {r['snapshot_id']} of scope {was[0]!r}; "
                f"the store holds a snapshot once, so it cannot also be scope {r['scope']!r}; nothing was written. "
                "To record it with another query, import it into a new store"
            )
        key = (str(r["scope"]), pd.Timestamp(r["fetched_at"]))
        other = seen.get(key)
        if other is not None and other[0] != r["snapshot_id"] and other[0] in held:  # the store's own body
            raise SnapshotConflictError(
                f"{r['source']} differs from the body the store already holds for scope {key[0]!r} at "
                f"{key[1]:%Y-%m-%d %H:%M:%S} UTC (snapshot {other[0]}, recorded from {other[1]}); nothing was "
                "written. Two recordings of one time cannot share a store: import this one into another store, "
                "or, if the two answered different queries, import it with its own (e.g. --output-modalities all)"
            )
        if other is not None and other[0] != r["snapshot_id"]:
            raise SnapshotConflictError(
                f"{r['source']} and {other[1]} are two different bodies of scope {key[0]!r} at the same time "
                f"{key[1]:%Y-%m-%d %H:%M:%S} UTC (snapshots {r['snapshot_id']} and {other[0]}); nothing was written. "
                "If they answered different queries, import each with its own (e.g. --output-modalities all for the "
                "whole catalog; no option means the server's default, text-output list)"
            )
        seen.setdefault(key, (str(r["snapshot_id"]), str(r["source"])))
