"""Shared by the bench scripts: time a call (best of several runs), print each value against its
target, find the recorded data (saying what is missing), and the ``--quick`` mode.

``--quick`` checks that a bench runs, not its numbers: small sizes, one run per timing, ratios
printed but never failing (``.ci/run`` runs each bench once this way after the tests).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: Set by :func:`parse` from ``--quick``.
QUICK = False


def parse(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add ``--quick`` to a bench's parser, parse the command line and remember the mode."""
    global QUICK
    parser.add_argument(
        "--quick",
        action="store_true",
        help="check that the bench runs (small sizes, one run each; ratios are not checked)",
    )
    args = parser.parse_args()
    QUICK = args.quick
    return args


def sized(full: int, quick: int) -> int:
    """``full`` normally, ``quick`` in quick mode (rows, runs, rounds)."""
    return quick if QUICK else full


def data_file(data: Path, pattern: str) -> Path:
    """The first file of ``data`` matching ``pattern``; when there is none, exit with status 2 and
    a line saying what is missing (never a StopIteration traceback)."""
    found = sorted(data.glob(pattern)) if data.is_dir() else []
    if not found:
        where = f"{data} has no {pattern}" if data.is_dir() else f"{data} does not exist"
        print(
            f"bench: missing recorded data: {where}; the bench reads the recorded bodies of "
            "../shared/data/openrouter (pass --data DIR to read another folder)",
            file=sys.stderr,
        )
        sys.exit(2)
    return found[0]


def best(func: Callable[[], object], repeat: int = 7) -> float:
    """The fastest of ``repeat`` runs of ``func`` (one in quick mode), in seconds."""
    times = []
    for _ in range(sized(repeat, 1)):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def report(checks: list[tuple[str, float, float]], *, ok: bool = True, unit: str = "") -> int:
    """Print ``ok``/``MISS`` per (label, value, target) check; return the exit status (0 = all met).
    In quick mode the values are printed and the status is 0: the run itself was the check."""
    for label, value, target in checks:
        passed = value <= target
        ok &= passed
        print(f"{'ok  ' if passed else 'MISS'} {label}: {value:.3f}{unit} (target <= {target:.3f}{unit})")
    if QUICK:
        print("quick: the bench ran; its ratios are not checked in this mode")
        return 0
    return 0 if ok else 1
