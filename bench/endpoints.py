"""Benchmark providers' endpoints: reading a body into its frame, and fetching many models on a pool.

Each ratio is against a baseline measured in the same run (issue 18, "Numbers"); the bench prints
them and exits non-zero when one misses its target:

- parse: an ``/endpoints/zdr``-sized body (every endpoint of the sample catalog, spec-shaped
  fixtures, about 2 MB) -> its frame, at most 2.0x ``json.loads`` of the same bytes: the median of
  interleaved rounds on CPU time (:func:`_report.paired`; wall-clock minima swing too much on a
  loaded machine). The largest recorded one-model body (7 endpoints, 8.7 kB) is printed too, for
  the record, not checked: there a frame's fixed cost (about 50 typed columns) dominates;
- many models: 400 models against the replay server (in its own process) with 50 ms injected
  latency per request, at the default concurrency, through the default cached session on a fresh
  cache: wall time (the median of five fetches, each on a fresh cache and server) at most 1.3x
  (400 / concurrency) x 50 ms, and no more requests than models (in any of them);
- a 429 with ``Retry-After: 1`` on the first request: the whole pool pauses (wall time grows by
  about the full second, not by a worker's share of it) and the request count is models + 1.

Usage: ``python bench/endpoints.py [--quick]`` (``--quick``: 40 models, one round each; checks that
it runs, not the ratios). Figures measured so far: ``data/README.md``, "Reading endpoints bodies".
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import report, sized  # noqa: E402 - the bench folder is on sys.path when run as a script

import orjson  # noqa: E402

import orcatalog as oc  # noqa: E402
from orcatalog.fetch.endpoints import DEFAULT_CONCURRENCY  # noqa: E402
from orcatalog.frames.endpoints import endpoints_body_frame  # noqa: E402
from orcatalog.testing.fixtures import spec_endpoints_body  # noqa: E402
from orcatalog.testing.replay import SAMPLE, SAMPLE_DIR  # noqa: E402

LATENCY = 0.05
MODELS = 400


def paired(raw: bytes, number: int, rounds: int = 7) -> tuple[float, float]:
    """Best per-call time of json.loads and of bytes -> frame, in alternating rounds."""
    base, sub = [], []
    for _ in range(rounds):
        base.append(timeit.timeit(lambda: json.loads(raw), number=number) / number)
        sub.append(timeit.timeit(lambda: endpoints_body_frame(orjson.loads(raw)), number=number) / number)
    return min(base), min(sub)


def zdr_sized_body() -> bytes:
    catalog = orjson.loads(gzip.decompress(SAMPLE.read_bytes()))["data"]
    endpoints = [
        {k: v for k, v in e.items() if k != "_zdr"}
        for m in catalog
        for e in spec_endpoints_body(m)["data"]["endpoints"]
    ]
    return orjson.dumps({"data": endpoints})


_SERVER = """
import sys, orjson
from orcatalog.testing import ReplayServer
catalog, rate_limit, latency = orjson.loads(sys.argv[1]), sys.argv[2] == "1", float(sys.argv[3])
with ReplayServer(catalog, spec_endpoints=True) as server:
    if rate_limit:
        server.add_fault(path="/models/", status=429, headers={"Retry-After": "1"})
    server.add_fault(path="/models/", delay=latency, times=10**9)
    print(server.base_url, flush=True)
    sys.stdin.read()  # serve until the bench closes our stdin
    print(len(server.requests), flush=True)
"""


def many(rate_limit: bool = False) -> tuple[float, int, int]:
    """(wall seconds, requests served, rows) for fetch_endpoints(models=400 ids) on a fresh cache.

    The replay server runs in its own process, as the API would: in ours it would compete for the
    GIL with the pool (each request hands over between threads several times)."""
    catalog = {
        "data": [
            {
                "id": f"bench/model-{i:03d}",
                "name": f"Bench {i}",
                "context_length": 131072,
                "pricing": {"prompt": "0.0000005", "completion": "0.0000015"},
            }
            for i in range(MODELS)
        ]
    }
    args = [sys.executable, "-c", _SERVER, orjson.dumps(catalog).decode(), "1" if rate_limit else "0", str(LATENCY)]
    with (
        subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO) as proc,
        tempfile.TemporaryDirectory() as cache,
    ):
        assert proc.stdout is not None and proc.stdin is not None
        base_url = proc.stdout.readline().strip()
        client = oc.Client(base_url=base_url, cache_dir=cache, progress=False)
        ids = [m["id"] for m in catalog["data"]]
        start = time.perf_counter()
        frame = oc.fetch_endpoints(models=ids, client=client)
        wall = time.perf_counter() - start
        proc.stdin.close()
        served = int(proc.stdout.readline())
    assert frame["error"].isna().all(), frame["error"].dropna().head()
    return wall, served, len(frame)


def main() -> int:
    global MODELS
    import argparse

    _report.parse(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    MODELS = sized(MODELS, 40)
    big = zdr_sized_body()
    parse = _report.paired(lambda: endpoints_body_frame(orjson.loads(big)), lambda: json.loads(big), rounds=31)
    print(
        f"parse /endpoints/zdr-sized body ({len(big) / 1e6:.1f} MB), CPU medians: json.loads "
        f"{parse.hand * 1e3:.1f} ms, frame {parse.lib * 1e3:.1f} ms (wall-clock ratio {parse.wall_ratio:.2f}x)"
    )
    small = max(
        (gzip.decompress(p.read_bytes()) for p in (SAMPLE_DIR / "endpoints").glob("endpoints-*.json.gz")), key=len
    )
    sbase, ssub = paired(small, number=sized(200, 5), rounds=sized(7, 1))
    print(
        f"parse largest one-model body ({len(small) / 1e3:.1f} kB, for the record): json.loads {sbase * 1e6:.0f} us, "
        f"frame {ssub * 1e6:.0f} us, ratio {ssub / sbase:.1f}x"
    )
    ideal = MODELS / DEFAULT_CONCURRENCY * LATENCY
    runs = [many() for _ in range(sized(5, 1))]  # the median of five fetches: one swings 1.18x-1.41x here
    walls = sorted(r[0] for r in runs)
    print("many-model fetch, each run / ideal: " + ", ".join(f"{w / ideal:.3f}" for w in walls))
    wall, served, rows = walls[len(walls) // 2], max(r[1] for r in runs), runs[0][2]
    print(
        f"{MODELS} models, {LATENCY * 1e3:.0f} ms each, concurrency {DEFAULT_CONCURRENCY}: {wall:.2f} s "
        f"(ideal {ideal:.2f} s), {served} requests, {rows} rows"
    )
    wall429, served429, _ = many(rate_limit=True)
    print(f"same with one 429 Retry-After: 1 s first: {wall429:.2f} s (+{wall429 - wall:.2f} s), {served429} requests")
    return report(
        [
            ("parse: zdr-sized body -> frame / json.loads (CPU, median of rounds)", parse.ratio, 2.0),
            (f"many: wall / (({MODELS} / {DEFAULT_CONCURRENCY}) x 50 ms)", wall / ideal, 1.3),
            ("many: requests / models (no faults)", served / MODELS, 1.0),
            ("many + 429: requests / (models + 1 retry)", served429 / (MODELS + 1), 1.0),
            (
                "many + 429: the pause holds the pool: 1 s / extra wall (~1 when the pool pauses)",
                1.0 / max(wall429 - wall, 1e-9),
                1.35,
            ),
        ],
        unit="x",
    )


if __name__ == "__main__":
    sys.exit(main())
