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
    h = pd.concat(
        [
            f.assign(fetched_at=pd.Timestamp(d, tz="UTC"), scope="catalog")
            for f, d in zip(frames, ("2025-12-25", "2026-01-29"))
        ],
        ignore_index=True,
    )
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


def _vanished(old_path: Path, new_path: Path) -> set[tuple[str, str]]:
    """(id, price_<key>) whose non-zero optional price the new body no longer lists, from the raw JSON."""
    import json

    old = {m["id"]: m["pricing"] for m in json.loads(read_body(old_path))["data"]}
    new = {m["id"]: m["pricing"] for m in json.loads(read_body(new_path))["data"]}
    return {
        (mid, f"price_{k}")
        for mid in old.keys() & new.keys()
        for k, v in old[mid].items()
        if k not in ("prompt", "completion", "overrides")
        and float(v) > 0
        and k not in new[mid]
        and float(new[mid]["prompt"]) >= 0
    }


@pytest.mark.parametrize(
    "old_name, new_name",
    [
        ("models-2026-01-01.json.gz", "models-2026-01-15.json.gz"),
        ("models-2026-01-29.json.gz", "models-2026-04-17.json.gz"),
    ],
)
def test_a_vanished_price_key_is_no_longer_listed_not_a_cut(recorded_dir: Path, old_name: str, new_name: str) -> None:
    expected = _vanished(recorded_dir / old_name, recorded_dir / new_name)
    assert len(expected) >= 10  # image on 26 models in mid-January 2026, cache keys later
    old, new = _frame(recorded_dir / old_name), _frame(recorded_dir / new_name)
    d = oc.diff(old, new)
    gone = d[d["kind"] == "no longer listed"]
    assert set(zip(gone["id"], gone["field"])) == expected
    assert gone["new"].isna().all() and gone["pct_change"].isna().all() and (gone["old"] > 0).all()
    prices = d[d["field"].fillna("").str.startswith("price_")]
    cuts = prices[prices["new"].astype(float) == 0]  # a cut to 0 only where the body says "0" (z-ai/glm-4.6v does)
    assert not set(zip(cuts["id"], cuts["field"])) & expected
    h = pd.concat(
        [
            old.assign(fetched_at=pd.Timestamp("2026-01-01", tz="UTC")),
            new.assign(fetched_at=pd.Timestamp("2026-02-01", tz="UTC")),
        ],
        ignore_index=True,
    )
    events = oc.price_changes(h)
    pd.testing.assert_frame_equal(
        events.loc[events["kind"] == "no longer listed", ["id", "field", "old", "new"]]
        .sort_values(["id", "field"])
        .reset_index(drop=True),
        gone[["id", "field", "old", "new"]].sort_values(["id", "field"]).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_switch_to_dynamic_pricing_is_said_and_absent_keys_stay_silent(recorded_dir: Path) -> None:
    import json

    old, new = _frame(recorded_dir / "models-2024-04-19.json.gz"), _frame(recorded_dir / "models-2024-06-13.json.gz")
    raw_old = {m["id"]: m["pricing"] for m in json.loads(read_body(recorded_dir / "models-2024-04-19.json.gz"))["data"]}
    raw_new = {m["id"]: m["pricing"] for m in json.loads(read_body(recorded_dir / "models-2024-06-13.json.gz"))["data"]}
    switched = {
        mid
        for mid in raw_old.keys() & raw_new.keys()
        if float(raw_old[mid]["prompt"]) >= 0 and float(raw_new[mid]["prompt"]) < 0
    }
    assert switched  # zephyr-7b-beta, psyfighter-13b, ... went to "-1" in June 2024
    d = oc.diff(old, new)
    events = d[d["id"].isin(switched) & d["field"].fillna("").str.startswith("price_")]
    assert set(events["kind"]) == {"to dynamic"} and events["new"].isna().all() and events["pct_change"].isna().all()
    # the switch is said once per model, on price_prompt, with the fixed prompt price as old
    assert sorted(events["id"]) == sorted(switched) and set(events["field"]) == {"price_prompt"}
    shown = events.set_index("id")["old"]
    assert shown[sorted(switched)].tolist() == pytest.approx(
        [float(raw_old[m]["prompt"]) * 1e6 for m in sorted(switched)]
    )
    for field in ("price_completion", "price_prompt"):  # following one base key alone, it carries the switch
        alone = oc.price_changes(
            pd.concat(
                [
                    old.assign(fetched_at=pd.Timestamp("2024-04-19", tz="UTC")),
                    new.assign(fetched_at=pd.Timestamp("2024-06-13", tz="UTC")),
                ],
                ignore_index=True,
            ),
            fields=[field],
        )
        assert set(alone.loc[alone["id"].isin(switched), "field"]) == {field}
        assert (alone.loc[alone["id"].isin(switched), "kind"] == "to dynamic").sum() == len(switched)
    # a 2026 model going to "-1": its body has no web_search, reasoning or cache keys, so no event for them
    body = json.loads(read_body(recorded_dir / "models-2026-04-17.json.gz"))["data"]
    model = next(m for m in body if set(m["pricing"]) == {"prompt", "completion"})
    routed = json.loads(json.dumps(model))
    routed["pricing"] = {"prompt": "-1", "completion": "-1"}
    d = oc.diff(models_frame([model]), models_frame([routed]))
    prices = d[d["field"].fillna("").str.startswith("price_")]
    assert list(prices["field"]) == ["price_prompt"] and list(prices["kind"]) == ["to dynamic"]
    back = oc.diff(models_frame([routed]), models_frame([model]))
    back = back[back["field"].fillna("").str.startswith("price_")]
    assert (
        list(back["kind"]) == ["from dynamic"] and back["old"].isna().all() and list(back["field"]) == ["price_prompt"]
    )


def test_a_key_priced_after_dynamic_pricing_says_it_is_newly_listed(recorded_dir: Path) -> None:
    """A model leaving "-1" whose fixed body lists cache keys: the dynamic body (as every 2026 router
    body, e.g. openrouter/auto) listed only prompt and completion, so the cache keys were not
    dynamic prices; they are ``listed on leaving dynamic``, while prompt and completion are ``from
    dynamic``."""
    import json

    body = json.loads(read_body(recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"))["data"]
    routers = [m for m in body if any(v == "-1" for k, v in m["pricing"].items() if k != "overrides")]
    assert routers and all(set(m["pricing"]) == {"prompt", "completion"} for m in routers)
    model = next(
        m for m in body if float(m["pricing"].get("input_cache_read", 0)) > 0 and "overrides" not in m["pricing"]
    )
    routed = json.loads(json.dumps(model))
    routed["pricing"] = dict(routers[0]["pricing"])
    listed = {f"price_{k}" for k, v in model["pricing"].items() if k not in ("prompt", "completion") and float(v) > 0}
    assert "price_input_cache_read" in listed
    for h in (
        oc.diff(models_frame([routed]), models_frame([model])),
        oc.price_changes(
            pd.concat(
                [
                    models_frame([routed]).assign(fetched_at=pd.Timestamp("2026-08-17", tz="UTC")),
                    models_frame([model]).assign(fetched_at=pd.Timestamp("2026-08-18", tz="UTC")),
                ],
                ignore_index=True,
            )
        ),
    ):
        prices = h[h["field"].fillna("").str.startswith("price_")].set_index("field")
        assert set(prices.index) == listed | {"price_prompt"}  # the switch once, on price_prompt
        assert set(prices.loc[sorted(listed), "kind"]) == {"listed on leaving dynamic"}
        assert prices.loc["price_prompt", "kind"] == "from dynamic"
        assert prices["old"].isna().all() and prices["pct_change"].isna().all()
    # the other way (issue 15 trial): the optional keys the fixed side priced were labelled
    # `to dynamic` too; the switch is said once, and the optional keys report nothing
    there = oc.diff(models_frame([model]), models_frame([routed]))
    there = there[there["field"].fillna("").str.startswith("price_")]
    assert list(there["field"]) == ["price_prompt"] and list(there["kind"]) == ["to dynamic"]
    assert there["old"].iloc[0] == pytest.approx(float(model["pricing"]["prompt"]) * 1e6)


def test_a_flag_that_flips_has_no_percent_change(recorded_dir: Path) -> None:
    """is_moderated True -> False was reported as -100% (issue 15 trial): a flag has no percent change,
    while a number keeps one."""
    import json

    body = json.loads(read_body(recorded_dir / "models-2025-12-25.json.gz"))
    first = body["data"][0]
    first["top_provider"] = {**(first.get("top_provider") or {}), "is_moderated": True}
    old = models_frame(check_body(body))
    first["top_provider"]["is_moderated"] = False  # True -> False read as 1 -> 0, "-100%"
    first["context_length"] = int(old["context_length"].iloc[0]) * 2
    new = models_frame(check_body(body))
    for frame, name in ((old, "old"), (new, "new")):
        frame.attrs.update(scope="catalog", snapshot_id=name)
    d = oc.diff(old, new).set_index("field")
    assert d.loc["is_moderated", "old"] is True and d.loc["is_moderated", "new"] is False
    assert pd.isna(d.loc["is_moderated", "pct_change"])
    assert d.loc["context_length", "pct_change"] == 100.0


def test_diff_and_changes_agree_on_new_keys_unreadable_and_zero_prices(latest_file: Path) -> None:
    """Issue 15, third trial (a real 2026-04-17 body, three models edited as the trial did): a new key
    ``"weird_key": "0.5"`` was newly listed in ``changes`` but missing from ``diff``; a prompt of
    ``"n/a"`` printed ``5 -> [blank] changed``, which reads as removed; ``"0" -> "0.025"`` on
    ``input_cache_read`` was ``changed`` with no percent while absent -> 0.09 was ``newly listed``.
    One rule (price_events over the same columns) feeds both answers, and they agree."""
    import json

    old_models = json.loads(read_body(latest_file))["data"]
    paid = [m for m in old_models if float(m["pricing"]["prompt"]) > 0 and "overrides" not in m["pricing"]]
    weird, unreadable, cached = paid[0]["id"], paid[1]["id"], paid[2]["id"]
    paid[2]["pricing"]["input_cache_read"] = "0"  # a listed zero, as bodies before 2026 wrote it
    new_models = json.loads(json.dumps(old_models))
    by_id = {m["id"]: m for m in new_models}
    by_id[weird]["pricing"]["weird_key"] = "0.5"
    by_id[unreadable]["pricing"]["prompt"] = "n/a"
    by_id[cached]["pricing"]["input_cache_read"] = "0.000000025"
    with pytest.warns(Warning):  # "n/a" is kept in extra, with the reader's warning
        new = models_frame(new_models)
    old = models_frame(old_models)
    with pytest.warns(oc.OrcatalogWarning, match="weird_key"):  # its unit is unknown: said once
        d = oc.diff(old, new)
    history = pd.concat(
        [
            old.assign(fetched_at=pd.Timestamp("2026-04-17", tz="UTC")),
            new.assign(fetched_at=pd.Timestamp("2026-04-18", tz="UTC")),
        ],
        ignore_index=True,
    )
    with pytest.warns(oc.OrcatalogWarning, match="weird_key"):
        h = oc.price_changes(history)
    cols = ["id", "field", "kind", "old", "new"]
    got_d = d[d["field"].fillna("").str.startswith("price_")][cols].sort_values(["id", "field"]).reset_index(drop=True)
    got_h = h[cols].sort_values(["id", "field"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got_d, got_h, check_dtype=False)
    rows = got_d.set_index(["id", "field"])
    assert len(rows) == 3
    assert rows.loc[(weird, "price_weird_key"), "kind"] == "newly listed"
    assert rows.loc[(weird, "price_weird_key"), "new"] == 0.5 and pd.isna(rows.loc[(weird, "price_weird_key"), "old"])
    assert rows.loc[(unreadable, "price_prompt"), "kind"] == "unreadable"
    assert pd.isna(rows.loc[(unreadable, "price_prompt"), "new"])
    assert rows.loc[(cached, "price_input_cache_read"), "kind"] == "newly listed"
    assert pd.isna(rows.loc[(cached, "price_input_cache_read"), "old"])
    assert rows.loc[(cached, "price_input_cache_read"), "new"] == pytest.approx(0.025)
    assert h["pct_change"].isna().all()
    # and back: a body that writes "0" after a price says 0 (z-ai/glm-4.6v does): a cut, -100%
    back = oc.diff(models_frame([by_id[cached]]), models_frame([paid[2]]))
    back = back[back["field"] == "price_input_cache_read"]
    assert list(back["kind"]) == ["changed"] and list(back["pct_change"]) == [-100.0] and list(back["new"]) == [0.0]


def test_a_bad_field_lists_exactly_the_fields_accepted(hourly_history: pd.DataFrame) -> None:
    """#15 trial: ``price_changes(fields=['x'])`` listed the ``price_*`` columns only, though it
    accepts ``prompt_usd_per_mtok`` and ``completion_usd_per_mtok`` too: the list a refusal shows is
    exactly the names it accepts (one source, :func:`orcatalog.analysis.args.price_fields`), for
    price_changes and movers alike, and each listed name is accepted."""
    from orcatalog.analysis.args import price_fields
    from orcatalog.schema import price_heading

    history = hourly_history[hourly_history["fetched_at"] <= hourly_history["fetched_at"].unique()[2]]
    accepted = list(dict.fromkeys(n for c in price_fields(history) for n in (c, price_heading(c))))
    assert {"prompt_usd_per_mtok", "completion_usd_per_mtok", "price_prompt_usd_per_mtok"} <= set(accepted)
    start = history["fetched_at"].min()
    for call in (lambda f: oc.price_changes(history, fields=[f]), lambda f: oc.movers(history, start, field=f)):
        with pytest.raises(oc.InvalidParameterError) as refused:
            call("xyz")
        listed = (
            str(refused.value).split("price fields: ")[1].removesuffix(" (a column, or the name tables print it under)")
        )
        assert listed.split(", ") == accepted
        for name in accepted:
            call(name)  # accepted: no error


def test_float_noise_of_the_apis_decimal_text_is_not_a_price_change(recorded_dir: Path, tmp_path: Path) -> None:
    """Trial N (#15): z-ai/glm-4.7-flash's cache read is ``"0.00000001"`` on 2026-01-29 and
    ``"0.0000000100000002"`` on 04-17, back to ``"0.00000001"`` on 06-19: ``changes`` listed
    ``0.0100000 -> 0.0100000, 0.0%`` twice. Within float noise (relative 1e-6) it is one price;
    the real changes between the same bodies are still found."""
    import json

    from orcatalog.analysis.changes.events import SAME_PRICE_RTOL

    paths = [recorded_dir / "models-2026-01-29.json.gz", recorded_dir / "models-2026-04-17.json.gz"]
    paths.append(recorded_dir / "catalogs-2026-06-08" / "models-2026-06-19.json.gz")
    raw = [
        next(
            m["pricing"].get("input_cache_read")
            for m in json.loads(read_body(p))["data"]
            if m["id"] == "z-ai/glm-4.7-flash"
        )
        for p in paths
    ]
    a, b = float(raw[0]), float(raw[1])
    assert raw[0] != raw[1] and abs(a - b) <= SAME_PRICE_RTOL * max(a, b)  # the noise is in the data
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(paths, progress=False)
    history = store.history()
    events = oc.price_changes(history)
    assert not ((events["id"] == "z-ai/glm-4.7-flash") & (events["field"] == "price_input_cache_read")).any()
    changed = events.loc[events["kind"] == "changed", "pct_change"].abs()
    assert len(changed) > 100 and changed.min() > 1e-4  # no change anyone made is that small
    d = oc.diff(store.load(as_of="2026-01-29"), store.load(as_of="2026-04-17"))
    assert not ((d["id"] == "z-ai/glm-4.7-flash") & (d["field"] == "price_input_cache_read")).any()


def test_a_switch_to_dynamic_is_said_on_an_optional_key_asked_about_alone(recorded_dir: Path) -> None:
    """Trial N (#15): a model with a cache-read price going to ``"-1"``: ``changes --field
    price_input_cache_read`` said "no price changed". Asked about that key alone, the key carries
    the switch (said once per model, as on ``price_prompt`` when that is compared)."""
    import json

    body = json.loads(read_body(recorded_dir / "models-2026-04-17.json.gz"))["data"]
    model = next(m for m in body if float(m["pricing"].get("input_cache_read", 0)) > 0)
    routed = json.loads(json.dumps(model))
    routed["pricing"] = {"prompt": "-1", "completion": "-1"}  # a dynamic body lists "-1" for these only
    history = pd.concat(
        [
            models_frame([model]).assign(fetched_at=pd.Timestamp("2026-04-17", tz="UTC")),
            models_frame([routed]).assign(fetched_at=pd.Timestamp("2026-04-18", tz="UTC")),
        ],
        ignore_index=True,
    )
    alone = oc.price_changes(history, fields=["price_input_cache_read"])
    assert list(alone["kind"]) == ["to dynamic"] and list(alone["field"]) == ["price_input_cache_read"]
    assert alone["old"].iloc[0] == pytest.approx(float(model["pricing"]["input_cache_read"]) * 1e6)
    both = oc.price_changes(history, fields=["price_prompt", "price_input_cache_read"])
    assert list(both["field"]) == ["price_prompt"] and list(both["kind"]) == ["to dynamic"]  # once per model


def test_the_changes_command_says_no_longer_listed_with_blanks(recorded_dir: Path, tmp_path: Path) -> None:
    """#15 at the command line: `changes` on two stored bodies lists each non-zero optional price
    whose key vanished as ``no longer listed``, with no new price and no percent (never a cut to 0),
    exactly the pairs the raw JSON says."""
    from .conftest import run_cli

    old, new = recorded_dir / "models-2026-01-01.json.gz", recorded_dir / "models-2026-01-15.json.gz"
    expected = _vanished(old, new)
    oc.SnapshotStore(tmp_path / "s").import_files([old, new], progress=False)
    result = run_cli(["changes", "--store", "s", "--format", "csv"], tmp_path)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(pd.io.common.StringIO(result.stdout))
    gone = rows[rows["kind"] == "no longer listed"]
    assert set(zip(gone["id"], gone["field"])) == expected and len(expected) >= 10
    assert gone["new"].isna().all() and gone["pct_change"].isna().all() and (gone["old"] > 0).all()
