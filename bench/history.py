"""Benchmark the snapshot store against a naive layout measured in the same run (issue: snapshot store).

Naive baseline: one ``pd.json_normalize`` parquet file per snapshot; history = read all and concat;
one model's prices = read the price columns of every file and filter.

Targets (ratios printed; exit status 1 on a miss):
- store size after importing the 199-body hourly series: at most 500 KB;
- full ``store.history()``: at most 1/10 of the naive load-all time;
- one model's price series: at most 1/20 of the naive time;
- ``store.load(as_of=...)``: at most 3x reading one naive per-snapshot file;
- one synthetic year of hourly snapshots (8,760, the real series replayed back and forth in time):
  store size at most 2 MB, and ``load(as_of)`` / one model's series at most 2x their time at 199;
- a single append (one hourly body, a fresh ``SnapshotStore`` each time, as an hourly job writes;
  the store's own upkeep included): the median of several appends after the 9th at most 25x
  ``json.loads`` of the body, and the median after the 8,760th at most 2x that after the 9th.

Store timings are taken on an open store (its manifest and version index read once, as a notebook
holds it); the first, cold call is printed too. Every timing is the best of several runs.
Usage: ``python bench/history.py [--data DIR] [--quick]`` (``--quick``: no scale run, one run per
timing; checks that it runs, not the ratios).
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


def median_append(root: Path, bodies: list[tuple[pd.Timestamp, bytes]], start: pd.Timestamp, n: int = 9) -> float:
    """Median time of ``n`` single appends, each by a new store object (an hourly job's process)."""
    import statistics

    import orcatalog as oc

    times = []
    for i in range(n):
        when = start + pd.Timedelta(hours=i + 1)
        raw = bodies[i % len(bodies)][1]
        begin = time.perf_counter()
        oc.SnapshotStore(root).import_bodies([(when, raw)], progress=False)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openrouter")
    args = _report.parse(parser)  # --quick also skips the 8,760-snapshot scale run

    import orcatalog as oc

    bodies = hourly_bodies(args.data)
    print(f"hourly series: {len(bodies)} bodies, {sum(len(b) for _, b in bodies) / 1e6:.1f} MB raw")
    checks: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        naive_dir = tmp_path / "naive"
        naive_dir.mkdir()
        paths = naive_write(bodies, naive_dir)
        t_naive_all = best(lambda: pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True), 3)
        cols = ["fetched_at", "id", "pricing.prompt", "pricing.completion"]

        def naive_one() -> pd.DataFrame:
            parts = [pd.read_parquet(p, columns=cols) for p in paths]
            df = pd.concat(parts, ignore_index=True)
            return df[df["id"] == MODEL]

        t_naive_one = best(naive_one, 3)
        t_naive_file = best(lambda: pd.read_parquet(paths[len(paths) // 2]))
        print(
            f"naive: {folder_bytes(naive_dir) / 1e6:.1f} MB, load all {t_naive_all:.3f} s, "
            f"one model {t_naive_one:.3f} s, one file {t_naive_file * 1e3:.1f} ms"
        )

        root = tmp_path / "store"
        start = time.perf_counter()
        oc.SnapshotStore(root).import_bodies(bodies, progress=False)
        t_import = time.perf_counter() - start
        size = folder_bytes(root)
        print(f"store: {size / 1e3:.0f} KB after import ({len(bodies) / t_import:.0f} snapshots/s)")
        checks.append(("store size, 199 snapshots (KB)", size / 1e3, 500))

        as_of = bodies[len(bodies) // 2][0]
        store = oc.SnapshotStore(root)
        start = time.perf_counter()
        full = store.history()
        t_cold = time.perf_counter() - start
        t_hist = best(store.history, 5)
        t_one = best(lambda: store.history(ids=[MODEL], columns=PRICE_COLUMNS))
        t_load = best(lambda: store.load(as_of=as_of))
        print(
            f"store: history {t_hist * 1e3:.1f} ms ({len(full):,} rows; first call {t_cold * 1e3:.1f} ms), "
            f"one model {t_one * 1e3:.2f} ms, load(as_of) {t_load * 1e3:.2f} ms"
        )
        checks.append(("full history / naive load-all", t_hist / t_naive_all, 1 / 10))
        checks.append(("one model's prices / naive", t_one / t_naive_one, 1 / 20))
        checks.append(("load(as_of) / one naive file", t_load / t_naive_file, 3.0))

        import json

        raw = bodies[-1][1]
        t_json = best(lambda: json.loads(raw), 15)
        small = tmp_path / "appends"
        for when, body in bodies[:9]:  # nine single appends first: the 10th and later are measured
            oc.SnapshotStore(small).import_bodies([(when, body)], progress=False)
        t_append = median_append(small, bodies, bodies[8][0])
        print(
            f"append: json.loads {t_json * 1e3:.1f} ms ({len(raw) / 1e3:.0f} KB body), single append after 9: "
            f"{t_append * 1e3:.1f} ms (median of 9)"
        )
        checks.append(("single append / json.loads of its body", t_append / t_json, 25.0))

        if not args.quick:
            year = []
            step = pd.Timedelta(hours=1)
            start_time = bodies[0][0]
            cycle = list(range(len(bodies))) + list(range(len(bodies) - 2, 0, -1))  # back and forth: real changes only
            for i in range(8760):
                year.append((start_time + i * step, bodies[cycle[i % len(cycle)]][1]))
            big_root = tmp_path / "year"
            start = time.perf_counter()
            oc.SnapshotStore(big_root).import_bodies(year, progress=False)
            t_big_import = time.perf_counter() - start
            big_size = folder_bytes(big_root)
            big = oc.SnapshotStore(big_root)
            big.history(ids=[MODEL], columns=PRICE_COLUMNS)
            t_big_one = best(lambda: big.history(ids=[MODEL], columns=PRICE_COLUMNS))
            t_big_load = best(lambda: big.load(as_of=year[len(year) // 2][0]))
            print(
                f"year: {len(year)} snapshots, {big_size / 1e6:.2f} MB, import {len(year) / t_big_import:.0f} "
                f"snapshots/s, one model {t_big_one * 1e3:.2f} ms, load(as_of) {t_big_load * 1e3:.2f} ms"
            )
            t_big_append = median_append(big_root, bodies, year[-1][0])
            print(f"year: single append after 8760: {t_big_append * 1e3:.1f} ms (median of 9)")
            checks.append(("store size, 8760 snapshots (MB)", big_size / 1e6, 2.0))
            checks.append(("single append after 8760 / after 9", t_big_append / t_append, 2.0))
            checks.append(("load(as_of) at 8760 / at 199", t_big_load / t_load, 2.0))
            checks.append(("one model's series at 8760 / at 199", t_big_one / t_one, 2.0))

    return report(checks)


if __name__ == "__main__":
    sys.exit(main())
