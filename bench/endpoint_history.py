"""Benchmark endpoint history in the store against baselines of the same run (issue 18, "Numbers").

A synthetic year of hourly endpoint snapshots: 50 models of the packaged sample catalog, four
spec-shaped endpoints each (200 endpoints, :func:`orcatalog.testing.fixtures.spec_endpoints_body`),
prices mostly steady (each endpoint has a 1 % chance a day of a price cut), statistics changing
every hour and shaped like the recorded ones (uptimes with long float tails, latency medians in
whole or half milliseconds, upper percentiles with one or two decimals). Each day's 24 x 50 bodies
are one ``import_endpoint_bodies`` write. Prints and checks:

- size: the store (after ``compact()``) at most 1.5x the same bodies as one ``tar.xz``;
- series: one endpoint's latency series over the whole run, read from a fresh store object with
  ``endpoint_history(model, tag)``, at most 0.05x a naive pass (read and ``json.loads`` the
  model's one file per snapshot, pick the endpoint);
- lossless: a sample of snapshots' ``raw()`` byte-equal (orjson) to the bodies written.

Usage: ``python bench/endpoint_history.py [--quick] [--days N] [--reuse DIR]`` (default 365 days;
``--quick``: 3 days, ratios printed but not checked - the fixed cost of opening a table dominates
there; ``--reuse DIR``: build the store, the naive files and the ``tar.xz`` in DIR and keep them, or
read them from there when a run with the same ``--days`` built them: the year takes many minutes to
build, the reads seconds; ``--compact-again`` runs ``compact()`` on the reused store first, so a
store built by an earlier orcatalog takes today's layout).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import queue
import random
import shutil
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import best, report, sized  # noqa: E402 - the bench folder is on sys.path when run as a script

import orjson  # noqa: E402
import pandas as pd  # noqa: E402

import orcatalog as oc  # noqa: E402
from orcatalog.testing.fixtures import spec_endpoints_body  # noqa: E402
from orcatalog.testing.replay import SAMPLE  # noqa: E402

MODELS = 50
PROVIDERS = 4
START = pd.Timestamp("2026-01-01T00:00:00Z")
#: The clock the writes are given (``import_endpoint_bodies(now=)``): the synthetic year runs past
#: today's date, and a store refuses a body dated after its clock.
NOW = "2100-01-01T00:00:00Z"


class World:
    """The synthetic models and their endpoints, moved one hour at a time."""

    def __init__(self, seed: int = 18) -> None:
        self.rng = random.Random(seed)
        catalog = orjson.loads(gzip.decompress(SAMPLE.read_bytes()))["data"]
        self.bodies = []
        #: per body, per endpoint: its fields without the hidden ``_`` ones (sharing its ``pricing``,
        #: which :meth:`day` cuts), and its hidden (latency, throughput, has an uptime_last_5m)
        self.shapes: list[list[tuple[dict[str, Any], float, float, bool]]] = []
        for model in catalog[:MODELS]:
            body = spec_endpoints_body(model, providers=PROVIDERS)
            for e in body["data"]["endpoints"]:
                e.pop("_zdr", None)
                e["_lat"] = self.rng.uniform(300, 3000)
                e["_tps"] = self.rng.uniform(15, 300)
                e["_has5m"] = self.rng.random() > 0.3
            self.bodies.append(body)
            self.shapes.append(
                [
                    ({k: v for k, v in e.items() if not k.startswith("_")}, e["_lat"], e["_tps"], e["_has5m"])
                    for e in body["data"]["endpoints"]
                ]
            )

    def day(self) -> None:
        """Prices mostly steady: a 1 % chance a day that an endpoint's prices are cut."""
        for body in self.bodies:
            for e in body["data"]["endpoints"]:
                if self.rng.random() < 0.01:
                    cut = self.rng.choice([0.7, 0.8, 0.9])
                    for key in ("prompt", "completion"):
                        e["pricing"][key] = repr(round(float(e["pricing"][key]) * cut, 12))

    def hour(self) -> list[dict[str, Any]]:
        """Every model's body for one hour, statistics drawn afresh (every endpoint has every
        statistic key: each takes its place in the endpoint's key order)."""
        r = self.rng
        lognorm, uniform, random_, expo = r.lognormvariate, r.uniform, r.random, r.expovariate
        out = []
        for body, shapes in zip(self.bodies, self.shapes):
            endpoints = []
            for fields, lat, tps, has5m in shapes:
                p50 = round(lat * lognorm(0, 0.15) * 2) / 2
                t50 = round(tps * lognorm(0, 0.1), 1)
                endpoints.append(
                    {
                        **fields,
                        "uptime_last_30m": 100 if random_() < 0.6 else round(100 - expo(2), 12),
                        "uptime_last_5m": (100 if random_() < 0.8 else round(100 - expo(1), 12)) if has5m else None,
                        "uptime_last_1d": round(100 - expo(5), 12),
                        "latency_last_30m": {
                            "p50": int(p50) if p50 == int(p50) else p50,
                            "p75": round(p50 * uniform(1.1, 1.4), 2),
                            "p90": round(p50 * uniform(1.5, 2.5), 1),
                            "p99": round(p50 * uniform(2.5, 6), 2),
                        },
                        "throughput_last_30m": {
                            "p50": t50,
                            "p75": round(t50 * uniform(1.1, 1.3), 2),
                            "p90": round(t50 * uniform(1.3, 1.6), 1),
                            "p99": round(t50 * uniform(1.6, 2.2), 2),
                        },
                    }
                )
            out.append({"data": {**body["data"], "endpoints": endpoints}})
        return out


class Archive:
    """The ``tar.xz`` of every body (xz's default preset, 6: the baseline's size), written by a thread
    of its own: compressing takes about as long as the import, and liblzma releases the GIL while it
    compresses, so the two overlap when a second core is free (the bytes are the same either way).

    Raises:
        The thread's error, from :meth:`add` or :meth:`close`.
    """

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, "w:xz")
        self.queue: queue.Queue[list[tuple[str, bytes]] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="tar.xz", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (members := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drained, so that add() never blocks on a dead writer
            try:
                for name, raw in members:
                    info = tarfile.TarInfo(name)
                    info.size = len(raw)
                    self.tar.addfile(info, io.BytesIO(raw))
            except BaseException as exc:  # handed to the main thread
                self.error = exc

    def add(self, members: list[tuple[str, bytes]]) -> None:
        """Queue (name, bytes) members, in order."""
        if self.error is not None:
            raise self.error
        self.queue.put(members)

    def close(self) -> None:
        """Write what is queued and close the archive."""
        self.queue.put(None)
        self.thread.join()
        self.tar.close()
        if self.error is not None:
            raise self.error


def build(world: World, days: int, store: oc.SnapshotStore, root: Path, naive: Path, samples: Path) -> dict[str, float]:
    """Write the synthetic year: the store (one write a day, then ``compact()``), the first model's
    naive files, the ``tar.xz`` of every body and a few samples; returns times and sizes."""
    start = time.perf_counter()
    archive = Archive(root / "bodies.tar.xz")
    try:
        for d in range(days):
            world.day()
            pairs = []
            members = []
            for h in range(24):
                when = START + pd.Timedelta(days=d, hours=h)
                stamp = f"{when:%Y-%m-%dT%H%M%SZ}"
                for i, body in enumerate(world.hour()):
                    raw = orjson.dumps(body)
                    mid = body["data"]["id"].replace("/", "--")
                    name = f"endpoints-{mid}-{stamp}.json"
                    members.append((name, raw))
                    if i == 0:
                        (naive / name).write_bytes(raw)
                        if h == 12 and d % max(1, days // 6) == 0:
                            (samples / f"{stamp}.json").write_bytes(raw)
                    pairs.append((when, raw))
            archive.add(members)
            store.import_endpoint_bodies(pairs, now=NOW)
            if d % 30 == 29:
                print(f"  day {d + 1}: {time.perf_counter() - start:.0f} s", flush=True)
    finally:
        archive.close()
    built = time.perf_counter() - start
    before = store.store_bytes()
    start = time.perf_counter()
    store.compact(_retention_hours=0)  # the replaced files go at once: the size of what the tables hold
    return {
        "days": days,
        "built": built,
        "compact": time.perf_counter() - start,
        "before": before,
        "size": store.store_bytes(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=None, help="days of hourly snapshots (default 365; quick: 3)")
    parser.add_argument("--keep", default=None, help="build the store under this folder (kept for a look)")
    parser.add_argument("--reuse", default=None, help="build into this folder once, and read it in later runs")
    parser.add_argument(
        "--compact-again",
        action="store_true",
        help="with --reuse: compact() the reused store first (a store an earlier orcatalog built takes today's layout)",
    )
    args = _report.parse(parser)
    days = args.days or sized(365, 3)
    world = World()
    model_id = world.bodies[0]["data"]["id"]
    tag = world.bodies[0]["data"]["endpoints"][0]["tag"]
    with contextlib.ExitStack() as stack:
        if args.reuse:
            root = Path(args.reuse)
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.keep)))
        built_mark = root / "built.json"
        done = json.loads(built_mark.read_text()) if built_mark.exists() else None
        if done is not None and done["days"] != days:
            parser.error(f"{root} holds a build of {done['days']} days, not {days}")
        store = oc.SnapshotStore(root / "store", layout="delta")
        naive = root / "naive"
        samples_dir = root / "samples"
        if done is None:
            shutil.rmtree(root / "store", ignore_errors=True)
            shutil.rmtree(naive, ignore_errors=True)
            shutil.rmtree(samples_dir, ignore_errors=True)
            naive.mkdir()
            samples_dir.mkdir()
            done = build(world, days, store, root, naive, samples_dir)
            built_mark.write_text(json.dumps(done))
        elif args.compact_again:
            start = time.perf_counter()
            store.compact(_retention_hours=0)
            done["size"] = store.store_bytes()
            print(f"  compact() again: {time.perf_counter() - start:.1f} s")
        built, before, size = done["built"], done["before"], done["size"]
        samples = {
            pd.to_datetime(f.stem, format="%Y-%m-%dT%H%M%SZ", utc=True): f.read_bytes()
            for f in sorted(samples_dir.iterdir())
        }
        for table in sorted(p for p in Path(store.root).iterdir() if p.is_dir()):
            data = sum(f.stat().st_size for f in table.rglob("*.parquet"))
            log = sum(f.stat().st_size for f in (table / "_delta_log").rglob("*") if f.is_file())
            print(f"  {table.name}: data {data / 1e6:.2f} MB, log {log / 1e6:.2f} MB")
        xz = (root / "bodies.tar.xz").stat().st_size
        n_bodies = days * 24 * MODELS
        files = sorted(naive.iterdir())

        def naive_series() -> list[float]:
            out = []
            for f in files:
                body = json.loads(f.read_bytes())
                e = next(e for e in body["data"]["endpoints"] if e["tag"] == tag)
                out.append(e["latency_last_30m"]["p50"])
            return out

        def store_series() -> list[float]:
            h = oc.SnapshotStore(store.root).endpoint_history(model_id, tag, columns=["latency_p50"])
            return h["latency_p50"].tolist()  # type: ignore[no-any-return]

        assert naive_series() == store_series(), "the store's series differs from the bodies'"
        t_naive = best(naive_series, 3)
        t_store = best(store_series, 3)
        cpu = _report.paired(store_series, naive_series, rounds=sized(5, 1))
        fresh = oc.SnapshotStore(store.root)
        listed = fresh.endpoint_snapshots()
        ids = listed[listed["model_id"] == model_id].set_index("fetched_at")["snapshot_id"]
        lossless = all(orjson.dumps(fresh.raw(ids[when])) == raw for when, raw in samples.items())
        print(
            f"{days} days x 24 h x {MODELS} models = {n_bodies} bodies, {PROVIDERS * MODELS} endpoints; "
            f"built in {built:.0f} s, compact() {done['compact']:.0f} s"
        )
        print(
            f"store {size / 1e6:.1f} MB after compact ({before / 1e6:.1f} MB before); tar.xz {xz / 1e6:.1f} MB; "
            f"series of {len(files)} points: store {t_store * 1e3:.1f} ms, naive {t_naive * 1e3:.1f} ms; "
            f"raw() byte-equal on {len(samples)} samples: {lossless}"
        )
        print(
            f"series on CPU time (medians of {sized(5, 1)} interleaved rounds): store {cpu.lib * 1e3:.1f} ms, "
            f"naive {cpu.hand * 1e3:.1f} ms, ratio {cpu.ratio:.3f}x (wall {cpu.wall_ratio:.3f}x)"
        )
        return report(
            [
                ("size: store / tar.xz", size / xz, 1.5),
                ("series: endpoint_history / naive pass over one file per snapshot", t_store / t_naive, 0.05),
                ("lossless: raw() byte-equal (0 = yes)", 0.0 if lossless else 1.0, 0.0),
            ],
            unit="x",
        )


if __name__ == "__main__":
    sys.exit(main())
