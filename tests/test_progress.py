"""Progress bars: readable and left in place on a terminal, absent when piped, plain (no TqdmWarning)
in notebooks without ipywidgets."""

from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path

import pytest

import orcatalog as oc
from orcatalog import progress as prog


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_output_gets_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    items = [1, 2, 3]
    assert prog.progress(items, desc="reading") is items
    assert sys.stderr.getvalue() == ""


def test_terminal_bar_stays_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert list(prog.progress(range(3), desc="reading", unit="file")) == [0, 1, 2]
    final = term.getvalue().split("\r")[-1]
    assert "reading" in final and "3/3" in final  # left on screen when done, not cleared


def test_a_bar_stopped_before_its_end_is_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or an error) in the middle: the partial bar is wiped and no line break is left, so the
    command's one ``interrupted: ...`` line is not preceded by an empty or half-drawn line."""
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    with pytest.raises(KeyboardInterrupt):
        for i in prog.progress(range(3), desc="reading", unit="file"):
            if i == 1:
                raise KeyboardInterrupt
    assert "reading" in term.getvalue() and "\n" not in term.getvalue()
    assert term.getvalue().endswith("\r") and not term.getvalue().split("\r")[-2].strip()  # a blanked row
    manual = _Terminal()
    monkeypatch.setattr(sys, "stderr", manual)
    pages = prog.bar(desc="GET /models", total=10, unit="model")
    pages.update(4)
    pages.close()
    assert "\n" not in manual.getvalue() and not manual.getvalue().split("\r")[-2].strip()


def test_a_terminal_without_width_gets_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pseudo-terminal nobody sized reports 0 columns: tqdm would draw only line breaks there."""
    import os

    monkeypatch.setattr(sys, "stderr", _Terminal())
    monkeypatch.setattr(sys.stderr, "fileno", lambda: 2, raising=False)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((0, 0)))
    items = [1, 2]
    assert prog.progress(items, desc="reading") is items
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((80, 24)))
    assert prog.progress(items, desc="reading") is not items


def test_notebook_without_ipywidgets_gets_a_plain_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from tqdm.std import tqdm as text_bar

    import IPython

    class ZMQInteractiveShell:  # what get_ipython() returns inside a Jupyter kernel
        pass

    monkeypatch.setattr(IPython, "get_ipython", ZMQInteractiveShell)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a)
    )
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a TqdmWarning ("IProgress not found") would fail here
        bar = prog.progress(range(2), desc="reading")
        from tqdm.notebook import tqdm as notebook_bar

        assert isinstance(bar, text_bar) and not isinstance(bar, notebook_bar)
        assert list(bar) == [0, 1]


def test_import_shows_progress_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dated_files: list[Path]
) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    oc.SnapshotStore(tmp_path / "a").import_files(dated_files[:2])
    assert "2/2" in term.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    oc.SnapshotStore(tmp_path / "b").import_files(dated_files[:2])
    assert piped.getvalue() == ""


def test_paginated_fetch_shows_a_bar_per_model_on_a_terminal(monkeypatch: pytest.MonkeyPatch, server) -> None:
    import requests

    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    client = oc.Client(base_url=server.base_url, session=requests.Session())
    df = client.fetch_models(page_size=100)
    final = term.getvalue().split("\r")[-1]
    assert f"{len(df)}/{len(df)}" in final and "GET /models" in final
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    client.fetch_models(page_size=100)
    client.fetch_models()  # one body: no bar even on a terminal
    assert piped.getvalue() == ""
