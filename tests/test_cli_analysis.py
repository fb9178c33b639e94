"""The analysis commands against a store imported from the real bodies and a replay server standing in
for the API, and every example printed by `--help` run as it is written."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.testing.legacy import legacy_store
from orcatalog.cli import main
from orcatalog.testing import ReplayServer

from .conftest import COMPACT_DIR, copy_store, read_body, run_cli

EXAMPLE_KEY = "sk-or-v1-..."  # the placeholder key the help examples show


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, series_of: Any) -> Path:
    """A folder like a user's: ``data`` holds a store of the compact hourly series (the default Delta
    layout) and the recorded endpoints bodies, ``old-store`` one made before Delta became the default (parquet layout), plus a usage CSV."""
    root = tmp_path_factory.mktemp("cwd")
    store = copy_store(series_of(COMPACT_DIR), root / "data")  # the session's import, copied: this one writes
    store.import_endpoints(sorted((COMPACT_DIR / "endpoints").glob("endpoints-*.json.gz")))  # endpoint-history
    old = legacy_store(root / "old-store")
    old.import_files(sorted(COMPACT_DIR.glob("models-2024-*.json.gz")), progress=False)
    pd.DataFrame(
        {
            "model": ["deepseek/deepseek-v3.2", "openai/gpt-4o", "nobody/unknown"],
            "timestamp": ["2025-12-18T16:00Z", "2025-12-25T09:30Z", "2026-01-01"],
            "prompt_tokens": [200_000, 50_000, 10],
            "completion_tokens": [10_000, 4_000, 1],
        }
    ).to_csv(root / "usage.csv", index=False)
    pd.DataFrame({"model": ["openai/gpt-4o"], "timestamp": ["2026-01-01"]}).to_csv(root / "no-tokens.csv", index=False)
    return root


@pytest.fixture(scope="module")
def api() -> Iterator[ReplayServer]:
    """The packaged sample on loopback, standing in for the API host (accepting the example key)."""
    with ReplayServer(keys={EXAMPLE_KEY: None, "sk-or-v1-test": None}) as server:
        yield server


def _where(workdir: Path) -> str:
    """How messages name the store ``data`` of ``workdir`` where they looked for a model: the store,
    or its default scope once another scope is in it (the help examples record one)."""
    scopes = oc.SnapshotStore(workdir / "data").snapshots()["scope"].unique()
    return "data" if len(scopes) == 1 else "scope '/models output_modalities=text' of data"


def test_cost_prints_the_libraries_numbers(workdir: Path, api: ReplayServer) -> None:
    env = {"ORCATALOG_BASE_URL": api.base_url}
    result = run_cli(
        ["cost", "--prompt-tokens", "1000000", "--completion-tokens", "200000", "--format", "csv"], workdir, env
    )
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(pd.io.common.StringIO(result.stdout))
    expected = oc.estimate_cost(oc.Client(base_url=api.base_url).fetch_models(), 1_000_000, 200_000)
    expected = expected[expected["total_usd"].isna() | (expected["total_usd"] > 0)]
    assert list(printed["id"]) == list(expected["id"])
    assert printed["total_usd"].tolist() == pytest.approx(expected["total_usd"].tolist(), nan_ok=True)


def test_every_priced_dimension_is_a_cost_option_with_the_librarys_numbers(workdir: Path, api: ReplayServer) -> None:
    """The cost command's options come from the cost rules' one table: each component's option
    reaches estimate_cost as that component's argument (audio parts included), same numbers."""
    from orcatalog.analysis.cost import COMPONENTS

    counts = {c.argument: 1_000 * (i + 1) for i, c in enumerate(COMPONENTS)}
    counts.update(prompt_tokens=500_000, completion_tokens=300_000, requests=7)
    args = [x for c in COMPONENTS for x in (f"--{c.option}", str(counts[c.argument]))]
    result = run_cli(
        ["cost", *args, "--include-free", "--format", "csv"], workdir, {"ORCATALOG_BASE_URL": api.base_url}
    )
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(pd.io.common.StringIO(result.stdout)).set_index("id")
    expected = oc.estimate_cost(oc.Client(base_url=api.base_url).fetch_models(), **counts).set_index("id")
    assert sorted(printed.index) == sorted(expected.index)
    for c in COMPONENTS:
        got, want = printed[f"cost_{c.name}"], expected.loc[printed.index, f"cost_{c.name}"]
        assert got.tolist() == pytest.approx(want.tolist(), nan_ok=True), c.name
    # no recorded model takes audio and images, makes audio and images and lists a search price: every
    # row says why it has no total (the serving rule), none is priced at 0
    assert printed["total_usd"].isna().all() and printed["note"].notna().all()
    audio = run_cli(
        ["cost", "--prompt-tokens", "1000", "--completion-tokens", "1000", "--audio-output", "500", "--format", "csv"],
        workdir,
        {"ORCATALOG_BASE_URL": api.base_url},
    )
    priced = pd.read_csv(pd.io.common.StringIO(audio.stdout)).dropna(subset=["total_usd"])
    assert priced["cost_audio_output"].gt(0).any()  # a recorded model prices audio output: the option counts


@pytest.mark.parametrize(
    "args, message",
    [
        (["--prompt-tokens", "10", "--cached", "20"], "--cached is a part of --prompt-tokens"),
        (
            ["--prompt-tokens", "10", "--cached", "5", "--cache-write", "6"],
            "--cached + --cache-write are parts of --prompt-tokens",
        ),
        (
            ["--prompt-tokens", "10", "--completion-tokens", "1", "--reasoning", "2"],
            "--reasoning is a part of --completion-tokens",
        ),
        (["--prompt-tokens", "10", "--requests", "0"], "'--requests': 0 is not a whole number from 1 to"),
        # new-user trial: no sanity bound on counts (an exponent too many, a sign, a fraction)
        (["--prompt-tokens", "1e15"], "'--prompt-tokens': 1e15 is not a whole number from 0 to 10,000,000,000,000"),
        (["--prompt-tokens=-5"], "'--prompt-tokens': -5 is not a whole number from 0 to"),
        (["--prompt-tokens", "1.5"], "'--prompt-tokens': 1.5 is not a whole number"),
        (["--prompt-tokens", "10", "--web-searches", "1e14"], "'--web-searches': 1e14 is not a whole number"),
        (["--prompt-tokens", "10", "--at", "teatime"], "--at 'teatime' is not a time"),
    ],
)
def test_cost_refuses_a_bad_workload_before_fetching(
    workdir: Path, api: ReplayServer, args: list[str], message: str
) -> None:
    served = len(api.requests)
    result = run_cli(["cost", *args], workdir, {"ORCATALOG_BASE_URL": api.base_url})
    assert result.exit_code == 2 and message in result.output, result.output
    assert "_tokens" not in result.output  # the options' names, not the library's arguments
    assert len(api.requests) == served, "a bad workload reached the API"


def test_counts_may_be_written_with_an_exponent_or_underscores(workdir: Path, api: ReplayServer) -> None:
    env = {"ORCATALOG_BASE_URL": api.base_url}
    plain = run_cli(
        ["cost", "--prompt-tokens", "1000000", "--completion-tokens", "200000", "--format", "csv"], workdir, env
    )
    short = run_cli(
        ["cost", "--prompt-tokens", "1e6", "--completion-tokens", "200_000", "--format", "csv"], workdir, env
    )
    assert plain.exit_code == 0 and short.exit_code == 0, short.output
    assert plain.stdout == short.stdout


def test_plot_refuses_options_its_chart_does_not_use(workdir: Path) -> None:
    result = run_cli(["plot", "price-history", "--store", "data", "--prompt-tokens", "5", "-o", "x.png"], workdir)
    assert result.exit_code == 2 and "--prompt-tokens is for cost charts, not price-history" in result.output
    result = run_cli(["plot", "catalog-size", "--store", "data", "--model", "openai/gpt-4o", "-o", "x.png"], workdir)
    assert result.exit_code == 2 and "--model is for price-history charts" in result.output
    result = run_cli(["plot", "market-trend", "--store", "data", "--output-modality", "text", "-o", "x.png"], workdir)
    assert result.exit_code == 2 and "--output-modality is for price-vs-context and cost charts" in result.output
    assert not (workdir / "x.png").exists()


@pytest.mark.parametrize("kind", ["price-vs-context", "cost"])
def test_plot_passes_output_modality_to_the_library(workdir: Path, kind: str) -> None:
    """The final trial: price-vs-context draws only models of the frontier's workload (text by
    default, the library's ``output_modalities=``); the CLI takes the same option as ``cost``, and
    a value the library refuses is refused in the option's name, before any chart is written."""
    png = f"modality-{kind}.png"
    bad = run_cli(["plot", kind, "--store", "data", "--output-modality", "smell", "-o", png], workdir)
    assert bad.exit_code == 2 and "--output-modality" in bad.stderr and "smell" in bad.stderr, bad.output
    assert not (workdir / png).exists()
    drawn = run_cli(["plot", kind, "--store", "data", "--output-modality", "all", "-o", png], workdir)
    assert drawn.exit_code == 0, drawn.output
    assert (workdir / png).read_bytes().startswith(b"\x89PNG")


def test_price_at_report_and_plots(workdir: Path) -> None:
    result = run_cli(["price-at", "--store", "data", "usage.csv", "-o", "priced.csv"], workdir)
    assert result.exit_code == 0, result.output
    priced = pd.read_csv(workdir / "priced.csv")
    assert list(priced["price_source"]) == ["exact", "nearest", "missing"]
    table = run_cli(["price-at", "--store", "data", "usage.csv"], workdir)  # the default: a table on stdout
    assert table.exit_code == 0, table.output
    assert "no declared unit" not in table.stderr  # price_source says where a price came from: no price key
    for source, total in zip(priced["price_source"], priced["total_usd"]):
        assert source in table.output and (pd.isna(total) or f"{total:.4g}"[:4] in table.output)
    result = run_cli(["report", "--store", "data", "-o", "report"], workdir)
    assert result.exit_code == 0, result.output
    assert {"index.html", "movers.csv", "catalog_size.png"} <= {p.name for p in (workdir / "report").iterdir()}
    result = run_cli(["plot", "catalog-size", "--store", "data", "-o", "size.png"], workdir)
    assert result.exit_code == 0 and (workdir / "size.png").read_bytes()[:4] == b"\x89PNG"
    for field in ("price_input_cache_read_usd_per_mtok", "price_completion_usd_per_mtok"):  # names tables print
        for kind in ("price-vs-context", "price-history"):
            result = run_cli(["plot", kind, "--store", "data", "--field", field, "-o", "f.png"], workdir)
            assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args, message, status",  # 2: an option value that cannot be right (a usage error); 1: not in the data
    [
        (["show", "--store", "data", "openai/gpt-4oo"], "did you mean", 1),
        (["history", "--store", "data", "deepseek/deepseek-v3"], "no model", 1),
        (["changes", "--store", "data", "--field", "price_promt"], "did you mean 'price_prompt'", 2),
        (["plot", "market-trend", "--store", "data", "-o", "chart.jpg"], "PNG", 2),
        (["price-at", "--store", "data", "usage.csv", "--model-column", "modle"], "did you mean 'model'", 1),
        (["movers", "--store", "nowhere", "--since", "2026-01-01"], "no snapshot store at nowhere", 1),
        (["cost", "--store", "data", "--prompt-tokens", "5", "--models", "openai/gpt-4oo"], "did you mean", 1),
        (["changes", "--store", "data", "--since", "garbage"], "is not a time", 2),
        (["price-at", "--store", "data", "no-tokens.csv"], "nothing to price", 1),
        (  # the accepted names are said: the columns and the headings tables print them under
            ["plot", "price-vs-context", "--store", "data", "--field", "price_input_cache_read_usd", "-o", "p.png"],
            "price_input_cache_read, price_input_cache_read_usd_per_mtok,",
            2,
        ),
    ],
)
def test_typos_are_one_line_errors(workdir: Path, args: list[str], message: str, status: int) -> None:
    result = run_cli(args, workdir)
    assert result.exit_code == status
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_report_on_an_empty_store_without_network_says_what_to_do(tmp_path: Path) -> None:
    env = {"ORCATALOG_BASE_URL": "http://127.0.0.1:9/api/v1", "ORCATALOG_CACHE_DIR": str(tmp_path / "c")}
    result = run_cli(["report", "--store", "empty", "-o", "r"], tmp_path, env)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "is empty" in line and "--replay sample" in line
    assert not (tmp_path / "r").exists()


def _examples() -> list[tuple[str, str]]:
    """(command, example line) for every example in every command's --help."""
    out = []
    for name, command in sorted(main.commands.items()):
        for line in (command.help or "").splitlines():
            line = line.strip()
            if re.match(r"^([A-Z_]+=\S+ )*orcatalog ", line):
                out.append((name, line))
    return out


#: `replay` serves until interrupted: tests/test_cli.py runs it in a subprocess instead.
RUNNABLE = [(name, line) for name, line in _examples() if name != "replay"]


@pytest.mark.parametrize("name, line", RUNNABLE, ids=[f"{n}:{i}" for i, (n, _) in enumerate(RUNNABLE)])
def test_every_help_example_runs(workdir: Path, api: ReplayServer, name: str, line: str) -> None:
    words = shlex.split(line.replace("http://127.0.0.1:PORT/api/v1", api.base_url))
    env = {"ORCATALOG_BASE_URL": api.base_url, "ORCATALOG_CACHE_DIR": str(workdir / ".cache")}
    while "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words.pop(0) == "orcatalog"
    words = [w.replace("tests/data/openrouter/", str(COMPACT_DIR) + "/") for w in words]  # paths from the clone's root
    result = run_cli(words, workdir, env)
    assert result.exit_code == 0, f"{line}\n{result.output}"


def test_every_command_has_an_example() -> None:
    named = {name for name, _ in _examples()}
    assert named == set(main.commands), set(main.commands) - named


def test_unknown_columns_of_a_result_table_list_what_it_has(workdir: Path, api: ReplayServer) -> None:
    env = {"ORCATALOG_BASE_URL": api.base_url}
    result = run_cli(["cost", "--prompt-tokens", "100", "--columns", "id,totl_usd"], workdir, env)
    assert result.exit_code == 2
    assert "did you mean 'total_usd'?" in result.output and "this table has id, cost_prompt" in result.output


def test_price_at_names_unknown_models(workdir: Path) -> None:
    pd.DataFrame(
        {
            "model": ["openai/gpt4o", "deepseek/deepseek-v3.2"],
            "timestamp": ["2026-01-01", "2026-01-01"],
            "prompt_tokens": [10, 10],
        }
    ).to_csv(workdir / "typo.csv", index=False)
    result = run_cli(["price-at", "--store", "data", "typo.csv", "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"warning: 1 model id(s) of typo.csv are unknown (no snapshot of {_where(workdir)} lists them; "
        "their rows have no price): 'openai/gpt4o' (did you mean 'openai/gpt-4o'?)"
    )
    priced = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert priced.loc[0, "note"].startswith("unknown model") and priced.loc[0, "price_source"] == "missing"
    assert priced.loc[1, "price_source"] == "exact" and priced.loc[1, "total_usd"] > 0


def test_movers_names_its_field_and_lists_the_valid_ones(workdir: Path) -> None:
    result = run_cli(["movers", "--store", "data", "--since", "2025-12-19", "--field", "x"], workdir)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("error: --field 'x' is not a price field") and "\n" not in line
    # price columns only (#15: not context_length, default_temperature, ...)
    assert "price fields: " in line and "price_completion" in line and "context_length" not in line
    typo = run_cli(["movers", "--store", "data", "--since", "2025-12-19", "--field", "price_completon"], workdir)
    assert "did you mean 'price_completion'?" in typo.stderr
    result = run_cli(
        [
            "movers",
            "--store",
            "data",
            "--since",
            "2025-12-19",
            "--field",
            "price_completion",
            "-n",
            "2",
            "--format",
            "csv",
        ],
        workdir,
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("movers of price_completion (USD/Mtok): the snapshot of 2025-12-18 ")
    assert "(for --since 2025-12-19)" in result.stderr.splitlines()[0]  # names the snapshot used
    moved = pd.read_csv(pd.io.common.StringIO(result.stdout))
    h = oc.SnapshotStore(workdir / "data").history()
    expected = oc.movers(h, "2025-12-19", h["fetched_at"].max(), field="price_completion", n=2)
    assert list(moved["id"]) == list(expected["id"])


def test_changes_and_movers_take_the_field_names_tables_print(workdir: Path) -> None:
    """`changes --field` and `movers --field` refused the names tables print prices under (issue 15),
    which `plot --field` takes: both names work, and a typo lists every name with the likely one."""
    field = "price_input_cache_read"
    csv = ["--store", "data", "--format", "csv"]
    by_column = run_cli(["changes", *csv, "--field", field], workdir)
    by_heading = run_cli(["changes", *csv, "--field", f"{field}_usd_per_mtok"], workdir)
    assert by_column.exit_code == by_heading.exit_code == 0, by_heading.output
    assert by_heading.stdout == by_column.stdout and len(by_column.stdout.splitlines()) > 2
    typo = run_cli(["changes", "--store", "data", "--field", f"{field}_usd_per_mtk"], workdir)
    assert typo.exit_code == 2, typo.output
    (line,) = typo.stderr.strip().splitlines()
    assert line.startswith(
        f"error: --field '{field}_usd_per_mtk' is not a price field (did you mean '{field}_usd_per_mtok'?); "
        f"price fields: prompt_usd_per_mtok, completion_usd_per_mtok, price_prompt, price_prompt_usd_per_mtok, "
        "price_completion,"
    )  # exactly what it accepts (analysis.args.price_fields): the per-token columns too
    assert "price_request_usd" in line and "context_length" not in line  # changes follows prices only
    moved = ["movers", *csv, "--since", "2025-12-19", "-n", "3"]
    by_column = run_cli([*moved, "--field", "price_completion"], workdir)
    by_heading = run_cli([*moved, "--field", "price_completion_usd_per_mtok"], workdir)
    assert by_column.exit_code == by_heading.exit_code == 0, by_heading.output
    assert by_heading.stdout == by_column.stdout and len(by_column.stdout.splitlines()) > 2
    assert by_heading.stderr.startswith("movers of price_completion_usd_per_mtok (USD/Mtok)")


def test_changes_until_and_comma_lists(workdir: Path) -> None:
    ids, fields = ["z-ai/glm-4.7", "deepseek/deepseek-v3.2"], ["price_prompt", "price_completion"]
    h = oc.SnapshotStore(workdir / "data").history(ids=ids)
    events = oc.price_changes(h, fields=fields)
    since, until = pd.Timestamp("2025-12-20", tz="UTC"), pd.Timestamp("2026-01-03", tz="UTC")
    expected = events[(events["fetched_at"] >= since) & (events["fetched_at"] <= until)]
    assert 0 < len(expected) < len(events)  # the window leaves some out
    for model_args, field_args in (
        (["--model", ",".join(ids)], ["--field", ",".join(fields)]),
        (["--model", ids[0], "--model", ids[1]], ["--field", fields[0], "--field", fields[1]]),
    ):
        result = run_cli(
            [
                "changes",
                "--store",
                "data",
                *model_args,
                *field_args,
                "--since",
                "2025-12-20",
                "--until",
                "2026-01-03",
                "--format",
                "csv",
            ],
            workdir,
        )
        assert result.exit_code == 0, result.output
        printed = pd.read_csv(pd.io.common.StringIO(result.stdout))
        assert len(printed) == len(expected) and set(printed["id"]) == set(expected["id"])
    result = run_cli(["changes", "--store", "data", "--since", "2026-01-03", "--until", "2025-12-20"], workdir)
    assert result.exit_code == 2 and "--until 2025-12-20 is before --since 2026-01-03" in result.stderr
    result = run_cli(["changes", "--store", "data", "--model", ","], workdir)
    assert result.exit_code == 2 and "names nothing" in result.stderr


def test_plot_field_and_comma_models(workdir: Path) -> None:
    result = run_cli(
        [
            "plot",
            "price-history",
            "--store",
            "data",
            "--model",
            "z-ai/glm-4.7,openai/gpt-4o",
            "--field",
            "completion_usd_per_mtok",
            "-o",
            "completion.png",
        ],
        workdir,
    )
    assert result.exit_code == 0, result.output
    assert (workdir / "completion.png").read_bytes()[:4] == b"\x89PNG"
    # the field asked for is the one drawn: the same models' default (prompt) chart is another picture
    args = ["plot", "price-history", "--store", "data", "--model", "z-ai/glm-4.7,openai/gpt-4o", "-o", "prompt.png"]
    assert run_cli(args, workdir).exit_code == 0
    assert (workdir / "prompt.png").read_bytes() != (workdir / "completion.png").read_bytes()
    result = run_cli(["plot", "price-history", "--store", "data", "--field", "nonsense", "-o", "bad.png"], workdir)
    assert result.exit_code == 2 and "nonsense" in result.stderr and not (workdir / "bad.png").exists()
    result = run_cli(["plot", "catalog-size", "--store", "data", "--field", "price_prompt", "-o", "bad.png"], workdir)
    assert result.exit_code == 2 and "--field is for price-history and price-vs-context charts" in result.stderr


def test_sort_help_says_what_pricing_sorts_by(workdir: Path) -> None:
    result = run_cli(["models", "--help"], workdir)
    assert "mean of the prompt and completion prices" in " ".join(result.output.split())
    # ... and the sort does that: the priced rows come in order of that mean
    args = ["--replay", "sample", "models", "--sort", "pricing-low-to-high", "--format", "csv"]
    got = run_cli([*args, "--columns", "id,prompt_usd_per_mtok,completion_usd_per_mtok"], workdir)
    assert got.exit_code == 0, got.output
    rows = pd.read_csv(pd.io.common.StringIO(got.stdout))
    from orcatalog.schema import output_price_unlisted
    from orcatalog.testing import sample_path

    from orcatalog.frames.models import models_frame

    sample = models_frame(json.loads(read_body(sample_path()))["data"])
    unlisted = set(sample.loc[output_price_unlisted(sample), "id"])  # their per-token 0 is no price: sorted last
    priced = rows[~rows["id"].isin(unlisted)]
    mean = ((priced["prompt_usd_per_mtok"] + priced["completion_usd_per_mtok"]) / 2).dropna()
    assert len(mean) > 300 and (mean.diff().dropna() >= -1e-12).all() and unlisted  # equal means: float ties
    assert (rows.index[rows["id"].isin(unlisted)] > mean.index.max()).all()  # after every priced row


def test_tables_print_one_number_format_per_column(workdir: Path) -> None:
    result = run_cli(["changes", "--store", "data", "--columns", "id,pct_change", "--head", "30"], workdir)
    assert result.exit_code == 0, result.output
    cells = [line.split()[-1] for line in result.stdout.splitlines()[1:] if len(line.split()) == 2]
    assert len(cells) > 5 and all(re.fullmatch(r"-?[\d,]+\.\d", c) for c in cells), cells


def test_report_on_an_empty_store_that_cannot_fetch_says_how_to_fill_it(tmp_path: Path) -> None:
    """Only a failed fetch becomes the "empty store" advice (a bug would be a traceback, not advice)."""
    env = {"ORCATALOG_OFFLINE": "1", "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    result = run_cli(["report", "--store", "empty", "-o", "out"], tmp_path, env)
    assert result.exit_code == 1, result.output
    assert "is empty and taking a first snapshot failed" in result.output and "orcatalog import" in result.output
    assert not (tmp_path / "out").exists()


def test_report_names_the_snapshots_of_other_scopes_it_leaves_out(tmp_path: Path, dated_files: list[Path]) -> None:
    store = oc.SnapshotStore(tmp_path / "data")
    store.import_files(dated_files[-2:], progress=False)
    store.import_files(dated_files[0], query={"input_modalities": "image"}, progress=False)  # a filtered list
    result = run_cli(["report", "--store", "data", "-o", "out"], tmp_path)
    assert result.exit_code == 0, result.output
    assert (
        "note: the report covers scope '/models output_modalities=text' only; 1 snapshot(s) of other scopes are left out"
        in result.stderr
    )
    assert "input_modalities=image" in result.stderr
    single = oc.SnapshotStore(tmp_path / "one" / "data")
    single.import_files(dated_files[-1], progress=False)
    quiet = run_cli(["report", "--store", "data", "-o", "out"], tmp_path / "one")
    assert quiet.exit_code == 0 and "other scopes" not in quiet.stderr


def test_report_into_an_existing_folder_counts_only_the_files_it_wrote(tmp_path: Path, dated_files: list[Path]) -> None:
    """`report -o rep2` into a folder holding the user's mine.txt said "(11 files)", counting it
    (issue 15, third trial): the count is what the report wrote, the user's file is left alone."""
    oc.SnapshotStore(tmp_path / "data").import_files(dated_files[-1], progress=False)
    first = run_cli(["report", "--store", "data", "-o", "out"], tmp_path)
    assert first.exit_code == 0, first.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert first.stdout.strip().endswith(f"index.html ({len(written)} files)"), first.stdout
    (tmp_path / "out" / "mine.txt").write_text("my notes\n")
    again = run_cli(["report", "--store", "data", "-o", "out"], tmp_path)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().endswith(f"index.html ({len(written)} files)"), again.stdout
    assert (tmp_path / "out" / "mine.txt").read_text() == "my notes\n"


def test_an_old_layout_store_is_read_and_the_way_to_migrate_is_said_once(workdir: Path) -> None:
    """A store made before Delta became the default answers every command; `snapshots`, where a
    user looks at the store, names `orcatalog migrate`; other commands do not nag."""
    listed = run_cli(["snapshots", "--store", "old-store", "--format", "csv"], workdir)
    assert listed.exit_code == 0, listed.output
    assert len(pd.read_csv(pd.io.common.StringIO(listed.stdout))) == 4
    assert listed.stderr.strip() == (
        "note: old-store is in the earlier parquet layout (read, no longer written); "
        "`orcatalog migrate old-store NEW` copies it into a Delta Lake store, the layout of every new store"
    )
    shown = run_cli(["changes", "--store", "old-store"], workdir)
    assert shown.exit_code == 0, shown.output
    assert "migrate" not in shown.stderr
    assert "migrate" not in run_cli(["snapshots", "--store", "data"], workdir).stderr  # a Delta store


def test_a_named_model_is_found_in_what_the_command_read_and_a_typo_among_every_snapshot(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rule for a model the command line names (cli.stores.require_models): `history` and `prices`
    read the store's history once and find the model in it; a typo is one line that suggests from
    the ids of every snapshot, the same line in every command (anthropic/claude-3-opus left the
    catalog during the series: `prices` used to suggest from the latest snapshot only)."""
    reads: list[object] = []
    real = oc.SnapshotStore.history

    def counted(self: oc.SnapshotStore, *args: object, **kwargs: object) -> pd.DataFrame:
        reads.append(kwargs.get("ids"))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(oc.SnapshotStore, "history", counted)
    gone = "anthropic/claude-3-opus"
    for command in ("history", "prices"):
        reads.clear()
        result = run_cli([command, "--store", "data", gone, "--format", "csv"], workdir)
        assert result.exit_code == 0 and gone in result.stdout, result.output
        ids = [r if isinstance(r, str) else list(r) for r in reads]  # type: ignore[call-overload]
        assert ids in ([gone], [[gone]]), f"{command} read the history {len(reads)} times: {reads}"
    typo = gone[:-1]
    lines = set()
    for args in (
        ["history", typo],
        ["prices", typo],
        ["changes", "--model", typo],
        ["plot", "price-history", "--model", typo, "-o", "typo.png"],
    ):
        result = run_cli([*args, "--store", "data"], workdir)
        assert result.exit_code == 1, result.output
        lines.add(result.stderr.strip())
    assert len(lines) == 1, lines
    line = lines.pop()
    assert line.startswith(f"error: no model {typo!r} in any snapshot of ") and f"(did you mean {gone!r}?)" in line
    assert not (workdir / "typo.png").exists()


def test_show_and_cost_name_the_latest_snapshot_they_used(workdir: Path) -> None:
    """Without --as-of the answer is the latest snapshot, and the command says which (issue 15:
    `show` names the snapshot it used, `cost --store` the one it priced)."""
    latest = oc.SnapshotStore(workdir / "data").load().attrs
    fetched = (  # a file named by its date (day precision) is said as the date: its time of day is unknown
        f"fetched {str(latest['fetched_at'])[:10]}, time of day not recorded"
        if latest["time_precision"] == "day"
        else f"fetched {str(latest['fetched_at'])[:19]} UTC"
    )
    said = f"snapshot {latest['snapshot_id']} ({fetched}, scope '{latest['scope']}') answers: the latest"
    shown = run_cli(["show", "--store", "data", "openai/gpt-4o"], workdir)
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.splitlines() == [said] and "openai/gpt-4o" in shown.stdout
    priced = run_cli(["cost", "--store", "data", "--prompt-tokens", "1000", "--head", "2"], workdir)
    assert priced.exit_code == 0, priced.output
    assert said in priced.stderr.splitlines()


def test_movers_says_how_old_the_start_is_and_when_both_ends_are_one_snapshot(workdir: Path) -> None:
    """Both ends of a movers window say which snapshot answers them and how old it is; a window
    inside one gap between snapshots says it is empty for that reason (issue 15 trial)."""
    h = oc.SnapshotStore(workdir / "data").history()
    times = sorted(h["fetched_at"].unique())
    gap = max(range(len(times) - 1), key=lambda i: times[i + 1] - times[i])  # the widest gap of the series
    at, step = pd.Timestamp(times[gap]), (pd.Timestamp(times[gap + 1]) - pd.Timestamp(times[gap])) / 3
    since, until = f"{at + step:%Y-%m-%dT%H:%M:%SZ}", f"{at + 2 * step:%Y-%m-%dT%H:%M:%SZ}"
    moved = oc.movers(h, since, until)
    assert moved.empty
    notes = moved.attrs["notes"]
    assert any(
        n.startswith(f"the answer is the snapshot of {at:%Y-%m-%d %H:%M} UTC") and "older than start" in n
        for n in notes
    )
    assert any(n.startswith("start and end both fall on the snapshot of") for n in notes)
    result = run_cli(["movers", "--store", "data", "--since", since, "--until", until], workdir)
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    as_typed = {"start": "--since", "end": "--until"}  # the time asked, named as the option that asked it
    expected = ["note: " + re.sub(r"(start|end) (?=\d{4}-)", lambda m: as_typed[m.group(1)] + " ", n) for n in notes]
    assert [n for n in said if n.startswith("note: ")] == expected and "older than --since" in " ".join(expected)
    # a window that ends on a later snapshot says nothing of the kind
    wide = oc.movers(h, since, f"{pd.Timestamp(times[-1]):%Y-%m-%dT%H:%M:%SZ}")
    assert not any("both fall" in n for n in wide.attrs["notes"])
    # two snapshots between which no price moved: said, not a bare header line (re-check trial)
    pairs = [
        (f"{pd.Timestamp(x):%Y-%m-%dT%H:%M:%SZ}", f"{pd.Timestamp(y):%Y-%m-%dT%H:%M:%SZ}")
        for x, y in zip(times, times[1:])
    ]
    still = next(p for p in pairs if oc.movers(h, *p).empty)
    quiet = run_cli(["movers", "--store", "data", "--since", still[0], "--until", still[1]], workdir)
    assert (
        quiet.exit_code == 0
        and "note: no model's prompt_usd_per_mtok moved between these two snapshots" in quiet.stderr
    )


def test_movers_since_after_the_latest_snapshot_names_only_what_was_given(workdir: Path) -> None:
    result = run_cli(["movers", "--store", "data", "--since", "2030-01-01"], workdir)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "--since 2030-01-01" in line and "--until" not in line and "latest snapshot" in line, line


def test_an_empty_diff_or_changes_table_says_why(workdir: Path) -> None:
    """`diff X X` and `changes --since` after the last snapshot printed a bare header (issue 15
    trial): each now says in one note line why nothing is listed, naming the snapshot or time."""
    store = oc.SnapshotStore(workdir / "data")
    some = store.snapshots()["snapshot_id"].iloc[3]
    last = store.history(columns=[])["fetched_at"].max()  # the last snapshot of the catalog changes reads
    same = run_cli(["diff", "--store", "data", some, some], workdir)
    assert same.exit_code == 0, same.output
    assert same.stdout.strip().splitlines() == ["id change field old new pct_change unit kind"]
    assert f"note: OLD and NEW are the same snapshot, {some}: there is nothing to compare" in same.stderr
    after = (last + pd.Timedelta("1h")).strftime("%Y-%m-%dT%H:%M")
    late = run_cli(["changes", "--store", "data", "--since", after], workdir)
    assert late.exit_code == 0 and len(late.stdout.strip().splitlines()) == 1, late.output
    assert f"note: --since {after} is after the last snapshot ({last:%Y-%m-%d %H:%M} UTC)" in late.stderr
    every = oc.price_changes(oc.SnapshotStore(workdir / "data").history())
    assert len(every)  # the store does hold changes: the window is why none are listed
    quiet = every["fetched_at"].drop_duplicates().sort_values().reset_index(drop=True)
    gap = int(quiet.diff().idxmax())  # the longest stretch without a change
    since, until = (quiet[gap - 1] + pd.Timedelta("1min")), (quiet[gap] - pd.Timedelta("1min"))
    window = [since.strftime("%Y-%m-%dT%H:%M"), until.strftime("%Y-%m-%dT%H:%M")]
    none = run_cli(["changes", "--store", "data", "--since", window[0], "--until", window[1]], workdir)
    assert none.exit_code == 0 and len(none.stdout.strip().splitlines()) == 1, none.output
    expected = f"note: no price changed between {window[0]} and {window[1]}; the store holds {len(every)} change(s)"
    assert expected in none.stderr, none.stderr


def test_changes_prints_old_and_new_in_one_format(workdir: Path) -> None:
    """`changes` printed old with more decimals than new (issue 15 trial: 9 against 5), each column
    formatted on its own: the two are one quantity at two times and share one format."""
    models = ["mistralai/devstral-2512", "z-ai/glm-4.5-air"]
    until = "2026-01-08"  # the hourly series (other tests add later snapshots to the store)
    events = oc.price_changes(oc.SnapshotStore(workdir / "data").history(ids=models, end=until))
    alone = [oc.readable(events[[c]])[c].str.split(".").str[1].str.len().max() for c in ("old", "new")]
    assert alone[0] != alone[1]  # formatted each on its own, the two columns would differ here
    result = run_cli(["changes", "--store", "data", "--model", ",".join(models), "--until", until], workdir)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.rstrip().splitlines()
    ends = [header.index(f" {c} ") + len(c) + 1 for c in ("field", "old", "new")]  # cells are right-aligned
    cells = [[row[ends[0] : ends[1]].strip(), row[ends[1] : ends[2]].strip()] for row in rows]
    assert len(cells) == len(events) and all(all(pair) for pair in cells)  # all changed: both printed
    places = {len(cell.split(".")[1]) for pair in cells for cell in pair}
    assert places == {max(alone)}, cells
    printed = [float(x) for pair in cells for x in pair]
    assert printed == pytest.approx(events[["old", "new"]].to_numpy().ravel().tolist())


def test_show_says_a_model_is_no_longer_listed_with_when_it_was_last_seen(workdir: Path) -> None:
    """`show` of a model the store saw but the latest snapshot does not list offered a look-alike as if
    the id never existed (issue 15 trial); it now says when the model was last seen."""
    store = oc.SnapshotStore(workdir / "data")
    life = oc.lifecycle(store.history(columns=["price_prompt", "price_completion"]))
    gone = life[~life["listed_now"]].sort_values("id")
    assert len(gone)  # the hourly series has models that left the catalog
    model, last = gone["id"].iloc[0], gone["last_seen"].iloc[0]
    result = run_cli(["show", "--store", "data", model], workdir)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: no model {model!r} in the latest snapshot of {_where(workdir)} "
        f"(last seen {last:%Y-%m-%d %H:%M} UTC, no longer listed)"
    )
    listed = life[life["listed_now"]]["id"].iloc[0]  # a typo of a listed id still gets the look-alike
    typo = run_cli(["show", "--store", "data", listed + "x"], workdir)
    assert f"(did you mean {listed!r}?)" in typo.stderr, typo.stderr


def test_cost_of_several_models_keeps_one_the_snapshot_does_not_list_as_a_row_with_a_note(workdir: Path) -> None:
    """Issue 15: `cost --as-of T --models a,b`, b listed only after T (or only before), failed the
    whole command ("no model b"), and `show` of a model not listed yet said nothing of when it was.
    b is now a row with no number and a note saying when it was listed; a typo is still an error."""
    store = oc.SnapshotStore(workdir / "data")
    h = store.history(columns=[], end="2026-01-08")
    first = h.groupby(h["id"].astype(str))["fetched_at"].min()
    start = h["fetched_at"].min()
    later = first[first > start].sort_values()
    assert len(later)  # the hourly series has models added after its first snapshot
    model, since = later.index[0], later.iloc[0]
    listed = "openai/gpt-4o"
    at = (start + pd.Timedelta("1min")).strftime("%Y-%m-%dT%H:%M")
    args = ["cost", "--store", "data", "--as-of", at, "--prompt-tokens", "1000", "--format", "csv"]
    result = run_cli([*args, "--models", f"{listed},{model}"], workdir)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(pd.io.common.StringIO(result.stdout)).set_index("id")
    expected = oc.estimate_cost(store.load(as_of=at), 1000).set_index("id")
    assert rows.loc[listed, "total_usd"] == pytest.approx(expected.loc[listed, "total_usd"])
    assert model not in expected.index and pd.isna(rows.loc[model, "total_usd"]) and pd.isna(rows.loc[model, "rank"])
    said = f"not listed yet then: first listed {since:%Y-%m-%d %H:%M} UTC"
    assert rows.loc[model, "note"] == f"not in this catalog ({said})"
    alone = run_cli(["show", "--store", "data", "--as-of", at, model], workdir)
    assert alone.exit_code == 1 and alone.stderr.strip().endswith(f"({said})"), alone.stderr
    typo = run_cli([*args, "--models", f"{listed},{model}x"], workdir)
    assert typo.exit_code == 1 and f"no model '{model}x'" in typo.stderr, typo.output


def test_cost_counts_the_models_left_out_in_one_line_instead_of_a_row_each(workdir: Path) -> None:
    """`--output-modality text,image` (AND: models producing both) left hundreds of note rows in the
    cost table (issue 15 trial); the table keeps the priced rows and says in one line how many were
    left out and why, while CSV keeps every row (the library's answer)."""
    args = ["cost", "--store", "data", "--prompt-tokens", "1000", "--completion-tokens", "1000"]
    args += ["--output-modality", "text,image"]
    store = oc.SnapshotStore(workdir / "data")
    expected = oc.estimate_cost(store.load(), 1000, 1000, output_modalities="text,image")
    note = "does not produce text + image output (see output_modalities=): no cost"
    n_left = int((expected["note"] == note).sum())
    assert n_left > 100  # the flood
    # the rest: the image models of January 2026, which listed no image_output price yet (the is_free rule)
    rest = expected[expected["note"] != note]
    unlisted = rest["note"].str.contains("produces image output at a price the catalog does not list")
    assert unlisted.any() and (unlisted | rest["note"].str.startswith("dynamic pricing")).all()  # + routers
    table = run_cli([*args, "--format", "table"], workdir)
    assert table.exit_code == 0, table.output
    n_free = int(expected["total_usd"].eq(0).sum())
    n_unpriced = int((expected["total_usd"].isna() & expected["note"].notna()).sum())  # this reason and rarer ones
    assert f"Left out: {n_unpriced + n_free} models (" in table.stderr
    assert "does not produce text + image output (see --output-modality)" in table.stderr
    if n_unpriced > n_left or n_free:  # several reasons: each counted
        assert f"{n_left}: does not produce text + image output" in table.stderr
    rows = table.stdout.strip().splitlines()[1:]
    assert len(rows) == len(expected) - n_unpriced - n_free
    assert not any("does not produce" in row for row in rows)
    csv = run_cli([*args, "--format", "csv"], workdir)
    assert "Left out" not in csv.stderr
    said = "does not produce text + image output (see --output-modality): no cost"  # the command's words
    assert (pd.read_csv(pd.io.common.StringIO(csv.stdout))["note"] == said).sum() == n_left
    helped = run_cli(["cost", "--help"], workdir)
    assert "Several values mean AND: a model must produce every one" in " ".join(helped.stdout.split())


def test_store_commands_take_a_scope_and_a_default_with_fewer_snapshots_says_so(
    tmp_path: Path, dated_files: list[Path]
) -> None:
    """One all-modalities import made `catalog` the default scope of a store of text-scope imports, and
    every history command silently answered from its one snapshot (issue 15 trial): a note now names
    the scope used and the others, and --scope chooses."""
    text = "/models output_modalities=text"
    store = oc.SnapshotStore(tmp_path / "data")
    store.import_files(dated_files[:-1], progress=False)  # bare bodies: the server's default list
    store.import_files(dated_files[-1], query={"output_modalities": "all"}, progress=False)  # the catalog
    counts = store.snapshots()["scope"].value_counts()
    assert counts["catalog"] == 1 and counts[text] == len(dated_files) - 1 > 1
    note = (
        f"note: answering from scope 'catalog' (1 snapshot); the store also holds {text!r} "
        f"({counts[text]}): --scope chooses"
    )
    by_default = run_cli(["changes", "--store", "data"], tmp_path)
    assert by_default.exit_code == 0 and note in by_default.stderr, by_default.stderr
    assert "holds one snapshot" in by_default.stderr  # the catalog's one snapshot answered
    chosen = run_cli(["changes", "--store", "data", "--scope", text, "--format", "csv"], tmp_path)
    assert chosen.exit_code == 0 and "note: answering" not in chosen.stderr, chosen.stderr
    expected = oc.price_changes(store.history(scope=text))
    assert len(pd.read_csv(pd.io.common.StringIO(chosen.stdout))) == len(expected) > 0
    second = store.snapshots().query("scope == @text").iloc[1]
    first = second["fetched_at"]
    assert second["time_precision"] == "day"  # a file named by its date: said as the date
    shown = run_cli(
        ["show", "--store", "data", "--scope", text, "--as-of", f"{first:%Y-%m-%d}", "--head", "1"], tmp_path
    )
    assert shown.exit_code == 0, shown.output
    assert f"(fetched {first:%Y-%m-%d}, time of day not recorded, scope {text!r}) answers --as-of" in shown.stderr
    moved = run_cli(["movers", "--store", "data", "--since", f"{first:%Y-%m-%d}"], tmp_path)
    assert moved.exit_code == 2 and "--until" not in moved.stderr and note in moved.stderr, moved.stderr
    assert (
        run_cli(["movers", "--store", "data", "--scope", text, "--since", f"{first:%Y-%m-%d}"], tmp_path).exit_code == 0
    )
    typo = run_cli(["prices", "--store", "data", "--scope", "catlog", "openai/gpt-4o"], tmp_path)
    assert (
        typo.exit_code == 2
        and "no snapshot of scope 'catlog' in data" in typo.stderr
        and "(did you mean 'catalog'?)" in typo.stderr
    )
    alone = oc.SnapshotStore(tmp_path / "one")
    alone.import_files(dated_files[-2:], progress=False)
    quiet = run_cli(["changes", "--store", "one"], tmp_path)  # one scope: nothing to say
    assert quiet.exit_code == 0 and "note: answering" not in quiet.stderr


def test_a_model_missing_only_from_a_partial_latest_snapshot_is_not_called_gone(
    tmp_path: Path, dated_files: list[Path]
) -> None:
    """A 100-model body after a full one: the warning said missing models count as gaps, yet `history`
    said "not in the latest snapshot" and `show` "no longer listed" (issue 15 trial). A partial catalog is
    no evidence that a model left, as the load warning and `watch` already treat it."""
    import json

    from .conftest import read_body

    body = json.loads(read_body(dated_files[-1]))
    model = body["data"][-1]["id"]
    part = {**body, "data": body["data"][:100], "total_count": 100}
    later = tmp_path / f"models-{pd.Timestamp(dated_files[-1].name[7:17]) + pd.Timedelta('1D'):%Y-%m-%d}.json"
    later.write_text(json.dumps(part))
    store = oc.SnapshotStore(tmp_path / "data")
    store.import_files(dated_files[-1], progress=False)
    with pytest.warns(oc.PartialSnapshotWarning):
        store.import_files(later, progress=False)
    last = store.snapshots()["fetched_at"].iloc[0]
    told = run_cli(["history", "--store", "data", model], tmp_path)
    assert told.exit_code == 0, told.output
    assert f"{model}: first seen {last}, last seen {last}, 0 gap(s), listed now" in told.stderr
    assert "may not have left the catalog" in told.stderr
    shown = run_cli(["show", "--store", "data", model], tmp_path)
    assert shown.exit_code == 1 and "no longer listed" not in shown.stderr, shown.stderr
    assert "is a partial catalog (100 models), so the model may not have left the catalog" in shown.stderr
    assert f"last seen {last:%Y-%m-%d %H:%M} UTC" in shown.stderr


def test_a_bad_plot_kind_names_the_argument_kind(workdir: Path) -> None:
    result = run_cli(["plot", "pie", "-o", "x.png"], workdir)
    assert result.exit_code == 2 and "Invalid value for 'KIND'" in result.output and "price-history" in result.output


TEXT_SCOPE = "/models output_modalities=text"


@pytest.fixture(scope="module")
def two_scopes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the dated bodies (the server's default list, text scope) plus one all-modalities
    body (scope catalog, so the default scope holds one snapshot), and a usage CSV of a model the
    catalog snapshot no longer lists."""
    root = tmp_path_factory.mktemp("scopes")
    store = oc.SnapshotStore(root / "data")
    dated = sorted(COMPACT_DIR.glob("models-*.json.gz"))
    store.import_files(dated[:-1], progress=False)
    store.import_files(dated[-1], query={"output_modalities": "all"}, progress=False)
    pd.DataFrame(
        {
            "model": ["openai/gpt-3.5-turbo-0301", "openai/gpt-4o"],
            "timestamp": ["2024-06-01", "2026-01-01"],
            "prompt_tokens": [100_000, 100_000],
            "completion_tokens": [10_000, 10_000],
        }
    ).to_csv(root / "usage.csv", index=False)
    return root


def test_every_store_reading_command_takes_a_scope(two_scopes: Path) -> None:
    """`cost --as-of`, `price-at`, `reprice`, `plot` and `report` read the default scope only, with no
    way to choose (issue 15): each takes --scope now (the one option of show/changes/...), answers from
    that scope's snapshots, and without it says when another scope holds more snapshots."""
    store = oc.SnapshotStore(two_scopes / "data")
    note = "note: answering from scope 'catalog' (1 snapshot); the store also holds"
    latest = store.load(scope=TEXT_SCOPE)
    cost = ["cost", "--store", "data", "--prompt-tokens", "1000000", "--completion-tokens", "200000"]
    chosen = run_cli([*cost, "--scope", TEXT_SCOPE, "--format", "csv", "--include-free"], two_scopes)
    assert chosen.exit_code == 0, chosen.output
    assert f"snapshot {latest.attrs['snapshot_id']} " in chosen.stderr and note not in chosen.stderr
    expected = oc.estimate_cost(latest, 1_000_000, 200_000)
    assert sorted(pd.read_csv(pd.io.common.StringIO(chosen.stdout))["id"]) == sorted(expected["id"])
    by_default = run_cli([*cost, "--as-of", "2026-01-01", "--head", "1"], two_scopes)
    assert by_default.exit_code == 0 and note in by_default.stderr, by_default.stderr

    price_at = run_cli(
        ["price-at", "--store", "data", "--scope", TEXT_SCOPE, "usage.csv", "--format", "csv"], two_scopes
    )
    assert price_at.exit_code == 0 and "warning" not in price_at.stderr, price_at.output
    priced = pd.read_csv(pd.io.common.StringIO(price_at.stdout))
    assert priced["total_usd"].notna().all()
    # exact: within the store's snapshot step, capped at a week (a months-apart store stretches it no more)
    usage = pd.read_csv(two_scopes / "usage.csv")
    step = pd.Timedelta(oc.price_at(usage, store.history(scope=TEXT_SCOPE)).attrs["interval"])
    assert step <= pd.Timedelta("7D")
    ages = pd.to_timedelta(priced["age"])
    assert list(priced["price_source"]) == ["exact" if a <= step else "nearest" for a in ages], priced
    default = run_cli(["price-at", "--store", "data", "usage.csv", "--format", "csv"], two_scopes)
    assert default.exit_code == 0 and note in default.stderr, default.stderr

    rows = ["reprice", "usage.csv", "--store", "data", "--rows", "--format", "csv"]
    repriced = run_cli([*rows, "--scope", TEXT_SCOPE], two_scopes)
    assert repriced.exit_code == 0, repriced.output
    assert pd.read_csv(pd.io.common.StringIO(repriced.stdout))["list_usd"].notna().all()
    assert note in run_cli(rows, two_scopes).stderr

    drawn = run_cli(["plot", "price-history", "--store", "data", "--scope", TEXT_SCOPE, "-o", "h.png"], two_scopes)
    assert drawn.exit_code == 0 and (two_scopes / "h.png").read_bytes()[:4] == b"\x89PNG", drawn.output
    size = run_cli(["plot", "price-vs-context", "--store", "data", "--scope", TEXT_SCOPE, "-o", "p.png"], two_scopes)
    assert size.exit_code == 0 and f"snapshot {latest.attrs['snapshot_id']} " in size.stderr, size.output
    assert note in run_cli(["plot", "market-trend", "--store", "data", "-o", "m.png"], two_scopes).stderr

    report = run_cli(["report", "--store", "data", "--scope", TEXT_SCOPE, "-o", "rep"], two_scopes)
    assert report.exit_code == 0 and (two_scopes / "rep" / "index.html").exists(), report.output
    assert f"note: the report covers scope {TEXT_SCOPE!r} only; 1 snapshot(s) of other scopes" in report.stderr
    assert "--scope chooses" in report.stderr and note not in report.stderr  # one note, the report's
    typo = run_cli(["report", "--store", "data", "--scope", "catlog", "-o", "bad"], two_scopes)
    assert typo.exit_code == 2 and "(did you mean 'catalog'?)" in typo.stderr and not (two_scopes / "bad").exists()


def test_a_model_missing_from_the_scope_read_names_the_scope_that_holds_it(two_scopes: Path) -> None:
    """ "no model X in any snapshot of data" when another scope of the store held X (issue 15): the
    message says the one scope it looked in, and which scope holds the model."""
    gone = "openai/gpt-3.5-turbo-0301"  # in the text-scope snapshots of 2024, not in the catalog one
    result = run_cli(["prices", "--store", "data", gone], two_scopes)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line == (
        f"error: no model {gone!r} in any snapshot of scope 'catalog' of data (scope {TEXT_SCOPE!r} holds it: "
        f"--scope {TEXT_SCOPE!r} reads it); `orcatalog snapshots` lists what the store holds"
    )
    assert run_cli(["prices", "--store", "data", "--scope", TEXT_SCOPE, gone], two_scopes).exit_code == 0
    shown = run_cli(["show", "--store", "data", gone], two_scopes)
    assert shown.exit_code == 1 and shown.stderr.strip().splitlines()[-1] == (
        f"error: no model {gone!r} in the latest snapshot of scope 'catalog' of data (scope {TEXT_SCOPE!r} "
        f"holds it: --scope {TEXT_SCOPE!r} reads it)"
    )
    typo = run_cli(["history", "--store", "data", "--scope", TEXT_SCOPE, "openai/gpt-3.5-turbo-03"], two_scopes)
    assert typo.exit_code == 1 and f"in any snapshot of scope {TEXT_SCOPE!r} of data (did you mean" in typo.stderr
    warned = run_cli(["price-at", "--store", "data", "usage.csv"], two_scopes)
    assert (
        f"no snapshot of scope 'catalog' of data lists them; their rows have no price) (scope {TEXT_SCOPE!r} "
        f"holds it: --scope {TEXT_SCOPE!r} reads it): {gone!r}" in warned.stderr
    )


def test_cost_leaves_out_the_same_way_for_every_workload_and_answers_both_spellings(workdir: Path) -> None:
    """Third new-user trial: a text workload kept its few unpriced rows at the bottom of the table
    while an image workload dropped them into a "Left out" line, free models were said on another
    line, and `cost --model` / `cost --output-modalities` were refused (other commands spell them
    so). Now one line says everything the table leaves out, whatever the workload, and the rows of
    models named with --models keep their note."""
    store = oc.SnapshotStore(workdir / "data")
    frame = store.load()
    base = ["cost", "--store", "data", "--prompt-tokens", "1000", "--completion-tokens", "1000"]
    text = run_cli([*base, "--format", "table"], workdir)
    assert text.exit_code == 0, text.output
    expected = oc.estimate_cost(frame, 1000, 1000)
    unpriced = expected[expected["total_usd"].isna()]
    n_free = int(expected["total_usd"].eq(0).sum())
    assert len(unpriced) > 0  # the catalog holds models a text workload cannot use
    lines = [line for line in text.stderr.splitlines() if line.startswith("Left out:")]
    assert lines == [lines[0]] and lines[0].startswith(f"Left out: {len(unpriced) + n_free} models (")
    assert not any(str(i) in text.stdout for i in unpriced["id"])
    named = str(unpriced["id"].iloc[0])
    asked = run_cli([*base, "--model", named, "--format", "table"], workdir)  # --model: the other commands' spelling
    assert asked.exit_code == 0, asked.output
    assert named in asked.stdout and "Left out" not in asked.stderr
    same = run_cli([*base, "--models", named, "--format", "csv"], workdir)
    spelled = run_cli([*base, "--model", named, "--output-modalities", "text", "--format", "csv"], workdir)
    assert same.stdout == spelled.stdout and named in same.stdout


def test_history_and_prices_say_a_dynamic_price_is_dynamic(workdir: Path) -> None:
    """openrouter/auto lists "-1" (decided per request): its price cells are blank, and `history`
    and `prices` used to leave them blank with nothing saying why (issue 15, third trial)."""
    for command in ("history", "prices"):
        result = run_cli([command, "--store", "data", "openrouter/auto"], workdir)
        assert result.exit_code == 0, result.output
        notes = [line for line in result.stderr.splitlines() if "dynamically priced" in line]
        assert len(notes) == 1, result.stderr
        assert notes[0].startswith("note: openrouter/auto dynamically priced at 2025-12-18 ") and '"-1"' in notes[0]
        rows = result.stdout.strip().splitlines()[1:]
        assert rows and all("0.000" not in row for row in rows)  # blank, never a 0 that reads as free
    paid = run_cli(["prices", "--store", "data", "openai/gpt-4o"], workdir)
    assert paid.exit_code == 0 and "dynamically" not in paid.stderr
