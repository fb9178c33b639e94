"""The exit-status rule of the README, on the real console script: the status says whether the work
was done; a reader closing the pipe after a commit is not a failure of the commit (said on stderr);
output that cannot be written is an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import orcatalog as oc

from .conftest import COMPACT_DIR, REPO

BODIES = [str(COMPACT_DIR / "models-2024-04-19.json.gz"), str(COMPACT_DIR / "models-2024-06-13.json.gz")]


def run(
    args: list[str], stdout: int | None = subprocess.PIPE, close_stdout: bool = False
) -> subprocess.CompletedProcess:
    """``python -m orcatalog ARGS``; ``stdout`` is a descriptor (a pipe whose reader is gone), or
    ``close_stdout`` starts the process with descriptor 1 closed, as ``>&-`` does."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "orcatalog", *args],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        preexec_fn=(lambda: os.close(1)) if close_stdout else None,
    )


def closed_pipe() -> int:
    """The write end of a pipe whose reader has already gone (``| head -0`` without the race)."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_closed_pipe_after_import_committed_is_success_and_says_so(tmp_path: Path) -> None:
    write = closed_pipe()
    try:
        proc = run(["import", "--store", str(tmp_path / "store"), *BODIES], stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 0, proc.stderr
    assert "2 new snapshots were recorded" in proc.stderr and "closed the output pipe" in proc.stderr
    assert "error" not in proc.stderr
    assert len(oc.SnapshotStore(tmp_path / "store").snapshots()) == 2  # the commit really happened


def test_a_closed_pipe_on_a_read_command_ends_quietly_with_1(tmp_path: Path) -> None:
    write = closed_pipe()
    try:
        proc = run(["--replay", "sample", "models", "--head", "3"], stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 1 and proc.stderr == ""


def test_import_of_a_folder_without_bodies_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no bodies here")
    proc = run(["import", "--store", str(tmp_path / "store"), str(tmp_path / "empty")])
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: no /models bodies found in") and len(proc.stderr.splitlines()) == 1
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "args",
    [["--replay", "sample", "models", "--head", "3"], ["import", "--store", "{store}", *BODIES]],
    ids=["models", "import"],
)
def test_output_to_a_closed_stdout_is_an_error(args: list[str], tmp_path: Path) -> None:
    """``>&-``: the output cannot be written, so the command fails (it used to exit 0, output lost)."""
    args = [a.replace("{store}", str(tmp_path / "store")) for a in args]
    proc = run(args, stdout=None, close_stdout=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: standard output is closed"), proc.stderr
    if args[0] == "import":  # the snapshots were recorded before the output failed: the error says so
        assert "2 new snapshots were recorded" in lines[0]
        assert len(oc.SnapshotStore(tmp_path / "store").snapshots()) == 2


def test_output_to_a_file_with_stdout_closed_is_fine(tmp_path: Path) -> None:
    """Only output that is needed must be writable: ``-o FILE`` does not use stdout."""
    out = tmp_path / "models.csv"
    proc = run(["--replay", "sample", "models", "-o", str(out)], stdout=None, close_stdout=True)
    assert proc.returncode == 0, proc.stderr
    assert len(oc.read_csv(out)) == 346


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_to_a_full_device_after_a_commit_says_what_was_recorded(tmp_path: Path) -> None:
    """``import ... >/dev/full`` (issue 16 trial): the write of the output fails with ENOSPC after
    the snapshots were committed; the error says both, exit 1."""
    with open("/dev/full", "w") as full:
        proc = run(["import", "--store", str(tmp_path / "store"), *BODIES], stdout=full.fileno())
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: No space left on device") and "2 new snapshots were recorded" in lines[0]
    assert len(oc.SnapshotStore(tmp_path / "store").snapshots()) == 2


def test_debug_shows_tracebacks_of_unexpected_errors_only(tmp_path: Path) -> None:
    """``ORCATALOG_DEBUG=1`` adds a traceback for an unexpected error; a bad option value keeps its
    one line and exit status 2 (it used to print a traceback and exit 1)."""
    env = {**os.environ, "ORCATALOG_DEBUG": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "orcatalog", "--replay", "sample", "models", "--max-price", "-1"],
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[0].startswith("error: --max-price")
    broken = tmp_path / "broken.py"  # an error no layer knows: a bug in a callback, simulated
    broken.write_text(
        "import sys, orcatalog.cli as cli, orcatalog.cli.output as output\n"
        "def boom(*a, **k): raise RuntimeError('a bug')\n"
        "real = output.write\n"  # wherever a command module holds the table writer, it breaks
        "for name, module in list(sys.modules.items()):\n"
        "    if name.startswith('orcatalog.cli') and getattr(module, 'write', None) is real:\n"
        "        module.write = boom\n"
        "sys.argv = ['orcatalog', '--replay', 'sample', 'models', '--head', '1']\n"
        "cli.run()\n"
    )
    for debug, traceback in (("0", False), ("1", True)):
        proc = subprocess.run(
            [sys.executable, str(broken)],
            env={**env, "ORCATALOG_DEBUG": debug, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 1 and ("Traceback" in proc.stderr) is traceback, proc.stderr
        assert "RuntimeError" in proc.stderr and "a bug" in proc.stderr
