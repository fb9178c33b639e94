"""Benchmark the snapshot store against a naive layout measured in the same run (issue: snapshot store).

Naive baseline: one ``pd.json_normalize`` parquet file per snapshot; history = read all and concat;
one model's prices = read the price columns of every file and filter.

Targets (ratios printed; exit status 1 on a miss):
- store size after importing the 199-body hourly series: at most 500 KB;
- full ``store.history()``: at most 1/10 of the naive load-all time;
- one model's price series: at most 1/20 of the naive time;
- ``store.load(as_of=...)``: at most 3x reading one naive per-snapshot file;
- one synthetic year of hourly snapshots (8,760, the real series replayed back and forth in time):
  store size after ``compact()`` at most 2 MB (parquet layout) / 10 MB (Delta layout, log
  included), and ``load(as_of)`` / one model's series at most 2x their time at 199;
- a single append (one hourly body, a fresh ``SnapshotStore`` each time, as an hourly job writes;
  the store's own upkeep included): the median of several appends after the 9th at most 25x
  ``json.loads`` of the body, and the median after the 8,760th at most 2x that after the 9th.

Store timings are taken on an open store (its manifest and version index read once, as a notebook
holds it); the first, cold call is printed too. Every timing is the best of several runs.
Every target is measured for each layout (``--layout parquet|delta|both``, default both, printed
side by side) against one naive baseline and one ``json.loads`` timing. Users no longer write the
parquet layout; its stores here are written by the earlier code's writer, kept private for this
comparison and the tests (:func:`orcatalog.testing.legacy.store_in_layout`).
Usage: ``python bench/history.py [--data DIR] [--layout L] [--quick]`` (``--quick``: no scale run,
one run per timing; checks that it runs, not the ratios).
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import orjson
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import best, data_file, report  # noqa: E402 - the bench folder is on sys.path when run as a script

MODEL = "openai/gpt-4o"
PRICE_COLUMNS = ["price_prompt", "price_completion"]


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def hourly_bodies(data: Path) -> list[tuple[pd.Timestamp, bytes]]:
    from orcatalog.store import time_from_name

    archive = data_file(data, "hourly-*.tar.xz")
    out = []
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".json"):
                out.append((time_from_name(member.name), tar.extractfile(member).read()))  # type: ignore[union-attr]
    return sorted(out)


def median_append(
    root: Path, bodies: list[tuple[pd.Timestamp, bytes]], start: pd.Timestamp, layout: str, n: int = 9
) -> float:
    """Median time of ``n`` single appends, each by a new store object (an hourly job's process)."""
    import statistics

    from orcatalog.testing.legacy import store_in_layout

    times = []
    for i in range(n):
        when = start + pd.Timedelta(hours=i + 1)
        raw = bodies[i % len(bodies)][1]
        begin = time.perf_counter()
        store_in_layout(root, layout).import_bodies([(when, raw)], progress=False)
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def naive_write(bodies: list[tuple[pd.Timestamp, bytes]], folder: Path) -> list[Path]:
    paths = []
    for i, (when, raw) in enumerate(bodies):
        df = pd.json_normalize(orjson.loads(raw)["data"])
        df.insert(0, "fetched_at", when)
        path = folder / f"snap-{i:05d}.parquet"
        df.astype({c: "str" for c in df.columns if df[c].dtype == object}).to_parquet(path)
        paths.append(path)
    return paths


#: The synthetic year's size target per layout (MB, after ``compact()``): the parquet layout's own
#: (2 MB), and issue 14's for the Delta layout (10 MB, its log included).
YEAR_MB = {"parquet": 2.0, "delta": 10.0}


class Naive:
    """The naive baseline's timings (seconds), measured once per run for every layout."""

    def __init__(self, bodies: list[tuple[pd.Timestamp, bytes]], folder: Path) -> None:
        folder.mkdir()
        paths = naive_write(bodies, folder)
        self.all = best(lambda: pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True), 3)
        cols = ["fetched_at", "id", "pricing.prompt", "pricing.completion"]

        def one() -> pd.DataFrame:
            df = pd.concat([pd.read_parquet(p, columns=cols) for p in paths], ignore_index=True)
            return df[df["id"] == MODEL]

        self.one = best(one, 3)
        self.file = best(lambda: pd.read_parquet(paths[len(paths) // 2]))
        print(
            f"naive: {folder_bytes(folder) / 1e6:.1f} MB, load all {self.all:.3f} s, "
            f"one model {self.one:.3f} s, one file {self.file * 1e3:.1f} ms"
        )


def measure(
    layout: str, bodies: list[tuple[pd.Timestamp, bytes]], naive: Naive, t_json: float, tmp: Path, quick: bool
) -> dict[str, tuple[float, float]]:
    """Every target of the store for one layout: label -> (value, target)."""
    from orcatalog.testing.legacy import store_in_layout

    out: dict[str, tuple[float, float]] = {}
    root = tmp / layout / "store"
    start = time.perf_counter()
    store_in_layout(root, layout).import_bodies(bodies, progress=False)
    t_import = time.perf_counter() - start
    size = folder_bytes(root)
    print(f"[{layout}] store: {size / 1e3:.0f} KB after import ({len(bodies) / t_import:.0f} snapshots/s)")
    out["store size, 199 snapshots (KB)"] = (size / 1e3, 500)

    as_of = bodies[len(bodies) // 2][0]
    store = store_in_layout(root, layout)
    start = time.perf_counter()
    full = store.history()
    t_cold = time.perf_counter() - start
    t_hist = best(store.history, 5)
    t_one = best(lambda: store.history(ids=[MODEL], columns=PRICE_COLUMNS))
    t_load = best(lambda: store.load(as_of=as_of))
    print(
        f"[{layout}] history {t_hist * 1e3:.1f} ms ({len(full):,} rows; first call {t_cold * 1e3:.1f} ms), "
        f"one model {t_one * 1e3:.2f} ms, load(as_of) {t_load * 1e3:.2f} ms"
    )
    out["full history / naive load-all"] = (t_hist / naive.all, 1 / 10)
    out["one model's prices / naive"] = (t_one / naive.one, 1 / 20)
    out["load(as_of) / one naive file"] = (t_load / naive.file, 3.0)

    small = root.parent / "appends"
    for when, body in bodies[:9]:  # nine single appends first: the 10th and later are measured
        store_in_layout(small, layout).import_bodies([(when, body)], progress=False)
    t_append = median_append(small, bodies, bodies[8][0], layout)
    print(f"[{layout}] single append after 9: {t_append * 1e3:.1f} ms (median of 9)")
    out["single append / json.loads of its body"] = (t_append / t_json, 25.0)

    if not quick:
        year = []
        step = pd.Timedelta(hours=1)
        start_time = bodies[0][0]
        cycle = list(range(len(bodies))) + list(range(len(bodies) - 2, 0, -1))  # back and forth: real changes only
        for i in range(8760):
            year.append((start_time + i * step, bodies[cycle[i % len(cycle)]][1]))
        big_root = root.parent / "year"
        start = time.perf_counter()
        store_in_layout(big_root, layout).import_bodies(year, progress=False)
        t_big_import = time.perf_counter() - start
        big = store_in_layout(big_root, layout)
        big.compact()
        big_size = folder_bytes(big_root)
        big.history(ids=[MODEL], columns=PRICE_COLUMNS)
        t_big_one = best(lambda: big.history(ids=[MODEL], columns=PRICE_COLUMNS))
        t_big_load = best(lambda: big.load(as_of=year[len(year) // 2][0]))
        print(
            f"[{layout}] year: {len(year)} snapshots, {big_size / 1e6:.2f} MB after compact(), import "
            f"{len(year) / t_big_import:.0f} snapshots/s, one model {t_big_one * 1e3:.2f} ms, "
            f"load(as_of) {t_big_load * 1e3:.2f} ms"
        )
        t_big_append = median_append(big_root, bodies, year[-1][0], layout)
        print(f"[{layout}] year: single append after 8760: {t_big_append * 1e3:.1f} ms (median of 9)")
        out["store size, 8760 snapshots, compacted (MB)"] = (big_size / 1e6, YEAR_MB[layout])
        out["single append after 8760 / after 9"] = (t_big_append / t_append, 2.0)
        out["load(as_of) at 8760 / at 199"] = (t_big_load / t_load, 2.0)
        out["one model's series at 8760 / at 199"] = (t_big_one / t_one, 2.0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openrouter")
    parser.add_argument(
        "--layout",
        choices=["parquet", "delta", "both"],
        default="both",
        help="the store layout(s) to measure (default: both, printed side by side)",
    )
    args = _report.parse(parser)  # --quick also skips the 8,760-snapshot scale run
    layouts = ["parquet", "delta"] if args.layout == "both" else [args.layout]

    import json

    bodies = hourly_bodies(args.data)
    print(f"hourly series: {len(bodies)} bodies, {sum(len(b) for _, b in bodies) / 1e6:.1f} MB raw")
    raw = bodies[-1][1]
    t_json = best(lambda: json.loads(raw), 15)
    print(f"json.loads of one body: {t_json * 1e3:.2f} ms ({len(raw) / 1e3:.0f} KB)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        naive = Naive(bodies, tmp_path / "naive")
        results = {layout: measure(layout, bodies, naive, t_json, tmp_path, args.quick) for layout in layouts}
    labels = list(results[layouts[0]])
    print("\n" + f"{'target':<48}" + "".join(f"{layout:>10}" for layout in layouts) + "     limit")
    for label in labels:
        values = "".join(f"{results[layout][label][0]:>10.3f}" for layout in layouts)
        limits = "/".join(f"{results[layout][label][1]:g}" for layout in layouts)
        print(f"{label:<48}{values}   <= {limits}")
    print()
    checks = [(f"[{layout}] {label}", *results[layout][label]) for layout in layouts for label in labels]
    return report(checks)


if __name__ == "__main__":
    sys.exit(main())
