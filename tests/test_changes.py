"""diff / price_changes / lifecycle on the real bodies: the zero/absent rule and readable units."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.models import check_body, models_frame
from orcatalog.schema import KNOWN_PRICE_KEYS, settled_prices

from .conftest import read_body


def _frame(path: Path, scope: str = "catalog") -> pd.DataFrame:
    import json

    frame = models_frame(check_body(json.loads(read_body(path))))
    frame.attrs.update(scope=scope, snapshot_id=path.name)
    return frame


def _zero_absent_pairs(old: pd.DataFrame, new: pd.DataFrame) -> int:
    """Price cells that go between "0" and absent: not changes by the contract's rule."""
    o, n = old.set_index("id"), new.set_index("id")
    common = o.index.intersection(n.index)
    count = 0
    for key in KNOWN_PRICE_KEYS[2:]:
        a, b = o.loc[common, f"price_{key}"], n.loc[common, f"price_{key}"]
        count += int(((a == 0) & b.isna()).sum() + (a.isna() & (b == 0)).sum())
    return count


def test_zero_and_absent_are_no_change_in_diff(recorded_dir: Path) -> None:
    old, new = _frame(recorded_dir / "models-2025-12-25.json.gz"), _frame(recorded_dir / "models-2026-01-29.json.gz")
    assert _zero_absent_pairs(old, new) > 500  # the real data has them: the test can fail
    d = oc.diff(old, new)
    prices = d[d["field"].fillna("").str.startswith("price_")]
    o, n = old.set_index("id"), new.set_index("id")
    assert len(prices)  # real changes remain
    for row in prices.itertuples():
        a, b = o.loc[row.id, row.field], n.loc[row.id, row.field]
        assert not ((a == 0 and pd.isna(b)) or (pd.isna(a) and b == 0)), row


def test_price_changes_and_lifecycle_ignore_zero_absent(recorded_dir: Path) -> None:
    frames = [_frame(recorded_dir / f"models-{d}.json.gz") for d in ("2025-12-25", "2026-01-29")]
    h = pd.concat([f.assign(fetched_at=pd.Timestamp(d, tz="UTC"), scope="catalog")
                   for f, d in zip(frames, ("2025-12-25", "2026-01-29"))], ignore_index=True)  # fmt: skip
    changes = oc.price_changes(h)
    optional = changes[~changes["field"].isin(["price_prompt", "price_completion"])]
    assert not ((optional["old"] == 0) & optional["new"].isna()).any()
    assert not (optional["old"].isna() & (optional["new"] == 0)).any()
    settled = settled_prices(h)
    life = oc.lifecycle(h).set_index("id")
    assert life["n_changes"].sum() == changes.groupby("id")["fetched_at"].nunique().sum()
    assert len(settled) == len(h)


def test_cheap_prices_are_shown_in_a_readable_unit(recorded_dir: Path) -> None:
    old, new = _frame(recorded_dir / "models-2025-12-18.json.gz"), _frame(recorded_dir / "models-2026-04-17.json.gz")
    d = oc.diff(old, new)
    prices = d[d["field"] == "price_prompt"]
    cheap = prices[prices["pct_change"].abs() > 0]
    assert len(cheap) and set(prices["unit"]) == {"USD/Mtok"}
    # every shown value reproduces its pct_change at the printed precision: never "0.0 -> 0.0, -80 %"
    shown = cheap.astype({"old": float, "new": float})
    text = shown.to_string()
    assert "0.0  " not in text.replace("0.00", "")
    for row in shown.itertuples():
        assert row.old > 0.001 and row.new > 0.001, row
        assert row.pct_change == pytest.approx((row.new - row.old) / row.old * 100)
    o = old.set_index("id")
    mid = cheap["id"].iloc[0]
    assert cheap["old"].iloc[0] == pytest.approx(o.loc[mid, "price_prompt"] * 1e6)
    assert repr(cheap["old"].iloc[0]) == repr(round(cheap["old"].iloc[0], 9))  # no float noise
    web = d[d["field"] == "price_web_search"]
    assert web.empty or set(web["unit"]) == {"USD/search"}
