"""The one "did you mean" rule, on the real catalog's ids, and that nothing else makes suggestions."""

from __future__ import annotations

from pathlib import Path

import orjson
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
