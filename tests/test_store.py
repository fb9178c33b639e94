"""SnapshotStore on real bodies: import, load, raw, history, and the facts they hold."""

from __future__ import annotations

import warnings

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import requests

import orcatalog as oc
from orcatalog.testing.legacy import legacy_store, store_in_layout
from orcatalog.frames.models import check_body, models_frame
from orcatalog.store import time_from_name
from orcatalog.testing import ReplayServer

from .conftest import FAST_RETRY, make_store, read_body, store_files

QWEN = ["qwen/qwen3-max", "qwen/qwen-plus"]


def _imported(request: pytest.FixtureRequest, tmp: Path, paths: list[Path]) -> oc.SnapshotStore:
    endpoint = request.getfixturevalue("s3_endpoint") if request.param == "s3" else None
    store = make_store(request.param, tmp, endpoint)
    store.import_files(paths, progress=False)
    return store


@pytest.fixture(scope="module", params=["local", "s3"])
def dated_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, recorded_dir: Path
) -> oc.SnapshotStore:
    return _imported(request, tmp_path_factory.mktemp("dated"), sorted(recorded_dir.glob("models-*.json.gz")))


@pytest.fixture(scope="module", params=["local", "s3"])
def hourly_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, recorded_dir: Path
) -> oc.SnapshotStore:
    """The hourly series on each backend; on local disk it is the session's (read only, as here)."""
    if request.param == "local":
        return request.getfixturevalue("series_store")
    return _imported(request, tmp_path_factory.mktemp("hourly"), list(recorded_dir.glob("hourly-*.tar.xz")))


@pytest.fixture
def local_hourly_store(series_store: oc.SnapshotStore) -> oc.SnapshotStore:
    return series_store


def test_time_from_name() -> None:
    assert time_from_name("models-2026-01-03T231610Z.json") == pd.Timestamp("2026-01-03T23:16:10Z")
    assert time_from_name("models-2025-12-18.json.gz") == pd.Timestamp("2025-12-18T00:00:00Z")
    assert time_from_name("hourly-2025-12-18_2026-01-07.tar.xz:./models-2026-01-02T182405Z.json") == pd.Timestamp(
        "2026-01-02T18:24:05Z"
    )
    assert time_from_name("snap_2026-01-02T18:24:05+02:00.json") == pd.Timestamp("2026-01-02T16:24:05Z")
    assert time_from_name("catalog.json") is None


def test_a_name_with_a_date_and_a_time_gives_its_time() -> None:
    """The finer time wins (issue 14: the last date won and made the snapshot day precision), and an
    archive's own dates never compete with its member's."""
    from orcatalog.frames.bodies import dated_name

    assert dated_name("models-2026-01-08T011901Z-from-2025-01-01.json") == (
        pd.Timestamp("2026-01-08T01:19:01Z"),
        "second",
    )
    assert dated_name("hourly-2025-12-18_2026-01-07.tar.xz:models-2025-12-20.json") == (
        pd.Timestamp("2025-12-20T00:00:00Z"),
        "day",
    )


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("models-2026-01-02T18:24:05+24:00.json", "not a real time"),
        ("models-2026-01-02T182405-2400.json", "not a real time"),
        ("models-2026-13-02.json", "not a real time"),
        ("models-2025-12-18_2026-01-07.json", "2 different times"),
        ("models-2026-01-02T010000Z-2026-01-02T020000Z.json", "2 different times"),
    ],
)
def test_a_name_whose_time_cannot_be_told_is_refused_before_anything_is_written(
    tmp_path: Path, recorded_dir: Path, name: str, words: str
) -> None:
    body = tmp_path / name
    body.write_bytes(read_body(next(iter(sorted(recorded_dir.glob("models-*.json*"))))))
    with pytest.raises(oc.BodyFileError, match=words) as caught:
        time_from_name(name)
    assert name in str(caught.value) and "--fetched-at" in str(caught.value)
    store = oc.SnapshotStore(tmp_path / "store")
    with pytest.raises(oc.BodyFileError, match=words):
        store.import_files([body])
    assert not (tmp_path / "store").exists() or store.snapshots().empty
    # the way out the message names works
    assert store.import_files([body], fetched_at="2026-01-02T18:24:05Z").added


def test_manifest_of_the_dated_files(dated_store: oc.SnapshotStore, dated_files: list[Path]) -> None:
    m = dated_store.snapshots()
    assert len(m) == 14
    assert list(m["fetched_at"]) == sorted(time_from_name(p.name) for p in dated_files)
    assert str(m["fetched_at"].dtype) == "datetime64[us, UTC]"
    assert set(m["scope"]) == {"/models output_modalities=text"}  # bare bodies: the server's default list
    for col in (
        "snapshot_id",
        "base_url",
        "endpoint",
        "query",
        "key_fingerprint",
        "n_models",
        "content_hash",
        "schema_version",
        "orcatalog_version",
        "source",
        "batch",
    ):
        assert col in m.columns, col
    assert list(m["n_models"]) == [len(json.loads(read_body(p))["data"]) for p in sorted(dated_files)]
    assert m["snapshot_id"].is_unique


def test_reimport_is_a_no_op(new_store, dated_files: list[Path]) -> None:
    store = new_store()
    first = store.import_files(dated_files[:3], progress=False)
    before = store_files(store)
    again = oc.SnapshotStore(store.root, storage_options=store._storage_options).import_files(
        dated_files[:3], progress=False
    )
    assert again == first
    assert store_files(store) == before
    assert first.added == first and again.added == []  # each write says what it committed
    both = store.import_files(dated_files[2:5], progress=False)
    assert both == [*first[2:], *both[1:]] and both.added == both[1:]  # one already held, two new


@pytest.mark.parametrize("layout", ["delta", "parquet"])
def test_a_write_says_which_snapshots_it_added(tmp_path: Path, dated_files: list[Path], layout: str) -> None:
    store = store_in_layout(tmp_path / "s", layout)
    first = store.import_files(dated_files[:2], progress=False)
    assert first.added == list(store.snapshots()["snapshot_id"])
    more = store.import_files(dated_files[1:3], progress=False)
    assert more.added == [i for i in store.snapshots()["snapshot_id"] if i not in first]
    assert store.import_bodies([]).added == []


def test_import_needs_a_time(new_store, tmp_path: Path, latest_file: Path) -> None:
    nameless = tmp_path / "catalog.json.gz"
    shutil.copy(latest_file, nameless)
    store = new_store()
    with pytest.raises(oc.InvalidParameterError, match="no fetch time"):
        store.import_files(nameless, progress=False)
    assert store_files(store) == {}
    stray = tmp_path / "notes.json"  # no catalog at all: said first, not "no fetch time"
    stray.write_bytes(b'{"hello": 1}')
    with pytest.raises(oc.SchemaError, match=r"notes\.json"):
        store.import_files(stray, progress=False)
    ids = store.import_files(nameless, fetched_at="2026-04-17T14:05:09Z", progress=False)
    assert ids[0].startswith("20260417T140509Z-")
    with pytest.raises(oc.InvalidParameterError, match="single body"):
        store.import_files([nameless, latest_file], fetched_at="2026-04-17", progress=False)


@pytest.mark.parametrize("number", [1.7e9, 0, -1])
def test_a_number_as_fetch_time_is_refused_and_writes_nothing(tmp_path: Path, latest_file: Path, number: float) -> None:
    """Issue 14: a number given as ``fetched_at`` (Unix seconds? nanoseconds?) was stored at 1970
    without a word; the store refuses it by the one time rule, names it, and writes nothing."""
    nameless = tmp_path / "catalog.json.gz"
    shutil.copy(latest_file, nameless)
    store = oc.SnapshotStore(tmp_path / "store")
    said = rf"fetched_at={number!r} is a number, not a time: numbers are refused on purpose.*pd\.Timestamp\({number!r}, unit='s'\)"
    with pytest.raises(oc.InvalidParameterError, match=said):
        store.import_files(nameless, fetched_at=number, progress=False)
    with pytest.raises(oc.InvalidParameterError, match=said):
        store.import_bodies([(number, read_body(latest_file))])
    assert not store.exists() and not (tmp_path / "store").exists()


def test_a_bad_body_writes_nothing(new_store, tmp_path: Path, dated_files: list[Path]) -> None:
    bad = tmp_path / "models-2026-05-01T000000Z.json"
    bad.write_text('{"data": [{"id": "a/b"}, {"id": "a/b"}]}')
    store = new_store()
    with pytest.raises(oc.SchemaError, match="models-2026-05-01T000000Z.json"):
        store.import_files([dated_files[0], bad], progress=False)
    assert (not store.exists() or store.snapshots().empty) and store_files(store) == {}


def test_raw_is_json_equal_to_every_dated_body(dated_store: oc.SnapshotStore, dated_files: list[Path]) -> None:
    m = dated_store.snapshots()
    for sid, path in zip(m["snapshot_id"], sorted(dated_files)):
        assert dated_store.raw(sid) == json.loads(read_body(path)), path.name


def test_raw_is_json_equal_for_hourly_bodies(hourly_store: oc.SnapshotStore, hourly_bodies: list) -> None:
    m = hourly_store.snapshots()
    assert len(m) == 199
    by_time = {time_from_name(name): raw for name, raw in hourly_bodies}
    for i in (0, 57, 120, 198):
        row = m.iloc[i]
        assert hourly_store.raw(row["snapshot_id"]) == json.loads(by_time[row["fetched_at"]])


def test_load_matches_fetch_and_as_of(dated_store: oc.SnapshotStore, recorded_dir: Path) -> None:
    body = json.loads(read_body(recorded_dir / "models-2026-01-01.json.gz"))
    expected = models_frame(check_body(body))
    got = dated_store.load(as_of="2026-01-10")  # latest at or before: the 2026-01-01 body
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs["fetched_at"] == pd.Timestamp("2026-01-01", tz="UTC")
    assert dated_store.load().attrs["fetched_at"] == pd.Timestamp("2026-04-17", tz="UTC")
    same = dated_store.load(got.attrs["snapshot_id"])
    pd.testing.assert_frame_equal(same, got)
    assert got.attrs["time_precision"] == "day"  # a file named by its date: fetched at an unknown time that day
    assert got.attrs["notes"] == [
        "the answer is the snapshot of 2026-01-01 (a date only, scope '/models output_modalities=text'), "
        "9 days before as_of 2026-01-10 00:00"
    ]  # the store's default scope: a store may hold several lists, each its own timeline
    # trial R (F11): a time on the snapshot's own day is not "12 hours older": the body may be from 22:55
    assert dated_store.load(as_of="2026-01-01 12:00").attrs["notes"] == []
    with pytest.warns(RuntimeWarning, match="as_of 2020-01-01 00:00 is before the first snapshot"):
        early = dated_store.load(as_of="2020-01-01")  # the first snapshot answers, and says so
    first = dated_store.snapshots().iloc[0]
    assert early.attrs["snapshot_id"] == first["snapshot_id"]
    assert early.attrs["notes"] == [
        f"as_of 2020-01-01 00:00 is before the first snapshot (scope '/models output_modalities=text'): the "
        f"first, {first['fetched_at']:%Y-%m-%d}, is used"
    ]
    assert dated_store.load(first["snapshot_id"]).attrs.get("notes") is None  # by id: nothing to say
    with pytest.raises(oc.SnapshotNotFoundError) as info:  # a scope the store does not hold
        dated_store.load(as_of="2020-01-01", scope="/models region=eu")
    assert isinstance(info.value, LookupError)
    with pytest.raises(oc.SnapshotNotFoundError):
        dated_store.load("20990101T000000Z-000000000000")
    with pytest.raises(oc.InvalidParameterError):
        dated_store.load(as_of="not a time")


def test_history_of_an_unknown_id_warns_with_the_suggestion(dated_store: oc.SnapshotStore) -> None:
    """Issue 15 (trial 5): history(ids=["openai/gpt4o"]) returned an empty frame silently; the README
    lists UnknownModelWarning. It warns with the suggestion the CLI gives (suggest.no_model_words);
    a known id outside the window asked, or found, does not."""
    with pytest.warns(oc.UnknownModelWarning, match=r"no model 'openai/gpt4o' \(did you mean 'openai/gpt-4o'\?\)"):
        h = dated_store.history(ids=["openai/gpt4o", "openai/gpt-4o"], columns=[])
    assert set(h["id"].astype(str)) == {"openai/gpt-4o"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", oc.UnknownModelWarning)
        assert dated_store.history(ids="openai/gpt-4o", end="2000-01-01", columns=[]).empty
        assert len(dated_store.history(ids="openai/gpt-4o", columns=[]))


def test_gpt4o_price_cut_in_history(dated_store: oc.SnapshotStore) -> None:
    h = dated_store.history(ids=["openai/gpt-4o"], columns=["price_prompt", "price_completion"])
    assert list(h.columns) == ["snapshot_id", "fetched_at", "scope", "id", "price_prompt", "price_completion"]
    changes = oc.price_changes(h)
    cut = changes[
        (changes["fetched_at"] == pd.Timestamp("2025-02-08", tz="UTC")) & (changes["field"] == "price_prompt")
    ]
    assert len(cut) == 1
    assert cut["old"].iloc[0] == 5.0 and cut["new"].iloc[0] == 2.5 and cut["unit"].iloc[0] == "USD/Mtok"
    assert cut["pct_change"].iloc[0] == pytest.approx(-50.0)
    d = oc.diff(dated_store.load(as_of="2024-09-28"), dated_store.load(as_of="2025-02-09"))
    row = d[(d["id"] == "openai/gpt-4o") & (d["field"] == "price_completion")]
    assert row["old"].iloc[0] == 15.0 and row["new"].iloc[0] == 10.0


def test_vanished_qwen_models_are_gaps_not_retirements(dated_store: oc.SnapshotStore) -> None:
    before = dated_store.load(as_of="2026-01-02")
    dip = dated_store.load(as_of="2026-01-16")
    after = dated_store.load(as_of="2026-01-30")
    for mid in QWEN:
        assert mid in set(before["id"]) and mid not in set(dip["id"]) and mid in set(after["id"])
    d = oc.diff(before, dip)
    removed = set(d.loc[d["change"] == "removed", "id"])
    assert set(QWEN) <= removed
    h = dated_store.history()
    life = oc.lifecycle(h).set_index("id")
    for mid in QWEN:
        assert life.loc[mid, "gaps"] >= 1 and bool(life.loc[mid, "listed_now"]) is (
            mid in set(dated_store.load()["id"])
        )
    changes = oc.price_changes(h)
    dip_time = dip.attrs["fetched_at"]
    after_time = after.attrs["fetched_at"]
    for mid in QWEN:
        mine = changes[changes["id"] == mid]
        assert not (mine["fetched_at"] == dip_time).any()  # absence is not a price change
        # across the gap only a real price difference counts
        b = before.set_index("id").loc[mid]
        a = after.set_index("id").loc[mid]
        expected = int(b["price_prompt"] != a["price_prompt"])
        assert (mine[(mine["fetched_at"] == after_time) & (mine["field"] == "price_prompt")].shape[0]) == expected


def test_a_history_s_snapshot_times_are_not_copied_by_each_column_read(hourly_store: oc.SnapshotStore) -> None:
    """pandas deep-copies a frame's attrs into every column read and derived frame; a history's
    snapshot times (8,760 a year) are immutable tuples of ISO text that copy as themselves, so a
    column read costs what it costs without them, and the values still survive concat and JSON."""
    h = hourly_store.history(ids="openai/gpt-4o", columns="price_prompt")
    ((scope, times),) = h.attrs["snapshot_times"].items()
    assert isinstance(times, tuple) and len(times) == 199 and all(isinstance(t, str) for t in times)
    assert h["price_prompt"].attrs["snapshot_times"][scope] is times  # shared, not copied
    assert pd.concat([h, h]).attrs["snapshot_times"][scope] == times
    assert json.loads(json.dumps(h.attrs))["snapshot_times"][scope] == list(times)
    assert pd.DatetimeIndex(times).is_monotonic_increasing


def test_history_long_form(hourly_store: oc.SnapshotStore) -> None:
    h = hourly_store.history()
    m = hourly_store.snapshots()
    assert len(h) == m["n_models"].sum()
    assert h["fetched_at"].is_monotonic_increasing
    assert not h.duplicated(["snapshot_id", "id"]).any()
    times = h.attrs["snapshot_times"]
    assert set(times) == {"/models output_modalities=text"} and len(times["/models output_modalities=text"]) == 199
    window = hourly_store.history(
        start="2025-12-25", end="2025-12-26", ids="deepseek/deepseek-v3.2", columns="price_prompt"
    )
    through = pd.Timestamp("2025-12-27", tz="UTC") - pd.Timedelta(1, "ns")  # a date-only end: through that day
    assert window["fetched_at"].between(pd.Timestamp("2025-12-25", tz="UTC"), through).all()
    in_window = m["fetched_at"].between(pd.Timestamp("2025-12-25", tz="UTC"), through)
    assert set(window["id"]) == {"deepseek/deepseek-v3.2"} and len(window) == in_window.sum()
    assert in_window.sum() > 7  # 7 when end="2025-12-26" read as midnight: the 26th left out
    with pytest.raises(oc.InvalidParameterError):
        hourly_store.history(columns=["no_such_column"])


def test_storage_grows_with_change_not_snapshots(hourly_store: oc.SnapshotStore) -> None:
    assert sum(len(b) for b in store_files(hourly_store).values()) == hourly_store.store_bytes()
    size = hourly_store.store_bytes()
    assert size < 500_000  # 199 bodies, 123 MB of JSON (each model object stored once:
    # tests/test_store_delta.py::test_each_model_object_is_stored_once counts them in the table)


def test_overrides_and_unknown_fields_survive(new_store) -> None:
    body = {
        "data": [
            {
                "id": "acme/a",
                "name": "A",
                "pricing": {
                    "prompt": "0.000003",
                    "completion": "0.000015",
                    "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000006"}],
                    "new_key": "0.5",
                },
                "future": {"nested": [1, 2, {"x": None}]},
            },
            {
                "id": "~acme/a-latest",
                "name": "A latest",
                "pricing": {"prompt": "-1", "completion": "-1"},
                "alias_target": {"slug": "acme/a", "name": "A"},
            },
        ],
        "total_count": 2,
        "links": {"next": None},
    }
    store = new_store()
    (sid,) = store.import_bodies([("2026-06-01T00:00:00Z", body)])
    assert store.raw(sid) == body
    df = store.load(sid)
    assert json.loads(df.loc[0, "pricing_overrides"]) == body["data"][0]["pricing"]["overrides"]
    assert json.loads(df.loc[0, "extra"]) == {"future": {"nested": [1, 2, {"x": None}]}}
    assert df.loc[0, "price_new_key"] == 0.5 and df.loc[1, "dynamic_pricing"]


def test_snapshot_from_a_client_and_scopes(new_store, server: ReplayServer) -> None:
    client = oc.Client(base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY)
    store = new_store()
    snap = store.snapshot(client)
    assert len(snap) == 346 and snap.attrs["snapshot_id"] in set(store.snapshots()["snapshot_id"])
    assert server.requests[-1]["query"] == {"output_modalities": "all"}
    m = store.snapshots()
    assert m["scope"].iloc[0].startswith("/models base=http://127.0.0.1")  # a replay server is not the catalog
    assert m["base_url"].iloc[0] == server.base_url
    filtered = client.fetch_models(q="claude")
    with pytest.raises(oc.MixedScopeError):
        oc.diff(snap, filtered)
    assert len(oc.diff(snap, filtered, allow_mixed=True)) > 0


def test_failed_snapshot_writes_nothing(new_store, server: ReplayServer) -> None:
    client = oc.Client(base_url=server.base_url, session=requests.Session(), retries=oc.RetryConfig(attempts=1))
    store = new_store()
    store.snapshot(client)
    before = store_files(store)
    server.add_fault(status=200, truncate_at=100)
    with pytest.raises(oc.InvalidResponseError):
        store.snapshot(client)
    assert store_files(store) == before


def _duckdb_series(root: Path, model: str) -> pd.DataFrame:
    """The documented query of data/README.md: one model's prices, no orcatalog involved."""
    import duckdb

    sql = f"""
        WITH membership AS (
            SELECT m.snapshot_id, m.fetched_at, s.version
            FROM read_parquet('{root}/manifest/*.parquet') m
            JOIN read_parquet('{root}/spans/*.parquet', filename = true) s
              ON s.filename LIKE '%/' || m.batch || '.parquet' AND m.seq BETWEEN s.first_seq AND s.last_seq
        )
        SELECT DISTINCT membership.fetched_at, v.price_prompt, v.price_completion
        FROM membership
        JOIN (SELECT DISTINCT ON (version) * FROM read_parquet('{root}/versions/*.parquet', union_by_name = true)) v
          USING (version)
        WHERE v.id = '{model}'
        ORDER BY membership.fetched_at
    """
    return duckdb.sql(sql).df()


def test_duckdb_reads_the_parquet_layout_without_orcatalog(tmp_path: Path, hourly_bodies: list) -> None:
    """The earlier layout's query (data/README.md); the Delta layout's is tested in test_store_delta.py."""
    whole = legacy_store(tmp_path / "whole")
    whole.import_bodies([(time_from_name(name), raw) for name, raw in hourly_bodies])
    appended = legacy_store(tmp_path / "appended", auto_compact=None)
    for name, raw in hourly_bodies[:40:3]:  # single appends: versions repeat across batches
        appended.import_bodies([(time_from_name(name), raw)])
    for store, n in ((whole, 199), (appended, 14)):
        via_duckdb = _duckdb_series(Path(store.root), "deepseek/deepseek-v3.2")
        ours = store.history(ids="deepseek/deepseek-v3.2", columns=["price_prompt", "price_completion"])
        assert len(via_duckdb) == len(ours) == n
        assert list(via_duckdb["price_prompt"]) == list(ours["price_prompt"])
        assert list(via_duckdb["price_completion"]) == list(ours["price_completion"])
        assert list(pd.to_datetime(via_duckdb["fetched_at"], utc=True)) == list(ours["fetched_at"])


@pytest.mark.parametrize("layout", ["delta", "parquet"])
def test_schema_evolution_keeps_every_column(tmp_path: Path, recorded_dir: Path, layout: str) -> None:
    store = store_in_layout(tmp_path / "s", layout)  # local: DuckDB reads the files below
    store.import_files(recorded_dir / "models-2024-04-19.json.gz", progress=False)  # per_request_limits, old modality
    store.import_files(recorded_dir / "models-2026-04-17.json.gz", progress=False)  # knowledge_cutoff, links, audio
    h = store.history()
    for col in ("per_request_limit_prompt_tokens", "price_audio", "knowledge_cutoff", "links_details", "price_request"):
        assert col in h.columns, col
    old = h[h["fetched_at"] == pd.Timestamp("2024-04-19", tz="UTC")]
    new = h[h["fetched_at"] == pd.Timestamp("2026-04-17", tz="UTC")]
    assert old["per_request_limit_prompt_tokens"].notna().any() and new["per_request_limit_prompt_tokens"].isna().all()
    assert new["links_details"].notna().all() and old["links_details"].isna().all()
    import duckdb

    cols = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path}/s/versions/*.parquet', union_by_name = true) LIMIT 1"
    ).columns
    assert "per_request_limit_prompt_tokens" in cols and "price_audio" in cols and "knowledge_cutoff" in cols


def test_hostile_ids_stay_inside_the_root(new_store) -> None:
    hostile = ["../../etc/passwd", "/absolute/path", "a://b", "~evil/../../x", "a:b/c:d", "..", "a/..\\..\\b"]
    body = {"data": [{"id": i, "name": i, "pricing": {"prompt": "0", "completion": "0"}} for i in hostile]}
    store = new_store()
    (sid,) = store.import_bodies([("2026-06-01T00:00:00Z", body)])
    assert [m["id"] for m in store.raw(sid)["data"]] == hostile
    assert list(store.load(sid)["id"]) == hostile
    everything = list(store_files(store))
    assert everything and all(p.startswith(store._base + "/") for p in everything)
    kinds = {p[len(store._base) + 1 :].split("/")[0] for p in everything}
    assert kinds <= (
        {"versions", "snapshots"} if store.layout == "delta" else {"manifest", "versions", "spans", "orders"}
    )
    assert all(".." not in p and "passwd" not in p for p in everything)


def test_filtered_and_user_snapshots_have_their_own_scope(new_store, server: ReplayServer) -> None:
    from .conftest import TEST_KEY_B

    client = oc.Client(base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY)
    store = new_store()
    full = store.snapshot(client)
    vision = store.snapshot(client, input_modalities=["image"])
    mine = store.snapshot(client, user=True, api_key=TEST_KEY_B)
    m = store.snapshots().set_index("snapshot_id")
    scopes = [m.loc[f.attrs["snapshot_id"], "scope"] for f in (full, vision, mine)]
    assert len(set(scopes)) == 3 and "input_modalities=image" in scopes[1]
    fingerprint = m.loc[mine.attrs["snapshot_id"], "key_fingerprint"]
    assert fingerprint and fingerprint in scopes[2] and TEST_KEY_B not in "".join(map(str, m.to_numpy().ravel()))
    assert all(TEST_KEY_B.encode() not in blob for blob in store_files(store).values())
    assert len(mine) == 2 and m.loc[mine.attrs["snapshot_id"], "endpoint"] == "/models/user"
    # the default history is one scope: the filtered snapshot's absent models are not "removed"
    assert set(store.history().attrs["snapshot_times"]) == {scopes[0]}
    everything = store.history(scope=None)
    assert set(everything["scope"]) == set(scopes)
    assert oc.price_changes(everything).empty  # same prices everywhere: scopes are never compared
    with pytest.raises(oc.MixedScopeError):
        oc.diff(full, vision)
    with pytest.raises(oc.InvalidParameterError):
        store.snapshot(client, user=True)  # no key


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.history(ids=5),
        lambda s: s.history(columns=[1, 2]),
        lambda s: s.history(start="yesterday-ish"),
        lambda s: s.load(snapshot_id=5),
        lambda s: s.load("x", as_of="2026-01-01"),
        lambda s: s.import_files(5),
        lambda s: s.import_files(["a.json", 3]),
        lambda s: s.import_bodies([("not a time", {"data": []})]),
    ],
)
def test_store_rejects_bad_arguments_before_any_io(tmp_path: Path, call) -> None:
    store = oc.SnapshotStore(tmp_path / "never-created")
    with pytest.raises(oc.InvalidParameterError):
        call(store)
    assert not (tmp_path / "never-created").exists()


@pytest.mark.parametrize("bad", [None, "not a frame", pd.DataFrame({"x": [1]})])
def test_history_functions_reject_bad_frames(bad: object) -> None:
    good = pd.DataFrame({"id": ["a/b"], "fetched_at": [pd.Timestamp("2026-01-01", tz="UTC")], "price_prompt": [1.0]})
    with pytest.raises(oc.InvalidParameterError):
        oc.price_changes(bad)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError):
        oc.lifecycle(bad)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError):
        oc.diff(bad, good)  # type: ignore[arg-type]


def test_store_root_must_be_given_properly() -> None:
    for bad in ("", "   ", 5):
        with pytest.raises(oc.InvalidParameterError):
            oc.SnapshotStore(bad)  # type: ignore[arg-type]


def test_compact_merges_batches_and_changes_no_answer(new_store, dated_files: list[Path]) -> None:
    """The parquet layout's batches (the Delta layout's optimize: test_store_delta.py)."""
    made = new_store()
    store = legacy_store(made.root, storage_options=made._storage_options, auto_compact=None)
    for path in dated_files:  # one batch per snapshot, as an hourly snapshot() job without upkeep makes them
        store.import_files(path, progress=False)
    before_manifest = store.snapshots()
    before_history = store.history(scope=None)
    before_raw = {sid: store.raw(sid) for sid in before_manifest["snapshot_id"].iloc[::4]}
    files_before = store_files(store)
    assert store.compact() == 14
    files_after = store_files(store)
    assert len(files_after) == 4 and sum(map(len, files_after.values())) < sum(map(len, files_before.values()))
    after = oc.SnapshotStore(store.root, storage_options=store._storage_options)
    pd.testing.assert_frame_equal(after.snapshots().drop(columns="batch"), before_manifest.drop(columns="batch"))
    h = after.history(scope=None)
    pd.testing.assert_frame_equal(
        h.drop(columns=["snapshot_id", "scope"]), before_history.drop(columns=["snapshot_id", "scope"])
    )
    assert list(h["snapshot_id"].astype(str)) == list(before_history["snapshot_id"].astype(str))
    for sid, body in before_raw.items():
        assert after.raw(sid) == body
    assert store.compact() == 0  # one batch: nothing to do (compaction: the private writer's)
    # an interrupted compaction leaves old batches beside the merged one: still one answer each
    for name, data in files_before.items():
        store._fs.pipe_file(name, data)
    again = oc.SnapshotStore(store.root, storage_options=store._storage_options)
    pd.testing.assert_frame_equal(again.snapshots().drop(columns="batch"), before_manifest.drop(columns="batch"))
    assert len(again.history(scope=None)) == len(before_history)
    assert store.compact() == 15 and len(store_files(again)) == 4


@pytest.mark.parametrize("layout", ["delta", "parquet"])
def test_auto_compact_keeps_the_batch_count_bounded(tmp_path: Path, dated_files: list[Path], layout: str) -> None:
    from deltalake import DeltaTable

    store = store_in_layout(tmp_path / "s", layout, auto_compact=3)
    for path in dated_files[:7]:
        store.import_files(path, progress=False)
        if layout == "parquet":  # batches (manifests)
            assert len(list((tmp_path / "s" / "manifest").glob("*.parquet"))) <= 3
        else:  # the files each table's current version reads
            assert all(len(DeltaTable(str(tmp_path / "s" / t)).file_uris()) <= 3 for t in ("versions", "snapshots"))
    assert len(store.snapshots()) == 7
    with pytest.raises(oc.InvalidParameterError):
        oc.SnapshotStore(tmp_path / "s", auto_compact=1)


# -- honest timestamps and partial catalogs ------------------------------------------------------


@pytest.fixture(scope="module")
def whole_folder_store(tmp_path_factory: pytest.TempPathFactory, recorded_dir: Path) -> oc.SnapshotStore:
    store = oc.SnapshotStore(tmp_path_factory.mktemp("whole"))
    store.import_files(recorded_dir, progress=False)
    return store


def test_day_precision_snapshots_invent_no_price_event(
    whole_folder_store: oc.SnapshotStore, local_hourly_store: oc.SnapshotStore
) -> None:
    m = whole_folder_store.snapshots().set_index("snapshot_id")
    assert set(m["time_precision"]) == {"day", "second"}
    hourly_times = local_hourly_store.snapshots()["fetched_at"]
    first, last = hourly_times.min(), hourly_times.max()
    day = m[(m["time_precision"] == "day") & m["fetched_at"].between(first.floor("D"), last)]
    assert len(day) and day["shadowed"].all()  # 2025-12-18, 12-25, 01-01 have hourly bodies that day
    assert not m.loc[m["time_precision"] == "second", "shadowed"].any()

    def events(store: oc.SnapshotStore) -> set[tuple]:
        c = oc.price_changes(store.history())
        c = c[(c["fetched_at"] > first) & (c["fetched_at"] <= last)]
        sides = c[["old", "new"]].astype(object).where(c[["old", "new"]].notna(), None)  # "no longer listed": null
        return set(zip(c["id"], c["fetched_at"], c["field"], sides["old"], sides["new"]))

    whole, hourly = events(whole_folder_store), events(local_hourly_store)
    assert whole and whole <= hourly
    deepseek = [e for e in whole if e[0] == "deepseek/deepseek-v3.2" and e[2] == "price_prompt"]
    assert not [e for e in deepseek if (e[3], e[4]) == (0.24, 0.26)]  # the phantom of issue 6
    # as_of never answers with a shadowed snapshot; by id it stays loadable
    mid_day = first.floor("D") + pd.Timedelta(hours=23, minutes=59)
    assert whole_folder_store.load(as_of=mid_day).attrs["time_precision"] == "second"
    sid = day.index[0]
    assert whole_folder_store.load(sid).attrs["time_precision"] == "day"


def test_a_page_is_not_a_catalog(new_store, tmp_path: Path, latest_file: Path) -> None:
    body = json.loads(read_body(latest_file))
    page = {**body, "data": body["data"][:100], "total_count": len(body["data"])}
    path = tmp_path / "models-2026-04-18T000000Z.json"
    path.write_text(json.dumps(page))
    store = new_store()
    with pytest.raises(oc.SchemaError, match="models-2026-04-18T000000Z.json.*total_count"):
        store.import_files(path, progress=False)
    assert store_files(store) == {}


def test_a_shrunken_catalog_is_flagged_not_trusted(new_store, dated_files: list[Path]) -> None:
    body = json.loads(read_body(dated_files[-1]))
    one = {k: v for k, v in body.items() if k != "total_count"} | {"data": body["data"][:1]}
    store = new_store()
    store.import_files(dated_files[-2], progress=False)
    with pytest.warns(RuntimeWarning, match="partial"):
        (sid,) = store.import_bodies([("2026-04-18T00:00:00Z", one)])
    with pytest.warns(RuntimeWarning, match="may not have left the catalog"):
        latest_partial = oc.lifecycle(store.history(columns=[]))
    full = set(store.load(store.snapshots()["snapshot_id"].iloc[0])["id"])
    listed_now = set(latest_partial.loc[latest_partial["listed_now"], "id"])
    assert len(full) > 300 and listed_now == full | set(store.load(sid)["id"])  # issue 15: not gone, maybe listed
    (after,) = store.import_bodies([("2026-04-19T00:00:00Z", body)])
    m = store.snapshots().set_index("snapshot_id")
    assert m.loc[sid, "partial"] and not m.drop(index=sid)["partial"].any()
    assert store.raw(sid) == one  # recorded as it came: nothing deleted or rewritten
    with pytest.warns(RuntimeWarning, match="partial"):
        d = oc.diff(store.load(as_of="2026-04-17T12:00:00Z"), store.load(sid))
    assert d.attrs["partial"] == [sid] and (d["change"] == "removed").sum() > 300
    h = store.history()
    assert h.attrs["partial_snapshots"] == [sid]
    with pytest.warns(RuntimeWarning, match="partial"):
        life = oc.lifecycle(h)
    assert life.attrs["partial_snapshots"] == [sid]
    assert h.attrs["partial_times"] == {"/models output_modalities=text": ["2026-04-18T00:00:00+00:00"]}
    came_back = life[life["id"].isin(full & set(store.load(after)["id"])) & ~life["id"].isin(store.load(sid)["id"])]
    assert len(came_back) > 250 and (came_back["gaps"] == 0).all()  # missing only from the partial: no gap
    assert store.load(after).attrs["partial"] is False  # the next full catalog compares with the last full one


def test_reading_a_missing_folder_is_an_error_not_an_empty_store(tmp_path: Path, latest_file: Path) -> None:
    typo = oc.SnapshotStore(tmp_path / "dta")
    assert not typo.exists()
    for read in (typo.snapshots, typo.history, typo.load, lambda: typo.raw("x")):
        with pytest.raises(oc.SnapshotNotFoundError, match=r"no snapshot store at .*dta: the folder does not exist"):
            read()
    assert not (tmp_path / "dta").exists(), "a read created the folder"
    typo.import_files([latest_file], fetched_at="2026-04-17T00:00:00Z", progress=False)  # writing creates it
    assert typo.exists() and len(typo.snapshots()) == 1 and len(typo.history()) == len(typo.load())
    empty = oc.SnapshotStore(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    assert empty.exists() and empty.snapshots().empty and empty.history().empty  # an empty store is not a typo


def test_an_empty_catalog_body_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "models-2026-02-01T000000Z.json"
    empty.write_text('{"data": []}')
    store = oc.SnapshotStore(tmp_path / "store")
    with pytest.raises(oc.SchemaError, match=r"models-2026-02-01T000000Z\.json: the body lists no models"):
        store.import_files([empty], progress=False)
    with pytest.raises(oc.SchemaError, match="body #0: the body lists no models"):
        store.import_bodies([("2026-02-01", {"data": []})])
    assert not store.exists() or store.snapshots().empty


def test_a_long_series_is_checked_whole_then_committed_in_pieces(
    tmp_path: Path, hourly_bodies: list[tuple[str, bytes]]
) -> None:
    """A year of hourly bodies in one call held every parsed body until its one commit (about 15 GB).
    A series longer than IMPORT_PIECE is now checked whole first, then committed a piece at a
    time: a refusal anywhere in it still writes nothing, and the pieces read back as one import."""
    import deltalake

    from orcatalog.store.writes import IMPORT_PIECE

    series = [(time_from_name(name), raw) for name, raw in hourly_bodies]
    assert len(series) > IMPORT_PIECE  # the recorded 199 hours: two pieces
    first_time = series[0][0]
    late = series + [(first_time + pd.Timedelta(days=3650), series[0][1])]  # refused: after the clock
    clash = series + [(first_time, series[1][1])]  # another body at the first body's time
    store = oc.SnapshotStore(tmp_path / "s")
    with pytest.raises(oc.InvalidParameterError, match="after the clock|in the future"):
        store.import_bodies(late, progress=False, now=series[-1][0])
    with pytest.raises(oc.SnapshotConflictError, match="two different bodies"):
        store.import_bodies(clash, progress=False)
    assert not store.exists() or store.snapshots().empty  # checked whole: nothing of either was written
    recorded = store.import_bodies(series, progress=False)
    held = store.snapshots()
    assert list(recorded) == recorded.added == held["snapshot_id"].tolist() and len(held) == len(series)
    assert held["fetched_at"].is_monotonic_increasing
    commits = [
        c for c in deltalake.DeltaTable(str(tmp_path / "s" / "snapshots")).history() if c["operation"] == "WRITE"
    ]
    assert len(commits) == -(-len(series) // IMPORT_PIECE)  # one commit per piece
    for i in (0, IMPORT_PIECE - 1, IMPORT_PIECE, len(series) - 1):  # each side of the seam reads back whole
        assert store.raw(held["snapshot_id"].iloc[i]) == json.loads(series[i][1])
    assert store.import_bodies(series, progress=False).added == []  # again: a no-op, as one commit was
    # a generator is read once: each piece is checked before it is committed, so a refusal in the
    # second piece leaves the first recorded (import_bodies says so)
    once = oc.SnapshotStore(tmp_path / "once")
    with pytest.raises(oc.InvalidParameterError):
        once.import_bodies((pair for pair in late), progress=False, now=series[-1][0])
    assert len(once.snapshots()) == IMPORT_PIECE
