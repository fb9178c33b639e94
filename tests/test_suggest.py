"""The one "did you mean" rule, on the real catalog's ids, and that nothing else makes suggestions."""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.models import models_frame
from orcatalog.suggest import closest, did_you_mean

from .conftest import REPO, read_body


@pytest.fixture(scope="module")
def ids(latest_file: Path) -> list[str]:
    return list(models_frame(orjson.loads(read_body(latest_file))["data"])["id"].astype(str))


def test_an_id_that_starts_with_what_was_typed_wins(ids: list[str]) -> None:
    typed = "mistralai/mistral-7b"
    starting = sorted((i for i in ids if i.startswith(typed)), key=lambda i: (len(i), i))
    assert starting, "the catalog has a longer id starting with the typed one"
    assert closest(typed, ids) == starting[0]
    assert closest("openai/gpt4o", ids) == "openai/gpt-4o"  # no id starts with it: the closest spelling
    assert closest("OpenAI/GPT-4o", ids) == "openai/gpt-4o"  # case is the last resort
    assert closest("openai/gpt-4o", ids) is None  # a known value needs no suggestion
    assert closest("zzzz/qqqq-0", ids) is None
    assert did_you_mean("price_promt", ["price_prompt", "price_completion"]) == " (did you mean 'price_prompt'?)"
    assert did_you_mean("zzz", ["price_prompt"]) == ""


def test_an_id_typed_without_its_author_finds_it(ids: list[str]) -> None:
    """``gpt-4o`` -> ``openai/gpt-4o`` (a new-user trial typed `orcatalog model gpt-4o` and got no hint)."""
    assert "openai/gpt-4o" in ids
    assert closest("gpt-4o", ids) == "openai/gpt-4o"  # the shortest id whose slug starts with it
    assert closest("deepseek-v3.2", ids) == "deepseek/deepseek-v3.2"
    assert closest("gpt-4o", ["openai/gpt-4o-mini", "gpt-4o-x"]) == "gpt-4o-x"  # a whole-id prefix still wins first


def test_the_library_suggests_through_the_one_rule(ids: list[str]) -> None:
    with pytest.raises(oc.InvalidParameterError, match="did you mean 'pricing-low-to-high'"):
        oc.fetch_models(sort="pricing-low", base_url="http://127.0.0.1:9/api/v1")  # refused before any request


def test_no_second_copy_of_the_rule() -> None:
    users = [
        p.relative_to(REPO).as_posix()
        for p in (REPO / "orcatalog").rglob("*.py")
        if "difflib" in p.read_text(encoding="utf-8")
    ]
    assert users == ["orcatalog/suggest.py"]


def test_an_id_no_longer_listed_is_said_to_be_gone_not_a_typo(recorded_dir: Path, ids: list[str]) -> None:
    """An id a November 2025 catalog listed and the latest does not (anthropic/claude-3-opus was
    retired) got a look-alike as if it never existed (issue 15 trial); with the ids no longer listed
    and when each was last seen it is said to be gone, and a typo of it names it so."""
    old = set(models_frame(orjson.loads(read_body(recorded_dir / "models-2025-11-12.json.gz"))["data"])["id"])
    gone = sorted(old - set(ids))
    assert "anthropic/claude-3-opus" in gone
    last = {i: pd.Timestamp("2025-11-12", tz="UTC") for i in gone}
    assert did_you_mean("anthropic/claude-3-opus", ids) != ""  # without the history: a look-alike
    said = did_you_mean("anthropic/claude-3-opus", ids, unlisted=last)
    assert said == " (last seen 2025-11-12 00:00 UTC, no longer listed)"
    typo = did_you_mean("anthropic/claude-3-opuss", ids, unlisted=last)
    assert typo == " (did you mean 'anthropic/claude-3-opus'? last seen 2025-11-12 00:00 UTC, no longer listed)"
    listed = did_you_mean("openai/gpt4o", ids, unlisted=last)
    assert listed == " (did you mean 'openai/gpt-4o'?)"  # a listed look-alike is offered as before


def test_an_id_that_names_its_kind_gets_one_of_that_kind(recorded_dir: Path, tmp_path: Path) -> None:
    """#15 final trial: a misspelled embedding id was offered a text model (``openai/text-embedding-3-large``
    -> ``~openai/gpt-mini-latest`` on the 2026-08-17 catalog). An id that names what its model makes
    gets an id of that kind, or nothing. The catalog is recorded; the embedding, rerank, speech and
    transcription models are the spec-shaped fixture (no all-modalities body was recorded)."""
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.suggest import kinds_named

    from .modalities import fixture_models

    body = orjson.loads(read_body(recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"))
    text = [str(m["id"]) for m in body["data"]]
    every = [*text, *(str(m["id"]) for m in fixture_models())]
    for model in [*body["data"], *fixture_models()]:  # the words agree with what each model makes
        assert kinds_named(model["id"]) <= {*model["architecture"]["output_modalities"]}, model["id"]
    assert closest("openai/text-embedding-3-large", text) is None  # no embedding model listed: no suggestion
    assert closest("openai/whisper-2", text) is None  # was openai/gpt-5.2
    assert closest("openai/text-embedding-3-large", every) == "openai/text-embedding-3-small"
    assert closest("voyageai/rerank-3", every) == "voyageai/rerank-2.5"
    assert closest("openai/whisper-2", every) == "openai/whisper-1"
    assert closest("openai/gpt-4o-tts", every) == "openai/gpt-4o-mini-tts"  # was openai/gpt-4o
    assert closest("qwen/qwen3-embedding-8b", every) is None  # was qwen/qwen3-8b, a text model
    assert closest("openai/gpt4o", every) == "openai/gpt-4o"  # an id naming no kind: as before
    served = tmp_path / "models-2026-08-17.json"
    served.write_bytes(orjson.dumps({**body, "data": [*body["data"], *fixture_models()]}))
    for typed, said in [
        ("openai/text-embedding-3-large", " (did you mean 'openai/text-embedding-3-small'?)"),
        ("qwen/qwen3-embedding-8b", " ("),
    ]:
        result = CliRunner().invoke(main, ["--replay", str(served), "model", typed])
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"error: no model {typed!r} in the catalog{said}"), result.stderr
        assert "qwen/qwen3-8b" not in result.stderr
