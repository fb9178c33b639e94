"""Benchmark the command line's start-up against baselines measured in the same run (issue 8).

Prints each ratio and exits non-zero when one misses its target:

- ``orcatalog --help``: at most 1.5x ``python -c "import click"``;
- a cached ``orcatalog models`` (the whole catalog as a table, answered from the HTTP cache): at
  most 1.3x ``python -c "import pandas, pyarrow"``.

Each is the median wall time of fresh processes, baseline and subject interleaved so that noise on
this shared machine hits both alike. Usage: ``python bench/cli.py [--runs N] [--quick]`` (``--quick``: one run each,
checks that it runs, not the ratios).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import report  # noqa: E402 - the bench folder is on sys.path when run as a script

#: What the ``orcatalog`` console script runs.
CLI = "import sys; from orcatalog.cli import run; sys.argv[0] = 'orcatalog'; run()"


def paired_runs(baseline: list[str], subject: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time (seconds) of two commands, run alternately in fresh processes."""

    def run(argv: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    base, sub = [], []
    for _ in range(runs):
        base.append(run(baseline))
        sub.append(run(subject))
    return statistics.median(base), statistics.median(sub)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = _report.parse(parser)
    if args.quick:
        args.runs = 1

    from orcatalog.testing import ReplayServer

    # pip byte-compiles an installed package; do the same for the working tree (this machine sets
    # PYTHONDONTWRITEBYTECODE) so the subject loads bytecode like the baselines do
    compileall.compile_dir(str(REPO / "orcatalog"), quiet=1)
    py = sys.executable
    results: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as server:
        env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": tmp, "ORCATALOG_BASE_URL": server.base_url}
        env.pop("PYTHONDONTWRITEBYTECODE", None)

        t_click, t_help = paired_runs([py, "-c", "import click"], [py, "-c", CLI, "--help"], env, args.runs)
        results.append(("orcatalog --help / import click", t_help / t_click, 1.5))
        print(f"  import click {t_click * 1e3:7.1f} ms;  orcatalog --help {t_help * 1e3:7.1f} ms")

        subprocess.run([py, "-c", CLI, "models"], check=True, env=env, stdout=subprocess.DEVNULL)  # fill the cache
        served = len(server.requests)
        t_pd, t_models = paired_runs([py, "-c", "import pandas, pyarrow"], [py, "-c", CLI, "models"], env, args.runs)
        assert len(server.requests) == served, "the timed `orcatalog models` runs were not cache hits"
        results.append(("cached orcatalog models / import pandas, pyarrow", t_models / t_pd, 1.3))
        print(f"  import pandas, pyarrow {t_pd * 1e3:7.1f} ms;  cached orcatalog models {t_models * 1e3:7.1f} ms")
    return report(results, unit="x")


if __name__ == "__main__":
    sys.exit(main())
