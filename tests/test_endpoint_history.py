"""Endpoint and provider history in the Delta-layout store (issue 18): recorded bodies imported and
read back JSON-equal, write-once, history answers, spec-shaped fixtures and fetches through the
replay server, the CLI, and the parquet layout's refusal."""

from __future__ import annotations

import warnings

import contextlib
import copy
import gzip
import json
import shutil
from pathlib import Path

import orjson
import pandas as pd
import pytest
import requests
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.testing.legacy import legacy_store
from orcatalog.cli import main
from orcatalog.errors import InvalidParameterError, SnapshotConflictError, StoreDamagedError, StoreError
from orcatalog.frames.endpoints import endpoints_body_frame
from orcatalog.frames.providers import providers_frame
from orcatalog.testing import ReplayServer
from orcatalog.testing.fixtures import spec_endpoints_body

from .conftest import COMPACT_DIR, make_store, reopen

CATALOG = COMPACT_DIR / "models-2026-04-17.json.gz"


def _bodies(folder: Path) -> dict[str, object]:
    return {
        p.name: orjson.loads(gzip.decompress(p.read_bytes()))
        for p in sorted(folder.glob("*.json.gz"))
        if not p.name.startswith("models-count")
    }


@pytest.fixture
def store(tmp_path: Path) -> oc.SnapshotStore:
    return oc.SnapshotStore(tmp_path / "store", layout="delta")


@pytest.fixture
def any_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> oc.SnapshotStore:
    """A new Delta-layout store on local disk or on the loopback S3 server (``backend``): the tests of
    what the history reads answer run on both (the S3 runs of a data test read the compact set
    only, see conftest). Tests that only check what is refused or written keep the local ``store``."""
    endpoint = request.getfixturevalue("s3_endpoint") if backend == "s3" else None
    return make_store(backend, tmp_path, endpoint, layout="delta")


def test_recorded_bodies_read_back_byte_equal_and_import_twice_is_a_no_op(
    recorded_dir: Path, any_store: oc.SnapshotStore
) -> None:
    folder = recorded_dir / "endpoints"
    bodies = _bodies(folder)
    ids = any_store.import_endpoints(folder)
    assert len(ids) == len(bodies) == len(set(ids))
    for sid, (name, body) in zip(ids, bodies.items()):
        back = any_store.raw(sid)
        assert back == body, name
        assert orjson.dumps(back) == orjson.dumps(body), name  # ints stay ints, key order kept
    assert any_store.import_endpoints(folder) == ids
    again = reopen(any_store)  # reopened: the layout is found from the tables
    assert again.layout == "delta" and again.import_endpoints(folder) == ids
    listed = again.endpoint_snapshots()
    assert sorted(listed["snapshot_id"]) == sorted(ids)
    assert (listed["kind"] == "endpoints").sum() == sum(1 for n in bodies if n.startswith("endpoints-"))


def test_history_matches_each_body_frame(recorded_dir: Path, any_store: oc.SnapshotStore) -> None:
    folder = recorded_dir / "endpoints"
    any_store.import_endpoints(folder)
    h = any_store.endpoint_history()
    compared = 0
    others: set[str] = set()
    for name, body in _bodies(folder).items():
        if not name.startswith("endpoints-"):
            continue
        frame = endpoints_body_frame(body)
        when = pd.Timestamp(name.rsplit("-", 3)[-3] + "-" + "-".join(name.rsplit("-", 3)[-2:])[:5], tz="UTC")
        at = h[h["fetched_at"] == when]
        rows = at.set_index(["model_id", at["tag"].astype(object).fillna(at["provider_name"].astype(object))])
        for e in frame.itertuples():
            got = rows.loc[(e.model_id, e.provider_name if pd.isna(e.tag) else e.tag)]
            assert got["provider_name"] == e.provider_name
            # every price the body lists, the keys beyond the row columns' too (input_cache_write_1h)
            prices = [c for c in frame.columns if c.startswith("price_")]
            for column in ("prompt_usd_per_mtok", "completion_usd_per_mtok", "latency_p50", "throughput_p99", *prices):
                want, have = getattr(e, column), got[column]
                assert (pd.isna(want) and pd.isna(have)) or want == have, (name, e.tag, column)
            others.update(c for c in prices if not pd.isna(getattr(e, c)))
            compared += 1
    assert "price_input_cache_write_1h" in others  # every 2026 claude body lists it
    assert compared == sum(
        len(endpoints_body_frame(b)) for n, b in _bodies(folder).items() if n.startswith("endpoints-")
    )
    # the 2025 shape: no tag before 2025-05-22, and it stays null; no statistics
    old = any_store.endpoint_history("google/gemini-2.5-pro-preview", start="2025-05-12", end="2025-05-13")
    assert len(old) == 2 and old["tag"].isna().all() and old["latency_p50"].isna().all()


def test_provider_filter_and_the_regional_tag(recorded_dir: Path, any_store: oc.SnapshotStore) -> None:
    any_store.import_endpoints(recorded_dir / "endpoints")
    bedrock = any_store.endpoint_history("anthropic/claude-sonnet-4.5", "Amazon Bedrock")
    assert set(bedrock["tag"]) == {"amazon-bedrock", "amazon-bedrock/eu-west-1"}
    eu = any_store.endpoint_history("anthropic/claude-sonnet-4.5", "AMAZON-BEDROCK/EU-WEST-1")
    assert set(eu["tag"]) == {"amazon-bedrock/eu-west-1"} and eu["fetched_at"].is_monotonic_increasing
    with pytest.warns(oc.UnknownModelWarning, match="no model 'nobody/nothing' in the endpoints snapshots"):
        assert any_store.endpoint_history("nobody/nothing").empty
    # a provider typo warns with the closest name, as a model typo does (trial: 0 rows, no word)
    with pytest.warns(
        oc.OrcatalogWarning, match=r"no endpoint from provider 'amazon-bedrok'.*did you mean 'amazon-bedrock'"
    ):
        assert any_store.endpoint_history("anthropic/claude-sonnet-4.5", "amazon-bedrok").empty
    with warnings.catch_warnings():  # a provider held, only outside the window asked: no warning
        warnings.simplefilter("error", oc.OrcatalogWarning)
        assert any_store.endpoint_history("anthropic/claude-sonnet-4.5", "anthropic", end="2000-01-01").empty


def test_an_unknown_model_warns_with_the_suggestion(recorded_dir: Path, store: oc.SnapshotStore) -> None:
    """Issue 15 (trial 5): endpoint_history("openai/gpt4o") returned an empty frame silently; the
    README lists UnknownModelWarning. It warns, with the CLI's suggestion, and a known model that
    is only outside the time window asked does not."""
    store.import_endpoints(recorded_dir / "endpoints")
    with pytest.warns(oc.UnknownModelWarning, match=r"no model 'openai/gpt4o' \(did you mean 'openai/gpt-4o'\?\)"):
        assert store.endpoint_history("openai/gpt4o").empty
    with warnings.catch_warnings():
        warnings.simplefilter("error", oc.UnknownModelWarning)
        assert store.endpoint_history("openai/gpt-4o", end="2000-01-01").empty
        assert len(store.endpoint_history(["openai/gpt-4o"]))


def test_a_tag_finds_its_providers_rows_from_before_tags_one_series(
    recorded_dir: Path, any_store: oc.SnapshotStore
) -> None:
    """gemini-2.5-pro-preview was recorded without tags on 2025-05-12 and with them on 2025-05-22:
    asking for a tag keeps its provider's tag-less rows, so one endpoint is one series in time order."""
    any_store.import_endpoints(recorded_dir / "endpoints")
    bodies = _bodies(recorded_dir / "endpoints")
    before = bodies["endpoints-google--gemini-2.5-pro-preview-2025-05-12.json.gz"]["data"]["endpoints"]  # type: ignore[index]
    after = bodies["endpoints-google--gemini-2.5-pro-preview-2025-05-22.json.gz"]["data"]["endpoints"]  # type: ignore[index]
    for e in after:
        series = any_store.endpoint_history("google/gemini-2.5-pro-preview", e["tag"])
        assert series["fetched_at"].dt.strftime("%Y-%m-%d").tolist() == ["2025-05-12", "2025-05-22"]
        assert series["tag"].isna().tolist() == [True, False] and series["tag"].iloc[1] == e["tag"]
        assert set(series["provider_name"]) == {e["provider_name"]}
        untagged = next(b for b in before if b["provider_name"] == e["provider_name"])
        assert series["prompt_usd_per_mtok"].iloc[0] == float(untagged["pricing"]["prompt"]) * 1e6
    # by provider name: the same two rows
    by_name = any_store.endpoint_history("google/gemini-2.5-pro-preview", "Google AI Studio")
    assert by_name["tag"].isna().tolist() == [True, False]


def test_providers_history_counts_each_body(recorded_dir: Path, any_store: oc.SnapshotStore) -> None:
    folder = recorded_dir / "endpoints"
    any_store.import_endpoints(folder)
    p = any_store.providers_history()
    want = {n: len(b["data"]) for n, b in _bodies(folder).items() if n.startswith("providers-")}  # type: ignore[index]
    assert sorted(p.groupby("fetched_at").size().tolist()) == sorted(want.values())
    latest = _bodies(folder)[max(want)]
    assert p[p["fetched_at"] == p["fetched_at"].max()]["slug"].tolist() == providers_frame(latest)["slug"].tolist()


def test_a_price_cut_shows_in_the_history_at_its_time(any_store: oc.SnapshotStore) -> None:
    """ "When did provider X cut its price for model Y": spec-shaped bodies, one price halved at hour 3."""
    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"]
    body = spec_endpoints_body(models[0], providers=4)
    tag = body["data"]["endpoints"][1]["tag"]
    start = pd.Timestamp("2026-09-01T00:00:00Z")
    pairs = []
    for hour in range(6):
        b = copy.deepcopy(body)
        e = b["data"]["endpoints"][1]
        if hour >= 3:
            e["pricing"]["prompt"] = str(float(e["pricing"]["prompt"]) / 2)
        if isinstance(e.get("latency_last_30m"), dict):
            e["latency_last_30m"]["p50"] = 1000 + 10 * hour
        pairs.append((start + pd.Timedelta(hours=hour), b))
    sids = [any_store.import_endpoint_bodies([pair])[0] for pair in pairs]  # one write per hour
    h = any_store.endpoint_history(models[0]["id"], tag)
    assert len(h) == 6
    price = h["price_prompt"].to_numpy()
    cut = h["fetched_at"][price < price[0]].min()
    assert cut == start + pd.Timedelta(hours=3)
    assert price[3] == pytest.approx(price[0] / 2)
    for sid, (_, b) in zip(sids, pairs):  # every hour still reads back exactly
        assert orjson.dumps(any_store.raw(sid)) == orjson.dumps(b)


def _four_days(models: list[dict[str, object]], start: pd.Timestamp) -> list[list[tuple[pd.Timestamp, object]]]:
    """Four days of bodies (one list a day, every six hours), each endpoint's p50 latency telling
    the day, hour and model apart."""
    days = []
    for day in range(4):
        pairs = []
        for hour in range(0, 24, 6):
            when = start + pd.Timedelta(days=day, hours=hour)
            for i, m in enumerate(models):
                body = spec_endpoints_body(m, providers=3)
                for e in body["data"]["endpoints"]:
                    e.pop("_zdr", None)
                    if isinstance(e.get("latency_last_30m"), dict):
                        e["latency_last_30m"]["p50"] = 100 * day + hour + i
                pairs.append((when, body))
        days.append(pairs)
    return days


def _live_ranges(root: Path, part: str) -> list[tuple[str, str]]:
    """The (first, last) model id of each live ``endpoints`` file of partition ``part``, checking
    each file is sorted by model."""
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    live = {Path(u).name for u in DeltaTable(str(root / "endpoints")).file_uris()}
    ranges = []
    for f in sorted((root / "endpoints" / f"month={part}").glob("*.parquet")):
        if f.name in live:
            ids = pq.read_table(f, columns=["model_id"]).column("model_id").to_pylist()
            assert ids == sorted(ids)
            ranges.append((ids[0], ids[-1]))
    return sorted(ranges)


def test_compact_folds_past_months_into_their_year_sorts_the_newest_and_changes_no_answer(
    store: oc.SnapshotStore,
) -> None:
    """compact() folds the months before the newest into their year's partition and rewrites the
    newest month, each sorted by model in files of consecutive model ranges (what lets one
    endpoint's series skip the other files and row groups); every answer stays as it was, a
    back-dated write into a folded month is read at once and folded by the next compact()."""
    from deltalake import DeltaTable

    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:12]
    start = pd.Timestamp("2026-08-30T22:00:00Z")  # two days in August, two in September
    written: dict[str, bytes] = {}
    days = _four_days(models, start)
    for pairs in days:
        for sid, (_, body) in zip(store.import_endpoint_bodies(pairs), pairs):  # one write per day
            written[sid] = orjson.dumps(body)
    one = models[3]["id"]
    queries = [{}, {"model": one, "start": "2026-08-31"}, {"model": one, "end": "2026-08-31T12:00Z"}, {"model": one}]
    queries += [{"start": "2026-08-31", "end": "2026-09-01"}, {"model": [one, models[7]["id"]], "start": "2026-09-01"}]
    before = [store.endpoint_history(**q) for q in queries]
    assert set(before[1]["model_id"]) == {one} and before[1]["fetched_at"].min() >= pd.Timestamp("2026-08-31", tz="UTC")
    listed = store.endpoint_snapshots()
    assert store.compact(_retention_hours=0) > 0
    root = Path(store.root)
    parts = set(DeltaTable(str(root / "endpoints")).metadata().partition_columns)
    assert parts == {"month"}
    reopened = oc.SnapshotStore(store.root)
    for q, expect in zip(queries, before):
        pd.testing.assert_frame_equal(reopened.endpoint_history(**q), expect)
    for sid, raw in written.items():
        assert orjson.dumps(reopened.raw(sid)) == raw
    # August's rows are in the year now: its snapshots are still committed (found there, not in
    # their month), and writing a day of them again records nothing
    pd.testing.assert_frame_equal(reopened.endpoint_snapshots(), listed)
    assert reopened.import_endpoint_bodies(days[0]) == list(written)[: len(days[0])]
    pd.testing.assert_frame_equal(oc.SnapshotStore(store.root).endpoint_snapshots(), listed)
    assert _live_ranges(root, "2026-08") == []  # folded into 2026
    for part in ("2026", "2026-09"):
        ranges = _live_ranges(root, part)
        assert ranges and all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:])), ranges  # consecutive
    late = start + pd.Timedelta(hours=1)  # a back-dated body into the folded August
    body = copy.deepcopy(days[0][2][1])
    sid = store.import_endpoint_bodies([(late, body)])[0]
    got = oc.SnapshotStore(store.root).endpoint_history(body["data"]["id"], start=late, end=late)
    assert len(got) == 3 and set(got["fetched_at"]) == {late}
    assert orjson.dumps(oc.SnapshotStore(store.root).raw(sid)) == orjson.dumps(body)
    assert _live_ranges(root, "2026-08")
    store.compact(_retention_hours=0)
    assert _live_ranges(root, "2026-08") == []
    again = oc.SnapshotStore(store.root)
    assert len(again.endpoint_history()) == len(before[0]) + 3
    assert orjson.dumps(again.raw(sid)) == orjson.dumps(body)


def test_a_fold_that_meets_a_concurrent_write_is_refused_and_read_again(store: oc.SnapshotStore) -> None:
    """Folding months into their year is one Delta commit that replaces their files: a writer that
    added rows to one of them after the fold read it makes delta-rs refuse the commit, and the fold
    reads the months again, so the new rows are in the year, none lost."""
    from deltalake import DeltaTable

    from orcatalog.store.endpoints.upkeep import _fold_year

    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:4]
    days = _four_days(models, pd.Timestamp("2026-08-30T22:00:00Z"))
    for pairs in days:
        store.import_endpoint_bodies(pairs)
    n = len(store.endpoint_history())
    stale = DeltaTable(str(Path(store.root) / "endpoints"))  # the fold's view, before the write below
    late = pd.Timestamp("2026-08-30T23:00:00Z")
    body = copy.deepcopy(days[0][0][1])
    sid = store.import_endpoint_bodies([(late, body)])[0]  # into August, which the fold rewrites
    calls = []
    real = stale.update_incremental

    def update() -> None:
        calls.append(1)
        real()

    stale.update_incremental = update  # type: ignore[method-assign]
    _fold_year(stale, "2026")
    assert calls  # the first commit was refused
    reopened = oc.SnapshotStore(store.root)
    assert len(reopened.endpoint_history()) == n + 3
    assert orjson.dumps(reopened.raw(sid)) == orjson.dumps(body)
    assert _live_ranges(Path(store.root), "2026-08") == [] and _live_ranges(Path(store.root), "2026")


def test_one_models_history_reads_row_groups_by_their_statistics_and_misses_no_row(
    any_store: oc.SnapshotStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After compact(), endpoint_history(model) reads only the row groups whose model_id statistics
    can hold the model: with row groups of 16 rows, models span row-group boundaries and every
    file holds several groups; each model's answer (and two models' together) is the whole history's
    rows of that model, none missed, none extra."""
    import pyarrow.parquet as pq

    from orcatalog.store.endpoints import schema as store_endpoints  # where _row_writer reads ROW_GROUP_ROWS

    monkeypatch.setattr(store_endpoints, "ROW_GROUP_ROWS", 16)
    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:9]
    start = pd.Timestamp("2026-03-01T00:00:00Z")
    for day in range(3):
        pairs = []
        for hour in (0, 8, 16):
            when = start + pd.Timedelta(days=day, hours=hour)
            for m in models:
                body = spec_endpoints_body(m, providers=3)
                for e in body["data"]["endpoints"]:
                    e.pop("_zdr", None)
                pairs.append((when, body))
        any_store.import_endpoint_bodies(pairs)
    any_store.compact(_retention_hours=0)
    fs = any_store._fs  # the store's own filesystem: local disk or S3
    files = sorted(fs.glob(f"{any_store._base}/endpoints/month=*/*.parquet"))
    assert files and all(pq.ParquetFile(fs.open(f)).metadata.num_row_groups > 1 for f in files)
    reopened = reopen(any_store)
    every = reopened.endpoint_history()
    ids = sorted(every["model_id"].astype(str).unique())
    assert len(ids) == len(models)
    for wanted in [[i] for i in ids] + [[ids[0], ids[-1]], [ids[2], ids[5]]]:
        got = reopened.endpoint_history(wanted)
        expect = every[every["model_id"].astype(str).isin(wanted)].reset_index(drop=True)
        assert len(got) == len(expect) > 0
        pd.testing.assert_frame_equal(
            got.astype({c: str for c in ("model_id", "provider_name", "tag", "quantization")}),
            expect.astype({c: str for c in ("model_id", "provider_name", "tag", "quantization")}),
        )
    assert reopened.endpoint_history("no/such-model").empty
    # a provider asked with a model is matched file by file on local disk (dictionary-encoded
    # columns): the same rows as the rule applied to the model's whole history, categories as
    # pandas makes them (the distinct values, sorted)
    text = {c: str for c in ("model_id", "provider_name", "tag", "quantization")}
    for model_id in ids[:4]:
        rows = every[every["model_id"].astype(str) == model_id].astype(text)
        for name in (rows["provider_name"].iloc[0].upper(), rows["tag"].iloc[-1].title()):
            got = reopened.endpoint_history(model_id, name)
            hit = rows["provider_name"].str.lower().eq(name.lower()) | rows["tag"].str.lower().eq(name.lower())
            assert 0 < len(got) < len(rows)
            pd.testing.assert_frame_equal(got.astype(text), rows[hit].reset_index(drop=True))
            for c in ("model_id", "provider_name", "tag", "quantization"):
                assert list(got[c].cat.categories) == sorted(got[c].dropna().astype(str).unique())


def test_one_endpoints_series_skips_the_row_groups_of_the_models_other_endpoints(
    store: oc.SnapshotStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a provider asked, a row group whose tag and provider name statistics each hold one
    other value is not read (a sorted file keeps an endpoint's rows together); the answer is the
    provider rule applied to the model's whole history, asked by tag or by name in any case."""
    import pyarrow.parquet as pq

    from orcatalog.store.endpoints import schema as store_endpoints

    monkeypatch.setattr(store_endpoints, "ROW_GROUP_ROWS", 4)
    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:3]
    for pairs in _four_days(models, pd.Timestamp("2026-03-01T00:00:00Z")):
        store.import_endpoint_bodies(pairs)
    store.compact(_retention_hours=0)
    read: list[int] = []
    real = pq.ParquetFile.read_row_groups

    def spy(self: pq.ParquetFile, groups: list[int], *args: object, **kwargs: object) -> object:
        read.append(len(groups))
        return real(self, groups, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", spy)
    text = {c: str for c in ("model_id", "provider_name", "tag", "quantization")}
    model_id = str(models[1]["id"])
    whole = reopen(store).endpoint_history(model_id).astype(text)
    n_whole = sum(read)
    for name in (whole["tag"].iloc[0], whole["tag"].iloc[-1].upper(), whole["provider_name"].iloc[5].lower()):
        read.clear()
        got = reopen(store).endpoint_history(model_id, name)
        hit = whole["provider_name"].str.lower().eq(name.lower()) | whole["tag"].str.lower().eq(name.lower())
        assert 0 < len(got) < len(whole)
        pd.testing.assert_frame_equal(got.astype(text), whole[hit].reset_index(drop=True))
        assert 0 < sum(read) < n_whole, (name, read, n_whole)


def test_an_endpoint_in_a_zdr_body_and_its_models_body_at_one_time_is_one_row(any_store: oc.SnapshotStore) -> None:
    """/endpoints/zdr and a model's /endpoints both list an endpoint: recorded at one time, the
    history has one row for it (the first by model, tag and time), at another time one more."""
    model = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][0]
    body = spec_endpoints_body(model, providers=3)
    for e in body["data"]["endpoints"]:
        e.pop("_zdr", None)
    zdr = {"data": copy.deepcopy(body["data"]["endpoints"][:2])}
    when = pd.Timestamp("2026-05-01T12:00:00Z")
    any_store.import_endpoint_bodies([(when, body)])
    any_store.import_endpoint_bodies([(when, zdr)], endpoint="/endpoints/zdr")
    any_store.import_endpoint_bodies([(when + pd.Timedelta(hours=1), zdr)], endpoint="/endpoints/zdr")
    for reader in (any_store, reopen(any_store)):
        for got in (reader.endpoint_history(), reader.endpoint_history(model["id"])):
            assert len(got) == 3 + 2
            assert not got.duplicated(["fetched_at", "model_id", "tag"]).any()
            assert list(got["fetched_at"].value_counts().sort_index()) == [3, 2]


def test_another_body_at_the_same_time_is_refused_and_nothing_written(
    recorded_dir: Path, store: oc.SnapshotStore
) -> None:
    files = sorted((recorded_dir / "endpoints").glob("endpoints-anthropic*"))
    store.import_endpoints(files[0], fetched_at="2026-08-25T12:00:00Z")
    with pytest.raises(SnapshotConflictError), pytest.warns(oc.OrcatalogWarning, match="its name says, 2026-08-30"):
        store.import_endpoints(files[1], fetched_at="2026-08-25T12:00:00Z")
    assert len(store.endpoint_snapshots()) == 1 and store.endpoint_history()["fetched_at"].nunique() == 1


def test_a_file_is_judged_before_its_time_and_a_time_given_that_its_name_contradicts_is_said(
    recorded_dir: Path, tmp_path: Path, store: oc.SnapshotStore
) -> None:
    """An undated file that is no endpoints or providers body says what it is not (not "no fetch
    time"); a fetch time given against the file name's day is recorded, with a warning naming both."""
    stray = tmp_path / "notes.json"
    stray.write_bytes(b'{"hello": 1}')
    with pytest.raises(oc.SchemaError, match=r"notes\.json"):
        store.import_endpoints(stray)
    with pytest.raises(oc.InvalidParameterError, match="no fetch time"):  # a real body without a time still asks
        body = next((recorded_dir / "endpoints").glob("endpoints-openai*"))
        (tmp_path / "undated.json.gz").write_bytes(body.read_bytes())
        store.import_endpoints(tmp_path / "undated.json.gz", endpoint=None)
    with pytest.warns(oc.OrcatalogWarning, match=r"2026-09-01T12:00:00\+00:00.*its name says, 2026-08-31"):
        (sid,) = store.import_endpoints(body, fetched_at="2026-09-01T12:00Z")
    assert store.endpoint_snapshots().set_index("snapshot_id").loc[sid, "fetched_at"] == pd.Timestamp(
        "2026-09-01T12:00Z"
    )


def test_damaged_template_is_an_error_never_a_wrong_body(recorded_dir: Path, store: oc.SnapshotStore) -> None:
    from deltalake import DeltaTable

    sid = store.import_endpoints(sorted((recorded_dir / "endpoints").glob("endpoints-openai*"))[0])[0]
    dt = DeltaTable(str(Path(store.root) / "endpoint_objects"))
    dt.update({"raw": "replace(raw, 'Azure', 'Azurf')"})  # a flipped letter in every object naming Azure
    reopened = oc.SnapshotStore(store.root)
    with pytest.raises(StoreDamagedError):
        reopened.raw(sid)


def test_a_price_key_beyond_the_row_columns_has_its_history_and_a_typo_is_named(
    recorded_dir: Path, store: oc.SnapshotStore
) -> None:
    from deltalake import DeltaTable

    store.import_endpoints(recorded_dir / "endpoints")
    claude = "anthropic/claude-sonnet-4.5"
    one = store.endpoint_history(claude, "anthropic", columns=["price_input_cache_write_1h"])
    assert list(one.columns) == ["fetched_at", "model_id", "provider_name", "tag", "price_input_cache_write_1h"]
    raw = [
        float(e["pricing"]["input_cache_write_1h"])
        for n, b in _bodies(recorded_dir / "endpoints").items()
        if n.startswith("endpoints-anthropic--claude-sonnet-4.5")
        for e in b["data"]["endpoints"]
        if e["tag"] == "anthropic"
    ]
    assert len(one) == len(raw) > 1 and one["price_input_cache_write_1h"].tolist() == raw
    with pytest.raises(InvalidParameterError, match=r"did you mean 'price_input_cache_write_1h'"):
        store.endpoint_history(claude, columns=["price_input_cache_write_1hh"])
    # a window with no rows: nothing to tell a typo by, the asked column is there (empty)
    assert list(store.endpoint_history(claude, columns=["price_input_cache_write_1h"], end="2020-01-01").columns)[
        -1
    ] == ("price_input_cache_write_1h")
    # a damaged template: its rows' other prices are null with a warning, the row columns stay right
    dt = DeltaTable(str(Path(store.root) / "endpoint_objects"))
    dt.update({"raw": "replace(raw, 'Amazon Bedrock', 'Amazon Bedrocc')"})
    before = store.endpoint_history(claude, columns=["price_prompt"])
    with pytest.warns(oc.errors.StoreDamageWarning, match="missing or damaged"):
        after = oc.SnapshotStore(store.root).endpoint_history(claude)
    assert after["price_prompt"].tolist() == before["price_prompt"].tolist()
    hit = after["tag"].astype(str).str.startswith("amazon-bedrock")
    assert hit.any() and after.loc[hit, "price_input_cache_write_1h"].isna().all()
    assert after.loc[~hit, "price_input_cache_write_1h"].notna().all()


def test_rows_of_a_write_that_never_committed_are_not_read(recorded_dir: Path, any_store: oc.SnapshotStore) -> None:
    """A writer killed between the snapshot row and its endpoint rows (the commit): nothing is
    visible, and the same import later records it whole."""
    from orcatalog.store.endpoints import ENDPOINT_TABLES

    file = sorted((recorded_dir / "endpoints").glob("endpoints-openai*"))[0]
    inner = any_store._endpoints()
    real_append = inner.layout.append

    def dying(name: str, *args: object, **kwargs: object) -> None:
        if name == "endpoints":
            raise KeyboardInterrupt  # killed before the commit
        real_append(name, *args, **kwargs)  # type: ignore[arg-type]

    inner.layout.append = dying  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        any_store.import_endpoints(file)
    inner.layout.append = real_append  # type: ignore[method-assign]
    assert "endpoint_snapshots" in ENDPOINT_TABLES and any_store.endpoint_snapshots().empty
    assert any_store.endpoint_history().empty
    sid = any_store.import_endpoints(file)[0]
    assert any_store.raw(sid) == orjson.loads(gzip.decompress(file.read_bytes()))
    assert len(any_store.endpoint_snapshots()) == 1


def test_a_parquet_store_is_told_to_migrate(tmp_path: Path, recorded_dir: Path) -> None:
    parquet = legacy_store(tmp_path / "p")
    parquet.import_files(sorted(recorded_dir.glob("models-*.json.gz"))[:1])
    with pytest.raises(StoreError, match="orcatalog migrate"):
        oc.SnapshotStore(tmp_path / "p").import_endpoints(recorded_dir / "endpoints")
    fresh = oc.SnapshotStore(tmp_path / "new")  # a new store takes the Delta layout for endpoints
    fresh.import_endpoints(sorted((recorded_dir / "endpoints").glob("endpoints-openai*")))
    assert fresh.layout == "delta" and oc.SnapshotStore(tmp_path / "new").layout == "delta"


def test_snapshot_endpoints_and_providers_through_the_replay_server(tmp_path: Path) -> None:
    with ReplayServer(CATALOG, endpoints=COMPACT_DIR / "endpoints", spec_endpoints=True) as srv:
        client = oc.Client(base_url=srv.base_url, session=requests.Session(), timeout=(5, 10))
        models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"]
        ids = ["anthropic/claude-sonnet-4.5", models[5]["id"], "nobody/nothing"]
        s = oc.SnapshotStore(tmp_path / "s", layout="delta")
        df = s.snapshot_endpoints(models=ids, client=client, concurrency=2)
        assert len(df.attrs["snapshot_ids"]) == 2
        assert df.loc[df["error"].notna(), "model_id"].tolist() == ["nobody/nothing"]
        for sid, model_id in zip(df.attrs["snapshot_ids"], ids):
            author, slug = model_id.split("/")
            served = requests.get(f"{srv.base_url}/models/{author}/{slug}/endpoints", timeout=10).json()
            assert s.raw(sid) == served
        h = s.endpoint_history(ids[:2])
        assert len(h) == len(df[df["error"].isna()])
        with pytest.raises(oc.NotFoundError):
            s.snapshot_endpoints("nobody/nothing", client=client)
        p = s.snapshot_providers(client)
        served = requests.get(f"{srv.base_url}/providers", timeout=10).json()
        assert s.raw(p.attrs["snapshot_id"]) == served


def test_cli_records_and_prints_the_history(tmp_path: Path) -> None:
    root = str(tmp_path / "cli")
    runner = CliRunner()
    rec = runner.invoke(main, ["--replay", "sample", "endpoints", "anthropic/claude-sonnet-4.5", "--store", root])
    assert rec.exit_code == 0, rec.output
    out = runner.invoke(
        main,
        [
            "endpoint-history",
            "anthropic/claude-sonnet-4.5",
            "--store",
            root,
            "--provider",
            "anthropic",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    sid = oc.SnapshotStore(root).endpoint_snapshots()["snapshot_id"].iloc[0]
    served = oc.SnapshotStore(root).raw(sid)["data"]["endpoints"]  # type: ignore[index]
    want = next(e for e in served if e["tag"] == "anthropic")
    assert [r["tag"] for r in rows] == ["anthropic"]
    assert rows[0]["prompt_usd_per_mtok"] == pytest.approx(float(want["pricing"]["prompt"]) * 1e6)
    # a price key beyond the row columns' is a column of the history too (trial: refused as unknown)
    args = ["endpoint-history", "anthropic/claude-sonnet-4.5", "--store", root, "--format", "csv"]
    one_hour = runner.invoke(main, [*args, "--columns", "tag,price_input_cache_write_1h"])
    assert one_hour.exit_code == 0, one_hour.output
    got = {t.strip('"'): float(v) for t, v in (line.split(",") for line in one_hour.stdout.strip().splitlines()[1:])}
    assert got == {e["tag"]: float(e["pricing"]["input_cache_write_1h"]) for e in served}
    missing = runner.invoke(main, ["endpoint-history", "nobody/nothing", "--store", root])
    assert missing.exit_code == 1 and len(missing.stderr.strip().splitlines()) == 1


def test_the_documented_duckdb_query_reads_the_series(recorded_dir: Path, store: oc.SnapshotStore) -> None:
    """data/README.md's query: one endpoint's median latency, no orcatalog involved."""
    import duckdb
    from deltalake import DeltaTable

    store.import_endpoints(recorded_dir / "endpoints")
    con = duckdb.connect()
    con.register("endpoints", DeltaTable(str(Path(store.root) / "endpoints")).to_pyarrow_dataset())
    got = con.sql(
        "SELECT DISTINCT fetched_at, latency_p50 FROM endpoints "
        "WHERE model_id = 'anthropic/claude-sonnet-4.5' AND tag = 'anthropic' ORDER BY 1"
    ).fetchall()
    h = store.endpoint_history("anthropic/claude-sonnet-4.5", "anthropic", columns=["latency_p50"])
    assert [v for _, v in got] == h["latency_p50"].tolist() and len(got) == 2
    with pytest.raises(oc.InvalidParameterError):
        store.endpoint_history(columns=["no_such_column"])


def test_an_empty_zdr_body_is_an_endpoints_snapshot_of_its_own_scope(tmp_path: Path, store: oc.SnapshotStore) -> None:
    """Issue 18: ``{"data": []}`` from ``/endpoints/zdr`` was recorded as a *providers* snapshot (the
    kind was guessed from the body, and an empty list looks like either). The file's name declares it."""
    zdr = tmp_path / "endpoints-zdr-2026-09-01T120000Z.json"
    zdr.write_bytes(b'{"data":[]}')
    providers = tmp_path / "providers-2026-09-01T130000Z.json"
    providers.write_bytes(b'{"data":[]}')
    sid, pid = store.import_endpoints([zdr, providers])
    listed = store.endpoint_snapshots().set_index("snapshot_id")
    got = listed.loc[sid, ["kind", "endpoint", "scope", "n_items"]].tolist()
    assert got == ["endpoints", "/endpoints/zdr", "/endpoints/zdr", 0]
    assert listed.loc[pid, ["kind", "endpoint", "scope"]].tolist() == ["providers", "/providers", "/providers"]
    assert store.raw(sid) == {"data": []} and store.raw(pid) == {"data": []}
    assert len(store.providers_history()) == 0 and store.endpoint_history().empty
    assert store.import_endpoints([zdr, providers]) == [sid, pid]  # again: a no-op


def test_an_empty_body_of_no_declared_kind_is_refused_naming_how_to_declare_it(
    tmp_path: Path, store: oc.SnapshotStore
) -> None:
    undeclared = tmp_path / "answer.json"
    undeclared.write_bytes(b'{"data":[]}')
    with pytest.raises(oc.InvalidParameterError, match=r"answer\.json.*endpoints-zdr-.*endpoint="):
        store.import_endpoints(undeclared, fetched_at="2026-09-01T12:00Z")
    with pytest.raises(oc.InvalidParameterError, match=r"body #0.*endpoint="):
        store.import_endpoint_bodies([("2026-09-01T12:00Z", {"data": []})])
    assert not Path(store.root).exists()  # nothing written, not even the folder
    sid = store.import_endpoint_bodies([("2026-09-01T12:00Z", b'{"data":[]}')], endpoint="/endpoints/zdr")[0]
    assert store.endpoint_snapshots()["scope"].tolist() == ["/endpoints/zdr"] and store.raw(sid) == {"data": []}
    pid = store.import_endpoints(undeclared, fetched_at="2026-09-01T13:00Z", endpoint="/providers")[0]
    assert store.endpoint_snapshots().set_index("snapshot_id").loc[pid, "kind"] == "providers"
    with pytest.raises(oc.InvalidParameterError, match="endpoint"):
        store.import_endpoint_bodies([("2026-09-01T14:00Z", {"data": []})], endpoint="/models")


def test_a_body_that_contradicts_its_declared_endpoint_is_refused(
    tmp_path: Path, recorded_dir: Path, store: oc.SnapshotStore
) -> None:
    model_body = _bodies(recorded_dir / "endpoints")["endpoints-openai--gpt-4o-2026-08-31.json.gz"]
    zdr_list = {"data": model_body["data"]["endpoints"]}  # type: ignore[index]
    cases = {
        "providers-2026-09-01T120000Z.json": zdr_list,  # endpoints named as providers
        "endpoints-zdr-2026-09-01T120000Z.json": model_body,  # one model's body named as zdr
        "endpoints-openai--gpt-4o-2026-09-01T120000Z.json": zdr_list,  # a list named as one model's
    }
    for name, body in cases.items():
        path = tmp_path / name
        path.write_bytes(orjson.dumps(body))
        with pytest.raises(oc.SchemaError, match=name):
            store.import_endpoints(path)
    assert not Path(store.root).exists()  # nothing written
    zdr = tmp_path / "endpoints-zdr-2026-09-02T120000Z.json"
    zdr.write_bytes(orjson.dumps(zdr_list))
    sid = store.import_endpoints(zdr)[0]  # a zdr list named as one is recorded, its rows in the history
    assert store.raw(sid) == zdr_list
    assert len(store.endpoint_history("openai/gpt-4o")) == len(zdr_list["data"])


def test_snapshot_endpoints_zdr_is_one_snapshot_of_its_own_scope(tmp_path: Path) -> None:
    """``snapshot_endpoints(zdr=True)``: ``GET /endpoints/zdr`` recorded whole, read back equal, its
    rows in each model's history; an empty answer is still an endpoints snapshot (issue 18)."""
    store = oc.SnapshotStore(tmp_path / "s")
    with ReplayServer(CATALOG, endpoints=COMPACT_DIR / "endpoints", spec_endpoints=True) as srv:
        client = oc.Client(base_url=srv.base_url, session=requests.Session(), timeout=(5, 10))
        with pytest.raises(oc.InvalidParameterError):
            store.snapshot_endpoints("openai/gpt-4o", zdr=True, client=client)
        with pytest.raises(oc.InvalidParameterError):
            store.snapshot_endpoints(zdr="yes", client=client)  # type: ignore[arg-type]
        assert srv.requests == [] and not Path(store.root).exists()  # refused before any request
        df = store.snapshot_endpoints(zdr=True, client=client)
        served = requests.get(f"{srv.base_url}/endpoints/zdr", timeout=10).json()
    (sid,) = df.attrs["snapshot_ids"]
    assert store.raw(sid) == served and len(df) == len(served["data"]) > 10
    assert df.attrs["endpoint"] == "/endpoints/zdr" and df.attrs["scope"].startswith("/endpoints/zdr")
    row = store.endpoint_snapshots().set_index("snapshot_id").loc[sid]
    assert (row["kind"], row["endpoint"], row["n_items"]) == ("endpoints", "/endpoints/zdr", len(served["data"]))
    assert row["scope"].startswith("/endpoints/zdr") and pd.isna(row["model_id"])
    model = "anthropic/claude-sonnet-4.5"
    h = store.endpoint_history(model)
    want = sorted(e["tag"] for e in served["data"] if e.get("model_id") == model)
    assert want and sorted(h["tag"]) == want and set(h["fetched_at"]) == {row["fetched_at"]}
    with ReplayServer(CATALOG) as bare:  # no endpoints recorded, no fixtures: {"data": []}
        client = oc.Client(base_url=bare.base_url, session=requests.Session(), timeout=(5, 10))
        empty = store.snapshot_endpoints(zdr=True, client=client)
    listed = store.endpoint_snapshots().set_index("snapshot_id")
    (eid,) = empty.attrs["snapshot_ids"]
    assert empty.empty and store.raw(eid) == {"data": []}
    assert listed.loc[eid, ["kind", "endpoint", "n_items"]].tolist() == ["endpoints", "/endpoints/zdr", 0]
    assert store.providers_history().empty


def test_cli_endpoints_zdr_store_records_and_endpoint_history_reads_it(tmp_path: Path) -> None:
    root = str(tmp_path / "cli")
    runner = CliRunner()
    rec = runner.invoke(main, ["--replay", "sample", "endpoints", "--zdr", "--store", root, "--format", "json"])
    assert rec.exit_code == 0, rec.output
    assert f"recorded 1 endpoints snapshot(s) in {root}" in rec.stderr
    printed = json.loads(rec.stdout)
    store = oc.SnapshotStore(root)
    listed = store.endpoint_snapshots()
    assert listed["endpoint"].tolist() == ["/endpoints/zdr"] and listed["n_items"].tolist() == [len(printed)]
    body = store.raw(listed["snapshot_id"].iloc[0])
    model = "anthropic/claude-sonnet-4.5"
    out = runner.invoke(main, ["endpoint-history", model, "--store", root, "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    served = {e["tag"]: e for e in body["data"] if e["model_id"] == model}  # type: ignore[index]
    assert sorted(r["tag"] for r in rows) == sorted(served) and len(served) > 1
    for r in rows:
        assert r["prompt_usd_per_mtok"] == pytest.approx(float(served[r["tag"]]["pricing"]["prompt"]) * 1e6)


def test_one_body_at_one_time_in_two_scopes_is_refused_not_silently_dropped(
    tmp_path: Path, store: oc.SnapshotStore
) -> None:
    """A snapshot id is the time and the body's hash: an empty zdr answer and an empty providers
    answer of the same second would share it, and the second write recorded nothing, silently."""
    when = "2026-09-01T12:00:00Z"
    sid = store.import_endpoint_bodies([(when, {"data": []})], endpoint="/endpoints/zdr")[0]
    with pytest.raises(SnapshotConflictError, match=r"body #0.*'/endpoints/zdr'.*'/providers'"):
        store.import_endpoint_bodies([(when, {"data": []})], endpoint="/providers")
    for name in ("endpoints-zdr-2026-09-02T120000Z.json", "providers-2026-09-02T120000Z.json"):
        (tmp_path / name).write_bytes(b'{"data":[]}')
    with pytest.raises(SnapshotConflictError, match="providers-2026-09-02T120000Z"):  # in one write too
        store.import_endpoints(tmp_path)
    listed = store.endpoint_snapshots()
    assert listed["snapshot_id"].tolist() == [sid] and listed["kind"].tolist() == ["endpoints"]


def test_s3_answers_equal_the_local_stores_on_the_same_bodies(
    tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On S3 one model's series reads through the Delta dataset (file pruning by the log's
    statistics, a row filter), on disk through row groups chosen by their statistics: the same
    bodies give the same answers (series, time windows, several models, none) before and after
    compact(), and raw() reads back the bodies on both."""
    from orcatalog.store.endpoints import schema as store_endpoints  # where _row_writer reads ROW_GROUP_ROWS

    from .conftest import S3_CREDENTIALS, new_bucket

    monkeypatch.setattr(store_endpoints, "ROW_GROUP_ROWS", 16)
    options = {**S3_CREDENTIALS, "client_kwargs": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}
    local = oc.SnapshotStore(tmp_path / "local", layout="delta")
    s3 = oc.SnapshotStore(f"s3://{new_bucket(s3_endpoint)}/store", storage_options=options, layout="delta")
    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:9]
    start = pd.Timestamp("2026-02-27T00:00:00Z")  # two days in February, two in March
    written: dict[str, bytes] = {}
    for day in range(4):
        pairs = []
        for hour in (0, 8, 16):
            for i, m in enumerate(models):
                body = spec_endpoints_body(m, providers=3)
                for e in body["data"]["endpoints"]:
                    e.pop("_zdr", None)
                    if isinstance(e.get("latency_last_30m"), dict):
                        e["latency_last_30m"]["p50"] = 100 * day + hour + i
                pairs.append((start + pd.Timedelta(days=day, hours=hour), body))
        ids = local.import_endpoint_bodies(pairs)
        assert s3.import_endpoint_bodies(pairs) == ids
        written.update((sid, orjson.dumps(b)) for sid, (_, b) in zip(ids, pairs))
    ids = sorted(str(m["id"]) for m in models)
    queries: list[dict[str, object]] = [
        {},
        {"model": ids[3]},
        {"model": [ids[0], ids[-1]]},
        {"model": ids[2], "start": "2026-03-01"},
        {"model": ids[2], "end": "2026-02-28T08:00Z"},
        {"model": ids[4], "start": "2026-02-28T08:00Z", "end": "2026-03-01T08:00Z"},
        {"model": ids[5], "provider": spec_endpoints_body(models[0], providers=3)["data"]["endpoints"][0]["tag"]},
        {"model": ids[1], "columns": ["latency_p50"]},
    ]
    for compacted in (False, True):
        if compacted:
            assert local.compact(_retention_hours=0) > 0 and s3.compact(_retention_hours=0) > 0
        on_disk = oc.SnapshotStore(local.root)
        on_s3 = oc.SnapshotStore(s3.root, storage_options=options)
        for q in queries:
            want = on_disk.endpoint_history(**q)  # type: ignore[arg-type]
            pd.testing.assert_frame_equal(on_s3.endpoint_history(**q), want)  # type: ignore[arg-type]
        assert len(on_s3.endpoint_history(ids[3])) > 0 and on_s3.endpoint_history("no/such-model").empty
        for sid, raw in list(written.items())[::20]:
            assert orjson.dumps(on_s3.raw(sid)) == raw


def _model_bodies(models: list[dict[str, object]], when: pd.Timestamp) -> list[tuple[pd.Timestamp, object]]:
    """One spec-shaped endpoints body per model at ``when`` (three providers each)."""
    pairs = []
    for m in models:
        body = spec_endpoints_body(m, providers=3)
        for e in body["data"]["endpoints"]:
            e.pop("_zdr", None)
        pairs.append((when, body))
    return pairs


def test_one_models_history_on_s3_gets_only_the_files_whose_model_range_can_hold_it(
    tmp_path: Path, s3_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 18: file pruning by model on S3 was never exercised, since every write covered every
    model. Here four writes in one month each record three other models (consecutive in id order),
    so the four data files' model_id min/max statistics in the Delta log are disjoint ranges. A
    fresh store object reading one model's history (or two models') sends GETs, as moto's recorder
    sees them, for exactly the data files whose range can hold a wanted model, never the others,
    and its answer is those models' rows of the whole history. The store's DEBUG line counts the
    same files on S3 and on a local store of the same writes, whose answer is the same."""
    import logging

    import pyarrow as pa
    from deltalake import DeltaTable

    from .conftest import S3_CREDENTIALS, s3_requests

    store = make_store("s3", tmp_path, s3_endpoint, layout="delta")
    local = make_store("local", tmp_path, None, layout="delta")
    catalog = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"]
    models = sorted(catalog[:12], key=lambda m: str(m["id"]))
    ids = [str(m["id"]) for m in models]
    start = pd.Timestamp("2026-06-01T00:00:00Z")
    for g in range(4):  # one write per group of three models, three hours each
        group = models[3 * g : 3 * g + 3]
        pairs = [p for h in (0, 8, 16) for p in _model_bodies(group, start + pd.Timedelta(days=g, hours=h))]
        store.import_endpoint_bodies(pairs)
        local.import_endpoint_bodies(pairs)
    dt = DeltaTable(
        f"{store.root}/endpoints",
        storage_options={
            "AWS_ACCESS_KEY_ID": S3_CREDENTIALS["key"],
            "AWS_SECRET_ACCESS_KEY": S3_CREDENTIALS["secret"],
            "AWS_ENDPOINT_URL": s3_endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
        },
    )
    actions = pa.table(dt.get_add_actions(flatten=True))
    ranges = dict(
        zip(
            actions.column("path").to_pylist(),
            zip(actions.column("min.model_id").to_pylist(), actions.column("max.model_id").to_pylist()),
        )
    )
    assert len(ranges) == 4 and set(actions.column("partition.month").to_pylist()) == {"2026-06"}
    spans = sorted(ranges.values())
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans  # disjoint: what pruning needs
    every = reopen(store).endpoint_history()
    assert sorted(every["model_id"].astype(str).unique()) == ids
    text = {c: str for c in ("model_id", "provider_name", "tag", "quantization")}
    for wanted in ([ids[4]], [ids[0], ids[11]], [ids[5], ids[6]], [ids[3]]):
        reader = reopen(store)
        caplog.clear()
        with s3_requests(s3_endpoint) as seen, caplog.at_level(logging.DEBUG, logger="orcatalog.store"):
            got = reader.endpoint_history(wanted)
            on_disk = reopen(local).endpoint_history(wanted)
        # the endpoints table's data files (the templates' table, endpoint_objects, is read too: the
        # price keys beyond the row columns come from it)
        read = {
            p.split("/endpoints/", 1)[1]
            for m, p in seen
            if m == "GET" and p.endswith(".parquet") and "/endpoints/" in p
        }
        read = {p for p in read if not p.startswith("_delta_log/")}
        holding = {path for path, (low, high) in ranges.items() if any(low <= w <= high for w in wanted)}
        assert read == holding and len(read) < len(ranges), (wanted, read)
        said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("endpoints: reading")]
        assert said == [f"endpoints: reading {len(holding)} of 4 files for {len(wanted)} model(s)"] * 2
        pd.testing.assert_frame_equal(got, on_disk)
        expect = every[every["model_id"].astype(str).isin(wanted)].reset_index(drop=True)
        assert len(got) == len(expect) == 3 * 3 * len(wanted)  # three hours of three endpoints each
        pd.testing.assert_frame_equal(got.astype(text), expect.astype(text))


def test_a_providers_series_on_s3_skips_the_row_groups_of_other_providers_and_equals_the_disk_answer(
    tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On S3, endpoint_history(model, provider) fetches only the row groups whose statistics can
    hold the provider (the disk path's rule, on the footers of the files the log chose): the
    store's DEBUG line says fewer row groups than the files hold, before and after compact(); the
    answer is frame-equal to a local store's of the same writes, asked by tag or by name in any
    case, and an unknown provider answers empty."""
    import logging

    from orcatalog.store.endpoints import schema as store_endpoints

    monkeypatch.setattr(store_endpoints, "ROW_GROUP_ROWS", 4)
    s3 = make_store("s3", tmp_path, s3_endpoint, layout="delta")
    local = make_store("local", tmp_path, None, layout="delta")
    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:3]
    for pairs in _four_days(models, pd.Timestamp("2026-02-27T00:00:00Z")):  # February and March
        assert s3.import_endpoint_bodies(pairs) == local.import_endpoint_bodies(pairs)
    model_id = str(models[1]["id"])
    for compacted in (False, True):
        if compacted:
            assert s3.compact(_retention_hours=0) > 0 and local.compact(_retention_hours=0) > 0
        whole = reopen(local).endpoint_history(model_id)
        names = [str(whole["tag"].iloc[0]), str(whole["tag"].iloc[-1]).upper(), str(whole["provider_name"].iloc[5])]
        for name in [*names, "no-such-provider"]:
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger="orcatalog.store"):
                got = reopen(s3).endpoint_history(model_id, name)
            said = [r.getMessage() for r in caplog.records if "row groups" in r.getMessage()]
            assert len(said) == 1, said
            read, total = (int(w) for w in said[0].split()[2:5:2])  # "endpoints: reading K of N row groups"
            want = reopen(local).endpoint_history(model_id, name)
            pd.testing.assert_frame_equal(got, want)
            if name == "no-such-provider":
                assert got.empty and read < total  # (a row group spanning two endpoints is read)
            else:
                assert 0 < len(got) < len(whole) and 0 < read < total, (name, said)


def test_raw_of_a_snapshot_in_a_folded_year_reads_only_the_files_that_can_hold_it(
    any_store: oc.SnapshotStore,
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """compact() folds past months into their year in files of consecutive model ranges, each
    spanning the year's times: raw() of a model's snapshot there opens only the files whose log
    statistics can hold its model (one or two), not every file of the year, and reads back
    byte-equal; a zdr snapshot (every model) still reads back byte-equal. Files counted by the
    store's DEBUG line and, on S3, by the data-file GETs the loopback server answered."""
    import logging

    from orcatalog.store.endpoints import upkeep

    from .conftest import s3_requests

    monkeypatch.setattr(upkeep, "YEAR_FILE_BYTES", 1)  # delta-rs then cuts a file every 1,024 rows
    models = orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:12]
    written: dict[str, bytes] = {}
    start = pd.Timestamp("2026-03-30T00:00:00Z")  # 64 hours from March's end into April: 12 x 8 x 64 rows
    for first in range(0, 64, 16):
        pairs = []
        for hour in range(first, first + 16):
            for m in models:
                body = spec_endpoints_body(m, providers=8)
                for e in body["data"]["endpoints"]:
                    e.pop("_zdr", None)
                pairs.append((start + pd.Timedelta(hours=hour), body))
        for sid, (_, body) in zip(any_store.import_endpoint_bodies(pairs), pairs):
            written[sid] = orjson.dumps(body)
    zdr = {"data": [e for _, b in _model_bodies(models[:4], start) for e in b["data"]["endpoints"]]}
    zdr_sid = any_store.import_endpoint_bodies([(start + pd.Timedelta(minutes=30), zdr)], endpoint="/endpoints/zdr")
    written[zdr_sid[0]] = orjson.dumps(zdr)
    newest = _model_bodies(models[:1], pd.Timestamp("2026-05-02T00:00:00Z"))  # May stays a month
    written[any_store.import_endpoint_bodies(newest)[0]] = orjson.dumps(newest[0][1])
    assert any_store.compact(_retention_hours=0) > 0
    fs = any_store._fs
    year = sorted(p.rsplit("/", 1)[1] for p in fs.glob(f"{any_store._base}/endpoints/month=2026/*.parquet"))
    assert len(year) >= 5, year
    listed = reopen(any_store).endpoint_snapshots()
    folded = listed[listed["fetched_at"] < pd.Timestamp("2026-05-01", tz="UTC")]
    assert len(folded) == len(written) - 1
    picked = [*folded.index[:: len(folded) // 6], *folded.index[folded["model_id"].isna()]]
    for sid, model in zip(folded.loc[picked, "snapshot_id"], folded.loc[picked, "model_id"]):
        reader = reopen(any_store)
        caplog.clear()
        with contextlib.ExitStack() as stack:
            stack.enter_context(caplog.at_level(logging.DEBUG, logger="orcatalog.store"))
            seen = stack.enter_context(s3_requests(request.getfixturevalue("s3_endpoint"))) if backend == "s3" else []
            assert orjson.dumps(reader.raw(sid)) == written[sid]
        said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("endpoints: reading")]
        assert len(said) == 1 and said[0].endswith(f"files for snapshot {sid}"), said
        n_read, n_all = (int(w) for w in said[0].split()[2:5:2])  # "endpoints: reading K of N files ..."
        got = {p.rsplit("/", 1)[1] for m, p in seen if m == "GET" and "/endpoints/month=" in p}
        if backend == "s3":
            assert 1 <= len(got) <= n_read and got <= set(year), (got, said)  # (the dataset may skip more)
        if isinstance(model, str):  # one model: a file or two of the year, never all of them
            assert 1 <= n_read <= 2 < len(year) < n_all, (sid, said)
        else:  # zdr: every model, so any file may hold its rows
            assert 1 <= n_read <= n_all, said


def test_bodies_of_other_kinds_are_refused_naming_the_kind_and_the_way(
    recorded_dir: Path, store: oc.SnapshotStore, tmp_path: Path
) -> None:
    """A count body named on its own, a /models catalog and one model's body are not endpoints:
    each is refused naming what it is and how it is recorded; nothing is written."""
    count = tmp_path / "models-count-2026-08-25.json.gz"  # the recorded count bodies' shape
    count.write_bytes(gzip.compress(orjson.dumps({"data": {"count": 371}})))
    with pytest.raises(oc.InvalidParameterError, match="/models/count body"):
        store.import_endpoints(count)
    renamed = tmp_path / "endpoints-zdr-2026-08-25.json.gz"  # a count body whatever its name says
    renamed.write_bytes(count.read_bytes())
    with pytest.raises(oc.SchemaError, match="/models/count body"):
        store.import_endpoints(renamed)
    catalog = tmp_path / "endpoints-zdr-2026-04-17.json.gz"
    catalog.write_bytes(CATALOG.read_bytes())
    with pytest.raises(oc.SchemaError, match=r"a /models list .*import_files or `orcatalog import`"):
        store.import_endpoints(catalog)
    assert not (Path(store.root) / "endpoint_snapshots").exists()  # nothing written
    # and the catalog importer names the way for an endpoints body
    with pytest.raises(oc.SchemaError, match="SnapshotStore.import_endpoints"):
        oc.SnapshotStore(tmp_path / "models", layout="delta").import_files(
            sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*.json.gz"))
        )


def test_cli_snapshots_of_a_store_of_endpoints_only_says_what_it_holds(recorded_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "ep"
    oc.SnapshotStore(root, layout="delta").import_endpoints(recorded_dir / "endpoints")
    result = CliRunner().invoke(main, ["snapshots", "--store", str(root)])
    assert result.exit_code == 0, result.output
    assert (
        "no /models snapshots" in result.output and "5 endpoints snapshots and 3 providers snapshots" in result.output
    )


def test_cli_import_records_endpoints_and_providers_bodies_by_their_names(recorded_dir: Path, tmp_path: Path) -> None:
    """`orcatalog import` takes the recorded endpoints and providers bodies (a folder of them, or
    files beside catalogs), each as the library's import_endpoints records it; a body its name
    does not declare is pointed to the names; a filter with an endpoints body is refused first."""
    runner = CliRunner()
    root = str(tmp_path / "st")
    folder = recorded_dir / "endpoints"
    done = runner.invoke(main, ["import", "--store", root, str(folder)])
    assert done.exit_code == 0, done.output
    want = oc.SnapshotStore(tmp_path / "lib", layout="delta")
    ids = want.import_endpoints(folder)
    assert f"{len(ids)} new endpoints/providers snapshots recorded" in done.stdout
    got = oc.SnapshotStore(root).endpoint_snapshots()
    assert sorted(got["snapshot_id"]) == sorted(ids) and sorted(got["kind"]) == sorted(
        want.endpoint_snapshots()["kind"]
    )
    for sid in ids:
        assert oc.SnapshotStore(root).raw(sid) == want.raw(sid)
    again = runner.invoke(main, ["import", "--store", root, str(folder)])
    assert (
        again.exit_code == 0
        and f"0 new endpoints/providers snapshots recorded; {len(ids)} were already" in again.stdout
    )
    # a catalog and an endpoints body in one command: each to its own import
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / CATALOG.name).write_bytes(CATALOG.read_bytes())
    gpt = sorted(folder.glob("endpoints-openai--gpt-4o-*.json.gz"))[0]
    (mixed / gpt.name).write_bytes(gpt.read_bytes())
    both = runner.invoke(main, ["import", "--store", str(tmp_path / "both"), str(mixed)])
    assert both.exit_code == 0, both.output
    store = oc.SnapshotStore(tmp_path / "both")
    assert len(store.snapshots()) == 1 and store.endpoint_snapshots()["model_id"].tolist() == ["openai/gpt-4o"]
    # a filter says what a /models body answered: refused before anything is written
    refused = runner.invoke(main, ["import", "--store", str(tmp_path / "f"), "--output-modalities", "all", str(gpt)])
    assert refused.exit_code == 2 and "no filter applies" in refused.stderr
    assert not (tmp_path / "f").exists()
    # an endpoints body whose name does not say so: the names that declare it
    plain = tmp_path / "gpt-2026-08-31.json.gz"
    plain.write_bytes(gpt.read_bytes())
    named = runner.invoke(main, ["import", "--store", str(tmp_path / "g"), str(plain)])
    assert named.exit_code == 1 and "endpoints-<author>--<slug>-<UTC time>.json" in named.stderr


def test_cli_providers_store_records_one_snapshot(tmp_path: Path) -> None:
    root = str(tmp_path / "pv")
    out = CliRunner().invoke(main, ["--replay", "sample", "providers", "--store", root, "--format", "json"])
    assert out.exit_code == 0, out.output
    store = oc.SnapshotStore(root)
    snaps = store.endpoint_snapshots()
    assert snaps["kind"].tolist() == ["providers"] and snaps["endpoint"].tolist() == ["/providers"]
    printed = json.loads(out.stdout)
    assert [p["slug"] for p in printed] == [p["slug"] for p in store.raw(snaps["snapshot_id"].iloc[0])["data"]]
    assert "stored as fetched now" in out.stderr  # --replay: an old body at today's time, said


def test_cli_import_reads_an_archive_of_endpoints_bodies_and_refuses_one_of_both_kinds(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """An archive goes to the import its members' names say (its count bodies passed over, as a
    folder's); one holding catalogs and endpoints bodies is refused, naming one of each."""
    import tarfile

    folder = recorded_dir / "endpoints"
    archive = tmp_path / "ep.tgz"
    count = tmp_path / "models-count-2026-08-30.json.gz"  # the recorded count bodies' shape
    count.write_bytes(gzip.compress(orjson.dumps({"data": {"count": 371}})))
    with tarfile.open(archive, "w:gz") as tar:
        for p in [*sorted(folder.glob("*.json.gz")), count]:
            tar.add(p, arcname=f"./{p.name}")
    want = oc.SnapshotStore(tmp_path / "lib", layout="delta").import_endpoints(archive)  # the library too
    assert len(want) == len([p for p in folder.glob("*.json.gz") if not p.name.startswith("models-count")]) > 1
    done = CliRunner().invoke(main, ["import", "--store", str(tmp_path / "s"), str(archive)])
    assert done.exit_code == 0 and f"{len(want)} new endpoints/providers snapshots recorded" in done.stdout, done.output
    assert sorted(oc.SnapshotStore(tmp_path / "s").endpoint_snapshots()["snapshot_id"]) == sorted(want)
    mixed = tmp_path / "mixed.tgz"
    with tarfile.open(mixed, "w:gz") as tar:
        tar.add(CATALOG, arcname=CATALOG.name)
        tar.add(sorted(folder.glob("providers-*"))[0], arcname=sorted(folder.glob("providers-*"))[0].name)
    refused = CliRunner().invoke(main, ["import", "--store", str(tmp_path / "m"), str(mixed)])
    assert refused.exit_code == 1 and "holds endpoints or providers bodies" in refused.stderr, refused.output
    assert CATALOG.name in refused.stderr and not (tmp_path / "m").exists()


def test_endpoint_bodies_are_dated_as_catalogs_are(recorded_dir: Path, tmp_path: Path) -> None:
    """A time after the clock is refused (a file's name, fetched_at=, an in-memory body); a date
    only is day precision; one --fetched-at for two bodies is refused whatever their kinds."""
    gpt = sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*"))[0]
    store = oc.SnapshotStore(tmp_path / "s", layout="delta")
    later = tmp_path / "endpoints-openai--gpt-4o-2999-01-01.json.gz"
    later.write_bytes(gpt.read_bytes())
    with pytest.raises(oc.errors.BodyFileError, match="fetch time in the future.*check the file name"):
        store.import_endpoints(later)
    with pytest.raises(InvalidParameterError, match="fetch time in the future.*fetched_at="):
        store.import_endpoints(gpt, fetched_at="2999-01-01")
    body = orjson.loads(gzip.decompress(gpt.read_bytes()))
    with pytest.raises(InvalidParameterError, match="fetch time in the future"):
        store.import_endpoint_bodies([("2999-01-01", body)])
    assert not (tmp_path / "s").exists()  # nothing written
    assert store.import_endpoint_bodies([("2999-01-01", body)], now="3000-01-01")  # a clock injected
    sid = store.import_endpoints(gpt, fetched_at="2026-09-05")[0]
    snaps = store.endpoint_snapshots().set_index("snapshot_id")
    assert snaps.loc[sid, "time_precision"] == "day"
    runner = CliRunner()
    both = runner.invoke(
        main, ["import", "--store", str(tmp_path / "c"), "--fetched-at", "2026-09-05", str(gpt), str(CATALOG)]
    )
    assert both.exit_code == 2 and "applies to a single body" in both.stderr and not (tmp_path / "c").exists()


def test_endpoint_history_reads_one_source_never_a_replay_servers_beside_the_apis(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """Bodies recorded from a replay server (another base URL) are another source: the history is
    the public API's when the store holds it, the other source's when asked by base_url= (or when
    it is the only one), so a demo price never reads as the API's price cut."""
    store = oc.SnapshotStore(tmp_path / "s", layout="delta")
    claude = "anthropic/claude-sonnet-4.5"
    store.import_endpoints(sorted((recorded_dir / "endpoints").glob("endpoints-anthropic--*")))
    api = store.endpoint_history(claude, columns=["price_prompt"])
    with ReplayServer() as server:  # the packaged sample: its catalog and endpoints bodies
        client = oc.Client(base_url=server.base_url, session=requests.Session())
        store.snapshot_endpoints(claude, client=client)
        store.snapshot_providers(client=client)
        base = server.base_url
    pd.testing.assert_frame_equal(store.endpoint_history(claude, columns=["price_prompt"]), api)
    demo = store.endpoint_history(claude, columns=["price_prompt"], base_url=base)
    assert len(demo) and demo["fetched_at"].min() > api["fetched_at"].max()
    assert store.endpoint_history(claude, base_url="https://openrouter.ai/api/v1").shape[0] == len(api)
    # the providers history: only the replay server's snapshot, so that is the one answered
    assert store.providers_history()["snapshot_id"].nunique() == 1
    assert store.providers_history(base_url="https://openrouter.ai/api/v1").empty
    with pytest.raises(InvalidParameterError, match="base_url must be an http"):
        store.endpoint_history(claude, base_url="openrouter.ai")
    out = CliRunner().invoke(
        main, ["endpoint-history", claude, "--store", str(tmp_path / "s"), "--base-url", base, "--format", "csv"]
    )
    assert out.exit_code == 0 and len(out.stdout.strip().splitlines()) == len(demo) + 1, out.output


def test_a_column_asked_twice_is_one_and_a_key_of_other_models_is_a_null_column(
    recorded_dir: Path, tmp_path: Path
) -> None:
    store = oc.SnapshotStore(tmp_path / "s", layout="delta")
    store.import_endpoints(recorded_dir / "endpoints")
    h = store.endpoint_history("openai/gpt-4o", columns=["price_prompt", "price_prompt", "price_input_cache_write_1h"])
    assert list(h.columns)[4:] == ["price_prompt", "price_input_cache_write_1h"]  # gpt-4o lists no 1h price
    assert len(h) and h["price_input_cache_write_1h"].isna().all()
    with pytest.raises(InvalidParameterError, match=r"did you mean 'latency_p50'"):
        store.endpoint_history("openai/gpt-4o", columns=["latency_p5"])
    for args in (
        ["endpoint-history", "openai/gpt-4o", "--store", str(tmp_path / "s"), "--columns", "tag,tag,price_prompt"],
        ["--replay", "sample", "models", "--columns", "id,id", "--head", "2"],
    ):
        out = CliRunner().invoke(main, [*args, "--format", "csv"])
        assert out.exit_code == 0, out.output
        assert out.stdout.splitlines()[0].replace('"', "") in ("tag,price_prompt", "id")


def test_ctrl_c_after_an_endpoints_import_commits_names_what_was_recorded_and_keeps_it(
    recorded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new store whose import of endpoints bodies committed before Ctrl-C keeps them, and the
    line counts them (it said "nothing was recorded" and removed the folder)."""
    real = oc.SnapshotStore.import_endpoints

    def then_pressed(self: oc.SnapshotStore, *args: object, **kwargs: object) -> list[str]:
        real(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(oc.SnapshotStore, "import_endpoints", then_pressed)
    root = tmp_path / "new"
    result = CliRunner().invoke(main, ["import", "--store", str(root), str(recorded_dir / "endpoints")])
    assert result.exit_code == 130, result.output
    held = oc.SnapshotStore(root).endpoint_snapshots()["snapshot_id"]
    assert len(held) == 8 and f"after the write: {len(held)} new snapshots recorded" in result.output, result.output


def test_providers_store_is_a_recording_command() -> None:
    from orcatalog._launch import interrupted_line

    assert interrupted_line("providers", {"store_root": "x"}) == "interrupted: nothing was recorded"
    assert interrupted_line("providers", {}) == "interrupted"


def test_an_endpoints_file_named_for_another_model_is_recorded_as_its_body_with_a_warning(
    recorded_dir: Path, tmp_path: Path
) -> None:
    claude = sorted((recorded_dir / "endpoints").glob("endpoints-anthropic--*"))[0]
    named = tmp_path / "endpoints-openai--gpt-4o-2026-09-01.json.gz"
    named.write_bytes(claude.read_bytes())
    store = oc.SnapshotStore(tmp_path / "s", layout="delta")
    with pytest.warns(
        oc.errors.OrcatalogWarning, match="names another model than its body, 'anthropic/claude-sonnet-4.5'"
    ):
        store.import_endpoints(named)
    assert store.endpoint_snapshots()["model_id"].tolist() == ["anthropic/claude-sonnet-4.5"]


def test_recheck_an_archive_in_a_folder_goes_by_its_members(recorded_dir: Path, tmp_path: Path) -> None:
    """Re-check A: an endpoints archive inside a folder (alone, or beside a catalog) is read by its
    members' names, as one given on its own."""
    import tarfile

    folder = tmp_path / "onlyarch"
    folder.mkdir()
    gpt = sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*"))[0]
    with tarfile.open(folder / "ep.tgz", "w:gz") as tar:
        tar.add(gpt, arcname=gpt.name)
    (folder / CATALOG.name).write_bytes(CATALOG.read_bytes())
    done = CliRunner().invoke(main, ["import", "--store", str(tmp_path / "s"), str(folder)])
    assert done.exit_code == 0, done.output
    store = oc.SnapshotStore(tmp_path / "s")
    assert store.endpoint_snapshots()["model_id"].tolist() == ["openai/gpt-4o"] and len(store.snapshots()) == 1


def test_recheck_a_model_held_only_from_a_replay_server_answers_from_it(recorded_dir: Path, tmp_path: Path) -> None:
    """Re-check B: the default source is chosen among the asked models' snapshots: a model held
    only from a replay server, in a store that holds the API's endpoints of another, answers from
    the replay server; asked beside an API model, it is named in a warning, not silently empty."""
    store = oc.SnapshotStore(tmp_path / "s", layout="delta")
    store.import_endpoints(sorted((recorded_dir / "endpoints").glob("endpoints-anthropic--*")))
    with ReplayServer() as server:
        store.snapshot_endpoints(
            "openai/gpt-4o", client=oc.Client(base_url=server.base_url, session=requests.Session())
        )
    alone = store.endpoint_history("openai/gpt-4o")
    assert len(alone) and set(alone["model_id"].astype(str)) == {"openai/gpt-4o"}
    with pytest.warns(oc.errors.OrcatalogWarning, match=r"'openai/gpt-4o' are held only from base=http://127\.0\.0\.1"):
        both = store.endpoint_history(["anthropic/claude-sonnet-4.5", "openai/gpt-4o"])
    assert set(both["model_id"].astype(str)) == {"anthropic/claude-sonnet-4.5"}
    out = CliRunner().invoke(main, ["endpoint-history", "openai/gpt-4o", "--store", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output


def test_recheck_catalog_history_takes_a_column_twice_and_the_columns_always_there(
    latest_file: Path, tmp_path: Path
) -> None:
    """Re-check C: SnapshotStore.history(columns=[x, x]) crashed; asking for a column that is
    always there (fetched_at, snapshot_id) was 'unknown'."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([latest_file], progress=False)
    h = store.history("openai/gpt-4o", columns=["price_prompt", "price_prompt", "fetched_at", "snapshot_id"])
    assert list(h.columns).count("price_prompt") == 1 and {"fetched_at", "snapshot_id"} <= set(h.columns)
    with pytest.raises(InvalidParameterError, match="unknown column"):
        store.history("openai/gpt-4o", columns=["pricing_prompt"])


def test_recheck_ctrl_c_in_a_mixed_import_counts_what_the_whole_command_recorded(
    recorded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-check D: Ctrl-C during the catalogs of a folder whose endpoints bodies were committed
    said 'nothing was recorded'; it counts from the start of the command now, and keeps them."""
    mixed = tmp_path / "mixed"
    shutil.copytree(recorded_dir / "endpoints", mixed)
    (mixed / CATALOG.name).write_bytes(CATALOG.read_bytes())

    def pressed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(oc.SnapshotStore, "import_files", pressed)
    root = tmp_path / "new"
    result = CliRunner().invoke(main, ["import", "--store", str(root), str(mixed)])
    assert result.exit_code == 130, result.output
    held = oc.SnapshotStore(root).endpoint_snapshots()["snapshot_id"]
    assert len(held) == 8 and "after the write: 8 new snapshots recorded" in result.output, result.output


@pytest.mark.parametrize(
    ("name", "warns"),
    [
        ("endpoints-openai--gpt-4o.json.gz", False),  # no time, with --fetched-at: the right model
        ("endpoints-openai--gpt-4o-2026-09-02.json.gz", False),
        ("endpoints-openai--gpt-4o-mini-2026-09-02.json.gz", True),  # one id starting another's
        ("endpoints-anthropic--claude-sonnet-4.5-2026-09-02.json.gz", True),
    ],
)
def test_recheck_the_other_model_warning_reads_the_names_model_whole(
    recorded_dir: Path, tmp_path: Path, name: str, warns: bool
) -> None:
    gpt = sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*"))[0]
    path = tmp_path / name
    path.write_bytes(gpt.read_bytes())
    store = oc.SnapshotStore(tmp_path / "s", layout="delta")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        store.import_endpoints(path, fetched_at="2026-09-02T10:00:00Z")
    said = [str(w.message) for w in seen if "names another model" in str(w.message)]
    assert bool(said) == warns, said


def test_recheck_cli_columns_of_a_key_other_models_list(recorded_dir: Path, tmp_path: Path) -> None:
    """Re-check F: endpoint-history --columns with a price key only other models list gives its
    (empty) column, as Python does; a typo is still one error line with the closest name."""
    root = str(tmp_path / "s")
    oc.SnapshotStore(root, layout="delta").import_endpoints(recorded_dir / "endpoints")
    args = ["endpoint-history", "openai/gpt-4o", "--store", root, "--format", "csv"]
    ok = CliRunner().invoke(main, [*args, "--columns", "tag,price_input_cache_write_1h"])
    assert ok.exit_code == 0, ok.output
    rows = ok.stdout.strip().splitlines()
    assert rows[0].replace('"', "") == "tag,price_input_cache_write_1h" and all(r.endswith(',""') for r in rows[1:])
    typo = CliRunner().invoke(main, [*args, "--columns", "tag,price_input_cache_write_1hh"])
    assert typo.exit_code == 2 and "did you mean 'price_input_cache_write_1h'" in typo.stderr


def test_local_tables_are_read_through_pyarrows_own_filesystem_and_a_reading_process_exits_cleanly(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """A process that read endpoint snapshots through DeltaTable.to_pyarrow_dataset (a Python
    filesystem handler) ended in 'terminate called without an active exception' (exit 134) at
    shutdown in 7 of 8 runs. On disk the tables' files are read through pyarrow's LocalFileSystem
    now, with the same rows; three reading processes all exit 0."""
    import subprocess
    import sys

    import pyarrow.fs as pafs
    from deltalake import DeltaTable

    from orcatalog.store.endpoints.tables import table_dataset

    root = tmp_path / "s"
    oc.SnapshotStore(root, layout="delta").import_endpoints(recorded_dir / "endpoints")
    for name in ("endpoints", "endpoint_objects", "endpoint_snapshots"):
        dt = DeltaTable(str(root / name))
        data = table_dataset(dt)
        assert isinstance(data.filesystem, pafs.LocalFileSystem), name
        want = dt.to_pyarrow_dataset().to_table()
        got = data.to_table(columns=want.column_names)
        assert sorted(map(repr, got.to_pylist())) == sorted(map(repr, want.to_pylist())), name  # the same rows
    pruned = table_dataset(DeltaTable(str(root / "endpoints")), [("month", "=", "2026-08")])
    assert set(pruned.to_table().column("month").to_pylist()) == {"2026-08"}
    script = (
        "import sys, orcatalog as oc\n"
        "st = oc.SnapshotStore(sys.argv[1])\n"
        "for sid in st.endpoint_snapshots()['snapshot_id']: st.raw(sid)\n"
        "st.endpoint_history(); st.providers_history()\n"
    )
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "terminate called" not in done.stderr, done.stderr
