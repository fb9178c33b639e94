"""Shared by the bench scripts: time a call (best of several runs), print each value against its target."""

from __future__ import annotations

import time
from collections.abc import Callable


def best(func: Callable[[], object], repeat: int = 7) -> float:
    """The fastest of ``repeat`` runs of ``func``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def report(checks: list[tuple[str, float, float]], *, ok: bool = True, unit: str = "") -> int:
    """Print ``ok``/``MISS`` per (label, value, target) check; return the exit status (0 = all met)."""
    for label, value, target in checks:
        passed = value <= target
        ok &= passed
        print(f"{'ok  ' if passed else 'MISS'} {label}: {value:.3f}{unit} (target <= {target:.3f}{unit})")
    return 0 if ok else 1
