"""The README's commands run as written: the live main command (against a replay server standing in
for the API host) and its offline ``--replay sample`` twin print the same table."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from orcatalog.testing import ReplayServer

from .conftest import README, REPO, readme_blocks


def _commands() -> list[list[str]]:
    section = README[README.index("## Two commands") : README.index("## Quickstart")]
    return [shlex.split(block.strip()) for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def _orcatalog_part(argv: list[str]) -> list[str]:
    """The ``orcatalog ...`` command of a README line (after ``pip install . &&``)."""
    start = argv.index("orcatalog")
    return argv[start + 1 :]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache"), **env}
    full_env.pop("ORCATALOG_OFFLINE", None)
    return subprocess.run(
        [sys.executable, "-m", "orcatalog", *args], env=full_env, capture_output=True, text=True, timeout=120
    )


def test_readme_shows_the_live_main_command_and_its_offline_twin() -> None:
    live, offline, tests = _commands()
    assert live[:3] == ["pip", "install", "."] and _orcatalog_part(live) == [
        "models",
        "--sort",
        "pricing-low-to-high",
        "--head",
        "25",
    ]
    assert _orcatalog_part(offline) == ["--replay", "sample", *_orcatalog_part(live)]
    assert tests == ["pip", "install", ".[test]", "&&", "python", "-m", "pytest"]


def test_both_main_commands_run_and_agree(tmp_path: Path) -> None:
    live, offline, _ = _commands()
    with ReplayServer() as api:  # stands in for the API host
        from_live = _run(_orcatalog_part(live), tmp_path, ORCATALOG_BASE_URL=api.base_url)
        assert [r["path"] for r in api.requests] == ["/api/v1/models"]
    from_sample = _run(_orcatalog_part(offline), tmp_path)
    for proc in (from_live, from_sample):
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 26 and lines[0].split()[0] == "id", proc.stdout
    assert from_live.stdout == from_sample.stdout


@pytest.mark.parametrize("source", [None, "sample"])
def test_replay_server_without_a_file_serves_the_packaged_sample(source: str | None) -> None:
    import orcatalog as oc
    import requests

    with ReplayServer(source) as server:
        df = oc.Client(base_url=server.base_url, session=requests.Session()).fetch_models()
    assert len(df) == 346 and "openai/gpt-4o" in set(df["id"])


# -- every code block of the README runs (issue 10) -----------------------------------------------------------


def test_every_block_has_a_language_and_the_chart_exists() -> None:
    fences = re.findall(r"^```(\w*)$", README, flags=re.M)
    shown = ("ini", "text")  # shown, not run: a systemd unit, a crontab line
    assert fences and all(lang in ("", "python", "bash", *shown) for lang in fences)
    assert all(lang in ("python", "bash", *shown) for lang in fences[::2]), "every opening fence names its language"
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (REPO / image).is_file() and (REPO / image).read_bytes()[:4] == b"\x89PNG", image


def test_every_bash_block_runs(readme_world, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `orcatalog ...` line of every bash block, in order (pip and pytest lines are the two commands,
    run by the tests above and by CI). The lines run in this process through click's CliRunner, in the
    README's folder and environment: what a line does is the command's, not the interpreter's, and the
    console script as a real process is run by :func:`test_both_main_commands_run_and_agree` (one
    interpreter start per line cost more than the lines themselves)."""
    from click.testing import CliRunner

    from orcatalog.cli import main

    cwd, env, _api = readme_world
    for name in set(os.environ) - set(env):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    runner = CliRunner()
    ran = 0
    for block in readme_blocks("bash"):
        for line in block.strip().splitlines():
            argv = shlex.split(line, comments=True)  # a trailing "# ..." is a comment, as in bash
            if "orcatalog" not in argv:
                assert argv[:2] == ["pip", "install"], line
                continue
            result = runner.invoke(main, _orcatalog_part(argv), prog_name="orcatalog")
            assert result.exit_code == 0, f"{line}\n{result.output}\n{result.exception!r}"
            ran += 1
    assert ran >= 12


@pytest.mark.parametrize("doc", ["README.md", *sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))])
def test_the_readme_and_each_notebook_say_the_rules(doc: str) -> None:
    """The README and each notebook say every rule in the report's sentence, word for word
    (``orcatalog.report.RULES``, the one place): the notebooks' "Free" sentence had gone stale ("every
    price a model lists is zero", without the listed output prices, ``:free`` and Lyria's null; issue
    15, fourth trial), which a check of one phrase did not see."""
    import nbformat

    from orcatalog.report import RULES

    if doc == "README.md":
        text = README
    else:
        nb = nbformat.read(REPO / "notebooks" / doc, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = " ".join(text.split())
    missing = [name for name, sentence in RULES if f"**{name}:** {' '.join(sentence.split())}" not in text]
    assert not missing, missing
    free = dict(RULES)["Free"]
    assert all(part in free for part in ("every price it lists is zero", "listed price", ":free", "lyria"))


def test_cron_runs_orcatalog_by_absolute_path_and_the_tour_leaves_no_untracked_files() -> None:
    """Cron's PATH is /usr/bin:/bin, so a cron line must name orcatalog by its absolute path (as the
    systemd unit does); what the README's bash tour writes in the working folder is git-ignored;
    the replay section names the usage server's arguments."""
    cron = [line for line in README.splitlines() if re.match(r"^([\d*/,-]+\s+){5}.*\borcatalog\b", line)]
    assert cron
    for line in cron:
        commands = [w for w in shlex.split(line.split(None, 5)[5]) if w.endswith("orcatalog")]
        assert commands and all(w.startswith("/") for w in commands), line
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    tour = "\n".join(readme_blocks("bash"))
    written = set(re.findall(r"--store ([\w.-]+)", tour)) | set(re.findall(r"--feed ([\w.-]+)", tour))
    written -= {"data"}  # the repository's data/ folder ignores its own contents (data/.gitignore)
    assert "*" in (REPO / "data" / ".gitignore").read_text(encoding="utf-8").split()
    assert written and all(f"/{name}/" in ignored or f"/{name}" in ignored for name in written), written
    assert "ReplayServer(activity=" in README and "management_keys=" in README


def test_the_quickstart_cost_lines_show_what_their_comments_claim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New-user trial: the quickstart's cost example showed free models at 0 under a comment about
    routers' notes. Run the Quickstart block against the packaged catalog and check each cost line's
    claim: the head holds the five cheapest paid models, and the notes are the routers'."""
    import matplotlib

    matplotlib.use("Agg")
    block = README[README.index("## Quickstart") :]
    code = re.search(r"```python\n(.*?)```", block, flags=re.S)
    assert code is not None
    lines = code.group(1).splitlines()
    head = next(line for line in lines if line.startswith("paid[") and ".head()" in line)
    notes = next(line for line in lines if line.startswith("cost.loc[") and "note" in line)
    with ReplayServer() as api:
        monkeypatch.setenv("ORCATALOG_BASE_URL", api.base_url)
        monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.delenv("ORCATALOG_OFFLINE", raising=False)
        scope: dict[str, object] = {}
        exec(code.group(1), scope)
    import pandas as pd

    shown = eval(head.split("#")[0], scope)
    cost = scope["cost"]
    assert isinstance(shown, pd.DataFrame) and isinstance(cost, pd.DataFrame)
    assert len(shown) == 5 and (shown["total_usd"] > 0).all()
    assert shown["total_usd"].is_monotonic_increasing
    assert shown["total_usd"].iloc[0] == cost.loc[cost["total_usd"] > 0, "total_usd"].min()
    assert (cost["total_usd"] == 0).sum() > 5, "the sample has free models that the head must leave out"
    noted = eval(notes.split("#")[0], scope)
    routers = noted["note"].str.startswith("dynamic pricing")
    unlisted = noted["note"].str.contains("at a price the catalog does not list")  # e.g. music models listing 0
    assert routers.any() and (routers | unlisted).all()
    assert cost.loc[noted.index, "total_usd"].isna().all()
