"""`oc.watch` and `orcatalog watch` against the replay server: a recorded catalog, then a copy of it
with a price changed and a model gone, then the model back; the Atom feed read with a real XML
parser; exit statuses through the command line; two overlapping runs; bad input before any request."""

from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from click.testing import Result

import orcatalog as oc
from orcatalog.feed import ATOM_NS, MAX_ENTRIES, entry_id, update_feed
from orcatalog.store.lock import POLL
from orcatalog.testing import ReplayServer

from .conftest import REPO, FakeTime, run_cli

A = f"{{{ATOM_NS}}}"
MOVED = "openai/gpt-4o"  # its prompt price is cut by a fifth in the second body
GONE = "deepseek/deepseek-v3.2"  # absent from the second body, back in the third


@pytest.fixture(scope="module")
def bodies() -> list[dict[str, Any]]:
    """The recorded catalog of 2026-04-17; the same with MOVED's prompt price cut 20% and GONE
    removed; and the same again with GONE back."""
    first = json.loads(
        gzip.decompress((REPO / "tests" / "data" / "openrouter" / "models-2026-04-17.json.gz").read_bytes())
    )
    ids = [m["id"] for m in first["data"]]
    assert MOVED in ids and GONE in ids
    second = copy.deepcopy(first)
    for model in second["data"]:
        if model["id"] == MOVED:
            model["pricing"]["prompt"] = format(float(model["pricing"]["prompt"]) * 0.8, ".10g")
    second["data"] = [m for m in second["data"] if m["id"] != GONE]
    third = copy.deepcopy(second)
    third["data"].append(next(m for m in first["data"] if m["id"] == GONE))
    for body in (second, third):
        if "total_count" in body:
            body["total_count"] = len(body["data"])
    return [first, second, third, *(_again(b, n) for n, b in enumerate([third, third, second, third], 1))]


def _again(body: dict[str, Any], n: int) -> dict[str, Any]:
    """The same catalog, observed again: only a description differs (not something watch reports),
    so the store records a new snapshot even within the same second (ids are time + content)."""
    again = copy.deepcopy(body)
    again["data"][0]["description"] = f"{again['data'][0].get('description') or ''} (observed again, {n})"
    return again


#: Indexes into ``bodies``: the same catalogs observed again.
THIRD_AGAIN, THIRD_AGAIN_2, SECOND_AGAIN, THIRD_AGAIN_3 = 3, 4, 5, 6


@pytest.fixture
def api(bodies: list[dict[str, Any]]) -> Iterator[ReplayServer]:
    with ReplayServer(bodies) as server:
        server.use(0)
        yield server


def _client(server: ReplayServer) -> oc.Client:
    return oc.Client(base_url=server.base_url, session=requests.Session())


def _prompt_usd_per_mtok(body: dict[str, Any], model_id: str) -> float:
    return float(next(m for m in body["data"] if m["id"] == model_id)["pricing"]["prompt"]) * 1e6


def test_two_runs_report_the_injected_price_change_and_the_lifecycle(
    tmp_path: Path, api: ReplayServer, bodies: list[dict[str, Any]]
) -> None:
    store = oc.SnapshotStore(tmp_path / "data")
    first = oc.watch(store, client=_client(api))
    assert first.empty and first.attrs["previous_id"] is None and first.attrs["n_models"] == len(bodies[0]["data"])

    api.use(1)
    second = oc.watch(store, client=_client(api))
    assert second.attrs["previous_id"] == first.attrs["snapshot_id"] != second.attrs["snapshot_id"]
    assert set(second["change"]) == {"changed", "removed"}
    moved = second[second["change"] == "changed"]
    assert moved[["id", "field", "unit", "kind"]].values.tolist() == [[MOVED, "price_prompt", "USD/Mtok", "changed"]]
    row = moved.iloc[0]
    assert row["old"] == pytest.approx(_prompt_usd_per_mtok(bodies[0], MOVED))
    assert row["new"] == pytest.approx(_prompt_usd_per_mtok(bodies[1], MOVED))
    assert row["pct_change"] == pytest.approx(-20.0)
    assert second.loc[second["change"] == "removed", "id"].tolist() == [GONE]
    # the one rule: the price rows are oc.diff's of the two stored snapshots
    d = oc.diff(store.load(first.attrs["snapshot_id"]), store.load(second.attrs["snapshot_id"]))
    d = d[d["field"].map(lambda f: isinstance(f, str) and f.startswith("price_")) | (d["change"] != "changed")]
    assert sorted(zip(d["id"], d["change"], d["field"].fillna(""))) == sorted(
        zip(second["id"], second["change"], second["field"].fillna(""))
    )

    api.use(2)
    third = oc.watch(store, client=_client(api))
    assert third[["id", "change"]].values.tolist() == [[GONE, "back"]]
    api.use(THIRD_AGAIN)
    fourth = oc.watch(store, client=_client(api), models=[MOVED, GONE])
    assert fourth.empty and fourth.attrs["previous_id"] == third.attrs["snapshot_id"]
    assert len(store.snapshots()) == 4


def test_models_narrow_the_report_not_the_snapshot(tmp_path: Path, api: ReplayServer) -> None:
    store = oc.SnapshotStore(tmp_path / "data")
    oc.watch(store, client=_client(api))
    api.use(1)
    with pytest.warns(oc.UnknownModelWarning, match="nobody/nothing"):
        changes = oc.watch(store, client=_client(api), models=[GONE, "nobody/nothing"])
    assert changes[["id", "change"]].values.tolist() == [[GONE, "removed"]]
    assert changes.attrs["n_models"] == len(store.load())  # the whole catalog was recorded
    api.use(2)
    with pytest.warns(oc.UnknownModelWarning, match=f"no model '{MOVED}x' \\(did you mean '{MOVED}'\\?\\)"):
        oc.watch(store, client=_client(api), models=[MOVED + "x"])
    with pytest.raises(oc.InvalidParameterError):
        oc.watch(store, client=_client(api), models="openai/gpt-4o")


def test_an_overlapping_run_waits_then_gives_up_without_recording(
    tmp_path: Path, api: ReplayServer, fake_time: FakeTime
) -> None:
    store = oc.SnapshotStore(tmp_path / "data")
    served = len(api.requests)
    with store.run_lock("watch"):
        with pytest.raises(oc.SnapshotConflictError, match="another watch run"):
            oc.watch(
                oc.SnapshotStore(tmp_path / "data"),
                client=_client(api),
                wait=10,
                clock=fake_time.clock,
                sleep=fake_time.sleep,
            )
    assert sum(fake_time.slept) == pytest.approx(10) and max(fake_time.slept) <= 1
    assert len(api.requests) == served, "the second run reached the API"
    assert not store.exists() or store.snapshots().empty
    oc.watch(store, client=_client(api), clock=fake_time.clock, sleep=fake_time.sleep)  # released: the next run works
    assert len(store.snapshots()) == 1


def test_a_watch_waits_on_the_store_s_own_clock_and_sleep(
    tmp_path: Path, api: ReplayServer, fake_time: FakeTime
) -> None:
    """Issue 17: with no ``clock=``/``sleep=`` of its own, a watch waits for the lock on the store's
    (``SnapshotStore(clock=..., sleep=...)``), polling every ``POLL`` seconds: a store built with a
    fake pair never sleeps for real, whichever entry point waits."""
    holder = oc.SnapshotStore(tmp_path / "data")
    waiting = oc.SnapshotStore(tmp_path / "data", clock=fake_time.clock, sleep=fake_time.sleep)
    with holder.run_lock("watch", wait=0):
        with pytest.raises(oc.SnapshotConflictError, match="waited 3 s"):
            oc.watch(waiting, client=_client(api), wait=3)
    assert fake_time.slept == [POLL] * 6 and api.requests == []


def test_a_run_waits_for_one_that_finishes(tmp_path: Path, api: ReplayServer) -> None:
    """The first run ends while the second waits: the second takes the lock and records once."""
    store = oc.SnapshotStore(tmp_path / "data")
    holder = store.run_lock("watch")
    holder.__enter__()
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 2:
            holder.__exit__(None, None, None)

    oc.watch(oc.SnapshotStore(tmp_path / "data"), client=_client(api), wait=10, clock=lambda: now[0], sleep=sleep)
    assert now[0] == pytest.approx(2) and len(store.snapshots()) == 1


# -- the command line -------------------------------------------------------------------------


def run(args: list[str], cwd: Path, server: ReplayServer | None = None) -> Result:
    env = {
        "ORCATALOG_BASE_URL": server.base_url if server else "http://127.0.0.1:9/api/v1",
        "ORCATALOG_CACHE_DIR": str(cwd / ".cache"),
    }
    return run_cli(["watch", *args], cwd, env)


def _feed(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id", "").startswith("urn:orcatalog:watch:")
    assert root.findtext(f"{A}title") and root.find(f"{A}author/{A}name") is not None
    pd.Timestamp(root.findtext(f"{A}updated"))  # RFC 3339
    for entry in root.findall(f"{A}entry"):
        for child in ("id", "title", "updated"):
            assert entry.findtext(f"{A}{child}"), child
        assert pd.Timestamp(entry.findtext(f"{A}updated")).tzinfo is not None  # RFC 3339, in UTC
        # RFC 4287 4.1.1: an entry has a content element or a link rel="alternate" (strict validators check it)
        alternate = [link for link in entry.findall(f"{A}link") if link.get("rel", "alternate") == "alternate"]
        content = entry.find(f"{A}content")
        assert alternate or (
            content is not None and content.get("type", "text") in ("text", "html", "xhtml") and content.text
        ), "an entry without content or link rel=alternate"
        assert entry.findtext(f"{A}summary")
    return root


def _entries(root: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (e.findtext(f"{A}id", ""), e.findtext(f"{A}updated", ""), e.findtext(f"{A}title", ""))
        for e in root.findall(f"{A}entry")
    ]


def test_exit_codes_json_lines_and_the_feed_over_runs(tmp_path: Path, api: ReplayServer) -> None:
    args = ["--store", "data", "--feed", "changes.xml", "--exit-code"]
    result = run(args, tmp_path, api)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "first snapshot" in result.stderr and "nothing to compare" in result.stderr
    assert _entries(_feed(tmp_path / "changes.xml")) == []

    api.use(1)
    result = run(args, tmp_path, api)
    assert result.exit_code == 3, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    snapshots = oc.SnapshotStore(tmp_path / "data").snapshots()
    second_id = snapshots["snapshot_id"].iloc[-1]
    assert {(r["id"], r["change"], r["field"]) for r in lines} == {
        (MOVED, "changed", "price_prompt"),
        (GONE, "removed", None),
    }
    assert all(r["snapshot_id"] == second_id and r["previous_id"] == snapshots["snapshot_id"].iloc[0] for r in lines)
    moved = next(r for r in lines if r["change"] == "changed")
    assert moved["unit"] == "USD/Mtok" and moved["pct_change"] == pytest.approx(-20.0)
    root = _feed(tmp_path / "changes.xml")
    after_two = _entries(root)
    assert {e[0] for e in after_two} == {
        entry_id(second_id, MOVED, "price_prompt"),
        entry_id(second_id, GONE, "removed"),
    }

    api.use(2)
    result = run(args, tmp_path, api)
    assert result.exit_code == 3 and json.loads(result.stdout)["change"] == "back"
    after_three = _entries(_feed(tmp_path / "changes.xml"))
    assert after_three[1:] == after_two, "entries of an earlier run must stay exactly as they were"
    assert [e[1] for e in after_three] == sorted((e[1] for e in after_three), reverse=True)  # newest first
    assert after_three[0][1] > after_two[0][1]

    api.use(THIRD_AGAIN)
    result = run(args, tmp_path, api)  # the same catalog again: nothing changed
    assert result.exit_code == 0 and result.stdout == ""
    assert _entries(_feed(tmp_path / "changes.xml")) == after_three
    assert len(oc.SnapshotStore(tmp_path / "data").snapshots()) == 4
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "a temporary feed file was left behind"

    api.use(THIRD_AGAIN_2)
    table = run(["--store", "data", "--format", "table"], tmp_path, api)
    assert table.exit_code == 0 and table.stdout == ""  # nothing changed, and without --exit-code: 0 anyway


def test_the_feed_is_bounded_and_keeps_the_newest(tmp_path: Path, api: ReplayServer) -> None:
    store = oc.SnapshotStore(tmp_path / "data")
    oc.watch(store, client=_client(api))
    frames = []
    for which in (1, 2, SECOND_AGAIN, THIRD_AGAIN):
        api.use(which)
        frames.append(oc.watch(store, client=_client(api)))
    feed = tmp_path / "changes.xml"
    for frame in frames:
        update_feed(feed, frame, max_entries=3)
    ids = [e[0] for e in _entries(_feed(feed))]
    newest = [
        entry_id(f.attrs["snapshot_id"], r["id"], r["field"] if isinstance(r["field"], str) else r["change"])
        for f in reversed(frames)
        for r in f.to_dict("records")
    ]
    assert len(ids) == 3 and ids == newest[:3]
    assert update_feed(feed, frames[-1], max_entries=3) == 0  # a run's changes are never added twice
    assert MAX_ENTRIES == 200 and "200" in (REPO / "README.md").read_text(encoding="utf-8").split("## Watch", 1)[1]


def test_the_command_refuses_an_overlapping_run(tmp_path: Path, api: ReplayServer) -> None:
    """A real second process holds the store's lock: the command exits 1 at once, naming the cause."""
    code = (
        "import sys, orcatalog as oc; lock = oc.SnapshotStore(sys.argv[1]).run_lock('watch'); "
        "lock.__enter__(); print('held', flush=True); sys.stdin.read()"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "data")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        served = len(api.requests)
        result = run(["--store", "data", "--wait", "0", "--exit-code"], tmp_path, api)
        assert result.exit_code == 1
        assert (
            result.stderr.startswith("error: another watch run is at work") and "nothing was recorded" in result.stderr
        )
        assert len(api.requests) == served
    finally:
        holder.kill()  # SIGKILL: a crashed holder must not leave the store locked
        holder.communicate()
    result = run(["--store", "data", "--wait", "0"], tmp_path, api)  # the holder is gone: the lock is free
    assert result.exit_code == 0, result.output


def test_a_failed_fetch_exits_1_and_records_nothing(tmp_path: Path, api: ReplayServer) -> None:
    assert run(["--store", "data", "--feed", "changes.xml"], tmp_path, api).exit_code == 0
    feed = (tmp_path / "changes.xml").read_bytes()
    api.add_fault(path="/models", status=404)
    result = run(["--store", "data", "--feed", "changes.xml", "--exit-code"], tmp_path, api)
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and result.stdout == ""
    assert len(oc.SnapshotStore(tmp_path / "data").snapshots()) == 1
    assert (tmp_path / "changes.xml").read_bytes() == feed


@pytest.mark.parametrize(
    "args, message",
    [
        (["--feed", "missing/changes.xml"], "there is no folder missing"),
        (["--feed", "not-a-feed.xml"], "not an Atom feed"),
        (["--feed", "garbage.xml"], "not an XML file"),
        (["--format", "xml"], "'xml' is not one of 'jsonl', 'table'"),
        (["--models", ","], "names no model"),
        (["--wait", "-1"], "-1"),
    ],
)
def test_bad_input_fails_before_any_request(tmp_path: Path, api: ReplayServer, args: list[str], message: str) -> None:
    (tmp_path / "not-a-feed.xml").write_text("<rss version='2.0'><channel/></rss>", encoding="utf-8")
    (tmp_path / "garbage.xml").write_text("this is not xml <", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run(["--store", "data", *args], tmp_path, api)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr and len(result.stderr.splitlines()) == 1
    assert api.requests == [], "bad input reached the API"
    assert not (tmp_path / "data").exists()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_a_feed_that_cannot_be_written_is_refused_before_any_request(tmp_path: Path, api: ReplayServer) -> None:
    """New-user trial: a feed watch could not write was found only after the snapshot was recorded,
    and the error named a temporary file. Here the folder exists but the feed's temporary file
    (``.<name>.XXXXXXXX.tmp``) cannot be made beside it (its name passes the 255-byte limit):
    refused before any request, naming the feed as given."""
    name = "f" * 247 + ".xml"  # 251 bytes: a valid file name; its temporary file's is not
    result = run(["--store", "data", "--feed", name], tmp_path, api)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --feed {name} cannot be written in {tmp_path} (File name too long)")
    assert ".tmp'" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert api.requests == [] and not (tmp_path / "data").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_run_lock_on_disk_and_s3(new_store: Any, fake_time: FakeTime) -> None:
    """flock on disk, a conditional-create claim on S3: one holder at a time, free again after release."""
    store = new_store()
    other = oc.SnapshotStore(store.root, storage_options=store._storage_options)
    with store.run_lock("watch", wait=0):
        with pytest.raises(oc.SnapshotConflictError, match="another watch run"):
            with other.run_lock("watch", wait=3, clock=fake_time.clock, sleep=fake_time.sleep):
                pytest.fail("two holders of one lock")
        with other.run_lock("report", wait=0):  # another name is another lock
            pass
    assert sum(fake_time.slept) == pytest.approx(3)
    with other.run_lock("watch", wait=0):
        pass
    with pytest.raises(oc.InvalidParameterError):
        with store.run_lock("watch", wait=-1):
            pass


def _interrupt(*args: Any) -> None:
    raise KeyboardInterrupt  # as Ctrl-C or a killed cron job after the snapshot, before the report


def test_an_interrupted_report_is_made_by_the_next_run(new_store: Any, api: ReplayServer) -> None:
    """On disk and on S3: the snapshot of a run stopped before its report finished counts as not
    reported; the next run compares with the last reported one, then each change is reported once."""
    store = new_store()
    first = oc.watch(store, client=_client(api))
    api.use(1)
    with pytest.raises(KeyboardInterrupt):
        oc.watch(store, client=_client(api), report=_interrupt)
    lost = store.snapshots()["snapshot_id"].iloc[-1]
    assert lost != first.attrs["snapshot_id"] and store.run_state()["reported"] == {
        first.attrs["scope"]: first.attrs["snapshot_id"]
    }

    api.use(SECOND_AGAIN)  # the same catalog as the interrupted run's
    seen: list[pd.DataFrame] = []
    again = oc.watch(store, client=_client(api), report=seen.append)
    assert again.attrs["previous_id"] == first.attrs["snapshot_id"] and seen[0] is again
    assert sorted(zip(again["id"], again["change"])) == sorted([(MOVED, "changed"), (GONE, "removed")])
    assert store.run_state()["reported"][first.attrs["scope"]] == again.attrs["snapshot_id"]

    api.use(2)
    third = oc.watch(store, client=_client(api))
    assert third.attrs["previous_id"] == again.attrs["snapshot_id"]
    assert third[["id", "change"]].values.tolist() == [[GONE, "back"]]
    api.use(THIRD_AGAIN)
    assert oc.watch(store, client=_client(api)).empty
    assert len(store.snapshots()) == 5


def test_the_net_change_since_the_last_report(tmp_path: Path, api: ReplayServer) -> None:
    """Interrupted after a model left, the next run sees it back: the two runs report only what
    differs from the last reported catalog (the price), not a removal and a return."""
    store = oc.SnapshotStore(tmp_path / "data")
    first = oc.watch(store, client=_client(api))
    api.use(1)
    with pytest.raises(KeyboardInterrupt):
        oc.watch(store, client=_client(api), report=_interrupt)
    api.use(2)
    net = oc.watch(store, client=_client(api))
    assert net.attrs["previous_id"] == first.attrs["snapshot_id"]
    assert net[["id", "change", "field"]].values.tolist() == [[MOVED, "changed", "price_prompt"]]


def test_the_command_interrupted_before_its_feed_leaves_the_changes_to_the_next_run(
    tmp_path: Path, api: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--store", "data", "--feed", "changes.xml", "--exit-code"]
    assert run(args, tmp_path, api).exit_code == 0
    api.use(1)
    with monkeypatch.context() as patch:
        patch.setattr("orcatalog.feed.update_feed", _interrupt)
        result = run(args, tmp_path, api)
    assert result.exit_code == 130 and result.stdout == ""
    assert "interrupted: after the write: 1 new snapshot recorded" in result.stderr
    assert "the next watch reports them" in result.stderr
    assert _entries(_feed(tmp_path / "changes.xml")) == []

    api.use(SECOND_AGAIN)
    result = run(args, tmp_path, api)
    assert result.exit_code == 3, result.output
    snapshots = oc.SnapshotStore(tmp_path / "data").snapshots()["snapshot_id"].tolist()
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(r["id"], r["change"]) for r in lines} == {(MOVED, "changed"), (GONE, "removed")}
    assert {(r["previous_id"], r["snapshot_id"]) for r in lines} == {(snapshots[0], snapshots[2])}
    assert {e[0] for e in _entries(_feed(tmp_path / "changes.xml"))} == {
        entry_id(snapshots[2], MOVED, "price_prompt"),
        entry_id(snapshots[2], GONE, "removed"),
    }

    result = run(args, tmp_path, api)  # reported: the same catalog again is no change
    assert result.exit_code == 0 and result.stdout == ""
    assert len(_entries(_feed(tmp_path / "changes.xml"))) == 2


def test_the_table_is_for_people(tmp_path: Path, api: ReplayServer, bodies: list[dict[str, Any]]) -> None:
    assert run(["--store", "data"], tmp_path, api).exit_code == 0
    api.use(1)
    result = run(["--store", "data", "--format", "table"], tmp_path, api)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["id", "change", "field", "old", "new", "pct_change", "unit", "kind"]
    moved = next(r.split() for r in rows if r.split()[0] == MOVED)
    assert moved[1:3] == ["changed", "price_prompt"] and moved[-2:] == ["USD/Mtok", "changed"]
    assert float(moved[3]) == pytest.approx(_prompt_usd_per_mtok(bodies[0], MOVED))
    assert [r.split()[:2] for r in rows if r.split()[0] == GONE] == [[GONE, "removed"]]


def test_a_feed_that_cannot_be_replaced_is_left_as_it_was(
    tmp_path: Path, api: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = oc.SnapshotStore(tmp_path / "data")
    oc.watch(store, client=_client(api))
    api.use(1)
    changes = oc.watch(store, client=_client(api))
    feed = tmp_path / "changes.xml"
    update_feed(feed, changes.iloc[:0].copy())  # an empty feed of this scope
    before = feed.read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("orcatalog.feed.os.replace", refuse)
    with pytest.raises(OSError, match="No space") as failed:
        update_feed(feed, changes)
    assert failed.value.filename == str(feed)  # the feed asked for, not the removed temporary file
    assert feed.read_bytes() == before and [p.name for p in tmp_path.iterdir() if p.is_file()] == ["changes.xml"]


def test_the_feed_keeps_its_permissions(tmp_path: Path, api: ReplayServer) -> None:
    """A web server reads the feed: a 0644 feed stays 0644 after an update, a new one follows the
    umask (not the 0600 of a temporary file)."""
    store = oc.SnapshotStore(tmp_path / "data")
    oc.watch(store, client=_client(api))
    api.use(1)
    changes = oc.watch(store, client=_client(api))
    new, kept = tmp_path / "new.xml", tmp_path / "kept.xml"
    old_umask = os.umask(0o022)
    try:
        update_feed(new, changes)
        assert new.stat().st_mode & 0o777 == 0o644
        update_feed(kept, changes.iloc[:0].copy())
        kept.chmod(0o640)
        update_feed(kept, changes)
        assert kept.stat().st_mode & 0o777 == 0o640 and len(_entries(_feed(kept))) == len(changes)
    finally:
        os.umask(old_umask)


def test_a_partial_catalog_does_not_flood_the_report(tmp_path: Path, bodies: list[dict[str, Any]]) -> None:
    """A body holding about half the catalog (the store flags it partial): no 'removed' rows and one
    warning saying so; the next full body is compared with the last full one, so nothing comes 'back'."""
    first = bodies[0]
    partial = copy.deepcopy(first)
    partial["data"] = [m for m in partial["data"] if m["id"] != GONE][: len(first["data"]) // 2]
    with ReplayServer([first, partial, _again(first, 9), _again(partial, 10)]) as server:
        server.use(0)
        store = oc.SnapshotStore(tmp_path / "data")
        full = oc.watch(store, client=_client(server))
        server.use(1)
        with pytest.warns(RuntimeWarning) as caught:
            cut = oc.watch(store, client=_client(server))
        messages = [str(w.message) for w in caught if "partial" in str(w.message)]
        assert len(messages) == 1 and "removals are not reported" in messages[0], messages
        assert cut.attrs["partial"] and cut.empty, cut[["id", "change"]]
        assert bool(store.snapshots().set_index("snapshot_id").at[cut.attrs["snapshot_id"], "partial"])
        server.use(2)
        again = oc.watch(store, client=_client(server))
        assert again.attrs["previous_id"] == full.attrs["snapshot_id"] and not again.attrs["partial"]
        assert again.empty, again[["id", "change"]]
        # through the command line: exit 0, nothing on stdout, one warning line
        server.use(3)
        result = run(["--store", "data", "--exit-code"], tmp_path, server)
        assert result.exit_code == 0 and result.stdout == "", result.output
        assert [line for line in result.stderr.splitlines() if "partial" in line] == [
            line for line in result.stderr.splitlines() if line.startswith("warning:")
        ] and "removals are not reported" in result.stderr


def test_a_store_that_is_a_file_is_refused(tmp_path: Path, api: ReplayServer) -> None:
    (tmp_path / "afile").write_text("not a store", encoding="utf-8")
    result = run(["--store", "afile"], tmp_path, api)
    assert (
        result.exit_code == 2
        and result.stderr == "error: afile is a file, not a folder: a snapshot store is a folder; check the path\n"
    ), result.output
    assert api.requests == [] and (tmp_path / "afile").read_text(encoding="utf-8") == "not a store"


def test_what_a_partial_run_reported_is_not_reported_again(tmp_path: Path, bodies: list[dict[str, Any]]) -> None:
    """A partial body already showed MOVED's price cut: the next full body, with the same cut, is
    compared with the last full one as the partial run left it, so only GONE's removal is new."""
    first, cut = bodies[0], bodies[1]  # cut: MOVED's prompt price cut 20%, GONE removed
    partial = copy.deepcopy(cut)
    partial["data"] = [m for m in partial["data"] if m["id"] == MOVED] + [
        m for m in partial["data"] if m["id"] != MOVED
    ][: len(first["data"]) // 2]
    with ReplayServer([first, partial, _again(cut, 11)]) as server:
        store = oc.SnapshotStore(tmp_path / "data")
        server.use(0)
        full = oc.watch(store, client=_client(server))
        server.use(1)
        with pytest.warns(RuntimeWarning, match="removals are not reported"):
            during = oc.watch(store, client=_client(server))
        assert during[["id", "change", "field"]].values.tolist() == [[MOVED, "changed", "price_prompt"]]
        server.use(2)
        after = oc.watch(store, client=_client(server))
        assert after.attrs["previous_id"] == full.attrs["snapshot_id"]
        assert after[["id", "change"]].values.tolist() == [[GONE, "removed"]], after[["id", "change", "field"]]


def test_what_an_interrupted_partial_run_showed_is_reported_by_the_next(
    tmp_path: Path, bodies: list[dict[str, Any]]
) -> None:
    """The partial run above, stopped before its report: its price cut was never reported, so the
    next full body reports it with GONE's removal; then a partial run that did report is overlaid as before."""
    first, cut = bodies[0], bodies[1]
    partial = copy.deepcopy(cut)
    partial["data"] = [m for m in partial["data"] if m["id"] == MOVED] + [
        m for m in partial["data"] if m["id"] != MOVED
    ][: len(first["data"]) // 2]
    with ReplayServer([first, partial, _again(cut, 12), _again(partial, 13), _again(cut, 14)]) as server:
        store = oc.SnapshotStore(tmp_path / "data")
        server.use(0)
        full = oc.watch(store, client=_client(server))
        server.use(1)
        with pytest.warns(RuntimeWarning, match="removals are not reported"), pytest.raises(KeyboardInterrupt):
            oc.watch(store, client=_client(server), report=_interrupt)
        server.use(2)
        after = oc.watch(store, client=_client(server))
        assert after.attrs["previous_id"] == full.attrs["snapshot_id"]
        assert sorted(zip(after["id"], after["change"])) == sorted([(MOVED, "changed"), (GONE, "removed")])
        server.use(3)  # a partial run of the same cut catalog, reported: nothing new
        with pytest.warns(RuntimeWarning, match="removals are not reported"):
            assert oc.watch(store, client=_client(server)).empty
        server.use(4)
        last = oc.watch(store, client=_client(server))
        assert last.empty and last.attrs["previous_id"] == after.attrs["snapshot_id"], last[["id", "change"]]
