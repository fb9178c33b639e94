"""The unique-ids rule (orcatalog/frames/ids.py) as each caller sees it: the frame, the store's
ingest and the diff refuse a repeated id and name it."""

from __future__ import annotations

import pandas as pd
import pytest

from orcatalog.errors import InvalidParameterError, SchemaError
from orcatalog.frames.ids import catalog_ids, first_duplicate
from orcatalog.frames.models import models_frame
from orcatalog.store.intake import check_whole
from orcatalog.analysis.changes import diff


def test_first_duplicate_is_the_first_repeat_in_order() -> None:
    assert first_duplicate(["a", "b", "c"]) is None
    assert first_duplicate(["a", "b", "b", "a"]) == "b"
    assert first_duplicate([]) is None


def test_catalog_ids_refuses_missing_and_repeated_ids() -> None:
    assert catalog_ids([{"id": "x/a"}, {"id": "x/b"}]) == ["x/a", "x/b"]
    with pytest.raises(SchemaError, match=r"model #1 is not an object with a string 'id' in u"):
        catalog_ids([{"id": "x/a"}, {"id": 3}], url="u")
    with pytest.raises(SchemaError, match=r"duplicate model id 'x/a'"):
        catalog_ids([{"id": "x/a"}, {"id": "x/a"}])
    assert catalog_ids([{"id": "x/a"}, {"id": "x/a"}], unique=False) == ["x/a", "x/a"]


def test_every_caller_names_the_repeated_id() -> None:
    models = [{"id": "x/a", "name": "A"}, {"id": "x/a", "name": "A again"}]
    with pytest.raises(SchemaError, match="duplicate model id 'x/a'"):
        models_frame(models)
    with pytest.raises(SchemaError, match="duplicate model id 'x/a' in body.json"):
        check_whole("body.json", {"data": models})
    frame = pd.DataFrame({"id": ["x/a", "x/a"]})
    with pytest.raises(InvalidParameterError, match="'x/a' repeats"):
        diff(frame, pd.DataFrame({"id": ["x/a"]}))
