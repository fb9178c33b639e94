"""The three analyst notebooks run top to bottom on a real Jupyter kernel, offline (the packaged sample
and the repository's compact recorded bodies), use only the public API, and are committed with outputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01-catalog-tour.ipynb", "02-price-trends.ipynb", "03-workload-costs.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_its_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code), "run it and commit the outputs"
    assert not [o for c in code for o in c.get("outputs", []) if o.output_type == "error"]
    # #15: lists print as "text, image", never numpy's repr (['text' 'image']) or array([...])
    shown = [
        "".join(o.get("text", ""))
        + "".join(o.get("data", {}).get("text/plain", ""))
        + "".join(o.get("data", {}).get("text/html", ""))
        for c in code
        for o in c.get("outputs", [])
    ]
    assert not [t for t in shown if re.search(r"\['[^'\]]*' '|array\(\[", t)], path.name
    if path.name.startswith("01"):  # the catalog tour shows modality lists
        assert any("text, image" in t for t in shown)
    if "plot_" in "".join(c.source for c in code):
        assert any("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))  # charts show


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "def " not in source and "lambda" not in source  # helpers belong in orcatalog
    private = re.findall(r"orcatalog\.(?!testing\b)\w+|\boc\._\w+", source)
    assert not private, private  # only the public API: orcatalog's top-level names and orcatalog.testing
