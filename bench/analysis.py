"""Benchmark the analysis toolkit against hand-written pandas measured in the same run (issue: analysis toolkit).

Targets (ratios printed; exit status 1 on a miss):
- ``estimate_cost`` on the 199-snapshot hourly history frame (about 70k rows): at most 3x building the same
  id / time / total frame by hand with one vectorised ``prompt * price_prompt + completion * price_completion``;
- ``price_at`` on 1,000,000 synthetic usage rows against that history: at most 2x a hand-written
  ``pd.merge_asof`` of the same rows (sorted, joined by model, with the same total computed);
- ``reprice`` of 100,000 daily usage rows (activity-shaped: date, model, tokens with reasoning, requests,
  the bill) against that history, each row at its own day, compared with its bill: at most 3x a
  hand-written ``merge_asof`` plus the vectorised cost (prompt, completion) and the difference to the bill.
  With alternatives it prices rows x alternatives more rows; that time is printed, not targeted.

Each library call and its baseline are timed in interleaved rounds on CPU time (25 for
estimate_cost, 5 for price_at, 15 for reprice), and the ratio checked is the median of the rounds'
ratios (``_report.paired``: on a machine with more runnable processes than cores a best-of-N of
wall-clock times varied from 2.9x to 3.8x between runs for reprice, and missed estimate_cost's 3x
in 4 runs of 5; the wall-clock ratio is printed too). The time with alternatives is the best of one
run. Usage: ``python bench/analysis.py [--data DIR] [--rows N] [--quick]``
(``--quick``: 2,000 rows, one run each, checks that it runs, not the ratios).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import best, data_file, paired, report  # noqa: E402 - the bench folder is on sys.path when run as a script


def main() -> int:
    import orcatalog as oc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openrouter")
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic usage rows for price_at")
    parser.add_argument("--reprice-rows", type=int, default=100_000, help="synthetic daily usage rows for reprice")
    args = _report.parse(parser)
    archive = data_file(args.data, "hourly-*.tar.xz")
    if args.quick:
        args.rows, args.reprice_rows = min(args.rows, 2_000), min(args.reprice_rows, 2_000)

    store = oc.SnapshotStore(tempfile.mkdtemp())
    store.import_files(archive, progress=False)
    h = store.history()
    print(f"history: {len(h)} rows, {h['snapshot_id'].nunique()} snapshots")

    def by_hand_cost() -> pd.DataFrame:
        return pd.DataFrame(
            {
                "id": h["id"],
                "fetched_at": h["fetched_at"],
                "total": 1_000_000 * h["price_prompt"] + 200_000 * h["price_completion"],
            }
        )

    cost = paired(lambda: oc.estimate_cost(h, 1_000_000, 200_000), by_hand_cost, 25)
    print(
        f"estimate_cost: {cost.lib * 1e3:.2f} ms CPU; by hand {cost.hand * 1e3:.2f} ms CPU "
        f"(median of 25 rounds; wall-clock ratio {cost.wall_ratio:.2f}x)"
    )

    rng = np.random.default_rng(0)
    ids = list(pd.unique(h["id"].astype(str))) + ["nobody/unknown"]
    t0, t1 = h["fetched_at"].min(), h["fetched_at"].max()
    seconds = int((t1 - t0).total_seconds())
    usage = pd.DataFrame(
        {
            "model": rng.choice(ids, args.rows),
            "timestamp": t0
            - pd.Timedelta("1D")
            + pd.to_timedelta(rng.integers(0, seconds + 2 * 86_400, args.rows), unit="s"),
            "prompt_tokens": rng.integers(0, 50_000, args.rows),
            "completion_tokens": rng.integers(0, 5_000, args.rows),
        }
    )

    def by_hand_price_at() -> pd.DataFrame:
        right = (
            h[["id", "fetched_at", "price_prompt", "price_completion"]]
            .assign(id=h["id"].astype(str), fetched_at=h["fetched_at"].astype("datetime64[ns, UTC]"))
            .sort_values("fetched_at")
        )
        left = usage.assign(timestamp=usage["timestamp"].astype("datetime64[ns, UTC]")).sort_values("timestamp")
        out = pd.merge_asof(left, right, left_on="timestamp", right_on="fetched_at", left_by="model", right_by="id")
        out["total"] = out["prompt_tokens"] * out["price_prompt"] + out["completion_tokens"] * out["price_completion"]
        return out

    join = paired(lambda: oc.price_at(usage, h), by_hand_price_at, 5)
    print(
        f"price_at ({args.rows:,} rows): {join.lib:.3f} s CPU; by hand {join.hand:.3f} s CPU "
        f"(median of 5 rounds; wall-clock ratio {join.wall_ratio:.2f}x)"
    )

    n = args.reprice_rows
    days = pd.date_range(t0.normalize(), t1.normalize(), freq="D", tz="UTC")
    completion = rng.integers(0, 20_000, n)
    daily = pd.DataFrame(
        {
            "date": rng.choice(days, n),
            "model": rng.choice(ids, n),
            "prompt_tokens": rng.integers(0, 5_000_000, n),
            "completion_tokens": completion,
            "reasoning_tokens": completion // 3,
            "requests": rng.integers(1, 500, n),
            "usage_usd": rng.random(n),
        }
    )

    def by_hand_reprice() -> pd.DataFrame:
        right = (
            h[["id", "fetched_at", "price_prompt", "price_completion"]]
            .assign(id=h["id"].astype(str), fetched_at=h["fetched_at"].astype("datetime64[ns, UTC]"))
            .sort_values("fetched_at")
        )
        left = daily.assign(date=daily["date"].astype("datetime64[ns, UTC]")).sort_values("date")
        out = pd.merge_asof(left, right, left_on="date", right_on="fetched_at", left_by="model", right_by="id")
        out["list_usd"] = (
            out["prompt_tokens"] * out["price_prompt"] + out["completion_tokens"] * out["price_completion"]
        )
        out["difference_usd"] = out["usage_usd"] - out["list_usd"]
        return out

    timed = paired(lambda: oc.reprice(daily, h, alternatives=[]), by_hand_reprice, 15)
    three = list(pd.unique(h["id"].astype(str)))[:3]
    with_alternatives = best(lambda: oc.reprice(daily, h, alternatives=three).summary(), 1)
    print(
        f"reprice ({n:,} daily rows): {timed.lib:.3f} s CPU; by hand {timed.hand:.3f} s CPU "
        f"(median of 15 interleaved rounds; wall-clock ratio {timed.wall_ratio:.2f}x); "
        f"with 3 alternatives and the summary {with_alternatives:.3f} s"
    )
    return report(
        [
            ("estimate_cost / hand-built frame", cost.ratio, 3.0),
            ("price_at / hand-written merge_asof", join.ratio, 2.0),
            ("reprice / hand-written merge_asof + cost", timed.ratio, 3.0),
        ],
        unit="x",
    )


if __name__ == "__main__":
    sys.exit(main())
