"""Benchmark the fetch layer against baselines measured in the same run (issue: fetch layer, part 7).

Prints each ratio and exits non-zero when one misses its target:

- bytes -> contract DataFrame: at most 2.0x ``json.loads`` of the same bytes (largest real body);
- a cached ``fetch_models()`` hit, end to end through requests-cache: at most 3.0x ``json.loads``;
- ``import orcatalog``: at most 1.15x ``import pandas, requests_cache, pyarrow`` (fresh processes),
  and it must not import matplotlib.

Every timing is the minimum over alternating rounds of baseline and subject (the least disturbed
run of each), so noise on this shared machine hits both alike.
Usage: ``python bench/fetch.py [--data DIR] [--quick]`` (default ``../shared/data/openrouter``; ``--quick``:
one round each, checks that it runs, not the ratios).
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import data_file, report, sized  # noqa: E402 - the bench folder is on sys.path when run as a script


def largest_body(data: Path) -> tuple[str, bytes]:
    best = ("", b"")
    for path in sorted(data.glob("models-*.json.gz")):
        raw = gzip.decompress(path.read_bytes())
        if len(raw) > len(best[1]):
            best = (path.name, raw)
    for archive in data.glob("hourly-*.tar.xz"):
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".json"):
                    raw = tar.extractfile(member).read()  # type: ignore[union-attr]
                    if len(raw) > len(best[1]):
                        best = (Path(member.name).name, raw)
    return best


def paired(baseline, subject, number: int, rounds: int) -> tuple[float, float]:
    """Best per-call time of baseline and subject, measured in alternating rounds so that machine
    noise (a busy neighbour, frequency changes) hits both alike."""
    base, sub = [], []
    for _ in range(rounds):
        base.append(timeit.timeit(baseline, number=number) / number)
        sub.append(timeit.timeit(subject, number=number) / number)
    return min(base), min(sub)


def import_time(statement: str, runs: int) -> float:
    """Median wall time of ``python -c statement`` minus an empty interpreter, in seconds."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        return time.perf_counter() - start

    samples_stmt, samples_base = [], []
    for _ in range(runs):  # interleaved, so drift hits both alike
        samples_base.append(run("pass"))
        samples_stmt.append(run(statement))
    return statistics.median(samples_stmt) - statistics.median(samples_base)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openrouter")
    parser.add_argument("--import-runs", type=int, default=15)
    args = _report.parse(parser)
    data_file(args.data, "models-*.json.gz")  # says what is missing
    number, rounds = sized(30, 2), sized(20, 1)
    if args.quick:
        args.import_runs = 1

    import orjson

    import orcatalog as oc
    from orcatalog.frames.models import check_body, models_frame
    from orcatalog.testing import ReplayServer

    name, raw = largest_body(args.data)
    print(f"largest body: {name} ({len(raw):,} bytes, {len(json.loads(raw)['data'])} models)")
    results: list[tuple[str, float, float]] = []

    t_json, t_frame = paired(
        lambda: json.loads(raw), lambda: models_frame(check_body(orjson.loads(raw))), number, rounds
    )
    results.append(("bytes -> contract DataFrame / json.loads", t_frame / t_json, 2.0))
    print(f"  json.loads            {t_json * 1e3:7.2f} ms")
    print(f"  bytes -> DataFrame    {t_frame * 1e3:7.2f} ms")

    with tempfile.TemporaryDirectory() as tmp, ReplayServer(raw) as server:
        client = oc.Client(base_url=server.base_url, cache_dir=tmp)
        first = client.fetch_models()
        hit = client.fetch_models()
        assert hit.attrs["from_cache"] and len(hit) == len(first), "second call was not a cache hit"
        requests_before = len(server.requests)
        t_json2, t_hit = paired(lambda: json.loads(raw), client.fetch_models, number, rounds)
        assert len(server.requests) == requests_before, "cache hits reached the server"
        serializer = client.session.cache.responses.serializer.name
    results.append(("cached fetch_models() hit / json.loads", t_hit / t_json2, 3.0))
    print(f"  cached fetch_models() {t_hit * 1e3:7.2f} ms (serializer: {serializer}, no pickle)")

    leaks = subprocess.run(
        [sys.executable, "-c", "import sys, orcatalog; print('matplotlib' in sys.modules)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    ).stdout.strip()
    # pip byte-compiles an installed package; do the same for the working tree so both sides of
    # the import comparison load bytecode (this machine sets PYTHONDONTWRITEBYTECODE)
    compileall.compile_dir(str(REPO / "orcatalog"), quiet=1)
    t_base = import_time("import pandas, requests_cache, pyarrow", args.import_runs)
    t_pkg = import_time("import orcatalog", args.import_runs)
    results.append(("import orcatalog / import pandas, requests_cache, pyarrow", t_pkg / t_base, 1.15))
    print(f"  import baseline       {t_base * 1e3:7.1f} ms;  import orcatalog {t_pkg * 1e3:7.1f} ms")

    ok = leaks == "False"
    print(f"{'ok  ' if ok else 'MISS'} import orcatalog does not import matplotlib")
    return report(results, ok=ok, unit="x")


if __name__ == "__main__":
    sys.exit(main())
