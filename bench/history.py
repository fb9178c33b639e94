"""Benchmark the snapshot store against a naive layout measured in the same run (issue: snapshot store).

Naive baseline: one ``pd.json_normalize`` parquet file per snapshot; history = read all and concat;
one model's prices = read the price columns of every file and filter.

Targets (ratios printed; exit status 1 on a miss):
- store size after importing the 199-body hourly series: at most 500 KB;
- full ``store.history()``: at most 1/10 of the naive load-all time;
- one model's price series: at most 1/20 of the naive time;
- ``store.load(as_of=...)``: at most 3x reading one naive per-snapshot file (the median of the
  wall-clock ratios of 15 interleaved rounds, :func:`_report.paired`: this machine's speed drifts
  by a third within a minute, so the two are timed side by side; the ratio of best times is
  printed too);
- one synthetic year of hourly snapshots (8,760, the real series replayed back and forth in time):
  store size after ``compact()`` at most 2 MB (parquet layout) / 10 MB (Delta layout, log
  included), and ``load(as_of)`` / one model's series at most 2x their time at 199;
- a single append (one hourly body, a fresh ``SnapshotStore`` each time, as an hourly job writes;
  the store's own upkeep included): after the 9th, the median over 9 appends of each append's
  ratio to ``json.loads`` of its body timed beside it at most 25x (the median append against the
  ``json.loads`` timed first is printed too), and the median append after the 8,760th at most
  2x that after the 9th.
- printed, no target: on the Delta layout's synthetic year, what the ``snapshots``-row self-check
  costs a new store object's first read (:func:`row_check_cost`: with / without, same run).

Store timings are taken on an open store (its manifest and version index read once, as a notebook
holds it); the first, cold call is printed too. Every timing is the best of several runs.
Every target is measured for each layout (``--layout parquet|delta|both``, default both, printed
side by side) against one naive baseline and one ``json.loads`` timing. Users no longer write the
parquet layout; its stores here are written by the earlier code's writer, kept private for this
comparison and the tests (:func:`orcatalog.testing.legacy.store_in_layout`).
Usage: ``python bench/history.py [--data DIR] [--layout L] [--quick]`` (``--quick``: no scale run,
one run per timing; checks that it runs, not the ratios).

``--hourly-commits N`` measures something else instead: ``N`` hourly bodies appended one commit each
(a new store object each time, as an hourly job writes), the append time at every tenth of the run,
and the store's size with and without ``_delta_log`` then, after the last append and after
``compact()``. The synthetic year above is one commit; a real year is 8,760. The run stands in
for the hours between appends (see :func:`hourly_commits`). No target is checked in this mode.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import NamedTuple
from pathlib import Path

import orjson
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import best, data_file, report  # noqa: E402 - the bench folder is on sys.path when run as a script

MODEL = "openai/gpt-4o"
#: The bench's injected clock (``import_bodies(now=)``): after every time it writes. The synthetic
#: year runs a year on from the first recorded body, past today's date, and a store refuses a body
#: dated after its clock (``refuse_future``).
NOW = "2100-01-01T00:00:00Z"
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


class Appends(NamedTuple):
    """What :func:`median_append` measured (seconds, wall clock)."""

    median: float  #: the median append time
    ratio: float  #: the median of the rounds' ratios: an append / ``json.loads`` of its body, timed beside it


def median_append(
    root: Path, bodies: list[tuple[pd.Timestamp, bytes]], start: pd.Timestamp, layout: str, n: int = 9
) -> Appends:
    """``n`` single appends, each by a new store object (an hourly job's process), each round with
    ``json.loads`` of the same body timed beside it (the best of 3, before or after the append in
    alternate rounds): the median append, and the median of the rounds' ratios. This machine's
    speed drifts by a third within a minute, so a ratio is taken within its round, not against a
    ``json.loads`` timed once before everything."""
    import json
    import statistics

    times, ratios = [], []
    for i in range(n):
        when = start + pd.Timedelta(hours=i + 1)
        raw = bodies[i % len(bodies)][1]

        parse = partial(json.loads, raw)
        write = partial(_append, root, layout, when, raw)  # the new store object included, as a new process has
        if i % 2 == 0:
            t_json, append = min(_timed(parse) for _ in range(3)), _timed(write)
        else:
            append, t_json = _timed(write), min(_timed(parse) for _ in range(3))
        times.append(append)
        ratios.append(append / t_json)
    return Appends(statistics.median(times), statistics.median(ratios))


def _append(root: Path, layout: str, when: pd.Timestamp, raw: bytes) -> None:
    """One append by a new store object."""
    from orcatalog.testing.legacy import store_in_layout

    store_in_layout(root, layout).import_bodies([(when, raw)], progress=False, now=NOW)


def _timed(func: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    begin = time.perf_counter()
    func()
    return time.perf_counter() - begin


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
        self.path = paths[len(paths) // 2]  # the one file load(as_of) is timed against
        self.file = best(lambda: pd.read_parquet(self.path))
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
    store_in_layout(root, layout).import_bodies(bodies, progress=False, now=NOW)
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
    load_pair = _report.paired(lambda: store.load(as_of=as_of), lambda: pd.read_parquet(naive.path), rounds=15)
    print(
        f"[{layout}] history {t_hist * 1e3:.1f} ms ({len(full):,} rows; first call {t_cold * 1e3:.1f} ms), "
        f"one model {t_one * 1e3:.2f} ms, load(as_of) {t_load * 1e3:.2f} ms (best; {t_load / naive.file:.2f}x "
        f"the naive file's best, timed earlier); in {_report.sized(15, 1)} interleaved rounds with one naive "
        f"file read: {load_pair.wall_ratio:.2f}x on the wall clock (checked), {load_pair.ratio:.2f}x on CPU time"
    )
    out["full history / naive load-all"] = (t_hist / naive.all, 1 / 10)
    out["one model's prices / naive"] = (t_one / naive.one, 1 / 20)
    out["load(as_of) / one naive file"] = (load_pair.wall_ratio, 3.0)

    small = root.parent / "appends"
    for when, body in bodies[:9]:  # nine single appends first: the 10th and later are measured
        store_in_layout(small, layout).import_bodies([(when, body)], progress=False, now=NOW)
    appends = median_append(small, bodies, bodies[8][0], layout)
    t_append = appends.median
    print(
        f"[{layout}] single append after 9: {t_append * 1e3:.1f} ms (median of 9; {t_append / t_json:.1f}x the "
        f"json.loads timed first), {appends.ratio:.1f}x json.loads of its body timed beside it (median of the "
        "rounds, checked)"
    )
    out["single append / json.loads of its body"] = (appends.ratio, 25.0)

    if not quick:
        year = []
        step = pd.Timedelta(hours=1)
        start_time = bodies[0][0]
        cycle = list(range(len(bodies))) + list(range(len(bodies) - 2, 0, -1))  # back and forth: real changes only
        for i in range(8760):
            year.append((start_time + i * step, bodies[cycle[i % len(cycle)]][1]))
        big_root = root.parent / "year"
        start = time.perf_counter()
        store_in_layout(big_root, layout).import_bodies(year, progress=False, now=NOW)
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
        t_big_append = median_append(big_root, bodies, year[-1][0], layout).median
        print(f"[{layout}] year: single append after 8760: {t_big_append * 1e3:.1f} ms (median of 9)")
        if layout == "delta":
            check = row_check_cost(big_root)
            print(
                f"[{layout}] year: a new store object's first read (snapshots()), CPU medians of "
                f"{_report.sized(9, 1)} interleaved rounds: {check.lib * 1e3:.1f} ms with the row self-check, "
                f"{check.hand * 1e3:.1f} ms without: {check.ratio:.3f}x (wall {check.wall_ratio:.3f}x)"
            )
        out["store size, 8760 snapshots, compacted (MB)"] = (big_size / 1e6, YEAR_MB[layout])
        out["single append after 8760 / after 9"] = (t_big_append / t_append, 2.0)
        out["load(as_of) at 8760 / at 199"] = (t_big_load / t_load, 2.0)
        out["one model's series at 8760 / at 199"] = (t_big_one / t_one, 2.0)
    return out


def row_check_cost(root: Path) -> _report.Paired:
    """What the ``snapshots``-row self-check costs a read (:func:`orcatalog.store.identity.row_faults`:
    its id part, :func:`~orcatalog.store.identity.id_faults`, on every row a new store object reads;
    its list part, :func:`~orcatalog.store.identity.order_faults`, on every row whose version list a
    read checks, which ``snapshots()`` does): a new store object's first ``snapshots()`` with the
    check, against the same read with both parts replaced by no-ops (the rows are consistent, so
    both read the same rows), in interleaved rounds of the same run (CPU time)."""
    import orcatalog as oc
    import orcatalog.store.delta.state as state_module

    checks = (state_module.id_faults, state_module.order_faults)

    def read() -> object:
        return oc.SnapshotStore(root).snapshots()

    def unchecked() -> object:
        state_module.id_faults = lambda rows: [[] for _ in range(len(rows))]  # type: ignore[assignment]
        state_module.order_faults = lambda *args: []  # type: ignore[assignment]
        try:
            return read()
        finally:
            state_module.id_faults, state_module.order_faults = checks

    return _report.paired(read, unchecked)


def log_bytes(root: Path) -> tuple[int, int]:
    """Bytes and files under every ``_delta_log`` folder of a store."""
    files = [p for log in root.rglob("_delta_log") for p in log.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def sizes(label: str, root: Path) -> None:
    total = folder_bytes(root)
    log, n_log = log_bytes(root)
    data = [p for p in root.rglob("*.parquet") if "_delta_log" not in p.parts]
    print(
        f"  {label:<44} {total / 1e6:8.2f} MB; without _delta_log {(total - log) / 1e6:6.2f} MB "
        f"({len(data)} data files); _delta_log {log / 1e6:6.2f} MB ({n_log} files)"
    )


def hourly_commits(layout: str, bodies: list[tuple[pd.Timestamp, bytes]], n: int, tmp: Path) -> None:
    """Append ``n`` hourly bodies one commit each, then compact; print times and sizes (no target).

    A year in minutes: the store's upkeep expires by time (files replaced by ``optimize`` are
    vacuumed after :data:`~orcatalog.store.delta.VACUUM_RETENTION_HOURS`, log entries after
    ``delta.logRetentionDuration``), so the run stands in for the hours between appends: the
    vacuum retention is 0 (an hour has always passed at the next hourly append) and each commit's
    log files are dated back to its simulated hour (delta-rs expires log entries by file time).
    """
    import os
    import statistics

    import orcatalog as oc
    import orcatalog.store.delta as delta_module
    import orcatalog.store.delta.store as delta_store_module

    # the hour between appends has passed: the package's name (read by the endpoint tables' upkeep)
    # and the one DeltaStore.write reads for its automatic compaction
    delta_module.VACUUM_RETENTION_HOURS = 0.0  # type: ignore[misc]
    delta_store_module.VACUUM_RETENTION_HOURS = 0.0  # type: ignore[misc]
    root = tmp / layout / "hourly-commits"
    cycle = list(range(len(bodies))) + list(range(len(bodies) - 2, 0, -1))  # back and forth: real changes only
    step = pd.Timedelta(hours=1)
    times: list[float] = []
    cpu: list[float] = []  # process CPU time per append: steadier than wall time on a shared machine
    begin = time.perf_counter()
    dated: set[Path] = set()
    for i in range(n):
        when = bodies[0][0] + i * step
        start, start_cpu = time.perf_counter(), time.process_time()
        oc.SnapshotStore(root, layout=layout).import_bodies(
            [(when, bodies[cycle[i % len(cycle)]][1])], progress=False, now=NOW
        )
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        hour = time.time() - (n - 1 - i) * 3600  # this commit's simulated time: the last one is now
        for p in root.glob("*/_delta_log/*"):
            if p not in dated and p.name[:1].isdigit():
                os.utime(p, (hour, hour))
                dated.add(p)
        dated = {p for p in dated if p.exists()}
        if i + 1 == min(n, 20) or (i + 1) % max(1, n // 10) == 0 or i + 1 == n:
            window = min(len(times), 11 if i + 1 == min(n, 20) else 20)  # the first point: appends 10-20
            recent, recent_cpu = times[-window:], cpu[-window:]
            print(
                f"[{layout}] {i + 1:>5} commits: append {statistics.median(recent) * 1e3:6.1f} ms wall, "
                f"{statistics.median(recent_cpu) * 1e3:6.1f} ms CPU (medians of the last {len(recent)}), "
                f"{time.perf_counter() - begin:6.0f} s so far",
                flush=True,
            )
            sizes(f"after {i + 1} commits", root)
    print(f"[{layout}] {n} hourly commits, one new store object each: sizes")
    sizes("after the last append", root)
    oc.SnapshotStore(root, layout=layout).compact(_retention_hours=0)  # an hour after the last append
    sizes("after compact()", root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openrouter")
    parser.add_argument(
        "--layout",
        choices=["parquet", "delta", "both"],
        default="both",
        help="the store layout(s) to measure (default: both, printed side by side)",
    )
    parser.add_argument(
        "--hourly-commits",
        type=int,
        metavar="N",
        help="instead: append N hourly bodies one commit each, then compact; print times and sizes",
    )
    args = _report.parse(parser)  # --quick also skips the 8,760-snapshot scale run
    layouts = ["parquet", "delta"] if args.layout == "both" else [args.layout]
    if args.hourly_commits is not None:
        if args.hourly_commits < 1:
            parser.error("--hourly-commits must be at least 1")
        bodies = hourly_bodies(args.data)
        with tempfile.TemporaryDirectory() as tmp:
            for layout in layouts:
                hourly_commits(layout, bodies, args.hourly_commits, Path(tmp))
        return 0

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
