"""Re-make the README's chart: the report's price-vs-context chart of the compact recorded series.

Usage: ``python scripts/make_readme_chart.py`` (writes ``docs/price-vs-context.png``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import orcatalog as oc

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = oc.SnapshotStore(Path(tmp) / "store")
        store.import_files(
            REPO / "tests" / "data" / "openrouter" / "hourly-2025-12-18_2026-01-07.tar.xz", progress=False
        )
        index = oc.build_report(store.history(), Path(tmp) / "report")
        shutil.copy(index.parent / "price_vs_context.png", REPO / "docs" / "price-vs-context.png")
    print("wrote", REPO / "docs" / "price-vs-context.png")


if __name__ == "__main__":
    main()
