"""Shared by the bench scripts: time a call (best of several runs) or a call against its
hand-written baseline (medians of interleaved rounds, on CPU time), print each value against its target,
find the recorded data (saying what is missing), and the ``--quick`` mode.

``--quick`` checks that a bench runs, not its numbers: small sizes, one run per timing, ratios
printed but never failing (``.ci/run`` runs each bench once this way after the tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

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


class Paired(NamedTuple):
    """What :func:`paired` measured: medians over the same rounds, in seconds."""

    lib: float  #: the library call's median CPU time
    hand: float  #: the baseline's median CPU time
    ratio: float  #: the median of the rounds' CPU-time ratios lib / hand (the value checked)
    wall_ratio: float  #: the same on wall-clock time (printed: on a loaded machine it measures the load)


def paired(lib: Callable[[], object], hand: Callable[[], object], rounds: int = 9) -> Paired:
    """Time a library call against its hand-written baseline in interleaved rounds, robust to a
    loaded machine: one untimed warm-up run of each, then per round one run of each in alternating
    order (lib then hand, then hand then lib: neither side always runs first). The garbage
    collector runs as it would for a user (it is part of what a call costs).

    Both sides are timed on this process's CPU time (``time.process_time``: user + system, every
    thread) as well as on the wall clock. With more runnable processes than cores the wall clock
    mostly counts the time spent waiting for a core, which depends on the other processes, not on
    the code: a CPU-time ratio of medians over the same rounds is what the code costs. The ratio
    checked is the median of the rounds' ratios (a slow moment slows both sides of its round).
    One round in quick mode.
    """
    for func in (lib, hand):
        func()
    cpu: dict[int, list[float]] = {0: [], 1: []}
    wall: dict[int, list[float]] = {0: [], 1: []}
    for i in range(sized(rounds, 1)):
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            func = lib if side == 0 else hand
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            func()
            cpu[side].append(time.process_time() - start_cpu)
            wall[side].append(time.perf_counter() - start_wall)
    return Paired(
        lib=statistics.median(cpu[0]),
        hand=statistics.median(cpu[1]),
        ratio=statistics.median(a / b for a, b in zip(cpu[0], cpu[1])),
        wall_ratio=statistics.median(a / b for a, b in zip(wall[0], wall[1])),
    )


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
