"""One test per constraint family of :mod:`planner.model.build`, on a hand-made ModelData.

The data: two stages (2 and 3 years), one township ``t1`` with one item ``k`` (demand 10
thousand a year in stage 1 and 12 in stage 2, 4 of each online-capable), three centres of
region ``32``: a city hall (upper level, may only shrink), a county hall (may grow by 50 m2 a
stage) and the township's station. Each test builds only the families it needs and reads
the rows back as ``{variable name: coefficient}``, so a changed coefficient, sense or
right-hand side fails the test that owns it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pulp
import pytest

from planner.model import build
from planner.model.build import _Build
from planner.model.data import ModelData
from planner.model.policy_data import PolicyData

CAP = {"city": 30.0, "cnty": 40.0, "stn": 50.0}
"""Thousand usable window minutes a year per window, by centre."""
APW = {"city": 60.0, "cnty": 50.0, "stn": 40.0}
"""m2 per window, by centre."""


def hand_data(**changes: object) -> ModelData:
    """The hand-made ModelData (``changes`` replace fields)."""
    centres = pd.DataFrame(
        {
            "level": ["city", "county", "township"],
            "region": ["32", "32", "32"],
            "area0": [1000.0, 300.0, 0.0],
            "area_lb": [200.0, 0.0, 0.0],
            "growth_ub": [0.0, 50.0, np.inf],
            "shrink_ub": [400.0, 120.0, 0.0],
            "area_per_window": [APW["city"], APW["cnty"], APW["stn"]],
            "window_capacity": [CAP["city"], CAP["cnty"], CAP["stn"]],
            "area_cost": [1.0, 0.8, 0.5],
            "upper": [True, False, False],
        },
        index=["city", "cnty", "stn"],
    )
    demand = pd.DataFrame(
        {
            "stage": [1, 2],
            "township_id": ["t1", "t1"],
            "class_id": ["k", "k"],
            "demand": [10.0, 12.0],
            "online_fixed": [0.0, 0.0],
            "online_cap": [4.0, 4.0],
            "residual": [10.0, 12.0],
            "minutes": [6.0, 6.0],
        }
    )
    arcs = pd.DataFrame(
        {
            "stage": [1, 1, 2],
            "township_id": ["t1", "t1", "t1"],
            "class_id": ["k", "k", "k"],
            "centre_id": ["cnty", "stn", "stn"],
            "minutes": [30.0, 5.0, 5.0],
            "travel_cost": [15.0, 2.5, 2.5],
            "work": [6.0, 6.0, 6.0],
            "bo_centre": ["cnty", "cnty", "cnty"],
            "bo_work": [2.0, 2.0, 2.0],
        }
    )
    backoffice = pd.DataFrame(
        {
            "stage": [1, 2],
            "township_id": ["t1", "t1"],
            "class_id": ["k", "k"],
            "bo_centre": ["cnty", "cnty"],
            "bo_fixed": [0.5, 0.0],
            "bo_online": [2.0, 2.0],
        }
    )
    data = ModelData(
        stages=[1, 2],
        lengths={1: 2.0, 2: 3.0},
        top_heavy_share={1: 0.3, 2: 0.2},
        centres=centres,
        demand=demand,
        items=pd.DataFrame(),
        arcs=arcs,
        backoffice=backoffice,
        backoffice_capacity=25.0,
        backoffice_m2_per_desk=10.0,
        stations=pd.Series(["stn"], index=["t1"]),
        formulation="items",
        min_station_m2=80.0,
        min_station_hard=False,
        max_total_area=None,
        max_unserved_share=None,
        window_cost=100.0,
        expansion_cost=3.0,
        reduction_cost=1.0,
        online_cost=0.2,
        unserved_penalty=50.0,
        shortfall_penalty=9.0,
        top_heavy_penalty=2.0,
        policy=PolicyData(),  # the olive, conversion and floor rules off
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


Family = Callable[[_Build], None]


def rows_of(data: ModelData, *families: Family, elastic: bool = False) -> _Build:
    """Variables and the given families on ``data``."""
    b = _Build(prob=pulp.LpProblem("t", pulp.LpMinimize), d=data, elastic=elastic)
    build.add_flow_variables(b)
    build.add_capacity_variables(b)
    for family in families:
        family(b)
    return b


def terms(row: pulp.LpConstraint) -> dict[str, float]:
    return {var.name: coef for var, coef in row.items()}


def test_demand_balance_has_online_and_unserved_per_demand_row() -> None:
    b = rows_of(hand_data(), build.add_demand_balance)
    row = b.rows["demand__1__t1__k"]
    assert terms(row) == {"u__1__t1__k": 1.0, "y__1__t1__k": 1.0}
    assert row.sense == pulp.LpConstraintEQ and -row.constant == 10.0
    assert b.v.y[0].upBound == 4.0
    assert -b.rows["demand__2__t1__k"].constant == 12.0


def test_online_capped_at_zero_has_no_online_variable() -> None:
    data = hand_data()
    data.demand.loc[1, "online_cap"] = 0.0
    b = rows_of(data, build.add_demand_balance)
    assert terms(b.rows["demand__2__t1__k"]) == {"u__2__t1__k": 1.0}


def test_window_time_row_for_every_window_even_without_arcs() -> None:
    b = rows_of(hand_data(), build.add_window_time)
    assert len([n for n in b.rows if n.startswith("windowtime__")]) == 3 * 2
    for (s, c), w in b.v.w.items():
        row = b.rows[f"windowtime__{s}__{c}"]
        assert terms(row) == {w.name: -CAP[c]}
        assert row.sense == pulp.LpConstraintEQ and row.constant == 0.0


def test_arcs_add_window_backoffice_and_demand_terms() -> None:
    model = build.build_model(hand_data())
    x = model.var.x[1]  # stage 1, township station
    assert x.name == "x__1__t1__k__stn"
    assert terms(model.rows["demand__1__t1__k"])[x.name] == 1.0
    assert terms(model.rows["windowtime__1__stn"])[x.name] == 6.0
    # a station forwards pending work to the county's back office
    assert terms(model.rows["backoffice__1__cnty"])[x.name] == 2.0
    # travel: years x CNY per transaction
    assert dict(model.cost_terms["travel"])[x] == 2.0 * 2.5


def test_backoffice_desks_take_online_and_fixed_work() -> None:
    b = rows_of(hand_data(), build.add_backoffice)
    row = b.rows["backoffice__1__cnty"]
    assert terms(row) == {"y__1__t1__k": 2.0, "desks__1__cnty": -25.0}
    assert row.sense == pulp.LpConstraintEQ and -row.constant == -0.5
    assert set(b.v.desks) == {(1, "cnty"), (2, "cnty")}


def test_floor_area_holds_windows_and_desks() -> None:
    b = rows_of(hand_data(), build.add_backoffice, build.add_floor_area)
    assert terms(b.rows["floor__1__cnty"]) == {
        "w__1__cnty": APW["cnty"],
        "desks__1__cnty": 10.0,
        "area__1__cnty": -1.0,
    }
    assert terms(b.rows["floor__2__city"]) == {"w__2__city": APW["city"], "area__2__city": -1.0}
    assert b.rows["floor__2__city"].sense == pulp.LpConstraintLE


def test_area_evolution_from_today_and_growth_only_where_allowed() -> None:
    b = rows_of(hand_data(), build.add_area_evolution)
    first = b.rows["evolve__1__cnty"]
    assert terms(first) == {"area__1__cnty": 1.0, "expand__1__cnty": -1.0, "reduce__1__cnty": 1.0}
    assert -first.constant == 300.0
    second = b.rows["evolve__2__city"]
    # the city may not grow: no expansion variable, only the reduction
    assert terms(second) == {"area__2__city": 1.0, "area__1__city": -1.0, "reduce__2__city": 1.0}
    assert second.constant == 0.0
    assert b.v.e[1, "cnty"].upBound == 50.0 and b.v.r[1, "city"].upBound == 400.0
    assert b.v.e[1, "stn"].upBound is None  # unbounded growth from nothing
    assert b.v.area[1, "city"].lowBound == 200.0  # the core area is kept


def test_township_minimum_soft_and_hard() -> None:
    b = rows_of(hand_data(), build.add_township_minimum)
    row = b.rows["township_min__2__t1"]
    assert terms(row) == {"shortfall__2__t1": 1.0, "area__2__stn": 1.0}
    assert row.sense == pulp.LpConstraintGE and -row.constant == 80.0
    hard = rows_of(hand_data(min_station_hard=True), build.add_township_minimum)
    assert terms(hard.rows["township_min__2__t1"]) == {"area__2__stn": 1.0}
    assert not hard.v.g
    assert (
        "township_min__1__t1"
        not in rows_of(hand_data(min_station_m2=0.0), build.add_township_minimum).rows
    )


def test_top_heavy_counts_upper_area_against_lower_area_in_use() -> None:
    b = rows_of(hand_data(), build.add_backoffice, build.add_top_heavy)
    row = b.rows["topheavy__1__32"]
    theta = 0.3
    assert terms(row) == pytest.approx(
        {
            "area__1__city": 1 - theta,
            "w__1__cnty": -theta * APW["cnty"],
            "desks__1__cnty": -theta * 10.0,
            "w__1__stn": -theta * APW["stn"],
            "topheavy__1__32": -1.0,
        }
    )
    # lower-level floor area itself never appears: idle area cannot lower the excess
    assert "area__1__cnty" not in terms(row) and "area__1__stn" not in terms(row)
    assert terms(b.rows["topheavy__2__32"])["area__2__city"] == pytest.approx(0.8)


def test_area_budget_and_service_guarantee_are_optional() -> None:
    plain = rows_of(hand_data(), build.add_area_budget, build.add_unserved_cap)
    assert not any(n.startswith(("area_budget", "unserved_cap")) for n in plain.rows)
    data = hand_data(max_total_area={1: 1500.0, 2: 1200.0}, max_unserved_share=0.1)
    b = rows_of(data, build.add_area_budget, build.add_unserved_cap)
    budget = b.rows["area_budget__2"]
    assert terms(budget) == {"area__2__city": 1.0, "area__2__cnty": 1.0, "area__2__stn": 1.0}
    assert -budget.constant == 1200.0 and budget.sense == pulp.LpConstraintLE
    cap = b.rows["unserved_cap__1"]
    assert terms(cap) == {"u__1__t1__k": 1.0}
    assert -cap.constant == pytest.approx(0.1 * 10.0)


def test_elastic_bounds_let_growth_shrink_and_core_area_be_violated() -> None:
    b = rows_of(hand_data(), build.add_area_evolution, build.add_elastic_bounds, elastic=True)
    row = terms(b.rows["evolve__1__city"])
    assert row["violate_growth__1__city"] == -1.0
    assert row["violate_shrink__1__city"] == 1.0
    core = b.rows["core__1__city"]
    assert terms(core) == {"area__1__city": 1.0, "violate_core_area__1__city": 1.0}
    assert -core.constant == 200.0 and b.v.area[1, "city"].lowBound == 0.0
    # not elastic: nothing is added
    assert not rows_of(hand_data(), build.add_elastic_bounds).v.elastic


def test_objective_weights_each_term_by_stage_length() -> None:
    model = build.build_model(hand_data())
    costs = {name: {v.name: c for v, c in pairs} for name, pairs in model.cost_terms.items()}
    assert costs["floor_area"]["area__2__cnty"] == 3.0 * 0.8
    assert costs["windows"]["w__1__stn"] == 2.0 * 100.0
    assert costs["unserved"]["u__2__t1__k"] == 3.0 * 50.0
    assert costs["top_heavy"]["topheavy__1__32"] == 2.0 * 2.0
    assert costs["expansion"]["expand__2__cnty"] == 3.0  # one-off, not weighted
