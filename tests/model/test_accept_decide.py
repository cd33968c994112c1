"""Front acceptance, back-office decision (前台受理、后台审批): accept and decide levels per
item and stage, and the item-class township rules (issue 15, item 4).

Shared set-up (``tests/tiny.py``): towns T1 and T2 of 1,000 people, one item of 1,000
transactions per 1,000 residents a year (1.0 thousand per town), one stage of one year, no
demand growth. A back-office desk gives 360 min x 250 days x 0.85 = 76,500 minutes a year.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli.main import cli
from planner.config.schema import deep_merge, load_config
from planner.inputs.item_rules import APPROVING_LEVELS, approver, derived_decide
from planner.inputs.load import read_inputs
from planner.inputs.workbook.importer import import_workbook
from planner.inputs.workbook.template import WORKBOOK_NAME, export_rows, write_template
from planner.model.data import ModelData
from planner.run.pipeline import RunResult, run_config, write_run
from tests.tiny import SIMPLE_COST_TERMS, prepare_run, tiny_centres, two_province_case, write_case

DESK_MINUTES = 360 * 250 * 0.85
SIMPLE_COSTS: dict[str, Any] = {
    "costs": dict(SIMPLE_COST_TERMS),
    "policy": {
        "levels": {
            "county": {"area_cost_per_m2_year": 1000.0},
            "township": {"area_cost_per_m2_year": 0.0},
        }
    },
}
PENDING = {"pending_share": 1.0, "backoffice_minutes": 30, "counter_minutes": 5}


def _run(folder: Path, formulation: str = "items", **kwargs: Any) -> RunResult:
    config = write_case(folder, **kwargs)
    run = run_config(load_config(config, {"model": {"formulation": formulation}}))
    assert run.result.status == "optimal"
    return run


def _desks(run: RunResult) -> dict[str, float]:
    return {c: v for (_, c), v in run.result.solution.desks.items() if v > 1e-9}


def _x(run: RunResult, township: str, centre: str) -> float:
    a = run.model.data.arcs
    pairs = zip(run.result.solution.x, a["township_id"], a["centre_id"], strict=True)
    return sum(v for v, t, c in pairs if t == township and c == centre)


@pytest.mark.parametrize("formulation", ["items", "classes"])
def test_township_accepts_and_the_county_decides(tmp_path: Path, formulation: str) -> None:
    """(a) The item is accepted only at township stations (T1 and T2 each have one) and
    decided by the county: ``levels_s1 = township``, ``decide_s1 = county``.

    Each town hands in its 1.0 thousand transactions at its own station (the only arc:
    stations serve only their own township). All of them are pending with 30 back-office
    minutes, so 2 x 1,000 x 30 = 60,000 minutes a year reach the county's back office:
    60,000 / 76,500 = 0.78431 desks at the county and none at either station. In the plan
    the county shows 1 desk (rounded up) and no transaction; each station 0 desks; in
    ``centre_items.csv`` each station accepts 1,000 transactions and decides none, the
    county accepts none and decides 2,000.

    Contrast: with ``decide_s1 = township`` each station decides its own 30,000 minutes:
    0.39216 desks at each station and none at the county.
    """
    centres = tiny_centres(stations={"320101001": 50, "320101002": 50})
    item = {"levels_s1": "township", "decide_s1": "county", **PENDING}
    run = _run(tmp_path / "c", formulation, items=[item], centres=centres, config=SIMPLE_COSTS)
    arcs = run.model.data.arcs
    assert sorted(arcs["centre_id"]) == ["town_320101001", "town_320101002"]
    assert set(arcs["bo_centre"]) == {"cnty_320101"}
    assert _x(run, "320101002", "town_320101002") == pytest.approx(1.0, abs=1e-6)
    assert _desks(run) == pytest.approx({"cnty_320101": 60_000 / DESK_MINUTES}, rel=1e-6)
    assert run.plan is not None
    cen = run.plan.centres.set_index(["centre_id", "stage"])
    assert cen.loc[("cnty_320101", 1), "backoffice_desks"] == 1
    assert cen.loc[("cnty_320101", 1), "transactions"] == 0
    assert cen.loc[("town_320101001", 1), "backoffice_desks"] == 0
    row = run.plan.items.set_index(["item_id", "stage"]).loc[("a", 1)]
    assert (row["accept_levels"], row["decide_levels"]) == ("township", "county")
    # centre_items.csv: each station accepts 1,000 a year, the county decides all 2,000
    ci = run.plan.centre_items.set_index(["centre_id"])[["transactions", "decided"]]
    assert ci.loc["town_320101001"].tolist() == pytest.approx([1000.0, 0.0], abs=1e-3)
    assert ci.loc["cnty_320101"].tolist() == pytest.approx([0.0, 2000.0], abs=1e-3)

    item["decide_s1"] = "township"
    run = _run(tmp_path / "t", formulation, items=[item], centres=centres, config=SIMPLE_COSTS)
    each = 30_000 / DESK_MINUTES
    assert _desks(run) == pytest.approx({"town_320101001": each, "town_320101002": each})


def test_class_rule_never_sends_township_demand_online_or_unserved(tmp_path: Path) -> None:
    """(b) ``[policy.item_classes.convenience] township = ["never"]`` removes the township
    arcs of a convenience item that the catalogue lets township stations accept.

    T2 has a station (area free: 0 CNY/m2); the county centre (100 m2, 1 kCNY/m2, may
    shed 40%: at least 60 m2) sits at T1. The travel limit of 15 minutes admits T1 to the
    county (10 min) but not T2 (about 19 min of road on top). Online potential 0.5 at full
    maturity, 6 kCNY per thousand online; a county window (67,500 min) costs 100 kCNY.

    - 'listed': T2 is served at its own station; nothing is unserved.
    - 'never': T2 has no arc left. Online (6) beats a county window (10/67.5 x 100 = 14.8
      per thousand), so each town puts 0.5 online; T1 brings its other 0.5 to the county
      (5,000 minutes: 0.074 windows), T2's other 0.5 is unserved (2,000 per thousand).
      Objective = 60 + 100 x 5/67.5 + 6 x 1.0 + 2000 x 0.5 = 1,073.407 kCNY.
    """
    item = {
        "levels_s1": "county|township",
        "item_class": "convenience",
        "online_potential": 0.5,
        "max_travel_min": 15,
    }
    centres = tiny_centres(stations={"320101002": 50})
    listed = _run(tmp_path / "l", items=[item], centres=centres, config=SIMPLE_COSTS)
    assert "town_320101002" in set(listed.model.data.arcs["centre_id"])
    assert listed.plan is not None
    assert listed.plan.items["unserved"].sum() == pytest.approx(0.0, abs=1e-6)

    never = deep_merge(
        SIMPLE_COSTS, {"policy": {"item_classes": {"convenience": {"township": ["never"]}}}}
    )
    run = _run(tmp_path / "n", items=[item], centres=centres, config=never)
    assert set(run.model.data.arcs["centre_id"]) == {"cnty_320101"}
    assert _x(run, "320101001", "cnty_320101") == pytest.approx(0.5, abs=1e-6)
    assert run.result.objective == pytest.approx(60 + 100 * 5 / 67.5 + 6 + 1000, rel=1e-6)
    assert run.plan is not None
    row = run.plan.items.set_index(["item_id", "stage"]).loc[("a", 1)]
    assert (row["item_class"], row["accept_levels"], row["decide_levels"]) == (
        "convenience",
        "county",
        "county",
    )
    assert row["unserved"] == pytest.approx(500.0, abs=1e-3)


def test_class_rule_accept_opens_township_stations(tmp_path: Path) -> None:
    """'accept': township stations accept every business item, the county decides it.

    The item is listed ``county`` only, so its derived decide level is the county. With
    ``township = ["accept"]`` T2's station gets an arc whose back office is the county; the
    station's area is free and travel costs nothing, so T2 uses it or the county at equal
    cost, but its pending minutes (1,000 x 30 = 30,000) are at the county either way:
    with T1's, 60,000 / 76,500 = 0.78431 county desks.
    """
    item = {"levels_s1": "county", **PENDING}
    rule = {"policy": {"item_classes": {"business": {"township": ["accept"]}}}}
    centres = tiny_centres(stations={"320101002": 50})
    run = _run(tmp_path, items=[item], centres=centres, config=deep_merge(SIMPLE_COSTS, rule))
    arcs = run.model.data.arcs.set_index(["township_id", "centre_id"])
    assert arcs.loc[("320101002", "town_320101002"), "bo_centre"] == "cnty_320101"
    assert _desks(run) == pytest.approx({"cnty_320101": 60_000 / DESK_MINUTES}, rel=1e-6)


def test_item_rule_overrides_its_class_rule(tmp_path: Path) -> None:
    """``[policy.items.<item_id>]`` (issue 23): the rule of one item, over its class's.

    Items a and b are business items listed at the county in stage 1 and at county and
    township from stage 2. The business class says 'never' (no township station accepts
    them); item a's own rule says 'early'. So a is accepted at township stations from
    stage 1 (its stage-2 listing pulled forward, the class rule overridden) and b at none;
    the plan's items.csv shows it.
    """
    later = {"levels_s1": "county", "levels_s2": "county|township"}
    rules = {
        "stages": {"years": [2026, 2027]},
        "policy": {
            "top_heavy_max_share": [1.0, 1.0],
            "item_classes": {"business": {"township": ["never"]}},
            "items": {"a": {"township": ["early"]}},
        },
    }
    path = write_case(
        tmp_path,
        items=[later, {**later, "item_id": "b", "name_en": "item b"}],
        centres=tiny_centres(stations={"320101002": 50}),
        config=rules,
    )
    run = run_config(load_config(path))
    assert run.result.status == "optimal"
    table = pd.read_csv(write_run(run) / "plan" / "items.csv", dtype=str)
    got = table.set_index(["stage", "item_id"])["accept_levels"].to_dict()
    assert got == {
        ("1", "a"): "county|township",
        ("2", "a"): "county|township",
        ("1", "b"): "county",
        ("2", "b"): "county",
    }


def _own(township: str, levels: str) -> str:
    """The township's own centre at the lowest approving level among ``levels`` (the tiny
    cases' ids: county ``cnty_<6 digits>``, city ``city_<4>00``, province ``prov_<2>0000``)."""
    first = next(lv for lv in APPROVING_LEVELS if lv in levels.split("|"))
    name, code = {
        "county": ("cnty", township[:6]),
        "city": ("city", township[:4] + "00"),
        "province": ("prov", township[:2] + "0000"),
    }[first]
    return f"{name}_{code}"


def _old_rule(data: ModelData) -> tuple[list[str], list[str]]:
    """The back-office centre of every arc and online row by the rule before decide levels
    (written out independently of :mod:`planner.inputs.item_rules`): a county, city or province
    centre decides what it serves; a township station forwards to the township's own
    centre at the lowest approving level among the item's levels."""
    levels = {(s, "a"): ["city|county|township", "county|township"][s - 1] for s in (1, 2)}
    levels |= {(s, "b"): "province|city" for s in (1, 2)}
    a, b = data.arcs, data.backoffice
    arcs = [
        _own(t, levels[s, k]) if c.startswith("town_") else c
        for s, t, k, c in zip(
            a["stage"], a["township_id"], a["class_id"], a["centre_id"], strict=True
        )
    ]
    online = [
        _own(t, levels[s, k])
        for s, t, k in zip(b["stage"], b["township_id"], b["class_id"], strict=True)
    ]
    return arcs, online


def test_without_decide_columns_the_model_data_is_todays(tmp_path: Path) -> None:
    """(c) A catalogue without ``decide_s<k>`` plans as before decide levels existed.

    The two-province case (item a: city|county|township then county|township, half pending;
    item b: province|city) with stations: every arc's and every online row's back-office
    centre equals the old rule's, written out independently in :func:`_old_rule`; and the
    same catalogue with the derived decide levels written out explicitly gives identical
    model data (demand, arcs and back-office frames)."""
    plain = two_province_case(tmp_path / "plain", {"model": {"formulation": "items"}})
    data = prepare_run(load_config(plain)).model_data()
    arcs, online = _old_rule(data)
    assert data.arcs["bo_centre"].tolist() == arcs
    assert data.backoffice["bo_centre"].tolist() == online
    assert len(online) > 0
    assert not any(c.startswith("town_") for c in data.arcs["bo_centre"])  # stations forward
    assert any(c.startswith("town_") for c in data.arcs["centre_id"])
    assert {"cnty_320101", "city_320100"} <= set(data.arcs["bo_centre"])

    shutil.copytree(tmp_path / "plain", tmp_path / "explicit")
    path = tmp_path / "explicit" / "items.csv"
    items = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("item_id")
    items["decide_s1"] = {"a": "city|county", "b": "province|city"}
    items["decide_s2"] = {"a": "county", "b": "province|city"}
    items.reset_index().to_csv(path, index=False)
    other = prepare_run(load_config(tmp_path / "explicit" / "config.toml")).model_data()
    for name in ("demand", "arcs", "backoffice", "items"):
        pd.testing.assert_frame_equal(getattr(data, name), getattr(other, name))


def test_derived_decide_and_approver_rules() -> None:
    """The derivation and fall-back rules, case by case."""
    assert derived_decide(frozenset({"county", "township"})) == {"county"}
    assert derived_decide(frozenset({"township"})) == {"county"}
    assert derived_decide(frozenset({"province", "city"})) == {"province", "city"}
    own = {"township": "t", "county": "k", "city": "c", "province": "p"}
    assert approver(frozenset({"city", "county"}), own) == "k"  # the lowest decide level
    assert approver(frozenset({"township", "county"}), own) == "t"
    assert approver(frozenset({"county"}), {**own, "county": ""}) == "c"  # upwards
    assert approver(frozenset({"township"}), {**own, "township": ""}) == "k"
    assert approver(frozenset({"city"}), {**own, "city": "", "province": ""}) == "k"  # last
    # no centre at the decide level: the lowest approving level that has one (the old rule)
    assert approver(frozenset({"city"}), {**own, "city": ""}) == "k"


def test_workbook_round_trip_keeps_differing_accept_and_decide(tmp_path: Path) -> None:
    """Accept and decide levels that differ survive export to the workbook and import."""
    items = [
        {
            "item_id": "a",
            "levels_s1": "county|township",
            "decide_s1": "city",
            "item_class": "convenience",
        },
        {"item_id": "b", "levels_s1": "township", "decide_s1": "township|county"},
    ]
    config = write_case(tmp_path / "case", items=items)
    inputs = read_inputs(load_config(config))
    write_template(tmp_path / "book", export_rows(inputs))
    back = read_inputs(
        load_config(
            import_workbook(tmp_path / "book" / WORKBOOK_NAME, tmp_path / "imp", tmp_path / "case")
        )
    )
    assert back.decide_levels["a"][0] == {"city"}
    assert back.decide_levels["b"][0] == {"township", "county"}
    # the workbook has three stages: the one-stage catalogue repeats its stage
    assert back.item_levels == {k: v * 3 for k, v in inputs.item_levels.items()}
    assert back.decide_levels == {k: v * 3 for k, v in inputs.decide_levels.items()}
    assert back.items["item_class"].to_dict() == {"a": "convenience", "b": "business"}


BAD: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "decide-unknown-level": (
        {"decide_s1": "county|village"},
        {},
        r"items\.csv: 'decide_s1' of item a names unknown level\(s\) \['village'\]",
    ),
    "decide-empty": (
        {"decide_s1": ""},
        {},
        r"items\.csv: 'decide_s1' of item a is empty: name the level\(s\) whose back office",
    ),
    "decide-below-accept": (
        {"decide_s1": "township"},
        {},
        r"items\.csv: 'decide_s1' of item a is township, below every level that accepts it "
        r"\(county\)",
    ),
    "decide-without-stage": (
        {"decide_s2": "county"},
        {},
        r"items\.csv: column 'decide_s2' has no accept levels 'levels_s2'",
    ),
    "decide-bad-column": (
        {"decide_sx": "county"},
        {},
        r"items\.csv: column 'decide_sx' is not 'decide_s<stage>'",
    ),
    "class-unknown": (
        {"item_class": "everyday"},
        {},
        r"items\.csv: 'item_class' of item a is 'everyday'; expected one of \['convenience', "
        r"'business', 'major_approval'\]",
    ),
    "class-never-empties": (
        {"levels_s1": "township"},
        {"policy": {"item_classes": {"business": {"township": ["never"]}}}},
        r"items\.csv: 'levels_s1' of item a lists only township but "
        r"'policy\.item_classes\.business\.township' is 'never' in stage 1",
    ),
    "item-rule-never-empties": (
        {"levels_s1": "township"},
        {"policy": {"items": {"a": {"township": ["never"]}}}},
        r"items\.csv: 'levels_s1' of item a lists only township but "
        r"'policy\.items\.a\.township' is 'never' in stage 1",
    ),
    "item-rule-unknown-item": (
        {},
        {"policy": {"items": {"passport": {"township": ["early"]}}}},
        r"config\.toml: 'policy\.items\.passport' names item 'passport', which is not in the "
        r"item catalogue \S*items\.csv",
    ),
    "item-rule-unknown-rule": (
        {},
        {"policy": {"items": {"a": {"township": ["sometimes"]}}}},
        r"policy\.items\.a\.township",
    ),
    "config-unknown-class": (
        {},
        {"policy": {"item_classes": {"everyday": {"township": ["never"]}}}},
        r"unknown key 'policy\.item_classes\.everyday'",
    ),
    "config-unknown-rule": (
        {},
        {"policy": {"item_classes": {"business": {"township": ["sometimes"]}}}},
        r"policy\.item_classes\.business\.township",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_accept_decide_input(tmp_path: Path, case: str) -> None:
    item, config, message = BAD[case]
    stations = tiny_centres(stations={"320101001": 50})
    path = write_case(tmp_path, items=[item], centres=stations, config=config)
    result = CliRunner().invoke(cli, ["run", "-q", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    stderr = result.stderr.strip()
    assert len(stderr.splitlines()) == 1, stderr
    assert re.search(message, stderr), stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_decided_transactions_account_for_every_desk(tmp_path: Path) -> None:
    """Invariant: a centre's back-office desks in the LP are exactly the minutes of what
    ``centre_items.csv`` says it decides (decided x ``backoffice_minutes`` / 76,500), on the
    two-province case where stations forward item a to the county and online volume is
    decided there too."""
    config = two_province_case(tmp_path, {"model": {"formulation": "items", "decompose": False}})
    run = run_config(load_config(config))
    assert run.result.status == "optimal"
    assert run.plan is not None
    ci = run.plan.centre_items
    minutes = ci["decided"] * ci["item_id"].map({"a": 20.0, "b": 0.0})
    from_items = (minutes / DESK_MINUTES).groupby([ci["stage"], ci["centre_id"]]).sum()
    from_items = from_items[from_items > 1e-9].to_dict()
    assert {k: v for k, v in run.result.solution.desks.items() if v > 1e-9} == pytest.approx(
        from_items, rel=1e-6
    )
    assert any(c.startswith("cnty_") for _, c in from_items)  # the county decides
