"""Damage in a Delta store (issue 14, review R14 gaps 2, 3, 5 and 7): a damaged or stray log file, a
missing data file, a flipped byte in a compacted file and a wrong read-back are typed errors that
name the file, and never hide or drop the snapshots whose files are intact."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import orcatalog as oc

from .test_store_delta import delta_store


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    return request.param, (request.getfixturevalue("s3_endpoint") if request.param == "s3" else None)


def _calls(files: list[Path]) -> dict:
    return {
        "snapshots": lambda st: st.snapshots(),
        "load": lambda st: st.load(),
        "import": lambda st: st.import_files(files[4], progress=False),
        "compact": lambda st: st.compact(),
    }


@pytest.mark.parametrize("table", ["snapshots", "versions"])
def test_a_truncated_commit_file_is_a_one_line_damage_error_naming_it(
    backend: tuple[str, str | None], table: str, tmp_path: Path, dated_files: list[Path]
) -> None:
    store = delta_store(backend[0], tmp_path, backend[1], auto_compact=None)
    for f in dated_files[:3]:
        store.import_files(f, progress=False)
    fs, base = store._layout.fs, store._base
    log = f"{base}/{table}/_delta_log/00000000000000000001.json"
    data = fs.cat_file(log)
    fs.pipe_file(log, data[: len(data) // 2])
    for what, call in _calls(dated_files).items():
        with pytest.raises(oc.StoreDamagedError) as info:
            call(oc.SnapshotStore(store.root, storage_options=store._storage_options))
        message = str(info.value)
        assert "\n" not in message, what
        assert f"{table}/_delta_log/00000000000000000001.json is not a whole commit" in message, what


def test_a_stray_commit_file_after_a_gap_is_named(tmp_path: Path, dated_files: list[Path]) -> None:
    store = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    for f in dated_files[:2]:
        store.import_files(f, progress=False)
    stray = tmp_path / "s" / "snapshots" / "_delta_log" / "00000000000000000005.json"
    stray.write_text('{"commitInfo":{}}\n')
    for call in _calls(dated_files).values():
        with pytest.raises(oc.StoreDamagedError, match=r"00000000000000000005\.json follows commit 1 with a gap"):
            call(oc.SnapshotStore(tmp_path / "s"))
    stray.unlink()  # the advice: the stray file removed, the store answers as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(oc.SnapshotStore(tmp_path / "s").snapshots()) == 2
