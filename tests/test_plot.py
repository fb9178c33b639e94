"""Every chart rendered with the Agg backend on real data: what was drawn, labels, scales, PNGs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.models import models_frame

from .conftest import copy_store, read_body


@pytest.fixture
def history(hourly_history: pd.DataFrame) -> pd.DataFrame:
    return hourly_history


@pytest.fixture(scope="module")
def gapped_histories(
    series_store: oc.SnapshotStore, recorded_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Real long gaps: the hourly series with the catalog of 2025-11-12 (weeks before it), and then
    also with that of 2026-01-29 (weeks after it), as two histories. Built once per module on a copy
    of the session's series store; a test reads its own copy of either (:func:`gapped`)."""
    store = copy_store(series_store, tmp_path_factory.mktemp("gapped") / "data")
    store.import_files(recorded_dir / "models-2025-11-12.json.gz", progress=False)
    before = store.history()
    store.import_files(recorded_dir / "models-2026-01-29.json.gz", progress=False)
    return before, store.history()


@pytest.fixture
def gapped(gapped_histories: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(months apart then hourly, months apart then hourly then weeks apart): copies for one test."""
    before, after = gapped_histories
    return before.copy(), after.copy()


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
    markers = [line for line in ax.get_lines() if line.get_marker() == "o" and line.get_linestyle() == "None"]
    changes = oc.price_changes(history[history["id"] == "deepseek/deepseek-v3.2"], fields=["prompt_usd_per_mtok"])
    assert len(markers[0].get_xdata()) == len(changes) + 1  # the first price, then each change
    save(ax, tmp_path / "history.png")
    auto = oc.plot_price_history(history)  # default: the models that moved, at most 12
    texts = [t.get_text() for t in auto.get_legend().get_texts()]
    moved = history.groupby("id")["prompt_usd_per_mtok"].nunique(dropna=True)
    drawn = [t for t in texts if t in set(history["id"].astype(str))]
    assert 1 <= len(drawn) <= 12
    # trial Q: a subset says it is one (12 of 38 were drawn without a word)
    said = [t for t in texts if "models whose price moved" in t]
    assert said == (
        [f"{len(drawn)} of the {int((moved > 1).sum())} models whose price moved (most prices first)"]
        if (moved > 1).sum() > len(drawn)
        else []
    )
    with pytest.raises(oc.InvalidParameterError, match="no model"):
        oc.plot_price_history(history, "nobody/nothing")


def test_price_vs_context_marks_free_models_and_the_frontier(latest: pd.DataFrame, tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    assert oc.plot_price_vs_context(latest, ax=ax) is ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    paid, free, front = ax.collections[:3]
    n_free = int(
        (
            (latest["prompt_usd_per_mtok"] == 0) & latest["is_free"].fillna(False) & latest["context_length"].notna()
        ).sum()
    )
    assert len(free.get_offsets()) == n_free
    assert len(paid.get_offsets()) + n_free >= 300
    frontier = oc.frontier(latest[latest["prompt_usd_per_mtok"] > 0])
    assert {t.get_text() for t in ax.texts} == set(frontier["id"])
    assert "USD per million tokens" in ax.get_xlabel()
    save(ax, tmp_path / "pvc.png")
    # the free column is zero, labelled so, apart from every price and from every price tick
    (at,) = set(free.get_offsets()[:, 0])
    ticks = {float(v): t.get_text() for v, t in zip(ax.get_xticks(), ax.get_xticklabels())}
    assert ticks[at] == "0 (free)" and sum(text == "0 (free)" for text in ticks.values()) == 1
    lowest = float(paid.get_offsets()[:, 0].min())
    (sep,) = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert at < sep < lowest and all(v > sep for v in ticks if v != at)
    assert all(v > sep for v in ax.xaxis.get_minorticklocs()) and ax.get_xlim()[0] < at


def test_market_trend_and_catalog_size(history: pd.DataFrame, tmp_path: Path) -> None:
    trend = oc.market_trend(history)
    ax = oc.plot_market_trend(trend)
    medians = [line for line in ax.get_lines() if line.get_label().endswith("median")]
    assert len(medians) == 2 and len(ax.collections) == 2
    assert len(medians[0].get_xdata()) == len(trend)
    edges = [line for line in ax.get_lines() if line.get_linestyle() == "--"]  # each band's q1 and q3 drawn
    assert sorted(tuple(line.get_ydata()) for line in edges) == sorted(
        tuple(trend[f"{side}_{q}"]) for side in ("prompt", "completion") for q in ("q1", "q3")
    )
    save(ax, tmp_path / "trend.png")
    with pytest.raises(oc.InvalidParameterError, match="without by"):
        oc.plot_market_trend(oc.market_trend(history, by="author"))
    ax = oc.plot_catalog_size(history)
    sizes = oc.catalog_size(history)
    drawn = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    assert list(drawn[0::2]) == list(sizes["n_models"])  # each count at its snapshot ...
    assert list(drawn[1::2]) == list(sizes["n_models"][:-1])  # ... held until the next one (no gap here)
    assert len(ax.get_lines()[1].get_xdata()) == 0  # no lone snapshot: no dots
    bars = ax.right.patches  # added, returned, removed per period of the axis (hourly snapshots share one)
    assert len(bars) % 3 == 0 and 0 < len(bars) // 3 < len(sizes) - 1
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
    assert ax.get_title().replace("\n", " ") == (
        "Cost of 100,000 prompt (30,000 cached) + 20,000 completion tokens: the 15 cheapest models"
    )
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


def _boxes_of(ax: plt.Axes) -> list:
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    from matplotlib.text import Text

    return [Text.get_window_extent(t, renderer) for t in ax.texts]  # the text itself, not its leader line


def _leaders_of(ax: plt.Axes) -> list[np.ndarray]:
    """The drawn leader line of each label, as a polyline in display pixels (after a draw)."""
    out = []
    for text in ax.texts:
        arrow = text.arrow_patch
        out.append(np.asarray(arrow.get_transform().transform_path(arrow.get_path()).vertices))
    return out


def _segments_cross(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two polylines (pixels) have a pair of segments that properly intersect."""

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> float:
        return float((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))

    for p1, p2 in zip(a, a[1:]):
        for q1, q2 in zip(b, b[1:]):
            d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
            d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
            if d1 * d2 < 0 and d3 * d4 < 0:
                return True
    return False


def _runs_through(line: np.ndarray, box: object) -> bool:
    """Whether a polyline (pixels) passes through the inside of a text box (1 px margin), by 200
    points per segment."""
    x0, y0, x1, y1 = box.x0 + 1, box.y0 + 1, box.x1 - 1, box.y1 - 1  # type: ignore[attr-defined]
    for p, q in zip(line, line[1:]):
        pts = p + np.linspace(0, 1, 200)[:, None] * (q - p)
        if ((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)).any():
            return True
    return False


@pytest.mark.parametrize("catalog", ["latest", "2026-08-17"])
@pytest.mark.parametrize("size", [(11, 6.5), (10, 6), (7, 4.5)])  # the CLI's, the notebooks' and a small one
def test_frontier_labels_never_overlap(
    latest: pd.DataFrame, recorded_dir: Path, catalog: str, size: tuple[float, float], tmp_path: Path
) -> None:
    """No two labels overlap, and no two leader lines cross (notebook 01 drew ibm-granite's leader
    across mistral-nemo's, issue 15); no label text comes within 4.5 pt of the frontier line's
    centre (F13: "~deepseek/deepseek-v4-flash-latest" sat 4.2 pt under it on 2026-08-17, read as
    touching); the legend sits below the x label (at 7 in it covered it)."""
    if catalog != "latest":
        latest = models_frame(
            orjson.loads(read_body(recorded_dir / "catalogs-2026-06-08" / f"models-{catalog}.json.gz"))["data"]
        )
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    oc.plot_price_vs_context(latest, ax=ax)
    boxes = _boxes_of(ax)
    frontier = oc.frontier(latest[latest["prompt_usd_per_mtok"] > 0])
    assert len(boxes) == len(frontier) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    leaders = _leaders_of(ax)
    assert len(leaders) == len(boxes) and all(len(line) >= 2 for line in leaders)
    names = [t.get_text() for t in ax.texts]
    for i, a in enumerate(leaders):
        for j in range(i + 1, len(leaders)):
            assert not _segments_cross(a, leaders[j]), (names[i], names[j])
        for j, box in enumerate(boxes):  # nor through another label
            assert j == i or not _runs_through(a, box), (names[i], names[j])
    inside = ax.get_window_extent()
    assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and b.y1 <= inside.y1 for b in boxes)
    (step,) = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    drawn = np.asarray(step.get_transform().transform_path(step.get_path()).vertices)  # pixels, stepped
    line = np.concatenate([p + np.linspace(0, 1, 200)[:, None] * (q - p) for p, q in zip(drawn, drawn[1:])])
    for name, b in zip(names, boxes):
        dx = np.maximum(np.maximum(b.x0 - line[:, 0], 0), line[:, 0] - b.x1)
        dy = np.maximum(np.maximum(b.y0 - line[:, 1], 0), line[:, 1] - b.y1)
        assert np.hypot(dx, dy).min() >= 4.5 * fig.dpi / 72, name
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 <= ax.xaxis.label.get_window_extent().y0 and legend.y1 <= inside.y0
    fig.savefig(tmp_path / "pvc.png", dpi=60)


def test_price_history_series_stay_apart_and_zero_is_drawn(history: pd.DataFrame, tmp_path: Path) -> None:
    ax = oc.plot_price_history(history)
    ids = [t.get_text() for t in ax.get_legend().get_texts()]
    steps = [line for line in ax.get_lines() if line.get_label() in ids]
    looks = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in steps}
    assert len(looks) == len(steps) and len({line.get_linestyle() for line in steps}) > 1
    assert len({line.get_marker() for line in steps}) == len(steps)  # each series its own marker
    # the legend shows each marker as drawn, hollow or filled (trial R: hollow on the chart, filled in the legend)
    for line in steps:
        drawn = [m for m in ax.get_lines() if m.get_marker() == line.get_marker() and m.get_label().startswith("_")]
        assert drawn and all(m.get_markerfacecolor() == line.get_markerfacecolor() for m in drawn), line.get_label()
    assert len({str(line.get_markerfacecolor()) for line in steps}) > 1  # some hollow, some filled
    # a model made free halfway (no recorded model was; the prices before are the real ones)
    mid = "deepseek/deepseek-v3.2"
    times = sorted(history["fetched_at"].unique())
    later = (history["id"] == mid) & (history["fetched_at"] >= times[len(times) // 2])
    free = history.copy()
    free.loc[later, "prompt_usd_per_mtok"] = 0.0
    ax = oc.plot_price_history(free, [mid, "openai/gpt-4o", "qwen/qwen2.5-vl-72b-instruct"])
    assert ax.get_yscale() == "log"
    floor = [line for line in ax.get_lines() if str(line.get_label()).startswith("price 0")]
    assert len(floor) == 1
    level = float(floor[0].get_ydata()[0])
    positive = free.loc[free["prompt_usd_per_mtok"] > 0, "prompt_usd_per_mtok"]
    assert 0 < level < positive[free["id"].isin([mid, "openai/gpt-4o", "qwen/qwen2.5-vl-72b-instruct"])].min()
    step = next(line for line in ax.get_lines() if line.get_label() == mid)
    y = np.asarray(step.get_ydata(), dtype=float)
    assert np.isfinite(y).all() and (y == level).sum() == int(later.sum())  # every free snapshot drawn on the floor
    lo, hi = ax.get_ylim()
    assert lo < level < hi
    ax.figure.savefig(tmp_path / "free.png", dpi=60)
    # the floor's tick reads 0, and no price tick sits at or below it (rendered, then read back)
    major = {float(v): t.get_text() for v, t in zip(ax.get_yticks(), ax.get_yticklabels()) if lo <= v <= hi}
    minor = {
        float(v): t.get_text()
        for v, t in zip(ax.yaxis.get_minorticklocs(), ax.yaxis.get_minorticklabels())
        if lo <= v <= hi
    }
    # "0", not "0 (free)": one price of 0 is not a free model (trial)
    assert major[level] == "0" and [t for t in {**major, **minor}.values() if t == "0" or t.startswith("0 (")] == ["0"]
    lowest = float(positive[free["id"].isin([mid, "openai/gpt-4o", "qwen/qwen2.5-vl-72b-instruct"])].min())
    assert all(v > level * 1.15 and text != f"{level:g}" for v, text in {**major, **minor}.items() if v != level)
    assert all(v >= lowest * 0.8 for v in {**major, **minor} if v != level)


def test_price_history_carries_a_zero_on_while_the_key_goes_unlisted(hourly_history: pd.DataFrame) -> None:
    """Trial N (#15): in the hourly series z-ai/glm-4.7's cache read goes 0.11 -> ``"0"``, then
    between ``"0"`` and absent (from 2025-12-23) while the model stays listed to 2026-01-07; its line
    stopped at each absence, as if the model had gone. ``"0"`` and an absent optional key are one
    price (the zero/absent rule, no event in ``price_changes``): the line carries on at 0 to its last
    snapshot, unbroken, with no X."""
    mid, field = "z-ai/glm-4.7", "price_input_cache_read"
    g = hourly_history[hourly_history["id"] == mid].sort_values("fetched_at")
    raw = g[field].to_numpy(dtype=float, na_value=np.nan)
    zero_from = int(np.flatnonzero(raw == 0)[0])
    after = raw[zero_from:]
    assert raw[0] > 0 and np.isnan(after).sum() > 100 and (after[~np.isnan(after)] == 0).all()
    events = oc.price_changes(g, fields=[field])
    assert not (events["kind"] == "no longer listed").any()  # the rule: absent after "0" is no event
    ax = oc.plot_price_history(hourly_history, [mid, "deepseek/deepseek-v3.2"], field=field)
    (step,) = [line for line in ax.get_lines() if line.get_label() == mid]
    x, y = np.asarray(step.get_xdata()), np.asarray(step.get_ydata(), dtype=float)
    assert len(y) == len(raw) and np.isfinite(y).all()  # one point per snapshot, no break
    assert (y[zero_from:] == y[zero_from]).all() and y[zero_from] < y[0]  # at the zero level to the end
    last = plt.matplotlib.dates.date2num(g["fetched_at"].max().tz_localize(None))
    assert plt.matplotlib.dates.date2num(x).max() == pytest.approx(last)
    assert not [line for line in ax.get_lines() if line.get_gid() == f"{mid} no longer listed"]
    plt.close(ax.figure)


def test_price_history_breaks_where_a_model_was_not_listed_and_marks_its_return(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """#15 leftover: a model missing from one snapshot and listed again (qwen/qwen-max and
    qwen/qwen-plus: listed on 2026-01-01, not on 01-15, listed again on 01-29) had its price held
    across the absence as if listed. Now, by the one absence rule (``absences``, as ``lifecycle``
    counts its ``gaps``), its line stops at its last listing, an X marks the snapshot that did not
    list it (at its last price), and its first price back is a marker of its own."""
    from orcatalog.analysis.changes import absences

    store = oc.SnapshotStore(tmp_path / "s")
    days = ["2026-01-01", "2026-01-15", "2026-01-29"]
    store.import_files([recorded_dir / f"models-{d}.json.gz" for d in days], progress=False)
    history = store.history()
    gone = absences(history)
    back = gone[gone["back_at"].notna()]
    ids = sorted(back["id"])[:2]
    assert len(ids) == 2 and oc.lifecycle(history).set_index("id").loc[ids, "gaps"].tolist() == [1, 1]
    left, returned = pd.Timestamp(days[1], tz="UTC"), pd.Timestamp(days[2], tz="UTC")
    assert set(back["left_at"]) == {left} and set(back.loc[back["id"].isin(ids), "back_at"]) == {returned}
    to_x = plt.matplotlib.dates.date2num
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    oc.plot_price_history(history, ids, ax=ax)
    for mid in ids:
        price = float(
            history.loc[(history["id"] == mid) & (history["fetched_at"] == days[0]), "prompt_usd_per_mtok"].iloc[0]
        )
        (step,) = [line for line in ax.get_lines() if line.get_label() == mid]
        x, y = to_x(np.asarray(step.get_xdata())), np.asarray(step.get_ydata(), dtype=float)
        # the line: its price on 01-01, a break at the same time, then its price from 01-29; no 01-15 point
        assert np.isnan(y).sum() == 1 and not np.isin(x, to_x(left.tz_localize(None))).any()
        held = x[np.isfinite(y)]
        assert held.min() == pytest.approx(to_x(pd.Timestamp(days[0]))) and held.max() == pytest.approx(
            to_x(pd.Timestamp(days[2]))
        )
        assert x[np.flatnonzero(np.isnan(y))[0]] == pytest.approx(to_x(pd.Timestamp(days[0])))
        (mark,) = [line for line in ax.get_lines() if line.get_gid() == f"{mid} no longer listed"]
        assert to_x(mark.get_xdata()[0]) == pytest.approx(to_x(left.tz_localize(None)))
        assert mark.get_ydata()[0] == pytest.approx(price) and price > 0  # at its last price, never 0
        color = step.get_color()
        dots = [line for line in ax.get_lines() if line.get_color() == color and line.get_linestyle() == "None"]
        marked = {round(float(v), 6) for line in dots if line.get_gid() is None for v in to_x(line.get_xdata())}
        assert round(float(to_x(pd.Timestamp(days[2]))), 6) in marked  # its return is marked
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("no longer listed") for t in labels)
    fig.savefig(tmp_path / "returned.png", dpi=80)


def test_price_history_on_sparse_snapshots_breaks_at_gaps_and_marks_what_is_no_longer_listed(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """The 2026 catalogs, 59 days apart (issue 15, final trial): each line was held flat across the
    59 days and every change stacked at the last snapshot; a cache price whose key vanished had no
    mark; the title read ``Price history: price_input_cache_read_usd_per_mtok``. Now no line crosses
    the grey gap, each snapshot's price is a marker, a price no longer listed is marked at the
    snapshot that stopped listing it (at its last price, never 0), and the title is in words."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(sorted((recorded_dir / "catalogs-2026-06-08").glob("models-*.json.gz")), progress=False)
    history = store.history()
    first, last = sorted(history["fetched_at"].unique())
    gone = oc.price_changes(history, fields=["price_input_cache_read"])
    gone = gone[gone["kind"] == "no longer listed"].drop_duplicates("id").head(4)
    assert len(gone) >= 2
    to_x = plt.matplotlib.dates.date2num
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_price_history(history, list(gone["id"]), field="price_input_cache_read_usd_per_mtok", ax=ax)
    assert ax.get_title() == "Input cache read price history"
    for mid, at, old in gone[["id", "fetched_at", "old"]].itertuples(index=False):
        (mark,) = [line for line in ax.get_lines() if line.get_gid() == f"{mid} no longer listed"]
        assert to_x(mark.get_xdata()[0]) == pytest.approx(to_x(at.tz_localize(None)))
        assert mark.get_ydata()[0] == pytest.approx(old) and old > 0  # at its last price, not at 0
        (step,) = [line for line in ax.get_lines() if line.get_label() == mid]
        y = np.asarray(step.get_ydata(), dtype=float)
        assert not (y == 0).any()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("no longer listed") for t in labels) and "no snapshots (a long gap)" in labels
    fig.savefig(tmp_path / "gone.png", dpi=60)

    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    moved = oc.movers(history, first, last, n=5)
    ids = list(moved["id"].head(5))
    oc.plot_price_history(history, ids, ax=ax)
    a, b = to_x(first.tz_localize(None)), to_x(last.tz_localize(None))
    assert any(a < p.get_x() < p.get_x() + p.get_width() < b for p in ax.patches)  # the gap, grey
    for mid in ids:
        (step,) = [line for line in ax.get_lines() if line.get_label() == mid]
        x, y = to_x(np.asarray(step.get_xdata())), np.asarray(step.get_ydata(), dtype=float)
        held = np.isfinite(y[:-1]) & np.isfinite(y[1:])
        assert not (held & (x[:-1] < b) & (x[1:] > a) & (x[:-1] != x[1:])).any()  # no line across the gap
    markers = [
        line
        for line in ax.get_lines()
        if line.get_marker() not in ("None", "", None) and line.get_linestyle() == "None"
    ]
    seen = sorted({round(float(v), 6) for line in markers for v in to_x(np.asarray(line.get_xdata()))})
    assert seen == [round(a, 6), round(b, 6)] and len(markers) >= len(ids)
    for line in markers[: len(ids)]:
        assert len(line.get_xdata()) == 2  # each model's price at both snapshots, not stacked at the last
    fig.savefig(tmp_path / "sparse.png", dpi=60)


def test_price_history_leaks_no_matplotlib_warning(history: pd.DataFrame, tmp_path: Path) -> None:
    """Several models on a log axis with a price 0 among them made matplotlib warn "Attempting to set
    identical low and high ylims", which the CLI showed as its own warning (issue 15, third trial);
    one model at one price is no y range either."""
    import warnings

    price = history.groupby("id")["prompt_usd_per_mtok"].agg(["min", "max"])
    steady = price[price["min"] == price["max"]]
    mid = str(steady[steady["min"] == 0.2].index[0])  # made free at the last snapshot: price 0 drawn at 0.1
    ids = [str(steady[steady["min"] > 40].index[0]), mid]  # over 20x apart: a log axis
    free = history.copy()
    free.loc[(free["id"] == mid) & (free["fetched_at"] == free["fetched_at"].max()), "prompt_usd_per_mtok"] = 0.0
    one = str(steady.index[0])
    level = float(steady["min"].iloc[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = oc.plot_price_history(free, ids)
        assert ax.get_yscale() == "log"
        floor = [line for line in ax.get_lines() if str(line.get_label()).startswith("price 0")]
        assert float(floor[0].get_ydata()[0]) == 0.1  # a decade: what made the axis singular
        lo, hi = ax.get_ylim()
        prices = free.loc[free["id"].isin(ids), "prompt_usd_per_mtok"]
        assert lo < prices[prices > 0].min() and hi > prices.max()  # every price inside the axis
        save(ax, tmp_path / "several.png")
        plt.close("all")
        ax = oc.plot_price_history(history, [one])
        lo, hi = ax.get_ylim()
        assert lo < level < hi and hi - lo > level * 0.1  # a range around the one price, not a singular one
        save(ax, tmp_path / "one.png")


def test_catalog_size_steps_from_zero_breaks_at_gaps_and_keeps_the_legend_off(
    gapped: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    _, h = gapped  # months apart, then hourly, then weeks apart: real gaps
    sizes = oc.catalog_size(h)
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(h, ax=ax)
    assert ax.get_ylim()[0] == 0
    y = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    assert list(y[0::2]) == list(sizes["n_models"])
    held = y[1::2]
    assert np.isnan(held[0]) and np.isnan(held[-1])  # the two long gaps: no line across
    assert (held[1:-1] == sizes["n_models"].to_numpy()[1:-2]).all()  # hourly steps held
    assert len([p for p in ax.patches if p.get_label() == "no snapshots (a long gap)" or p.get_alpha() == 0.12]) == 2
    dots = ax.get_lines()[1]  # a count with a long gap on both sides has no line: it is a dot
    assert dots.get_linestyle() == "None" and list(dots.get_ydata()) == list(sizes["n_models"].iloc[[0, -1]])
    assert ax.get_zorder() > ax.right.get_zorder()  # the line over the bars
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 <= ax.get_window_extent().y0  # below the plot: never over the line
    fig.savefig(tmp_path / "size.png", dpi=60)


def test_catalog_size_bars_add_up_and_never_cover_each_other(
    gapped: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """Snapshots an hour apart on a months-long axis: their bars are summed per period, never drawn
    over each other, and every added, returned and removed model is in exactly one bar."""
    sizes = oc.catalog_size(gapped[0])
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(sizes, ax=ax)
    rects = [p for p in ax.right.patches if p.get_label() != "no snapshots (a long gap)"]
    green = sorted(
        (r for r in rects if r.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb("tab:green")),
        key=lambda r: r.get_x(),
    )
    assert len(green) < len(sizes) - 1  # an hour apart: several snapshots share a bar
    for a, b in zip(green, green[1:]):
        assert a.get_x() + a.get_width() <= b.get_x() + 1e-9  # side by side, never over each other
    period = _bar_period_days(ax)  # a gap's bar: its changes per the period the axis names
    heights = {
        c: sum(
            r.get_height() * max(r.get_width() / period, 1.0) if r.get_hatch() else r.get_height()
            for r in rects
            if r.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb(c)
        )
        for c in ("tab:green", "tab:blue", "tab:red")
    }
    heights = {c: round(v, 6) for c, v in heights.items()}
    assert heights["tab:green"] == sizes["added"].iloc[1:].sum()
    assert heights["tab:blue"] == sizes["returned"].iloc[1:].sum()
    assert -heights["tab:red"] == sizes["removed"].iloc[1:].sum()
    assert "per " in ax.right.get_ylabel() and "snapshot" not in ax.right.get_ylabel()
    fig.savefig(tmp_path / "bars.png", dpi=60)


def test_daily_snapshots_get_daily_bars_that_end_at_their_snapshots(
    hourly_bodies: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    """The hourly series' bodies taken once a day for 40 days: one bar per day (labelled so), each
    ending at its snapshot, none drawn after the last snapshot, every change counted once."""
    store = oc.SnapshotStore(tmp_path / "s")
    day0 = pd.Timestamp("2026-03-01T06:00Z")
    store.import_bodies(
        [(day0 + pd.Timedelta(days=i), body) for i, (_, body) in enumerate(hourly_bodies[::4][:40])], progress=False
    )
    sizes = oc.catalog_size(store.history())
    assert len(sizes) == 40 and sizes[["added", "removed"]].iloc[1:].to_numpy().sum() > 0
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(sizes, ax=ax)
    assert ax.right.get_ylabel().endswith("per day")
    last = plt.matplotlib.dates.date2num(sizes["fetched_at"].max().tz_localize(None))
    rects = [p for p in ax.right.patches if p.get_height() != 0]
    assert rects and all(r.get_x() + r.get_width() <= last + 1e-9 for r in rects)  # nothing after the last snapshot
    assert all(r.get_width() == pytest.approx(1.0) for r in rects)  # one day, in matplotlib's day units
    changed = sizes.iloc[1:][(sizes[["added", "returned", "removed"]].iloc[1:] != 0).any(axis=1)]
    ends = {round(r.get_x() + r.get_width(), 6) for r in rects}
    assert ends == {round(plt.matplotlib.dates.date2num(t.tz_localize(None)), 6) for t in changed["fetched_at"]}
    fig.savefig(tmp_path / "daily.png", dpi=60)


def test_a_bar_after_a_long_gap_spans_the_gap(gapped: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    """Weeks without snapshots, then one: what changed over those weeks is one bar from the snapshot
    before to that one, not drawn as one period's (issue 15 trial: +115 in 59 days drawn as a week's)."""
    sizes = oc.catalog_size(gapped[1])
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(sizes, ax=ax)
    to_x = plt.matplotlib.dates.date2num
    t = [ts.tz_localize(None) for ts in sizes["fetched_at"]]
    green = [r for r in ax.right.patches if r.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb("tab:green")]
    for i in (1, len(t) - 1):  # the first hourly snapshot (36 days after 2025-11-12), and 2026-01-29
        (bar,) = [r for r in green if r.get_x() + r.get_width() == pytest.approx(to_x(t[i]))]
        assert bar.get_x() == pytest.approx(to_x(t[i - 1]))  # it starts at the snapshot before
        # one unit on the right axis: a gap's changes averaged per bar period (the solid bars' width)
        period = _bar_period_days(ax)
        assert bar.get_height() == pytest.approx(sizes["added"].iloc[i] / (bar.get_width() / period))
    rects = sorted(green, key=lambda r: r.get_x())
    for a, b in zip(rects, rects[1:]):
        assert a.get_x() + a.get_width() <= b.get_x() + 1e-9  # side by side, never over each other
    assert any("longer gap" in t.get_text() for t in ax.get_legend().get_texts())
    fig.savefig(tmp_path / "gap.png", dpi=60)


def test_catalog_size_right_axis_fits_and_draws_no_line_that_reads_as_a_count(
    dated_files: list[Path], tmp_path: Path
) -> None:
    """#15 leftover, seen on the dated bodies at a notebook's figure size (10 x 5 in): the right
    axis's two-line label ran off the figure, and its zero line crossed the chart at the height of
    about 190 models listed, read as a level of the size line. The label is one line inside the
    figure, the hatched bar is explained in the legend, and no line is drawn at the bars' zero."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(dated_files, progress=False)
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    oc.plot_catalog_size(store.history(), ax=ax)
    fig.savefig(tmp_path / "size.png", dpi=80)
    label = ax.right.yaxis.label
    box, inside = label.get_window_extent(), fig.bbox
    assert "\n" not in label.get_text()
    assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
    flat = [line for line in ax.right.get_lines() if len(set(np.asarray(line.get_ydata(), dtype=float))) == 1]
    assert not flat  # no horizontal line on the bars' axis
    assert any("hatched" in t.get_text() for t in ax.get_legend().get_texts())


def test_catalog_size_explains_a_hatched_bar_only_when_one_is_drawn(hourly_history: pd.DataFrame) -> None:
    """Notebook 02's hourly series: the legend explained a "wide hatched bar" that no bar was
    (a gap's bar without a change has no height): the entry is there only when one is drawn."""
    ax = oc.plot_catalog_size(hourly_history)
    drawn = [r for r in ax.right.patches if r.get_hatch() and r.get_height() != 0]
    said = any("hatched" in t.get_text() for t in ax.get_legend().get_texts())
    assert said == bool(drawn) and not drawn
    plt.close(ax.figure)


def _bar_period_days(ax: plt.Axes) -> float:
    """The period the catalog-size bars count per, in days, as the right axis names it
    (``... per 6 hours``, ``per day``, ``per 2 weeks``)."""
    words = ax.right.get_ylabel().rsplit(" per ", 1)[1].split()
    count, unit = (1.0, words[0]) if len(words) == 1 else (float(words[0]), words[1])
    return count * {"hour": 1 / 24, "day": 1.0, "week": 7.0}[unit.removesuffix("s")]


def test_gap_spans_lie_between_consecutive_snapshots_and_the_right_axis_has_one_unit(
    series_store: oc.SnapshotStore, recorded_dir: Path, tmp_path: Path
) -> None:
    """Snapshots weeks apart in a row: the grey "no snapshots" band ran 2026-01-07 to 08-17 over the
    snapshots inside it, and the right axis mixed per-period bars with totals over whole gaps (issue
    15, fourth trial). Each band lies between two consecutive snapshots, apart from the next one, and
    each gap's bar is its changes averaged per the period the axis names."""
    store = copy_store(series_store, tmp_path / "data")  # hourly to 2026-01-07, then weeks apart, three in a row
    store.import_files([recorded_dir / f"models-2026-{d}.json.gz" for d in ("01-15", "01-29", "04-17")], progress=False)
    sizes = oc.catalog_size(store.history())
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(sizes, ax=ax)
    to_x = plt.matplotlib.dates.date2num
    t = np.array([to_x(ts.tz_localize(None)) for ts in sizes["fetched_at"]])
    spans = sorted(
        (p.get_x(), p.get_x() + p.get_width())
        for p in ax.patches
        if p.get_label() == "no snapshots (a long gap)" or p.get_alpha() == 0.12
    )
    assert len(spans) >= 3
    for x0, x1 in spans:
        (i,) = np.flatnonzero(t < x0)[-1:]  # the snapshot before the band
        assert t[i] < x0 < x1 < t[i + 1]  # between two consecutive snapshots, over none
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))  # bands in a row stay apart
    period = ax.right.get_ylabel().rsplit(" per ", 1)[1]
    assert any(t.get_text().endswith(f"averaged per {period}") for t in ax.get_legend().get_texts())
    days = _bar_period_days(ax)
    hatched = [
        r
        for r in ax.right.patches
        if r.get_hatch() and r.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb("tab:green")
    ]
    ends = {round(x, 6): k for k, x in enumerate(t)}
    assert hatched
    for bar in hatched:
        k = ends[round(bar.get_x() + bar.get_width(), 6)]
        assert bar.get_height() == pytest.approx(sizes["added"].iloc[k] / max(bar.get_width() / days, 1.0))
    fig.savefig(tmp_path / "gaps.png", dpi=60)


def test_two_snapshots_months_apart_are_two_dots_not_a_held_line(dated_files: list[Path], tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([dated_files[0], dated_files[-1]], progress=False)
    ax = oc.plot_catalog_size(store.history())
    y = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    assert np.isnan(y[1])  # nothing is known between them
    assert len(ax.get_lines()[1].get_ydata()) == 2


def test_two_catalogs_59_days_apart_are_counted_per_the_period_the_axis_names(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """The 2026 catalogs, 59 days apart: the bars were labelled "per 13 weeks" but drew the raw
    counts of the 59 days (issue 15, final trial). The gap's bar spans the gap and is its changes
    per the period the axis names, a period no longer than the gap."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(sorted((recorded_dir / "catalogs-2026-06-08").glob("models-*.json.gz")), progress=False)
    sizes = oc.catalog_size(store.history())
    gap_days = (sizes["fetched_at"].iloc[1] - sizes["fetched_at"].iloc[0]) / pd.Timedelta("1D")
    assert gap_days > 31 and sizes["added"].iloc[1] > 0
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(sizes, ax=ax)
    period = _bar_period_days(ax)
    assert period < gap_days
    green = [r for r in ax.right.patches if r.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb("tab:green")]
    (bar,) = green
    assert bar.get_width() == pytest.approx(gap_days) and bar.get_hatch()
    assert bar.get_height() == pytest.approx(sizes["added"].iloc[1] / (gap_days / period))
    assert any(t.get_text().endswith(f"averaged per {_duration_of(ax)}") for t in ax.get_legend().get_texts())
    fig.savefig(tmp_path / "two.png", dpi=60)


def _duration_of(ax: plt.Axes) -> str:
    """The words of the catalog-size bars' period on the right axis (``day``, ``2 weeks``)."""
    return ax.right.get_ylabel().rsplit(" per ", 1)[1]


def test_catalog_size_breaks_at_a_month_without_snapshots_whatever_the_count(
    dated_files: list[Path], tmp_path: Path
) -> None:
    """Every recorded catalog: the line was held flat across 174 days (the usual interval, a month,
    made nothing a gap), while two snapshots 59 days apart drew a grey gap (issue 15, final trial).
    One rule: more than a month without a snapshot is a gap, a grey band with no line, and its bar is
    hatched, however many snapshots there are."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(dated_files, progress=False)
    sizes = oc.catalog_size(store.history())
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_catalog_size(sizes, ax=ax)
    to_x = plt.matplotlib.dates.date2num
    t = np.array([to_x(ts.tz_localize(None)) for ts in sizes["fetched_at"]])
    long = np.flatnonzero(np.diff(t) > 31)
    assert len(long) >= 2  # 2024-09-27 to 2025-02-08, 2025-05-22 to 11-12, ...
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches if p.get_alpha() == 0.12]
    line = ax.get_lines()[0]
    lx, ly = to_x(np.asarray(line.get_xdata())), np.asarray(line.get_ydata(), dtype=float)
    hatched_ends = {round(r.get_x() + r.get_width(), 6) for r in ax.right.patches if r.get_hatch()}
    for i in long:
        assert any(t[i] < x0 < x1 < t[i + 1] for x0, x1 in spans)  # a grey band over the gap
        inside = (lx > t[i]) & (lx < t[i + 1])
        assert not inside.any() and np.isnan(ly[np.flatnonzero(lx == t[i])[-1]])  # no line across it
        assert round(t[i + 1], 6) in hatched_ends or sizes.iloc[i + 1][["added", "returned", "removed"]].sum() == 0
    fig.savefig(tmp_path / "dated.png", dpi=60)


def test_market_trend_breaks_its_lines_and_bands_at_long_gaps(gapped: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Daily periods with weeks between some snapshots: no median line or band bridges those weeks."""
    trend = oc.market_trend(gapped[1])  # weeks apart, then hourly, then weeks apart
    steps = pd.DatetimeIndex(trend["period"]).to_series().diff().dropna()
    long = int((steps > max(8 * steps.median(), pd.Timedelta("1D"))).sum())
    assert long == 2
    _assert_broken(oc.plot_market_trend(trend), trend, long)


def _assert_broken(ax: plt.Axes, trend: pd.DataFrame, long: int) -> None:
    """The market trend's median lines break once per long gap; its bands, cut into one polygon per
    stretch of periods between gaps, cover the stretches of two or more; a period alone is two bars."""
    from matplotlib.collections import PolyCollection

    stretches = np.split(np.arange(len(trend)), long_after(trend, long))
    alone = sum(len(s) == 1 for s in stretches)
    assert len(stretches) == long + 1
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        if line.get_linestyle() == "--":  # a band's edge: none at a period alone
            assert np.isfinite(y).sum() == len(trend) - alone
        else:
            assert int(np.isnan(y).sum()) == long and np.isfinite(y).sum() == len(trend)
    for band in [c for c in ax.collections if isinstance(c, PolyCollection)]:
        assert len(band.get_paths()) == long + 1 - alone
    bars = [c for c in ax.collections if str(c.get_gid()).endswith("quartiles alone")]
    assert [len(c.get_segments()) for c in bars] == ([alone, alone] if alone else [])


def long_after(trend: pd.DataFrame, long: int) -> list[int]:
    """The row indices where a stretch begins after one of the ``long`` longest steps of ``trend``."""
    steps = pd.DatetimeIndex(trend["period"]).to_series().diff().to_numpy()[1:]
    return sorted((np.argsort(steps)[::-1][:long] + 1).tolist())


def test_market_trend_breaks_at_long_gaps_at_the_reports_frequency(dated_files: list[Path], tmp_path: Path) -> None:
    """The report's weekly trend bridged 11 weeks without a snapshot (2026-01-29 to 04-17, issue 15,
    fourth trial): sparse snapshots made the median step 2 weeks, so only 16 weeks counted as long.
    At any frequency a gap of more than 8 periods (and a day), or of more than a month (the rule the
    catalog-size chart breaks by), breaks the lines and bands."""
    from orcatalog.report import trend_freq

    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([p for p in dated_files if p.name >= "models-2025-11-12"], progress=False)
    history = store.history()
    times = pd.DatetimeIndex(sorted(history["fetched_at"].unique()))
    freq = trend_freq(times)
    assert freq == "W"
    trend = oc.market_trend(history, freq=freq)
    steps = pd.DatetimeIndex(trend["period"]).to_series().diff().dropna()
    long = int((steps > min(pd.Timedelta(weeks=8), pd.Timedelta(days=31))).sum())
    assert long >= 2 and steps.median() < pd.Timedelta(days=31) / 2  # long gaps, and no usual step near them
    _assert_broken(oc.plot_market_trend(trend), trend, long)


def test_market_trend_draws_a_period_alone_as_bars_not_a_band_of_no_width(recorded_dir: Path, tmp_path: Path) -> None:
    """The 2026 catalogs, 59 days apart: each period stood alone, so the quartile "bands" had no
    width while the legend explained them and their overlap (issue 15, final trial). A period alone
    is two bars side by side, from q1 to q3, and the legend names only what is drawn."""
    from orcatalog.report import trend_freq

    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(sorted((recorded_dir / "catalogs-2026-06-08").glob("models-*.json.gz")), progress=False)
    history = store.history()
    trend = oc.market_trend(history, freq=trend_freq(pd.DatetimeIndex(sorted(history["fetched_at"].unique()))))
    assert len(trend) == 2
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_market_trend(trend, ax=ax)
    from matplotlib.collections import PolyCollection

    for poly in [c for c in ax.collections if isinstance(c, PolyCollection)]:  # a band drawn has a width
        for path in poly.get_paths():
            assert np.ptp(path.vertices[:, 0]) > 0
    for side in ("prompt", "completion"):
        (bars,) = [c for c in ax.collections if c.get_gid() == f"{side} quartiles alone"]
        ends = sorted(tuple(sorted(seg[:, 1])) for seg in bars.get_segments())
        assert ends == sorted(zip(trend[f"{side}_q1"], trend[f"{side}_q3"]))
        assert all(lo < hi for lo, hi in ends)
    fig.canvas.draw()  # the two bars of a period stand side by side on the page, not over each other
    bars = [c for c in ax.collections if str(c.get_gid()).endswith("quartiles alone")]
    xs = [sorted(c.get_transform().transform(np.asarray(c.get_segments())[:, 0])[:, 0]) for c in bars]
    assert len(xs) == 2 and all(abs(a - b) >= 4 for a, b in zip(*xs))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("overlap" in t for t in labels)
    assert sum("25th-75th percentile" in t and "bar" in t for t in labels) == 2
    # trial N: at the command line's size the legend ran past both sides of the figure
    box, page = ax.get_legend().get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0, (box, page)
    fig.savefig(tmp_path / "trend.png", dpi=60)


def test_market_trend_explains_its_bands(history: pd.DataFrame) -> None:
    ax = oc.plot_market_trend(oc.market_trend(history))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "where the two bands overlap" in labels and any("25th-75th percentile" in t for t in labels)
    assert "overlap" in (oc.plot_market_trend.__doc__ or "")


def test_long_titles_wrap_inside_the_figure(latest: pd.DataFrame) -> None:
    cost = oc.estimate_cost(latest, 100_000, 5_000, cached_tokens=60_000, reasoning_tokens=2_000, web_searches=2)
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    oc.plot_cost(cost[cost["total_usd"] > 0], n=8, ax=ax)
    title = ax.title.get_text()
    assert "\n" in title and title.replace("\n", " ").startswith("Cost of 100,000 prompt (60,000 cached)")
    fig.canvas.draw()
    box, page = ax.title.get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1


def test_an_unknown_field_names_the_price_fields(history: pd.DataFrame, latest: pd.DataFrame) -> None:
    """``plot price-history --field x`` gave a library-style "lacks the column(s)" message (issue 15
    trial): the error lists the price fields and suggests the likely one, for both price charts."""
    with pytest.raises(
        oc.InvalidParameterError, match=r"field='x' is not a price field.*price fields: .*prompt_usd_per_mtok"
    ):
        oc.plot_price_history(history, field="x")
    with pytest.raises(oc.InvalidParameterError, match=r"did you mean 'completion_usd_per_mtok'\?"):
        oc.plot_price_vs_context(latest, x="completion_usd_per_mtk")


def test_models_without_values_are_an_error_not_an_empty_chart(history: pd.DataFrame) -> None:
    """A price field the chosen models never list drew an empty chart dated 1970 (issue 15 trial P4)."""
    listed = history.groupby(history["id"].astype(str))["price_image"].apply(lambda s: s.notna().any())
    never = list(listed[~listed].index[:2])
    assert len(never) == 2
    with pytest.raises(oc.InvalidParameterError, match=r"no values of price_image for"):
        oc.plot_price_history(history, never, field="price_image")


def test_raw_price_fields_are_labelled_with_their_unit(history: pd.DataFrame) -> None:
    """A raw price_<key> was labelled with its bare name (issue 15 trial P5): the axis says the API's unit."""
    listed = history.groupby(history["id"].astype(str))["price_prompt"].apply(lambda s: s.nunique() > 1)
    ax = oc.plot_price_history(history, list(listed[listed].index[:1]), field="price_prompt")
    assert ax.get_ylabel() == "prompt price (USD per million tokens)"  # the table's unit (its heading's)
    ax = oc.plot_price_history(history, list(listed[listed].index[:1]), field="price_request")
    assert ax.get_ylabel() == "request price (USD per request)"


def _paid_points(ax: plt.Axes) -> np.ndarray:
    """The x values of the paid models' scatter (the collection the legend calls ``paid models``)."""
    (paid,) = [c for c in ax.collections if str(c.get_label()).startswith("paid models")]
    return np.asarray(paid.get_offsets())[:, 0]


def test_price_image_never_draws_a_per_token_rate_on_a_per_image_axis(dated_files: list[Path]) -> None:
    """``plot price-vs-context --field price_image`` drew per-token rates (equal to the prompt price)
    on an axis labelled "USD per input image" (issue 15 trial): the tables' rule leaves them out."""
    from orcatalog.schema import image_is_token_rate

    (mixed,) = [p for p in dated_files if p.name == "models-2025-12-18.json.gz"]  # per-image fees and token rates
    models = models_frame(orjson.loads(read_body(mixed))["data"])
    image = models["price_image"].to_numpy(dtype=float, na_value=np.nan)
    rate = image_is_token_rate(image, models["price_prompt"].to_numpy(dtype=float, na_value=np.nan))
    fees = (image > 0) & ~rate & (models["context_length"].to_numpy(dtype=float, na_value=np.nan) > 0)
    assert rate.sum() >= 1 and fees.sum() >= 10
    ax = oc.plot_price_vs_context(models, x="price_image")
    drawn = _paid_points(ax)
    assert sorted(drawn) == sorted(image[fees]) and not set(drawn) & set(image[rate])
    assert ax.get_xlabel() == "image price (USD per input image)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"{rate.sum()} not drawn, price_image in another unit: image (USD per image input token)" in labels
    front = [line for line in ax.get_lines() if str(line.get_label()).startswith("frontier")]
    assert set(front[0].get_xdata()) <= set(image[fees])  # the frontier only through points drawn

    latest = models_frame(orjson.loads(read_body(dated_files[-1]))["data"])  # every price_image a token rate
    with pytest.raises(oc.InvalidParameterError, match=r"no model has a value of price_image to draw \(\d+ list"):
        oc.plot_price_vs_context(latest, x="price_image")


def test_price_charts_take_the_names_tables_print(latest: pd.DataFrame, history: pd.DataFrame) -> None:
    """``plot --field price_input_cache_read_usd_per_mtok`` (the table's heading) was refused; only
    the column's own name worked (issue 15 trial). Both names draw the same prices, each in its unit."""
    from orcatalog.cli.output import table_text

    heading = "price_input_cache_read_usd_per_mtok"
    assert heading in table_text(latest[["id", "price_input_cache_read"]].head(3)).splitlines()[0]
    per_mtok = _paid_points(oc.plot_price_vs_context(latest, x=heading))
    per_token = _paid_points(oc.plot_price_vs_context(latest, x="price_input_cache_read"))
    assert len(per_mtok) > 50 and per_mtok == pytest.approx(per_token)  # both in the table's unit
    ax = oc.plot_price_vs_context(latest, x=heading)
    assert ax.get_xlabel() == "input cache read price (USD per million tokens)"
    assert oc.plot_price_history(history, ["deepseek/deepseek-v3.2"], field="price_prompt_usd_per_mtok").get_lines()
    with_image = str(history.loc[history["price_image"].astype(float) > 0, "id"].iloc[0])
    ax = oc.plot_price_history(history, [with_image], field="price_image_usd")
    assert ax.get_ylabel() == "image price (USD per input image)"  # the heading's unit, not "unit unknown"
    ax = oc.plot_price_history(history, [with_image], field="price_request_usd")
    assert ax.get_ylabel() == "request price (USD per request)"
    with pytest.raises(oc.InvalidParameterError, match=r"did you mean 'price_input_cache_read_usd_per_mtok'\?.*"):
        oc.plot_price_vs_context(latest, x="price_input_cache_read_usd_per_mtk")
    with pytest.raises(oc.InvalidParameterError, match=r"price fields: .*price_image, price_image_usd,"):
        oc.plot_price_history(history, field="x")


def test_catalog_size_legend_has_one_entry_per_thing_drawn_and_marks_a_partial_snapshot(
    dated_files: list[Path], tmp_path: Path
) -> None:
    """Two snapshots months apart: every bar is a hatched gap bar, and the legend listed added,
    returned and removed twice (solid entries matching nothing drawn); a partial snapshot was drawn
    as real removals with nothing saying so (issue 15, third trial)."""
    import json

    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([dated_files[-3], dated_files[-1]], progress=False)  # 2026-01-15 .. 2026-04-17
    body = json.loads(read_body(dated_files[-1]))
    part = {**body, "data": body["data"][:100], "total_count": 100}
    later = pd.Timestamp(dated_files[-1].name[7:17]) + pd.Timedelta("1D")
    (tmp_path / f"models-{later:%Y-%m-%d}.json").write_text(json.dumps(part))
    with pytest.warns(oc.PartialSnapshotWarning):
        store.import_files(tmp_path / f"models-{later:%Y-%m-%d}.json", progress=False)
    h = store.history()
    sizes = oc.catalog_size(h)
    for frame in (h, sizes):  # the history or catalog_size's frame: the same chart
        fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
        oc.plot_catalog_size(frame, ax=ax)
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(texts) == len(set(texts)), texts  # no entry twice
        drawn = {p.get_label() for p in ax.right.patches} | {
            c.get_label() for c in ax.right.containers if any(r.get_height() != 0 for r in c)
        }
        bar_entries = [t for t in texts if t in ("added", "returned", "removed")]
        assert bar_entries and set(bar_entries) <= drawn  # each bar entry is a colour drawn, not 0 high
        if (sizes["returned"].iloc[1:] == 0).all():
            assert "returned" not in texts
        (marked,) = [t for t in texts if t.startswith("partial snapshot")]
        assert "removed may only be missing" in marked
        (cross,) = [line for line in ax.get_lines() if line.get_label() == marked]
        assert list(cross.get_ydata()) == [100]  # the partial snapshot's count, marked
        fig.savefig(tmp_path / "partial.png", dpi=60)
        plt.close(fig)


def test_price_vs_context_draws_only_the_frontiers_workload_and_its_legend_covers_no_point(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """The 2026 catalog with models of other outputs (issue 15, final trial): rerank, embedding and
    speech models were drawn as "paid models" beside a text-only frontier, and the legend (lower
    right) covered a point. Only models that serve the frontier's workload (text output, the one
    rule of frontier and costs: ``serves``) are drawn, the others counted by output in the legend,
    and the legend sits where no point is. The other-output models are the spec-shaped fixture
    (tests/modalities.py: no all-modalities body was recorded)."""
    from orcatalog.analysis.catalog import serves

    from .modalities import fixture_models

    body = orjson.loads(read_body(recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"))["data"]
    models = models_frame(body + fixture_models())
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_price_vs_context(models, ax=ax)
    others = models[~serves(models)]
    assert set(others["id"]) >= {"voyageai/rerank-2.5", "openai/text-embedding-3-small", "openai/gpt-4o-mini-tts"}
    x = models["prompt_usd_per_mtok"].to_numpy(dtype=float, na_value=np.nan)
    y = models["context_length"].to_numpy(dtype=float, na_value=np.nan)
    paid = serves(models) & (x > 0) & (y > 0)
    assert len(_paid_points(ax)) == paid.sum()  # every paid text model, and no other
    assert sorted(_paid_points(ax)) == sorted(x[paid])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    (said,) = [t for t in labels if "no text workload" in t]
    assert said.startswith(f"{len(others)} not drawn") and "rerank 1" in said and "speech 2" in said
    front = oc.frontier(models)
    assert not front["id"].isin(others["id"]).any()
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for c in ax.collections:
        for px, py in c.get_offset_transform().transform(np.asarray(c.get_offsets())):
            assert not box.contains(px, py)  # no point under the legend
    fig.savefig(tmp_path / "workload.png", dpi=60)


def test_price_vs_context_counts_an_unlisted_output_price_apart_and_labels_its_axis(
    recorded_dir: Path, tmp_path: Path
) -> None:
    """On the 2026-08-17 catalog the legend counted google/lyria-3-pro(-clip)-preview (prompt and
    completion "0", audio priced nowhere in the catalog) as "priced 0 here but not free (other
    prices)", and ``--field completion_usd_per_mtok`` was labelled by its raw column name (issue 15
    trial). They are counted as "output price not listed" (the rule the price sort and tables
    follow: schema.output_price_unlisted) and the axis says the price in words with its unit."""
    from orcatalog.schema import output_price_unlisted

    body = recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"
    models = models_frame(orjson.loads(read_body(body))["data"])
    lyria = output_price_unlisted(models)
    assert sorted(models.loc[lyria, "id"]) == ["google/lyria-3-clip-preview", "google/lyria-3-pro-preview"]
    for x, words in (
        ("prompt_usd_per_mtok", "prompt price (USD per million tokens)"),
        ("completion_usd_per_mtok", "completion price (USD per million tokens)"),
    ):
        ax = oc.plot_price_vs_context(models, x=x)
        assert ax.get_xlabel() == words and "_" not in ax.get_xlabel()
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "2 priced 0 here, audio output price not listed: not drawn" in labels, labels
        assert not any("other prices" in label for label in labels)  # no model here is priced otherwise
        drawn = np.concatenate([np.asarray(c.get_offsets())[:, 1] for c in ax.collections[:2]])
        assert len(drawn) == int((models[x].notna() & ~lyria & models["context_length"].notna()).sum())
        save(ax, tmp_path / f"{x}.png")


def _hatched(ax: plt.Axes) -> list:
    """The hatched spans of a price history (dynamic prices), as (x0, x1, y0, y1, edge colour)."""
    out = []
    for c in ax.collections:
        if c.get_hatch():
            (path,) = c.get_paths()
            (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
            out.append((x0, x1, y0, y1, tuple(c.get_edgecolor()[0][:3])))
    return sorted(out)


def test_price_history_hatches_and_names_a_dynamic_price(dated_files: list[Path], tmp_path: Path) -> None:
    """A dynamic price ("-1") left an unexplained gap in the line (issue 15 trial). Real series:
    huggingfaceh4/zephyr-7b-beta and jondurbin/bagel-34b went to "-1" in June 2024 (and were gone in
    August): the gap after their last price is hatched in their colour, at that price, up to the next
    snapshot, and the legend says what the hatching is; a model that never was dynamic has none."""
    from matplotlib.dates import date2num

    from orcatalog.plot.price_history import DYNAMIC_LABEL

    store = oc.SnapshotStore(tmp_path / "data")
    picked = [p for p in dated_files if p.name[7:17] in ("2024-04-19", "2024-06-13", "2024-08-02")]
    assert len(picked) == 3
    store.import_files(picked, progress=False)
    history = store.history()
    ids = ["huggingfaceh4/zephyr-7b-beta", "jondurbin/bagel-34b", "mistralai/mistral-7b-instruct"]
    ax = oc.plot_price_history(history, ids)
    spans = _hatched(ax)
    june, august = (date2num(pd.Timestamp(d, tz="UTC")) for d in ("2024-06-13", "2024-08-02"))
    assert [(x0, x1) for x0, x1, *_ in spans] == [(june, august)] * 2
    steps = {line.get_label(): line for line in ax.get_lines() if line.get_label() in ids}
    for mid in ids[:2]:
        last = float(np.asarray(steps[mid].get_ydata(), dtype=float)[0])  # its one fixed price
        assert any(
            y0 < last < y1 and color == matplotlib.colors.to_rgb(steps[mid].get_color()) for *_, y0, y1, color in spans
        )
    assert DYNAMIC_LABEL in [t.get_text() for t in ax.get_legend().get_texts()]
    save(ax, tmp_path / "dynamic.png")
    assert not _hatched(oc.plot_price_history(history, ids[2:]))
    assert DYNAMIC_LABEL not in [t.get_text() for t in plt.gca().get_legend().get_texts()]


def test_price_history_hatches_a_dynamic_span_between_fixed_prices(history: pd.DataFrame, tmp_path: Path) -> None:
    """No recorded model came back from "-1": deepseek/deepseek-v3.2's real hourly series with the
    middle third made dynamic as the spec writes it (price null, ``dynamic_pricing`` true). The gap
    is hatched from its first dynamic snapshot to the next fixed one, at the price before it."""
    from matplotlib.dates import date2num

    mid = "deepseek/deepseek-v3.2"
    rows = history[history["id"] == mid].sort_values("fetched_at")
    times = list(rows["fetched_at"])
    third = len(times) // 3
    middle = (history["id"] == mid) & history["fetched_at"].isin(times[third : 2 * third])
    frame = history.copy()
    frame.loc[middle, "prompt_usd_per_mtok"] = np.nan
    frame.loc[middle, "dynamic_pricing"] = True
    ax = oc.plot_price_history(frame, [mid])
    ((x0, x1, y0, y1, _),) = _hatched(ax)
    assert (x0, x1) == (date2num(times[third]), date2num(times[2 * third]))
    before = float(rows["prompt_usd_per_mtok"].iloc[third - 1])
    assert y0 < before < y1
    save(ax, tmp_path / "between.png")


def test_plot_field_takes_only_price_columns(latest: pd.DataFrame) -> None:
    """``plot price-vs-context --field context_length`` put every point on the "frontier" (x = y) and
    hung in the label layout past 1 GB (issue 15, fourth trial): a non-price field is refused, and
    the message lists the price fields (not context_length)."""
    with pytest.raises(oc.InvalidParameterError, match=r"x='context_length' is not a price field") as caught:
        oc.plot_price_vs_context(latest, x="context_length")
    accepted = str(caught.value).split("price fields: ")[1]
    assert "prompt_usd_per_mtok" in accepted and "price_input_cache_read" in accepted
    assert "context_length" not in accepted and "top_provider_max_completion_tokens" not in accepted


def test_place_labels_is_bounded_and_never_overlaps() -> None:
    """400 frontier points (a step line up and to the right, as x = y gives): at most the cap is
    labelled, none overlap, and the legend of the chart says how many are labelled."""
    from orcatalog.plot._labels import MAX_LABELS, _place_labels

    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    xs = np.geomspace(0.01, 100, 400)
    ax.step(xs, xs * 1000, where="post")
    ax.set(xscale="log", yscale="log")
    placed = _place_labels(ax, [(x, x * 1000, f"vendor/model-{i}") for i, x in enumerate(xs)], step_line=True)
    assert 2 <= len(placed) <= MAX_LABELS
    boxes = _boxes_of(ax)
    assert len(boxes) == len(placed)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)

    models = pd.DataFrame(
        {
            "id": [f"vendor/model-{i}" for i in range(400)],
            "prompt_usd_per_mtok": xs,
            "price_prompt": xs / 1e6,
            "price_completion": xs / 1e6 * 4,
            "context_length": np.arange(1, 401, dtype="int64") * 1000,  # each longer and dearer: all on the frontier
            "is_free": False,
            "output_modalities": [["text"]] * 400,
        }
    )
    ax = oc.plot_price_vs_context(models)
    assert len(ax.texts) <= MAX_LABELS
    (said,) = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().startswith("frontier")]
    assert said == f"frontier (400, {len(ax.texts)} labelled)"


def test_a_raw_price_column_and_its_heading_draw_the_same_chart(history: pd.DataFrame) -> None:
    """``--field price_input_cache_read`` drew USD per token with a 1e-7 offset while its heading drew
    USD per million tokens (issue 15, fourth trial): both names draw the table's unit."""
    cached = history.groupby(history["id"].astype(str))["price_input_cache_read"].apply(lambda s: s.nunique() > 1)
    ids = list(cached[cached].index[:2])
    assert ids
    a = oc.plot_price_history(history, ids, field="price_input_cache_read")
    b = oc.plot_price_history(history, ids, field="price_input_cache_read_usd_per_mtok")
    assert a.get_ylabel() == b.get_ylabel() == "input cache read price (USD per million tokens)"
    ya = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in a.get_lines()])
    yb = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in b.get_lines()])
    assert np.array_equal(ya, yb, equal_nan=True) and np.nanmax(ya) > 0.01  # per Mtok, not 1e-7
    assert a.yaxis.get_offset_text().get_text() == ""


def test_one_snapshot_gets_a_window_of_days_and_a_note(dated_files: list[Path], tmp_path: Path) -> None:
    """A one-snapshot store drew a 2024-2028 x axis for its single point (issue 15, fourth trial):
    catalog size and market trend show the 3 days either side, and say there is one snapshot / period."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([dated_files[-1]], progress=False)
    history = store.history()
    for ax, said in (
        (oc.plot_catalog_size(history), "one snapshot ("),
        (oc.plot_market_trend(oc.market_trend(history)), "one period ("),
    ):
        lo, hi = ax.get_xlim()
        assert hi - lo == pytest.approx(6.0)  # days, matplotlib's date unit
        assert any(t.get_text().startswith(said) for t in ax.texts)
    one = oc.plot_catalog_size(history)
    assert not one.right.axison  # no change to count: no empty added / removed axis (trial)
    two = oc.SnapshotStore(tmp_path / "two")
    two.import_files(dated_files[-2:], progress=False)
    ax = oc.plot_catalog_size(two.history())
    assert not any(t.get_text().startswith("one snapshot") for t in ax.texts)
    assert ax.right.axison and ax.right.get_ylabel().startswith("models added")


@pytest.fixture(scope="module")
def two_2026_catalogs(recorded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The two 2026 catalogs (2026-06-19 and 2026-08-17, day precision) as one history: the trial's."""
    store = oc.SnapshotStore(tmp_path_factory.mktemp("two2026") / "data")
    store.import_files(
        sorted((recorded_dir / "catalogs-2026-06-08").glob("models-*.json.gz")),
        query={"output_modalities": "all"},
        progress=False,
    )
    return store.history()


@pytest.mark.parametrize("chart", ["price_history", "market_trend", "catalog_size"])
def test_the_first_date_can_be_read_off_the_time_axis(
    chart: str, two_2026_catalogs: pd.DataFrame, history: pd.DataFrame
) -> None:
    """Trial R (F12): the first snapshot's points sat left of the first date tick, with no label to
    read their date by (price history, market trend, catalog size). The axis now starts at a
    labelled tick at or before the first point."""
    import matplotlib.dates as mdates

    for h in (two_2026_catalogs, history):  # two snapshots two months apart; the hourly series
        if chart == "price_history":
            ax = oc.plot_price_history(h, ["openai/gpt-4o"])
        elif chart == "market_trend":
            ax = oc.plot_market_trend(oc.market_trend(h))
        else:
            ax = oc.plot_catalog_size(h)
        ax.figure.canvas.draw()
        first = mdates.date2num(pd.Timestamp(h["fetched_at"].min()).tz_convert(None).to_pydatetime())
        left, right = ax.get_xlim()
        shown = [(t, lb.get_text()) for t, lb in zip(ax.get_xticks(), ax.get_xticklabels()) if left <= t <= right]
        at_or_before = [(t, text) for t, text in shown if t <= first + 1e-9]
        assert at_or_before and at_or_before[-1][1], shown  # a tick, labelled, at or before the first point
        plt.close(ax.figure)


@pytest.mark.parametrize("size", [(11, 6.5), (7, 4.5)])
def test_legends_below_a_chart_fit_the_figure_under_its_x_labels(
    history: pd.DataFrame, latest: pd.DataFrame, size: tuple[float, float]
) -> None:
    """The legend under price vs context, the market trend and the catalog size sits below the x
    tick labels and the x label, inside the figure's width (at 7 in the market trend's two columns
    and the catalog size's four ran off both sides, and a fixed offset put a legend over a long x
    label): fewer columns when they do not fit."""
    draws = {
        "price-vs-context": lambda ax: oc.plot_price_vs_context(latest, ax=ax),
        "market-trend": lambda ax: oc.plot_market_trend(oc.market_trend(history), ax=ax),
        "catalog-size": lambda ax: oc.plot_catalog_size(history, ax=ax),
    }
    for name, draw in draws.items():
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        draw(ax)
        fig.canvas.draw()
        legend = ax.get_legend().get_window_extent()
        xlabels = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()] + [
            ax.xaxis.label.get_window_extent()
        ]
        assert legend.y1 <= min(b.y0 for b in xlabels), name
        assert 0 <= legend.x0 and legend.x1 <= fig.bbox.width, (name, legend, fig.bbox.width)
        plt.close(fig)


def test_price_history_markers_of_equal_prices_stay_visible(history: pd.DataFrame) -> None:
    """Trial (issue 15): the report's top mover had the price of two other drawn models on three
    snapshots, and its markers, drawn first at the same size, sat exactly under theirs. A marker
    with another drawn over it at the same time and price is now larger, so a ring of it shows,
    and hollow markers are see-through. Here a second model is given the first one's prices."""
    a, b = "deepseek/deepseek-v3.2", "openai/gpt-4o"
    twin = history.copy()
    prices = twin[twin["id"] == a].set_index("fetched_at")["prompt_usd_per_mtok"]
    rows = twin["id"] == b
    twin.loc[rows, "prompt_usd_per_mtok"] = twin.loc[rows, "fetched_at"].map(prices).to_numpy()
    ax = oc.plot_price_history(twin, [a, b, "qwen/qwen2.5-vl-72b-instruct"])
    marks = [
        line for line in ax.get_lines() if line.get_label().startswith("_") and line.get_marker() not in ("None", "")
    ]
    steps = {step.get_label(): step for step in ax.get_lines() if step.get_label() in (a, b)}

    def sizes(mid: str) -> dict[tuple, float]:  # each marker's size, by (time, price)
        out = {}
        for line in marks:
            if line.get_color() == steps[mid].get_color():
                for point in zip(np.asarray(line.get_xdata()).tolist(), np.asarray(line.get_ydata()).tolist()):
                    out[point] = line.get_markersize()
        return out

    first, second = sizes(a), sizes(b)
    shared = set(first) & set(second)
    assert len(shared) >= 2  # the markers coincide
    assert steps[a].get_zorder() < steps[b].get_zorder()  # a is drawn first, beneath
    assert all(first[p] >= second[p] + 2 for p in shared)  # a ring of at least 1 pt shows around b's
    assert any(line.get_markerfacecolor() == "none" for line in marks)  # hollow markers are see-through
    # both models leave at one snapshot, at one price: two "no longer listed" X marks there, the one
    # beneath larger (re-check trial: three models' marks at one point, one seen)
    from orcatalog.plot._history_marks import GONE_MARKER

    times = sorted(twin["fetched_at"].unique())
    cut = times[len(times) // 2]
    left = twin[~(twin["id"].isin([a, b]) & (twin["fetched_at"] >= cut))]
    ax = oc.plot_price_history(left, [a, b])
    gone = [line for line in ax.get_lines() if str(line.get_gid()).endswith("no longer listed")]
    assert len(gone) == 2 and {tuple(g.get_xydata()[0]) for g in gone} == {tuple(gone[0].get_xydata()[0])}
    assert abs(gone[0].get_markersize() - gone[1].get_markersize()) >= 2
    # no series is drawn with the X that means "no longer listed" (re-check trial), however many series
    many = history["id"].astype(str).value_counts().index[:14].tolist()
    ax = oc.plot_price_history(history, many)
    assert GONE_MARKER not in {line.get_marker() for line in ax.get_lines() if line.get_label() in many}
