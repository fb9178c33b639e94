"""Re-make the README's charts: the report's price-vs-context chart of the compact recorded series, and
the endpoints chart of anthropic/claude-sonnet-4.5 as recorded on 2026-08-30 (its compact copy).

Usage: ``python scripts/make_readme_chart.py`` (writes ``docs/price-vs-context.png`` and
``docs/endpoints.png``).
"""

from __future__ import annotations

import gzip
import json
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
    endpoints_chart()


def endpoints_chart() -> None:
    """The README's provider comparison: ``oc.plot_endpoints`` of one recorded endpoints body."""
    from matplotlib.figure import Figure

    from orcatalog.frames.endpoints import endpoints_frame

    name = "endpoints-anthropic--claude-sonnet-4.5-2026-08-30.json.gz"
    body = json.loads(gzip.decompress((REPO / "tests" / "data" / "openrouter" / "endpoints" / name).read_bytes()))
    data = body["data"]
    fig = Figure(figsize=(7.2, 4), layout="constrained")
    oc.plot_endpoints(
        endpoints_frame(data["endpoints"], model_id=data["id"], model_name=data.get("name")), ax=fig.subplots()
    )
    fig.savefig(REPO / "docs" / "endpoints.png", dpi=100)
    print("wrote", REPO / "docs" / "endpoints.png")


if __name__ == "__main__":
    main()
