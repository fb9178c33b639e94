"""One rule reads every time argument (orcatalog.times): ISO 8601 and datetime objects; ambiguous
text and numbers refused naming the accepted forms; a date-only start is that day; answers from other
times say so. On a store of the real hourly series."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.testing.legacy import store_in_layout
from orcatalog.times import (
    ACCEPTED,
    ACCEPTED_TEXT,
    NotATime,
    answer_notes,
    in_text_forms,
    is_date_only,
    iso_times,
    parse_time,
)

from .conftest import COMPACT_DIR, run_cli


@pytest.fixture
def store(series_store: oc.SnapshotStore) -> oc.SnapshotStore:
    return series_store


@pytest.fixture
def history(hourly_history: pd.DataFrame) -> pd.DataFrame:
    return hourly_history


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-01-08", "2026-01-08T00:00:00+00:00"),
        ("2026-01-08T12:00", "2026-01-08T12:00:00+00:00"),
        ("2026-01-08 12:00:30.5Z", "2026-01-08T12:00:30.500000+00:00"),
        ("2026-01-08T14:00+02:00", "2026-01-08T12:00:00+00:00"),
        (dt.datetime(2026, 1, 8, 12), "2026-01-08T12:00:00+00:00"),
        (dt.date(2026, 1, 8), "2026-01-08T00:00:00+00:00"),
        (pd.Timestamp("2026-01-08T13:00", tz="Europe/Paris"), "2026-01-08T12:00:00+00:00"),
        (np.datetime64("2026-01-08T12:00"), "2026-01-08T12:00:00+00:00"),
    ],
)
def test_iso_8601_and_datetime_objects_are_read_as_utc(value: object, expected: str) -> None:
    assert parse_time(value).isoformat() == expected


@pytest.mark.compact_only  # a refusal before any snapshot is read: the store is material, not data
@pytest.mark.parametrize(
    "value",
    [
        "05/01/2026",
        "01.05.2026",
        "May 1 2026",
        "yesterday",
        "2026-13-01",
        "1768910400",
        1768910400,
        1.5e9,
        True,
        pd.NaT,
    ],
)
def test_ambiguous_text_and_numbers_are_refused_naming_the_accepted_forms(
    value: object, history: pd.DataFrame, store: oc.SnapshotStore
) -> None:
    for call in (
        lambda: parse_time(value, "as_of"),
        lambda: store.load(as_of=value),
        lambda: oc.movers(history, value, "2026-01-05"),
        lambda: oc.estimate_cost(history.iloc[:5], 10, 10, at=value),
        lambda: store.history(start=value),
        lambda: store.history(end=value),
        lambda: store.import_bodies([(value, {"data": []})]),
        lambda: store.import_files([], fetched_at=value),
    ):
        with pytest.raises(oc.InvalidParameterError) as error:
            call()
        assert "ISO 8601" in str(error.value) or "NaT" in str(error.value)
    assert ACCEPTED.startswith("an ISO 8601 date")


@pytest.mark.parametrize("value", ["2026-06-19-08", "2026-06-19+02:00", "2026-06-19Z", "2026-06-19-0800"])
def test_a_zone_after_a_date_alone_is_refused_with_the_usual_message(value: str, store: oc.SnapshotStore) -> None:
    """#15 trial: ``2026-06-19-08`` (an hour written after a date with a dash) had the one rule's
    form (the ``-08`` read as a UTC offset), so it was refused only by pandas, in pandas' words
    ("not a time pandas can hold"), or read as a time where pandas took it. A zone follows a time,
    never a date alone: the text is refused as any other non-ISO text, naming the accepted forms."""
    with pytest.raises(oc.InvalidParameterError) as error:
        parse_time(value, "as_of")
    assert str(error.value) == f"as_of={value!r} is not a time: give {ACCEPTED}"
    with pytest.raises(NotATime) as not_a_time:
        iso_times(pd.Series(["2026-06-19T08:00Z", value], dtype=object))
    assert not_a_time.value.value == value and not_a_time.value.reason == ""
    bad = run_cli(["show", "--store", "data", "--as-of", value], Path(store.root).parent)
    assert bad.exit_code == 2, bad.output
    assert bad.stderr.strip() == f"error: --as-of={value!r} is not a time: give {ACCEPTED_TEXT}", bad.stderr


@pytest.mark.parametrize("value", [1768910400, "1768910400", " 1768910400 ", "1.7689104e9", 20260108, "20260108"])
def test_a_number_is_refused_on_purpose_whether_a_number_or_text(value: object) -> None:
    """A number given as text (what a command line holds) gets the same refusal as a number: on
    purpose, with a Unix-seconds hint that runs as written (a number, not a quoted string)."""
    with pytest.raises(oc.InvalidParameterError) as error:
        parse_time(value, "as_of")
    message = str(error.value)
    assert "is a number, not a time: numbers are refused on purpose" in message and ACCEPTED in message
    hint = message.split("(for Unix seconds, ")[1][:-1]  # without the closing parenthesis of the note
    number = float(str(value).strip())
    assert eval(hint, {"pd": pd}) == pd.Timestamp(number, unit="s")  # the hint, run as written
    # eight digits that read as a date also get that reading (trial R: only the Unix one was offered)
    assert ("(a date? write 2026-01-08)" in message) == (str(value).strip() == "20260108")


def test_time_messages_in_text_forms_keep_the_rule_and_drop_python() -> None:
    """in_text_forms (what the command line shows) keeps the accepted text forms and turns the
    Unix-seconds hints into the time the number would be, computed by pandas here."""
    for value, name in ((1768910400, "as_of"), ("05/01/2026", "start")):
        with pytest.raises(oc.InvalidParameterError) as error:
            parse_time(value, name)
        library = str(error.value)
        assert ACCEPTED in library
        text = in_text_forms(library)
        assert ACCEPTED_TEXT in text and ACCEPTED not in text and "Timestamp" not in text and "pd." not in text
        assert text.startswith(f"{name}={value!r} ")
    seconds = in_text_forms(str(pytest.raises(oc.InvalidParameterError, parse_time, 1768910400).value))
    assert f"1768910400 seconds is {pd.Timestamp(1768910400, unit='s'):%Y-%m-%dT%H:%M:%SZ}" in seconds
    assert in_text_forms("nothing of this module's") == "nothing of this module's"


def test_a_date_only_start_means_that_day(store: oc.SnapshotStore, history: pd.DataFrame) -> None:
    first = history["fetched_at"].min()
    assert first.hour > 0  # the series starts in the afternoon of its first day: the case of the issue
    day = f"{first:%Y-%m-%d}"
    assert is_date_only(day)
    m = oc.movers(history, day, "2026-01-07", n=5)
    same = oc.movers(history, first, "2026-01-07", n=5)
    pd.testing.assert_frame_equal(m, same)
    assert any("before the first snapshot" in note for note in m.attrs["notes"])
    result = run_cli(
        ["movers", "--store", "data", "--since", day, "-n", "3", "--format", "csv"], Path(store.root).parent
    )
    assert result.exit_code == 0, result.output
    assert "note: --since" in result.stderr and "before the first snapshot" in result.stderr


def test_a_start_before_the_first_snapshot_uses_the_first_and_says_so(history: pd.DataFrame) -> None:
    early = oc.movers(history, "2020-01-01", "2026-01-07", n=5)
    first = history["fetched_at"].min()
    pd.testing.assert_frame_equal(early, oc.movers(history, first, "2026-01-07", n=5))
    assert early.attrs["start"] == first.isoformat()
    assert early.attrs["notes"][0].startswith("start 2020-01-01 00:00 is before the first snapshot")


def test_answers_from_older_snapshots_say_how_old_and_future_times_say_so() -> None:
    now = pd.Timestamp("2026-01-10T00:00Z")
    assert answer_notes("2026-01-07T12:00Z", "2026-01-07T12:00Z", now=now) == []
    assert answer_notes("2026-01-07T12:00Z", "2026-01-07T09:00Z", now=now) == [
        "the answer is the snapshot of 2026-01-07 09:00 UTC, 3 hours older than as_of 2026-01-07 12:00"
    ]
    notes = answer_notes("2030-01-01", "2026-01-07T22:17Z", now=now)
    assert notes[0] == "as_of 2030-01-01 00:00 is in the future" and "1454 days older" in notes[1]


def test_load_warns_about_future_stale_and_early_answers_only(store: oc.SnapshotStore) -> None:
    """A notebook user sees what matters without reading attrs: a future as_of, an answer more than
    a week older than asked, or an as_of before the first snapshot is a warning; an ordinary answer
    (an hour older) is not."""
    import warnings

    from orcatalog.errors import AsOfWarning
    from orcatalog.times import STALE_AFTER

    last = store.snapshots()["fetched_at"].max()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ordinary = store.load(as_of=last + pd.Timedelta("1h"))
    assert ordinary.attrs["notes"] and "1 hour older" in ordinary.attrs["notes"][0]
    with pytest.warns(AsOfWarning, match="in the future"):
        store.load(as_of="2099-01-01")
    with pytest.warns(AsOfWarning, match="8 days older than as_of"):
        store.load(as_of=last + STALE_AFTER + pd.Timedelta("1D"))
    with pytest.warns(AsOfWarning, match="before the first snapshot"):
        store.load(as_of="2020-01-01")


@pytest.mark.parametrize("layout", ["parquet", "delta"])
def test_load_warns_when_its_snapshot_is_partial(tmp_path: Path, latest_file: Path, layout: str) -> None:
    import gzip
    import json

    body = json.loads(gzip.decompress(latest_file.read_bytes()))
    cut = {**body, "data": body["data"][: len(body["data"]) // 2]}
    store = store_in_layout(tmp_path / "s", layout)
    with pytest.warns(RuntimeWarning, match="flagged partial"):  # the import says it too, in one import
        store.import_bodies([("2026-04-17T00:00Z", body), ("2026-04-17T01:00Z", cut)])
    with pytest.warns(RuntimeWarning, match="is flagged partial: it lists far fewer models"):
        latest = store.load()
    assert latest.attrs["partial"] and len(latest) == len(cut["data"])


def test_show_names_the_snapshot_it_used_and_how_old(store: oc.SnapshotStore) -> None:
    cwd = Path(store.root).parent
    asked = "2025-12-25T12:00Z"
    used = store.load(as_of=asked).attrs
    result = run_cli(["show", "--store", "data", "--as-of", asked, "openai/gpt-4o"], cwd)
    assert result.exit_code == 0, result.output
    assert f"snapshot {used['snapshot_id']}" in result.stderr
    age = pd.Timestamp(asked) - pd.Timestamp(used["fetched_at"])
    assert age > pd.Timedelta(0) and "older than --as-of 2025-12-25 12:00" in result.stderr
    far = run_cli(["show", "--store", "data", "--as-of", "2030-01-01", "--head", "1"], cwd)
    assert far.exit_code == 0 and "days older than --as-of 2030-01-01" in far.stderr
    first = store.snapshots().iloc[0]
    early = run_cli(["show", "--store", "data", "--as-of", "2020-01-01", "openai/gpt-4o"], cwd)  # the first answers
    assert early.exit_code == 0 and early.stderr.splitlines() == [
        f"snapshot {first['snapshot_id']} (fetched {str(first['fetched_at'])[:19]} UTC, scope '{first['scope']}') "
        "answers --as-of 2020-01-01",
        f"note: --as-of 2020-01-01 00:00 is before the first snapshot (scope '{first['scope']}'): the first, "
        f"{first['fetched_at']:%Y-%m-%d %H:%M} UTC, is used",
    ]  # said once: the library's warning is not repeated
    bad = run_cli(["show", "--store", "data", "--as-of", "05/01/2026"], cwd)
    assert bad.exit_code == 2 and "--as-of" in bad.output and "ISO 8601" in bad.output
    bad = run_cli(["changes", "--store", "data", "--since", "05/01/2026"], cwd)
    assert bad.exit_code == 2 and "--since" in bad.output and "ISO 8601" in bad.output


def test_usage_times_follow_the_same_rule(history: pd.DataFrame) -> None:
    good = pd.DataFrame(
        {
            "model": ["openai/gpt-4o"] * 3,
            "prompt_tokens": [10, 10, 10],
            "completion_tokens": [1, 1, 1],
            "timestamp": ["2025-12-25", "2025-12-25T12:00Z", "2025-12-25 13:00:00+01:00"],
        }
    )
    priced = oc.price_at(good, history)
    assert list(priced["observed_at"] <= pd.Timestamp("2025-12-25T12:00Z")) == [True, True, True]
    for bad in (["05/01/2026"], [1766664000]):
        with pytest.raises(oc.InvalidParameterError, match="ISO 8601"):
            oc.price_at(good.head(1).assign(timestamp=bad), history)


@pytest.mark.parametrize(
    ("name", "when", "precision"),
    [
        ("models-2026-04-17T12Z.json.gz", "2026-04-17T12:00Z", "hour"),
        ("models-2026-04-17T12.json.gz", "2026-04-17T12:00Z", "hour"),
        ("models-2026-04-17T1230Z.json.gz", "2026-04-17T12:30Z", "minute"),
        ("models-2026-04-17T14:30+02:00.json.gz", "2026-04-17T12:30Z", "minute"),
        ("models-2026-04-17T123005Z.json.gz", "2026-04-17T12:30:05Z", "second"),
        ("models-2026-04-17_01.json.gz", "2026-04-17T00:00Z", "day"),  # after "_" a counter as likely as an hour
    ],
)
def test_a_file_name_with_an_hour_only_is_read_to_the_hour(
    name: str, when: str, precision: str, latest_file: Path, tmp_path: Path
) -> None:
    """`models-...T12Z.json` was read as day precision in silence (issue 15 trial): a time after T
    is read with as many parts as it has, by the one time rule, and the store records how precise
    it is; an hour-precision snapshot is finer than the day-precision one of the same day, which it
    shadows (the day rule of the store's timeline)."""
    from orcatalog.frames.bodies import dated_name

    assert dated_name(name) == (pd.Timestamp(when), precision)
    named = tmp_path / name
    named.write_bytes(latest_file.read_bytes())
    dated = tmp_path / "models-2026-04-17.json.gz"
    dated.write_bytes(latest_file.read_bytes())
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([named, dated], progress=False)
    m = store.snapshots().set_index("time_precision")
    assert m.loc[precision, "fetched_at"] == pd.Timestamp(when)
    if precision != "day":
        assert m.loc["day", "shadowed"] and not m.loc[precision, "shadowed"]
        assert store.load(as_of="2026-04-17T23:00Z").attrs["fetched_at"] == pd.Timestamp(when)


def test_diff_of_one_day_counts_a_snapshot_at_its_first_moment_as_that_day(tmp_path: Path) -> None:
    """Trial R: day-precision imports are stamped 00:00, and `diff D D` took the snapshot at D 00:00 as
    OLD ("the latest at or before D"), so it said "nothing to compare" while `changes --since D --until D`
    listed the day's changes. OLD as a time is now the last snapshot strictly before it."""
    files = [COMPACT_DIR / "models-2026-01-01.json.gz", COMPACT_DIR / "models-2026-01-15.json.gz"]
    store = oc.SnapshotStore(tmp_path / "data")
    store.import_files(files, progress=False)
    day = run_cli(["diff", "--store", "data", "2026-01-15", "2026-01-15", "--format", "csv"], tmp_path)
    assert day.exit_code == 0, day.output
    expected = oc.diff(store.load(as_of="2026-01-01"), store.load(as_of="2026-01-15"))
    printed = pd.read_csv(io.StringIO(day.stdout))
    assert len(expected) > 0 and len(printed) == len(expected)
    assert "nothing to compare" not in day.stderr
    changes = run_cli(
        ["changes", "--store", "data", "--since", "2026-01-15", "--until", "2026-01-15", "--format", "csv"], tmp_path
    )
    assert changes.exit_code == 0, changes.output
    events = pd.read_csv(io.StringIO(changes.stdout))
    priced = printed[printed["change"] == "changed"]
    keys = set(zip(events["id"], events["field"]))
    assert len(events) > 0 and keys <= set(zip(priced["id"], priced["field"]))  # the two agree on that day


def test_a_date_only_end_means_through_that_day(store: oc.SnapshotStore, history: pd.DataFrame) -> None:
    """Issue 15, third trial: ``diff 2025-12-18 2026-01-07`` read NEW as 00:00 of January 7, so the
    January 6 snapshot answered and all of January 7 was left out; ``movers --since 2025-12-18``'s
    header said "the snapshot at or before 2025-12-18" while the next line said the first one after
    it is used. An end (``end``, ``--until``, NEW) that is a date means through that day."""
    assert parse_time("2026-01-07", end=True) == pd.Timestamp("2026-01-08T00:00Z") - pd.Timedelta(1, "ns")
    assert parse_time("2026-01-07T12:00", end=True) == pd.Timestamp("2026-01-07T12:00Z")  # a time is as given
    assert parse_time(dt.date(2026, 1, 7), end=True) == parse_time("2026-01-07", end=True)
    assert parse_time("2026-01-07") == pd.Timestamp("2026-01-07T00:00Z")  # as_of and starts: midnight
    stamps = history["fetched_at"].drop_duplicates().sort_values()
    last_of_day = stamps[stamps.dt.strftime("%Y-%m-%d") == "2026-01-07"].max()
    assert pd.notna(last_of_day) and last_of_day.hour > 0
    m = oc.movers(history, "2025-12-20", "2026-01-07", n=5)
    assert m.attrs["end_snapshot"] == last_of_day.isoformat()
    pd.testing.assert_frame_equal(m, oc.movers(history, "2025-12-20", last_of_day, n=5), check_like=True)
    root = Path(store.root).parent
    d = run_cli(["diff", "--store", "data", "2025-12-18", "2026-01-07", "--format", "csv"], root)
    assert d.exit_code == 0, d.output
    assert f"fetched {last_of_day:%Y-%m-%d %H:%M:%S} UTC" in d.stderr and "(through the end of that day)" in d.stderr
    assert "older than NEW" not in d.stderr  # a snapshot of the day asked
    # the same date twice is what changed during that day: the last snapshot before it against its last
    day = run_cli(["diff", "--store", "data", "2026-01-07", "2026-01-07", "--format", "csv"], root)
    assert day.exit_code == 0, day.output
    before = stamps[stamps < pd.Timestamp("2026-01-07T00:00Z")].max()
    expected = oc.diff(store.load(as_of=before), store.load(as_of=last_of_day))
    printed = pd.read_csv(io.StringIO(day.stdout))
    assert len(printed) == len(expected) > 0 and set(printed["id"]) == set(expected["id"].astype(str))
    assert f"fetched {before:%Y-%m-%d %H:%M:%S} UTC" in day.stderr.splitlines()[0]
    first = stamps.iloc[0]
    mv = run_cli(["movers", "--store", "data", "--since", f"{first:%Y-%m-%d}", "-n", "2", "--format", "csv"], root)
    assert mv.exit_code == 0, mv.output
    header = mv.stderr.splitlines()[0]
    assert f"the snapshot of {first:%Y-%m-%d %H:%M} UTC (for --since {first:%Y-%m-%d})" in header
    assert "at or before" not in header  # it names the snapshot used, as the note after it does
    every = pd.read_csv(io.StringIO(run_cli(["changes", "--store", "data", "--format", "csv"], root).stdout))
    day = pd.to_datetime(every["fetched_at"], utc=True).max()  # the last day with a change: an --until of that date
    ch = run_cli(["changes", "--store", "data", "--until", f"{day:%Y-%m-%d}", "--format", "csv"], root)
    assert ch.exit_code == 0, ch.output
    assert pd.to_datetime(pd.read_csv(io.StringIO(ch.stdout))["fetched_at"], utc=True).max() == day  # keeps it


def test_history_end_as_a_date_keeps_that_whole_day(store: oc.SnapshotStore, history: pd.DataFrame) -> None:
    """``history(end=)`` and ``endpoint_history(end=)`` read a date-only end by the same rule as
    ``movers`` and ``--until``: through that day."""
    stamps = history["fetched_at"].drop_duplicates().sort_values()
    day = stamps.iloc[len(stamps) // 2]
    assert day.hour > 0
    kept = store.history(ids=[str(history["id"].iloc[0])], end=f"{day:%Y-%m-%d}")
    same_day = stamps[(stamps >= day.normalize()) & (stamps < day.normalize() + pd.Timedelta(days=1))]
    assert pd.Timestamp(kept.attrs["snapshot_times"][next(iter(kept.attrs["snapshot_times"]))][-1]) == same_day.max()


def test_usage_bodies_read_their_times_by_the_same_rule() -> None:
    """The API's usage bodies (a generation's created_at) are read by times.iso_times, the rule a
    time argument follows: a comma fraction is read, an ambiguous form is a SchemaError in one line."""
    from orcatalog.frames.usage import generation_frame

    item = {"id": "gen-1", "model": "openai/gpt-4o", "created_at": "2025-08-24T12:30:00,5+02:00"}
    assert generation_frame(item)["created_at"].iloc[0] == pd.Timestamp("2025-08-24T10:30:00Z")
    assert generation_frame(item)["created_at"].iloc[0] == parse_time(item["created_at"]).floor("s")
    for bad in ("08/24/2025 10:30", "2025-02-30T10:30:00Z"):
        with pytest.raises(oc.SchemaError, match="created_at: not ISO 8601 times") as info:
            generation_frame({**item, "created_at": bad})
        assert repr(bad) in str(info.value) and "\n" not in str(info.value)


#: The files outside times.py that may parse time text, and why: none of them reads a time a user gives.
TIME_PARSERS_ALLOWED = {
    "store/identity.py": "a snapshot id's own compact time (%Y%m%dT%H%M%SZ), written by the snapshot id rule",
    "fetch/http.py": "the HTTP Date header (RFC 9110 IMF-fixdate, 'Wed, 07 Jan 2026 12:00:00 GMT'), not ISO 8601",
    "fetch/retry.py": "the Retry-After header's HTTP date (RFC 9110), not ISO 8601",
    "frames/convert.py": "the catalog's day fields (knowledge_cutoff, expiration_date): a bare YYYY-MM-DD without "
    "a zone (datetime64[s], not UTC), an unreadable one kept in extra, not refused; numpy reads them on every import",
}
_PARSING_CALLS = {"strptime", "fromisoformat", "parsedate_to_datetime", "isoparse"}
_TIME_TYPES = {"to_datetime", "Timestamp", "DatetimeIndex"}


def _time_text_parsing(source: str) -> list[str]:
    """Calls in ``source`` that parse time text: to_datetime / Timestamp / DatetimeIndex given a
    ``format=`` or a literal text; np.datetime64 of anything but "NaT"; an array built with a
    ``datetime64`` dtype; strptime / fromisoformat / HTTP-date parsers. (A pandas call on a variable
    cannot be told from a conversion of datetimes by reading the code; those are reviewed.)"""
    import ast

    def text(a: ast.expr) -> bool:
        return isinstance(a, ast.JoinedStr) or (isinstance(a, ast.Constant) and isinstance(a.value, str))

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        keywords = {k.arg: k.value for k in node.keywords}
        dtype = keywords.get("dtype")
        if (
            name in _PARSING_CALLS
            or (name in _TIME_TYPES and (any(text(a) for a in node.args) or "format" in keywords))
            or (
                name == "datetime64"
                and node.args
                and not (isinstance(node.args[0], ast.Constant) and node.args[0].value == "NaT")
            )
            or (
                name in ("array", "asarray")
                and isinstance(dtype, ast.Constant)
                and str(dtype.value).startswith("datetime64")
            )
        ):
            found.append(f"line {node.lineno}: {name}")
    return found


def test_one_function_parses_time_text() -> None:
    """Issue 15: the time rule was written four times, and frames/usage.py kept its own
    pd.to_datetime(format="ISO8601"). Every time text is read by orcatalog/times.py (iso_times);
    elsewhere only the allowed exceptions parse time text, each for a reason above."""
    package = Path(oc.__file__).parent
    hits = {
        p.relative_to(package).as_posix(): _time_text_parsing(p.read_text(encoding="utf-8"))
        for p in sorted(package.rglob("*.py"))
    }
    hits = {name: calls for name, calls in hits.items() if calls}
    outside = {name: calls for name, calls in hits.items() if name != "times.py" and name not in TIME_PARSERS_ALLOWED}
    assert not outside, f"time text parsed outside orcatalog/times.py (use times.iso_times / parse_time): {outside}"
    assert set(TIME_PARSERS_ALLOWED) <= set(hits), "an allowed exception no longer parses: drop it from the list"
    assert "times.py" in hits


def test_the_time_parsing_guard_finds_what_it_guards() -> None:
    samples = [
        'parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")',  # frames/usage.py's copy
        '_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")',
        "when = datetime.strptime(text, '%Y-%m-%d')",
        "when = dt.datetime.fromisoformat(value)",
        "when = pd.Timestamp(f'{day}T00:00Z')",
        'days = np.array(texts, dtype="datetime64[D]")',
        'day = np.datetime64(value[:10], "D")',
    ]
    for sample in samples:
        assert _time_text_parsing(sample), sample
    conversions = (
        'pd.to_datetime(history["fetched_at"], utc=True)',
        "pd.Timestamp(0, tz='UTC')",
        'np.full(3, np.datetime64("NaT"), dtype="datetime64[s]")',
        'frame["fetched_at"].to_numpy(dtype="datetime64[D]")',
    )
    for conversion in conversions:
        assert not _time_text_parsing(conversion), conversion
