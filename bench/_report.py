"""Shared by the bench scripts: print each measured value against its target."""

from __future__ import annotations


def report(checks: list[tuple[str, float, float]], *, ok: bool = True, unit: str = "") -> int:
    """Print ``ok``/``MISS`` per (label, value, target) check; return the exit status (0 = all met)."""
    for label, value, target in checks:
        passed = value <= target
        ok &= passed
        print(f"{'ok  ' if passed else 'MISS'} {label}: {value:.3f}{unit} (target <= {target:.3f}{unit})")
    return 0 if ok else 1
