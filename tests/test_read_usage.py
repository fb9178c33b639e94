"""read_usage: a saved /activity body, or a CSV / parquet usage table, read into the usage contract
with clear errors naming what is missing or wrong."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.usage import activity_body_frame

from .test_usage_fetch import activity_files


@pytest.fixture
def activity_file(recorded_dir: Path) -> Path:
    (path,) = activity_files(recorded_dir)
    return path


def test_saved_body_gz_and_plain_json(activity_file: Path, tmp_path: Path) -> None:
    body = json.loads(gzip.decompress(activity_file.read_bytes()))
    expected = activity_body_frame(body, url="x")
    from_gz = oc.read_usage(activity_file)
    plain = tmp_path / "activity.json"
    plain.write_bytes(gzip.decompress(activity_file.read_bytes()))
    from_json = oc.read_usage(plain)
    for df in (from_gz, from_json):
        pd.testing.assert_frame_equal(df, expected)
    assert from_gz.attrs["source"] == str(activity_file)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_round_trip_with_the_apis_names(activity_file: Path, tmp_path: Path, fmt: str) -> None:
    df = oc.read_usage(activity_file)
    table = df[
        [
            "date",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "reasoning_tokens",
            "requests",
            "usage_usd",
            "byok_usage_inference_usd",
        ]
    ].rename(columns={"usage_usd": "usage"})
    path = tmp_path / f"usage.{fmt}"
    if fmt == "csv":
        table.assign(date=table["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    else:
        table.to_parquet(path)
    back = oc.read_usage(path)
    assert back["usage_usd"].tolist() == df["usage_usd"].tolist()  # the API's 'usage' read as usage_usd
    assert back["prompt_tokens"].tolist() == df["prompt_tokens"].tolist()
    assert back["date"].tolist() == df["date"].tolist() and str(back["date"].dt.tz) == "UTC"


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    pd.DataFrame({"model": ["openai/gpt-4o"], "tokens": [10]}).to_csv(path, index=False)
    with pytest.raises(oc.SchemaError) as info:
        oc.read_usage(path)
    assert "prompt_tokens, completion_tokens" in str(info.value) and "tokens" in str(info.value)


@pytest.mark.parametrize("bad", ["-5", "lots"])
def test_counts_must_be_numbers_at_least_zero(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(f"model,prompt_tokens,completion_tokens,cached_tokens\na/b,10,5,{bad}\n", encoding="utf-8")
    with pytest.raises(oc.SchemaError, match="cached_tokens.*row 0") as info:
        oc.read_usage(path)
    assert f"row 0 (line 2) is {int(bad) if bad == '-5' else bad!r}:" in str(info.value) and "np." not in str(
        info.value
    )


@pytest.mark.parametrize("cell", ["", "   "])
def test_a_row_without_a_model_is_refused_naming_its_line(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(f"model,prompt_tokens,completion_tokens\nopenai/gpt-4o,1,1\n{cell},1000,100\n", encoding="utf-8")
    with pytest.raises(oc.SchemaError, match=r"column 'model' row 1 \(line 3\) is empty: every usage row names"):
        oc.read_usage(path)


def test_a_models_catalog_is_not_an_activity_body(tmp_path: Path) -> None:
    """The recorded models body given as usage: said to be a catalog, not an /activity body."""
    from .conftest import REPO

    path = tmp_path / "models.json.gz"
    path.write_bytes((REPO / "tests" / "data" / "openrouter" / "models-2026-04-17.json.gz").read_bytes())
    with pytest.raises(oc.SchemaError) as info:
        oc.read_usage(path)
    message = str(info.value)
    assert "not an /activity body" in message and "models catalog" in message and "None" not in message


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "usage.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(oc.TableFileError, match=r"\.csv"):
        oc.read_usage(path)
    with pytest.raises(FileNotFoundError):
        oc.read_usage(tmp_path / "absent.csv")
    with pytest.raises(oc.SchemaError):
        (tmp_path / "models.json").write_text('{"data": {"id": "x"}}', encoding="utf-8")
        oc.read_usage(tmp_path / "models.json")
