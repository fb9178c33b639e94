"""Imports say what the bodies answered (issue 15): the query and base URL set the scope by the one
scope rule, and a second, different body of one scope and time is refused, naming both files, with
nothing written (both store layouts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.testing.legacy import store_in_layout
from orcatalog.cli import main
from orcatalog.scope import scope_of

from .conftest import read_body
from .modalities import fixture_models


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(params=["parquet", "delta"])
def layout(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_store(root: Path, layout: str) -> oc.SnapshotStore:
    return store_in_layout(root, layout)


def test_the_query_and_base_url_set_the_scope(tmp_path: Path, recorded_dir: Path) -> None:
    body = recorded_dir / "models-2026-04-17.json.gz"
    cases = [
        ({}, None),
        ({"output_modalities": "all"}, None),
        ({"input_modalities": ["image"]}, None),
        ({"output_modalities": "text"}, None),
        ({}, "https://eu.openrouter.ai/api/v1"),
        ({"supported_parameters": "tools"}, "http://127.0.0.1:9/api/v1"),
    ]
    for i, (query, base_url) in enumerate(cases):
        store = oc.SnapshotStore(tmp_path / f"s{i}")
        (sid,) = store.import_files(body, query=query, base_url=base_url, progress=False)
        row = store.snapshots().set_index("snapshot_id").loc[sid]
        sent = {k: ",".join(v) if isinstance(v, list) else v for k, v in query.items()}
        assert row["scope"] == scope_of(base_url, "/models", sent)
        assert store.load(sid).attrs["params"] == sent
    # no query: the server's default (text-output) list, the same scope as output_modalities=text
    assert oc.SnapshotStore(tmp_path / "s0").snapshots()["scope"].tolist() == ["/models output_modalities=text"]
    assert oc.SnapshotStore(tmp_path / "s3").snapshots()["scope"].tolist() == ["/models output_modalities=text"]
    assert oc.SnapshotStore(tmp_path / "s1").snapshots()["scope"].tolist() == ["catalog"]  # all: the whole catalog
    assert oc.SnapshotStore(tmp_path / "s2").snapshots()["scope"].tolist() == [
        "/models input_modalities=image output_modalities=text"
    ]
    mem = oc.SnapshotStore(tmp_path / "mem")
    mem.import_bodies([("2026-04-17", read_body(body))], query={"output_modalities": "audio"}, progress=False)
    assert mem.snapshots()["scope"].tolist() == ["/models output_modalities=audio"]


def test_a_bad_query_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "s")
    with pytest.raises(oc.InvalidParameterError, match="unknown filter 'output_modality'"):
        store.import_files(tmp_path / "missing.json", query={"output_modality": "all"})
    with pytest.raises(oc.InvalidParameterError, match="unknown modality"):
        store.import_bodies([("2026-04-17", {"data": []})], query={"output_modalities": "imagez"})
    assert not (tmp_path / "s").exists()


def test_a_filtered_body_may_be_empty_an_unfiltered_one_may_not(tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "s")
    (sid,) = store.import_bodies([("2026-04-17", {"data": []})], query={"input_modalities": "video"})
    assert store.load(sid).empty
    with pytest.raises(oc.SchemaError):
        store.import_bodies([("2026-04-18", {"data": []})], query={"output_modalities": "all"})


def test_a_second_body_of_one_scope_and_time_is_refused_naming_both(
    tmp_path: Path, recorded_dir: Path, layout: str
) -> None:
    first, other = tmp_path / "a" / "models-2026-04-17.json.gz", tmp_path / "b" / "models-2026-04-17.json.gz"
    for path, source in ((first, "models-2026-04-17.json.gz"), (other, "models-2026-01-29.json.gz")):
        path.parent.mkdir()
        shutil.copy(recorded_dir / source, path)
    root = tmp_path / "store"
    store = open_store(root, layout)
    store.import_files(recorded_dir / "models-2026-01-15.json.gz", progress=False)
    (sid,) = store.import_files(first, progress=False)
    before = files_of(root)
    with pytest.raises(oc.SnapshotConflictError) as err:
        store.import_files(other, progress=False)
    message = str(err.value)
    assert str(other) in message and str(first) in message and sid in message and "nothing was written" in message
    assert files_of(root) == before
    with pytest.raises(oc.SnapshotConflictError, match="nothing was written"):  # two in one call: the same
        open_store(tmp_path / "new", layout).import_files([first, other], progress=False)
    assert open_store(tmp_path / "new", layout).snapshots().empty if (tmp_path / "new").exists() else True
    assert store.import_files(first, progress=False) == [sid] and files_of(root) == before  # the same body: no-op
    with pytest.raises(oc.SnapshotConflictError):  # output_modalities=text is what a bare list answered
        store.import_files(other, query={"output_modalities": "text"}, progress=False)
    (whole,) = store.import_files(other, query={"output_modalities": "all"}, progress=False)  # its own scope
    m = store.snapshots().set_index("snapshot_id")
    assert m.loc[whole, "scope"] == "catalog" and m.loc[sid, "scope"] == "/models output_modalities=text"
    assert len(m) == 3


def test_the_import_command_takes_the_query_and_names_both_files(tmp_path: Path, recorded_dir: Path) -> None:
    runner = CliRunner()
    twin = tmp_path / "default" / "models-2026-04-17.json.gz"
    twin.parent.mkdir()
    shutil.copy(recorded_dir / "models-2026-01-29.json.gz", twin)
    body = str(recorded_dir / "models-2026-04-17.json.gz")
    store = str(tmp_path / "data")
    done = runner.invoke(main, ["import", "--store", store, "--output-modalities", "all", body])
    assert done.exit_code == 0, done.output
    # a bare body of the same day is the server's default list: its own scope, no clash with the catalog
    default = runner.invoke(main, ["import", "--store", store, str(twin)])
    assert default.exit_code == 0 and "1 new snapshot recorded" in default.output, default.output
    other = tmp_path / "other" / "models-2026-04-17.json.gz"  # a second, different default list of that time
    other.parent.mkdir()
    shutil.copy(recorded_dir / "models-2026-01-15.json.gz", other)
    clash = runner.invoke(main, ["import", "--store", store, str(other)])
    assert clash.exit_code == 1 and len(clash.output.strip().splitlines()) == 1, clash.output
    assert str(twin) in clash.output and str(other) in clash.output and "--output-modalities" in clash.output
    same = runner.invoke(main, ["import", "--store", store, "--output-modalities", "text", str(other)])
    assert same.exit_code == 1 and str(twin) in same.output  # text is the default list's scope too
    eu = runner.invoke(
        main,
        [
            "import",
            "--store",
            store,
            "--base-url",
            "https://eu.openrouter.ai/api/v1",
            str(recorded_dir / "models-2026-01-15.json.gz"),
        ],
    )
    assert eu.exit_code == 0, eu.output
    scopes = oc.SnapshotStore(store).snapshots()["scope"].tolist()
    assert sorted(scopes) == ["/models output_modalities=text", "/models region=eu output_modalities=text", "catalog"]
    bad = runner.invoke(main, ["import", "--store", store, "--output-modalities", "imagez", body])
    assert bad.exit_code == 2 and "imagez" in bad.output


def test_a_partial_snapshot_warns_on_import_and_shows_in_snapshots(tmp_path: Path, recorded_dir: Path) -> None:
    import json

    body = json.loads(read_body(recorded_dir / "models-2026-04-17.json.gz"))
    shrunk = tmp_path / "models-2026-04-18.json"
    shrunk.write_text(json.dumps({"data": body["data"][:10]}))
    runner = CliRunner()
    store = str(tmp_path / "data")
    assert (
        runner.invoke(main, ["import", "--store", store, str(recorded_dir / "models-2026-04-17.json.gz")]).exit_code
        == 0
    )
    got = runner.invoke(main, ["import", "--store", store, str(shrunk)])
    assert got.exit_code == 0, got.output
    warned = [line for line in got.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 1 and "10 models" in warned[0] and "flagged partial" in warned[0]
    table = runner.invoke(main, ["snapshots", "--store", store])
    header, *rows = table.stdout.strip().splitlines()
    assert header.split()[-1] == "partial" and rows[0].split()[-1] == "False" and rows[1].split()[-1] == "True"


def all_modalities_body(recorded_dir: Path) -> dict[str, object]:
    """A stand-in for an ``output_modalities=all`` body: no such body was recorded (every file in the
    data set is the server's default, text-output list; see its PROVENANCE.md), so this is the real
    2026-08-17 default body plus the spec-shaped non-text models of tests/modalities.py (image,
    video, embeddings, rerank, speech, transcription). A fixture, not a recording."""
    import json

    body = json.loads(read_body(recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"))
    extra = [m for m in fixture_models() if "text" not in m["architecture"]["output_modalities"]]
    body["data"] = body["data"] + extra
    body["total_count"] = len(body["data"])
    return body


def test_a_body_with_models_without_text_output_is_not_the_default_list(
    tmp_path: Path, recorded_dir: Path, layout: str
) -> None:
    import json

    whole = tmp_path / "in" / "models-2026-08-17T225551Z.json"
    whole.parent.mkdir()
    whole.write_text(json.dumps(all_modalities_body(recorded_dir)))
    default = recorded_dir / "catalogs-2026-06-08" / "models-2026-06-19.json.gz"  # real, text output only
    old = recorded_dir / "models-2024-04-19.json.gz"  # no output_modalities at all: no evidence, accepted
    root = tmp_path / "store"
    store = open_store(root, layout)
    with pytest.raises(oc.InvalidParameterError) as err:
        store.import_files([default, whole, old], progress=False)
    message = str(err.value)
    assert str(whole) in message and str(default) not in message and "nothing was written" in message
    assert "import it with output_modalities=all" in message and "runway/gen-4.5 outputs video" not in message
    assert "7 in" in message and "bytedance-seed/seedream-5-0-lite outputs image" in message
    assert not root.exists() or open_store(root, layout).snapshots().empty
    with pytest.raises(oc.InvalidParameterError, match="body #0"):  # bodies in memory: the same rule
        store.import_bodies([("2026-08-17T22:55:51Z", all_modalities_body(recorded_dir))], progress=False)
    ids = store.import_files([default, old], progress=False)  # the default lists alone are fine
    (catalog,) = store.import_files(whole, query={"output_modalities": "all"}, progress=False)  # said: the catalog
    scopes = store.snapshots().set_index("snapshot_id")["scope"]
    assert scopes[catalog] == "catalog" and set(scopes[list(ids)]) == {"/models output_modalities=text"}
    text = store.import_files(default, query={"output_modalities": "text"}, progress=False)  # the same snapshot
    assert list(text) == [ids[1]] and text.added == []
    before = files_of(root)
    with pytest.raises(oc.SnapshotConflictError) as clash:  # one snapshot, one scope: not also the catalog
        store.import_files(default, query={"output_modalities": "all"}, progress=False)
    said = str(clash.value)
    assert ids[1] in said and "'/models output_modalities=text'" in said and "'catalog'" in said
    assert "nothing was written" in said and files_of(root) == before
    assert said.count(str(default)) == 1 and "was recorded as snapshot" in said  # the same file: its path once
    runner = CliRunner()
    cli = runner.invoke(main, ["import", "--store", str(tmp_path / "cli"), str(whole)])
    # exit 2: an option the file needs is missing (README: the exit status rule), unlike a clash (1)
    assert cli.exit_code == 2 and len(cli.output.strip().splitlines()) == 1, cli.output
    assert str(whole) in cli.output and "--output-modalities all" in cli.output
    assert not (tmp_path / "cli").exists() or oc.SnapshotStore(tmp_path / "cli").snapshots().empty


def test_the_catalog_and_the_default_list_of_one_day_are_two_scopes(tmp_path: Path, recorded_dir: Path) -> None:
    """The issue: a default catalog file and an all-modalities file of one date both became scope
    catalog, and a diff reported the non-text models as added. Now they are two scopes: the store
    answers in the catalog's, diff refuses to mix them, and a forced diff shows why."""
    import json

    whole = tmp_path / "all" / "models-2026-08-17.json"
    whole.parent.mkdir()
    whole.write_text(json.dumps(all_modalities_body(recorded_dir)))
    default = recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"
    store = oc.SnapshotStore(tmp_path / "store")
    (text,) = store.import_files(default, progress=False)
    assert store.load().attrs["scope"] == "/models output_modalities=text"  # the only list: the default answers
    (full,) = store.import_files(whole, query={"output_modalities": "all"}, progress=False)  # same day, no clash
    assert store.load().attrs["snapshot_id"] == full  # the catalog is the store's default scope
    assert set(store.history().attrs["snapshot_times"]) == {"catalog"}
    assert len(store.history(scope="/models output_modalities=text")["snapshot_id"].unique()) == 1
    with pytest.raises(oc.MixedScopeError, match="'/models output_modalities=text' against 'catalog'"):
        oc.diff(store.load(text), store.load(full))
    forced = oc.diff(store.load(text), store.load(full), allow_mixed=True)
    non_text = [m["id"] for m in fixture_models() if "text" not in m["architecture"]["output_modalities"]]
    assert set(forced["change"]) == {"added"} and sorted(forced["id"]) == sorted(non_text)  # nothing else
    runner = CliRunner()
    cli = runner.invoke(main, ["diff", "--store", str(tmp_path / "store"), text, full])
    assert cli.exit_code == 1 and "pass --allow-mixed" in cli.output, cli.output


def test_a_store_written_by_the_old_rule_answers_and_refuses_by_the_new_one(
    tmp_path: Path, recorded_dir: Path, layout: str
) -> None:
    """A store written when bare imports were recorded as scope catalog: readers recompute the scope
    from the query, and a second, different default list at the same time is still refused."""
    import orcatalog.store.intake as intake

    root = tmp_path / "old"
    with pytest.MonkeyPatch.context() as patch:  # write as an older orcatalog did: the recorded scope is catalog
        patch.setattr(intake, "scope_of", lambda *args, **kwargs: "catalog")
        (sid,) = open_store(root, layout).import_files(recorded_dir / "models-2026-04-17.json.gz", progress=False)
    store = open_store(root, layout)
    assert store.snapshots()["scope"].tolist() == ["/models output_modalities=text"]
    assert store.load().attrs["snapshot_id"] == sid
    other = tmp_path / "b" / "models-2026-04-17.json.gz"
    other.parent.mkdir()
    shutil.copy(recorded_dir / "models-2026-01-29.json.gz", other)
    before = files_of(root)
    with pytest.raises(oc.SnapshotConflictError, match="nothing was written"):
        store.import_files(other, progress=False)
    assert files_of(root) == before


def test_a_base_url_carrying_a_key_is_refused_and_never_stored(tmp_path: Path, recorded_dir: Path) -> None:
    """A key in ``user:password@`` of --base-url / base_url= (a new-user trial found it stored in the
    snapshots table, the Delta log and ``attrs``): refused by the client's rule before anything is
    read, on every import path, and never echoed."""
    from .secret_scan import assert_no_secret

    key = "sk-or-v1-" + "5ec7e7" * 8
    url = f"https://me:{key}@openrouter.ai/api/v1"
    body = recorded_dir / "models-2026-04-17.json.gz"
    store = oc.SnapshotStore(tmp_path / "s")
    calls = [
        lambda: store.import_files([body], base_url=url),
        lambda: store.import_bodies([("2026-04-17T00:00:00Z", read_body(body))], base_url=url),
        lambda: store.import_endpoints([recorded_dir / "endpoints"], base_url=url),
        lambda: store.import_endpoint_bodies(
            [("2026-04-17T00:00:00Z", {"data": []})], base_url=url, endpoint="/providers"
        ),
    ]
    for call in calls:
        with pytest.raises(oc.InvalidParameterError, match="credentials") as caught:
            call()
        assert_no_secret(str(caught.value), key)
    assert not (tmp_path / "s").exists()
    result = CliRunner().invoke(main, ["import", "--store", str(tmp_path / "c"), "--base-url", url, str(body)])
    assert result.exit_code == 2, result.output
    assert_no_secret(result.output, key)
    assert not (tmp_path / "c").exists()


def test_a_second_recording_of_a_stored_time_says_the_store_holds_one(latest_file: Path, tmp_path: Path) -> None:
    """Trial Q: importing the full recording of an hour into a store made from the compact copy named
    the same archive member twice ("X and X are two different bodies") and suggested a query. The
    store's own body is named as the store's, with its snapshot, and the way out is another store."""
    import json

    from .conftest import read_body

    body = json.loads(read_body(latest_file))
    body["data"][0]["description"] = "another recording of the same hour: its prose differs"
    other = tmp_path / latest_file.name.replace(".json.gz", ".json")
    other.write_text(json.dumps(body))
    store = oc.SnapshotStore(tmp_path / "s")
    (sid,) = store.import_files(latest_file, progress=False)
    before = store.snapshots()
    with pytest.raises(oc.SnapshotConflictError) as err:
        store.import_files(other, progress=False)
    said = str(err.value)
    assert said.startswith(f"{other} differs from the body the store already holds") and sid in said, said
    assert "import this one into another store" in said and said.count(str(other)) == 1
    assert store.snapshots().equals(before)  # nothing written
