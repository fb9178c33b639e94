"""Bad parameters fail with a ValueError-family error before any request is sent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import orcatalog as oc
from orcatalog.fetch import params as _params
from orcatalog.testing import ReplayServer

BAD_FILTERS = [
    {"sort": "cheapest"},
    {"sort": 3},
    {"context": -5},
    {"context": 0},
    {"context": 1.5},
    {"context": "1000"},
    {"context": True},
    {"zdr": False},
    {"zdr": "false"},
    {"zdr": "true"},
    {"distillable": "yes"},
    {"min_price": -1},
    {"max_price": float("nan")},
    {"max_price": "cheap"},
    {"min_price": 5, "max_price": 1},
    {"min_tool_success_rate": 1.5},
    {"region": "mars"},
    {"output_modalities": ["all", "text"]},
    {"output_modalities": []},
    {"input_modalities": ["Text Image"]},
    {"input_modalities": 5},
    {"input_modalities": "bogus"},
    {"output_modalities": "text,imgae"},
    {"model_authors": ["ok", ""]},
    {"model_authors": "a,,b"},
    {"q": ""},
    {"q": "line\nbreak"},
    {"category": 7},
    {"min_age_days": 1.5},
    {"no_such_filter": 1},
    {"contxt": 1000},
]


@pytest.mark.parametrize("filters", BAD_FILTERS, ids=lambda f: ",".join(f"{k}={v!r}" for k, v in f.items()))
def test_bad_filters_fail_before_any_request(client: oc.Client, server: ReplayServer, filters: dict) -> None:
    with pytest.raises(ValueError) as info:
        client.fetch_models(**filters)
    assert isinstance(info.value, oc.InvalidParameterError)
    assert next(iter(filters)) in str(info.value) or "did you mean" in str(info.value) or "unknown" in str(info.value)
    with pytest.raises(oc.InvalidParameterError):
        client.fetch_user_models("sk-or-v1-test", **filters)
    assert server.requests == []


def test_suggestions_name_the_close_match() -> None:
    with pytest.raises(oc.InvalidParameterError, match="did you mean 'context'"):
        _params.list_query({"contxt": 10})
    with pytest.raises(oc.InvalidParameterError, match="did you mean 'newest'"):
        _params.list_query({"sort": "newst"})


def test_modalities_are_the_known_ones() -> None:
    with pytest.raises(oc.InvalidParameterError, match="unknown modality 'imgae' \\(did you mean 'image'\\?\\)"):
        _params.list_query({"input_modalities": "text,imgae"})
    with pytest.raises(oc.InvalidParameterError, match="unknown modality 'speech'"):
        _params.list_query({"input_modalities": "speech"})  # an output modality only
    assert _params.list_query({"output_modalities": ["speech", "rerank"]})["output_modalities"] == "speech,rerank"
    # the API's names are lower case: "Text" is text (issue 15 trial: a generic error, no hint)
    assert _params.list_query({"output_modalities": ["Speech", "RERANK"]})["output_modalities"] == "speech,rerank"
    assert _params.modalities("input_modalities", "Text,Image") == ["text", "image"]
    with pytest.raises(oc.InvalidParameterError, match="item 2 of 3 is empty"):
        _params.modalities("output_modalities", "text,,image")
    with pytest.raises(oc.InvalidParameterError, match="item 1 of 2 is empty"):
        _params.list_query({"supported_parameters": ",tools"})


def test_python_values_become_api_strings() -> None:
    q = _params.list_query(
        {
            "supported_parameters": ("tools", "temperature"),
            "max_price": 2,
            "min_price": 0.25,
            "zdr": True,
            "distillable": False,
            "category": "marketing/seo",
            "output_modalities": "text,image",
        }
    )
    assert q == {
        "supported_parameters": "tools,temperature",
        "max_price": "2",
        "min_price": "0.25",
        "zdr": "true",
        "distillable": "false",
        "category": "marketing/seo",
        "output_modalities": "text,image",
    }
    assert _params.list_query({}) == {"output_modalities": "all"}
    assert _params.list_query({"category": "brand-new-category"})["category"] == "brand-new-category"


@pytest.mark.parametrize("bad", [0, 1001, "100", 2.5, True])
def test_bad_page_size(client: oc.Client, server: ReplayServer, bad: object) -> None:
    with pytest.raises(oc.InvalidParameterError, match="page_size"):
        client.fetch_models(page_size=bad)  # type: ignore[arg-type]
    assert server.requests == []


@pytest.mark.parametrize("bad", [["image", "all"], 5, ""])
def test_bad_count_modalities(client: oc.Client, server: ReplayServer, bad: object) -> None:
    with pytest.raises(oc.InvalidParameterError):
        client.count_models(bad)  # type: ignore[arg-type]
    assert server.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": None},
        {"timeout": 0},
        {"timeout": (1, None)},
        {"retries": 3},
        {"session": "not a session"},
        {"api_key": "sk-or-v1-abc\nX-Evil: 1"},
        {"api_key": ""},
        {"title": "line\nbreak"},
        {"expire_after": "5m"},
    ],
)
def test_bad_client_settings(kwargs: dict) -> None:
    with pytest.raises(oc.InvalidParameterError) as info:
        oc.Client(**kwargs)
    assert "sk-or-v1-abc" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [{"attempts": 0}, {"attempts": 1.5}, {"backoff": -1}, {"deadline": 0}, {"max_wait": float("inf")}],
)
def test_bad_retry_config(kwargs: dict) -> None:
    with pytest.raises(oc.InvalidParameterError):
        oc.RetryConfig(**kwargs)


def test_a_client_setting_passed_as_a_filter_says_where_it_belongs() -> None:
    """fetch_models(base_url=...) is the first thing a newcomer tries: the refusal names Client(base_url=)
    and ORCATALOG_BASE_URL before anything is sent."""
    with pytest.raises(
        oc.InvalidParameterError, match=r"base_url is a Client setting.*Client\(base_url=.*ORCATALOG_BASE_URL"
    ):
        oc.fetch_models(base_url="http://127.0.0.1:9/api/v1")


@pytest.mark.parametrize(
    "call",
    [
        lambda: oc.fetch_model("openai/gpt-4o", base_url="http://127.0.0.1:9/api/v1"),
        lambda: oc.count_models(base_url="http://127.0.0.1:9/api/v1"),
    ],
)
def test_single_request_functions_refuse_a_client_setting_in_words(call: Callable[[], object]) -> None:
    """fetch_model / count_models raised a bare TypeError for base_url=; now the library's error, naming
    where the setting belongs, before anything is sent."""
    with pytest.raises(oc.InvalidParameterError, match=r"unknown argument 'base_url' \(base_url is a Client setting"):
        call()
