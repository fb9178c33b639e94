"""A price means what its column says, for every kind of model (issue 15): ``show``, ``prices``
and the price-history chart leave blank (and say how the model is priced) a per-token 0 that is not
the model's price; a price key of undeclared unit keeps the API's number under the unit
``unknown``, named once per answer; ``price_image``'s unit is decided per row
(``schema.image_is_token_rate``). On the newest recorded catalog plus the spec-shaped fixture of
image, video, speech and transcription models (tests/modalities.py), and on the recorded 2026
bodies where Gemini's ``image`` turned into its prompt rate."""

from __future__ import annotations

import copy
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main
from orcatalog.cli.output import price_label
from orcatalog.frames.models import models_frame
from orcatalog.schema import how_priced, not_in_column_unit, price_display_unit, price_unit

from .conftest import read_body
from .modalities import SEEDREAM_IMAGE_TOKEN, fixture_models

NEWEST = Path("catalogs-2026-06-08") / "models-2026-08-17.json.gz"
#: Models of the fixture that list no per-token price but other prices, and how.
PRICED_OTHERWISE = {
    "bytedance-seed/seedream-5-0-lite": "image_output, image_token (USD per token)",
    "runway/gen-4.5": "request (USD per request)",
    "openai/whisper-1": "audio (USD per token)",
}


def _video_model(per_second: str) -> dict[str, Any]:
    """A video model priced by a key the spec does not declare (``video_second``)."""
    model = copy.deepcopy(next(m for m in fixture_models() if m["id"] == "runway/gen-4.5"))
    model["id"] = "example/video-per-second"
    model["pricing"] = {"prompt": "0", "completion": "0", "video_second": per_second}
    return model


@pytest.fixture(scope="module")
def newest_models(recorded_dir: Path) -> list[dict]:
    return orjson.loads(read_body(recorded_dir / NEWEST))["data"]


@pytest.fixture
def store(tmp_path: Path, newest_models: list[dict]) -> Path:
    """A store of two all-modalities bodies a day apart: the newest recording plus the fixture, and a
    video model whose undeclared ``video_second`` price goes from 0.05 to 0.04."""
    root = tmp_path / "store"
    for day, per_second in (("17", "0.05"), ("18", "0.04")):
        body = tmp_path / f"models-2026-08-{day}.json"
        body.write_bytes(orjson.dumps({"data": newest_models + fixture_models() + [_video_model(per_second)]}))
        result = CliRunner().invoke(main, ["import", "--store", str(root), "--output-modalities", "all", str(body)])
        assert result.exit_code == 0, result.output
    return root


def _record(text: str) -> dict[str, str]:
    """``show``'s ``field  value`` lines as a dict (an empty value for a blank cell)."""
    out = {}
    for line in text.splitlines():
        field, _, value = line.partition(" ")
        out[field] = value.strip()
    return out


def test_show_leaves_blank_a_per_token_zero_that_is_not_the_price_and_says_how_it_is_priced(store: Path) -> None:
    for mid, how in PRICED_OTHERWISE.items():
        result = CliRunner().invoke(main, ["show", "--store", str(store), mid])
        assert result.exit_code == 0, result.output
        record = _record(result.stdout)
        assert record["prompt_usd_per_mtok"] == record["completion_usd_per_mtok"] == "", mid
        assert record["price_prompt_usd_per_mtok"] == record["price_completion_usd_per_mtok"] == "", mid
        assert f"Priced by {how}: {mid}" in result.stderr
    free = CliRunner().invoke(main, ["show", "--store", str(store), "deepgram/flux-tts:free"])
    assert [float(_record(free.stdout)[c]) for c in ("prompt_usd_per_mtok", "completion_usd_per_mtok")] == [0, 0]
    assert "per-token cells are blank" not in free.stderr  # a free model keeps its zeros, without a note
    seedream = _record(
        CliRunner().invoke(main, ["show", "--store", str(store), "bytedance-seed/seedream-5-0-lite"]).stdout
    )
    shown = float(seedream["price_image_output_usd_per_mtok"])  # per token, shown per million tokens
    assert shown == pytest.approx(float(Decimal(SEEDREAM_IMAGE_TOKEN).scaleb(6)), abs=0.005)


def test_prices_leaves_blank_the_snapshots_where_the_model_is_priced_otherwise(store: Path) -> None:
    result = CliRunner().invoke(main, ["prices", "--store", str(store), "runway/gen-4.5"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["fetched_at", "prompt_usd_per_mtok", "completion_usd_per_mtok"]
    assert len(rows) == 2 and all(len(row.split()) == 2 for row in rows)  # the date and time, no price
    assert "Priced by request (USD per request): runway/gen-4.5" in result.stderr
    csv = CliRunner().invoke(main, ["prices", "--store", str(store), "runway/gen-4.5", "--format", "csv"])
    assert (pd.read_csv(pd.io.common.StringIO(csv.stdout))["prompt_usd_per_mtok"] == 0).all()  # data keep the API's 0
    paid = CliRunner().invoke(main, ["prices", "--store", str(store), "example/chat-small"])
    assert [row.split()[-2:] for row in paid.stdout.splitlines()[1:]] == [["0.0200", "0.0400"]] * 2
    assert "note:" not in paid.stderr


def test_price_history_chart_does_not_draw_a_per_token_zero_that_is_not_the_price(
    mixed_history: pd.DataFrame,
) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    oc.plot_price_history(mixed_history, ["runway/gen-4.5", "example/chat-small"], ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [" ".join(label.split()) for label in labels] == [
        "runway/gen-4.5 not drawn: priced by request (USD per request)",
        "example/chat-small",
    ]
    runway = ax.get_lines()[0]
    assert np.isnan(np.asarray(runway.get_ydata(), dtype=float)).all()  # no 0 (free) floor for a paid model
    assert "0 (free)" not in [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)
    with pytest.raises(oc.InvalidParameterError, match=r"runway/gen-4.5 is priced by request \(USD per request\)"):
        oc.plot_price_history(mixed_history, "runway/gen-4.5")


@pytest.fixture
def mixed_history(newest_models: list[dict]) -> pd.DataFrame:
    frame = models_frame(newest_models + fixture_models())
    return pd.concat(
        [frame.assign(fetched_at=pd.Timestamp(t, tz="UTC")) for t in ("2026-08-17", "2026-08-18")], ignore_index=True
    )


def test_one_rule_says_which_values_are_not_a_price_in_their_column_unit(newest_models: list[dict]) -> None:
    frame = models_frame(newest_models + fixture_models())
    rows = not_in_column_unit(frame, "prompt_usd_per_mtok")
    assert set(frame.loc[rows, "id"]) == set(PRICED_OTHERWISE)
    for column in ("price_prompt", "price_completion", "completion_usd_per_mtok"):
        assert (not_in_column_unit(frame, column) == rows).all()
    assert not not_in_column_unit(frame, "context_length").any()
    how = dict(zip(frame["id"], how_priced(frame)))
    assert {mid: how[mid] for mid in PRICED_OTHERWISE} == PRICED_OTHERWISE
    assert how["example/chat-small"] is None and how["deepgram/flux-tts:free"] is None


def test_a_price_key_of_undeclared_unit_is_never_scaled_per_million_tokens() -> None:
    assert price_unit("price_video_second") == "unknown"
    assert price_display_unit("price_video_second") == ("unknown", 1.0)
    assert price_label("price_video_second") == "price_video_second"  # not price_video_second_usd_per_mtok
    old = models_frame(fixture_models() + [_video_model("0.05")])
    new = models_frame(fixture_models() + [_video_model("0.04")])
    with pytest.warns(oc.OrcatalogWarning, match="video_second have no declared unit") as caught:
        d = oc.diff(old, new)
    assert len([w for w in caught if "no declared unit" in str(w.message)]) == 1
    row = d[d["field"] == "price_video_second"].iloc[0]
    assert (row["old"], row["new"], row["unit"]) == (0.05, 0.04, "unknown")
    assert row["pct_change"] == pytest.approx(-20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        oc.diff(old, old)  # nothing to report: nothing to warn about
    import matplotlib.pyplot as plt

    history = pd.concat(
        [
            old.assign(fetched_at=pd.Timestamp("2026-08-17", tz="UTC")),
            new.assign(fetched_at=pd.Timestamp("2026-08-18", tz="UTC")),
        ]
    )
    fig, ax = plt.subplots()
    oc.plot_price_history(history, "example/video-per-second", field="price_video_second", ax=ax)
    assert ax.get_ylabel() == "video second price (unit unknown: as the API wrote it)"
    assert np.nanmax(np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)) == 0.05  # not scaled
    plt.close(fig)


def test_tables_show_an_undeclared_key_as_the_api_wrote_it_with_one_note(store: Path) -> None:
    args = ["show", "--store", str(store), "--as-of", "2026-08-18", "--columns", "id,price_video_second"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    cells = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:]}
    assert cells["example/video-per-second"] == ["0.0400"]
    assert result.stderr.count("video_second have no declared unit") == 1
    changes = CliRunner().invoke(main, ["changes", "--store", str(store), "--since", "2026-08-17"])
    assert changes.exit_code == 0, changes.output
    assert "price_video_second 0.0500 0.0400      -20.0 unknown changed" in changes.stdout
    assert changes.stderr.count("video_second have no declared unit") == 1


def _recorded(recorded_dir: Path, name: str) -> pd.DataFrame:
    return models_frame(orjson.loads(read_body(recorded_dir / name))["data"])


def test_an_image_price_has_its_unit_per_row_in_change_reports(recorded_dir: Path) -> None:
    """2026-01-15 lists Gemini's ``image`` as a fee per input image, 2026-01-29 as its prompt rate per
    image input token: the ``unit`` column says which, and a value is shown in the unit it names."""
    old, new = (
        _recorded(recorded_dir, "models-2026-01-15.json.gz"),
        _recorded(recorded_dir, "models-2026-01-29.json.gz"),
    )
    d = oc.diff(old, new)
    image = d[d["field"] == "price_image"].set_index("id")
    switched = image[image["kind"] == "unit changed"]
    assert "google/gemini-2.0-flash-001" in switched.index
    assert set(switched["unit"]) == {"USD/image -> USD/Mtok"}
    n = new.set_index("id")
    for mid, row in switched.iterrows():
        assert row["new"] == pytest.approx(n.loc[mid, "price_prompt"] * 1e6)  # the rate, per million tokens
    fees = image[~image["unit"].str.contains("Mtok")]
    assert set(fees["unit"]) <= {"USD/image"}


def test_a_table_leaves_blank_an_image_price_that_is_a_token_rate(tmp_path: Path, recorded_dir: Path) -> None:
    frame = _recorded(recorded_dir, "models-2026-04-17.json.gz")
    rate = not_in_column_unit(frame, "price_image")
    assert rate.any() and (frame.loc[rate, "price_image"] == frame.loc[rate, "price_prompt"]).all()
    root = tmp_path / "store"
    body = tmp_path / "models-2026-04-17.json"
    body.write_bytes(read_body(recorded_dir / "models-2026-04-17.json.gz"))
    assert CliRunner().invoke(main, ["import", "--store", str(root), str(body)]).exit_code == 0
    mid = str(frame.loc[rate, "id"].iloc[0])
    result = CliRunner().invoke(main, ["show", "--store", str(root), mid])
    assert result.exit_code == 0, result.output
    assert _record(result.stdout)["price_image_usd"] == ""  # not a fee per image
    assert "price_image of 1 model(s) equals their prompt price" in result.stderr


def test_movers_never_compare_an_image_fee_with_a_token_rate(recorded_dir: Path) -> None:
    """gemini-2.0-flash-001's ``image`` went from a fee per input image (2026-01-15) to its prompt rate
    per image token (2026-01-29): the numbers are in different units, not a 99% cut."""
    old, new = (
        _recorded(recorded_dir, "models-2026-01-15.json.gz"),
        _recorded(recorded_dir, "models-2026-01-29.json.gz"),
    )
    history = pd.concat(
        [
            old.assign(fetched_at=pd.Timestamp("2026-01-15", tz="UTC")),
            new.assign(fetched_at=pd.Timestamp("2026-01-29", tz="UTC")),
        ],
        ignore_index=True,
    )
    rate = not_in_column_unit(history, "price_image")
    switched = set(history.loc[rate, "id"]) & set(old.loc[old["price_image"] > 0, "id"])
    assert "google/gemini-2.0-flash-001" in switched
    moved = oc.movers(history, "2026-01-15", "2026-01-29", field="price_image", n=50)
    assert not switched & set(moved["id"])
    assert set(moved["unit"]) <= {"USD/image"}
    assert any("left out where their price_image is not a price in its unit" in note for note in moved.attrs["notes"])
