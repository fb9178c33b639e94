"""Every chart rendered with the Agg backend on real data: what was drawn, labels, scales, PNGs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import orjson  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import orcatalog as oc  # noqa: E402
from orcatalog.frames.models import models_frame  # noqa: E402

from .conftest import read_body  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, recorded_dir: Path) -> pd.DataFrame:
    s = oc.SnapshotStore(tmp_path_factory.mktemp("hourly"))
    s.import_files(next(recorded_dir.glob("hourly-*.tar.xz")), progress=False)
    return s.history()


@pytest.fixture(scope="module")
def latest(latest_file: Path) -> pd.DataFrame:
    return models_frame(orjson.loads(read_body(latest_file))["data"])


@pytest.fixture(autouse=True)
def _close() -> None:
    yield
    plt.close("all")


def save(ax: plt.Axes, path: Path) -> None:
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 5_000


def test_price_history(history: pd.DataFrame, tmp_path: Path) -> None:
    ax = oc.plot_price_history(history, ["deepseek/deepseek-v3.2", "openai/gpt-4o"])
    steps = [line for line in ax.get_lines() if line.get_label() in ("deepseek/deepseek-v3.2", "openai/gpt-4o")]
    assert len(steps) == 2
    assert "USD per million tokens" in ax.get_ylabel() and ax.get_title()
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    changes = oc.price_changes(history[history["id"] == "deepseek/deepseek-v3.2"], fields=["prompt_usd_per_mtok"])
    assert len(markers[0].get_xdata()) == len(changes)
    save(ax, tmp_path / "history.png")
    auto = oc.plot_price_history(history)  # default: the models that moved, at most 12
    assert 1 <= len(auto.get_legend().get_texts()) <= 12
    with pytest.raises(oc.InvalidParameterError, match="no model"):
        oc.plot_price_history(history, "nobody/nothing")


def test_price_vs_context_marks_free_models_and_the_frontier(latest: pd.DataFrame, tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    assert oc.plot_price_vs_context(latest, ax=ax) is ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    paid, free, front = ax.collections[:3]
    n_free = int(((latest["prompt_usd_per_mtok"] == 0) & latest["context_length"].notna()).sum())
    assert len(free.get_offsets()) == n_free
    assert len(paid.get_offsets()) + n_free >= 300
    frontier = oc.frontier(latest[latest["prompt_usd_per_mtok"] > 0])
    assert {t.get_text() for t in ax.texts} == set(frontier["id"])
    assert "USD per million tokens" in ax.get_xlabel()
    save(ax, tmp_path / "pvc.png")


def test_market_trend_and_catalog_size(history: pd.DataFrame, tmp_path: Path) -> None:
    trend = oc.market_trend(history)
    ax = oc.plot_market_trend(trend)
    medians = [line for line in ax.get_lines() if line.get_label().endswith("median")]
    assert len(medians) == 2 and len(ax.collections) == 2
    assert len(medians[0].get_xdata()) == len(trend)
    edges = [line for line in ax.get_lines() if line.get_linestyle() == "--"]  # each band's q1 and q3 drawn
    assert sorted(tuple(line.get_ydata()) for line in edges) == sorted(
        tuple(trend[f"{side}_{q}"]) for side in ("prompt", "completion") for q in ("q1", "q3"))
    save(ax, tmp_path / "trend.png")
    with pytest.raises(oc.InvalidParameterError, match="without by"):
        oc.plot_market_trend(oc.market_trend(history, by="author"))
    ax = oc.plot_catalog_size(history)
    sizes = oc.catalog_size(history)
    assert list(ax.get_lines()[0].get_ydata()) == list(sizes["n_models"])
    bars = ax.right.patches
    assert len(bars) == 3 * (len(sizes) - 1)
    assert ax.get_ylabel() == "models listed"
    save(ax, tmp_path / "size.png")


def test_cost_bars_stack_the_components(latest: pd.DataFrame, tmp_path: Path) -> None:
    cost = oc.estimate_cost(latest, 100_000, 20_000, cached_tokens=30_000)
    paid = cost[cost["total_usd"] > 0]
    ax = oc.plot_cost(paid, n=15)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(paid["id"].head(15))[::-1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["prompt", "cached", "completion"]
    widths = {}
    for patch in ax.patches:
        y = round(patch.get_y(), 3)
        widths[y] = widths.get(y, 0) + patch.get_width()
    assert sorted(widths.values()) == pytest.approx(sorted(paid["total_usd"].head(15)))
    assert ax.get_xlabel() == "USD"
    assert ax.get_title() == "Cost of 100,000 prompt (30,000 cached) + 20,000 completion tokens: the 15 cheapest models"
    save(ax, tmp_path / "cost.png")
    with pytest.raises(oc.InvalidParameterError, match="n="):
        oc.plot_cost(cost, n=0)


def test_plot_cost_refuses_a_history(history: pd.DataFrame) -> None:
    with pytest.raises(oc.InvalidParameterError, match="not of a history"):
        oc.plot_cost(oc.estimate_cost(history, 10, 10))


def test_ax_must_be_an_axes(latest: pd.DataFrame) -> None:
    fig, axes = plt.subplots(1, 2)
    try:
        with pytest.raises(oc.InvalidParameterError, match="ax must be a matplotlib Axes .* got ndarray"):
            oc.plot_price_vs_context(latest, ax=axes)  # the array plt.subplots(1, 2) returns, not one Axes
        with pytest.raises(oc.InvalidParameterError, match="got Figure"):
            oc.plot_cost(oc.estimate_cost(latest, 1000, 100), ax=fig)
        assert oc.plot_price_vs_context(latest, ax=axes[1]) is axes[1]
        assert not axes[0].has_data()
    finally:
        plt.close(fig)


def test_price_history_never_repeats_a_colour(history: pd.DataFrame) -> None:
    ids = list(pd.unique(history["id"].astype(str)))[:12]
    ax = oc.plot_price_history(history, ids)
    steps = [line for line in ax.get_lines() if line.get_label() in ids]
    assert len(steps) == 12 and len({line.get_color() for line in steps}) == 12
