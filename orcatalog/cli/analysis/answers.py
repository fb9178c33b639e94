"""How the analysis commands read the store and say which snapshot answered.

``_history`` (the one history read of a command, with the "no model X" and "no snapshots" errors),
``_load_as_of`` (the catalog at a time), ``_answered_by`` (the stderr line naming the snapshot that
answered, and how far it is from the time asked), ``_absent_then`` (the ids other snapshots list, for "did you mean" and notes)
and ``_say`` (notes, one line each on stderr).
"""

from __future__ import annotations

from typing import Any

import click

from ..stores import models_named, require_models
from ..errors import CLIError, in_cli_words


def _history(
    store: Any,
    *,
    since: str | None = None,
    ids: list[str] | None = None,
    named: Any = (),
    scope: str,
) -> Any:
    """The store's history (of ``ids``, from ``since``, of ``scope``: the one scope the command reads,
    :func:`store_scope`), read once; each model the command line ``named`` must be in it
    (:func:`require_models`), and an empty history is an error."""
    with models_named():  # require_models says an unknown id, once
        h = store.history(ids=ids, start=since, scope=scope)
    require_models(store, named, h, scope)
    if h.empty:
        raise CLIError(
            f"no snapshots in {store.root}"
            + (f" since {since}" if since else "")
            + ": `orcatalog snapshots` lists what it holds"
        )
    return h


def _absent_then(store: Any, frame: Any) -> dict[str, Any]:
    """The ids the store's snapshots (of ``frame``'s scope) list that ``frame`` does not: each with
    when it was last seen up to ``frame``'s snapshot (None: only later snapshots list it, not listed
    yet) and when a later snapshot lists it (None: none does), UTC: for
    :func:`orcatalog.suggest.did_you_mean`'s ``unlisted`` and :func:`orcatalog.suggest.absence_words`
    (absent then is not retired, and not a typo)."""
    import pandas as pd

    at = frame.attrs.get("fetched_at")
    h = store.history(columns=[], scope=frame.attrs.get("scope") or "default")
    h = h.assign(id=h["id"].astype(str))
    h = h[~h["id"].isin(frame["id"].astype(str))]
    before = h if at is None else h[h["fetched_at"] <= pd.Timestamp(at)]
    last = before.groupby("id")["fetched_at"].max()
    after = h.iloc[:0] if at is None else h[h["fetched_at"] > pd.Timestamp(at)]
    back = after.groupby("id")["fetched_at"].min()
    return {mid: (last.get(mid), back.get(mid)) for mid in dict.fromkeys([*last.index, *back.index])}


def _say(notes: list[str]) -> None:
    """Notes on which snapshot answered (orcatalog.times.answer_notes), one line each on stderr."""
    for note in notes:
        click.echo(f"note: {in_cli_words(note)}", err=True)


def _answered_by(frame: Any, as_of: str | None, name: str = "--as-of", *, end: bool = False) -> None:
    """Name the snapshot that answered (always: the latest one when no time was asked), and how far
    it is from the time asked (orcatalog.times.answer_notes: a time before the first snapshot is
    answered by the first)."""
    from ...times import answer_notes, parse_time

    sid, when, scope = frame.attrs.get("snapshot_id"), frame.attrs.get("fetched_at"), frame.attrs.get("scope")
    if when is None:
        return
    day = frame.attrs.get("time_precision") == "day"  # a file named by its date: the time of day is unknown
    fetched = f"fetched {str(when)[:10]}, time of day not recorded" if day else f"fetched {str(when)[:19]} UTC"
    which = f"snapshot {sid} ({fetched}" + (f", scope {scope!r})" if scope else ")")
    if as_of is None:
        click.echo(f"{which} answers: the latest", err=True)
        return
    asked = parse_time(as_of, name, end=end)  # end: a date-only time means through that day
    through = " (through the end of that day)" if asked != parse_time(as_of, name) else ""
    click.echo(f"{which} answers {name} {as_of}{through}", err=True)
    answered = parse_time(when, "fetched_at")
    later = answered > asked  # only the first answers a time before it (NEW too: trial R F14)
    if through and not later and answered >= parse_time(as_of, name):  # a snapshot of the day asked is not "older"
        asked = answered
    precision = frame.attrs.get("time_precision")
    _say(answer_notes(asked, when, first=when if later else None, name=name, scope=scope, precision=precision))


def _load_as_of(
    store: Any,
    as_of: str | None,
    name: str = "--as-of",
    *,
    say: bool = True,
    scope: str | None = None,
    end: bool = False,
    start: bool = False,
) -> Any:
    """``store.load(as_of=)`` and the lines naming its snapshot (the library's as-of warning is
    said once, as the notes); ``say=False`` leaves them to the caller (:func:`_answered_by` once
    the answer is found, so an error stays one line). ``start``: the time starts a window (``diff``'s
    OLD): the answer is the last snapshot strictly before it, so a snapshot at that very time (a
    date-only import is stamped 00:00) is inside the window, as ``changes --since`` counts it."""
    import warnings

    import pandas as pd

    from ...errors import AsOfWarning
    from ...times import parse_time

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=AsOfWarning)
        when = None if as_of is None else parse_time(as_of, name, end=end)  # end=True: NEW of diff
        if when is not None and start:  # stored times are to the microsecond: one less is strictly before
            when = when - pd.Timedelta(1, "us")
        frame = store.load(as_of=when, scope=scope)
    if say:
        _answered_by(frame, as_of, name, end=end)
    return frame
