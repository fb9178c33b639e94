"""`orcatalog endpoints` and `orcatalog providers` through the packaged sample's replay server."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import orjson
import pandas as pd
from click.testing import CliRunner

from orcatalog.cli import main
from orcatalog.testing.replay import SAMPLE_DIR

from .conftest import COMPACT_DIR


def _run(*args: str) -> object:
    return CliRunner().invoke(main, ["--replay", "sample", *args])


def test_endpoints_of_one_model_as_csv_match_the_recorded_prices() -> None:
    result = _run("endpoints", "anthropic/claude-sonnet-4.5", "--format", "csv")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.output))
    recorded = orjson.loads(
        gzip.decompress(
            sorted((SAMPLE_DIR / "endpoints").glob("endpoints-anthropic--claude-sonnet-4.5-*.json.gz"))[-1].read_bytes()
        )
    )
    by_tag = {e["tag"]: e for e in recorded["data"]["endpoints"]}
    assert set(df["tag"]) == set(by_tag)
    for tag, price in zip(df["tag"], df["price_prompt"]):
        assert price == float(by_tag[tag]["pricing"]["prompt"])


def test_several_models_keep_going_past_a_failure_with_a_warning() -> None:
    result = _run("endpoints", "openai/gpt-4o", "nobody/nothing", "--format", "json", "--columns", "model_id,tag,error")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["model_id"] for r in rows} == {"openai/gpt-4o", "nobody/nothing"}
    assert [r["model_id"] for r in rows if r["error"]] == ["nobody/nothing"]
    assert "warning: nobody/nothing: NotFoundError" in result.stderr
    # the request as given, never the loopback server's passing address, in the file and the warning (trial)
    (error,) = [r["error"] for r in rows if r["error"]]
    assert "GET /models/nobody/nothing/endpoints of --replay sample failed" in error, error
    assert "127.0.0.1" not in result.stdout and "127.0.0.1" not in result.stderr


def test_endpoints_needs_a_model_or_zdr_and_an_unknown_model_is_one_line() -> None:
    assert _run("endpoints").exit_code == 2
    result = _run("endpoints", "nobody/nothing")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    zdr = _run("endpoints", "--zdr", "--format", "json", "--columns", "model_id,tag")
    assert zdr.exit_code == 0 and len(json.loads(zdr.stdout)) > 0
    both = _run("endpoints", "openai/gpt-4o", "--zdr")  # trial: said as if neither was given
    assert both.exit_code == 2 and "give MODEL (one or more) or --zdr, not both" in both.stderr
    table = _run("endpoints", "openai/gpt-4o")  # the table names the provider (a 2025 body has no tag)
    assert table.exit_code == 0 and "provider_name" in table.stdout.splitlines()[0]


def test_providers_table_and_csv() -> None:
    result = _run("providers", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    served = orjson.loads(
        gzip.decompress(sorted((SAMPLE_DIR / "endpoints").glob("providers-*.json.gz"))[-1].read_bytes())
    )
    assert [r["slug"] for r in rows] == [p["slug"] for p in served["data"]]
    assert all(isinstance(r["datacenters"], list) for r in rows)
    table = _run("providers", "--head", "3")
    assert table.exit_code == 0 and table.output.splitlines()[0].split()[:2] == ["slug", "name"]


def test_an_unknown_model_gets_the_id_it_most_likely_meant_in_the_commands_words(tmp_path) -> None:
    """New-user trial: `endpoints MODEL` for a model the API answers 404 gave no suggestion, and a
    malformed id was called `model_id=` (the library's argument) instead of MODEL. The suggestion
    is the one rule (orcatalog/suggest.py) on the catalog at hand: the store's, else the API's."""
    one = _run("endpoints", "openai/gpt4o")
    assert one.exit_code == 1 and len(one.stderr.splitlines()) == 1
    assert one.stderr.startswith("error: no model 'openai/gpt4o' in the catalog (did you mean 'openai/gpt-4o'?) (")
    assert "HTTP 404" in one.stderr
    several = _run("endpoints", "openai/gpt4o", "anthropic/claude-sonnet-4.5", "--format", "csv")
    assert several.exit_code == 0, several.output
    assert "warning: openai/gpt4o: NotFoundError" in several.stderr
    assert several.stderr.rstrip().endswith("(did you mean 'openai/gpt-4o'?)")
    bad = _run("endpoints", "gpt4o")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: MODEL 'gpt4o' is invalid: MODEL takes 'author/slug'")
    assert "model_id" not in bad.stderr
    store = str(tmp_path / "data")
    recorded = _run("endpoints", "anthropic/claude-sonnet-4.5", "--store", store)
    assert recorded.exit_code == 0, recorded.output
    typo = CliRunner().invoke(
        main, ["endpoint-history", "anthropic/claude-sonnet-4.5", "--store", store, "--provider", "antrhopic"]
    )
    assert typo.exit_code == 1 and len(typo.stderr.splitlines()) == 1
    assert "from provider 'antrhopic'" in typo.stderr and "(did you mean 'anthropic'?)" in typo.stderr
    assert "Amazon Bedrock" in typo.stderr and "google-vertex/us-east5" in typo.stderr
    model_typo = CliRunner().invoke(main, ["endpoint-history", "anthropic/claude-sonnet-4", "--store", store])
    assert model_typo.exit_code == 1 and "(did you mean 'anthropic/claude-sonnet-4.5'?)" in model_typo.stderr


def test_replay_of_a_folder_serves_its_endpoints_and_providers_bodies_never_as_the_catalog(
    tmp_path: Path, recorded_dir: Path
) -> None:
    """--replay FOLDER: the folder's endpoints and providers bodies answer their routes, the
    catalog is the models body (never a providers body, whatever the names sort to), and a folder
    without a catalog is refused naming what it holds."""
    folder = tmp_path / "mix"
    folder.mkdir()
    catalog = sorted(COMPACT_DIR.glob("models-*.json.gz"))[-1]
    providers = sorted((recorded_dir / "endpoints").glob("providers-*.json.gz"))[-1]
    gpt = sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*.json.gz"))[-1]
    for path in (providers, gpt):
        shutil.copy(path, folder / path.name)
    only = CliRunner().invoke(main, ["--replay", str(folder), "providers"])
    assert only.exit_code != 0
    line = only.output.strip().splitlines()[-1]
    assert "no /models catalog" in line and "/providers body" in line and "Traceback" not in only.output, line
    shutil.copy(catalog, folder / "models-2020-01-01.json.gz")  # sorts before providers-*
    shutil.copy(catalog, folder / "zz-models.json.gz")  # sorts after every other body
    runner = CliRunner()
    got = runner.invoke(main, ["--replay", str(folder), "providers", "--format", "json", "--columns", "slug"])
    assert got.exit_code == 0, got.output
    assert [r["slug"] for r in json.loads(got.stdout)] == [
        p["slug"] for p in orjson.loads(gzip.decompress(providers.read_bytes()))["data"]
    ]
    models = runner.invoke(main, ["--replay", str(folder), "models", "--format", "json", "--columns", "id"])
    assert models.exit_code == 0, models.output
    want = {m["id"] for m in orjson.loads(gzip.decompress(catalog.read_bytes()))["data"]}
    assert {r["id"] for r in json.loads(models.stdout)} <= want and len(json.loads(models.stdout)) > 0
    ends = runner.invoke(main, ["--replay", str(folder), "endpoints", "openai/gpt-4o", "--format", "json"])
    assert ends.exit_code == 0, ends.output
    assert {r["tag"] for r in json.loads(ends.stdout)} == {
        e["tag"] for e in orjson.loads(gzip.decompress(gpt.read_bytes()))["data"]["endpoints"]
    }
