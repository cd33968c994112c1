"""Training every plan pays, priced in the LP (``windows.price_forced_training``,
:mod:`planner.plan.forced`): a hand-worked case where the LP bound is loose without it and
tight with it.

The case: two towns T1 and T2 of 1,000 people, one item (18,000 transactions per 1,000
residents, 10 minutes: 180 thousand window-minutes a year from each town, 2 windows of load
at 90 thousand minutes a window). T1 is served by the county hall only (200 m2, no growth, no
area cost; **big general today**, given in the data, and no step back: big general is its
only mode); T2 by the county hall or its own station (30 m2 today, 30 m2 a window, 100 CNY
a m2-year, growth unbounded in practice, may shrink to nothing; traditional today). 120 kCNY
a window-year, training 6 kCNY a window-year, one stage of one year; no travel, expansion or
reduction cost, station minimum, level floor or olive rule.

- **Not priced** (``price_forced_training = false``): a county window costs 120 kCNY, a
  station window 120 + 30 m2 x 0.1 = 123; the LP puts all 4 windows at the county: 480, the
  bound. The plan keeps the county on big general (its only mode) and pays 4 x 6 = 24 of
  training: 504, gap 24 / 504 = 4.76%.
- **Priced** (the default): a county window costs 126, a station window 123. T1's 2
  windows stay at the county (2 x 126 = 252), T2's go to the station (2 x 120 + 60 m2 x 0.1
  = 246): 498, the bound. The plan: county big general, 2 windows, training 12 (already in
  the LP: ``lp_priced_kcny``); station traditional, 2 windows: 498, gap 0, proven.

So the exact optimum of the joint problem is 498 (the priced bound equals a plan's cost):
bound 480 < 498 = optimum <= plan 504 without pricing; bound = optimum = plan with it, and
the plan is 6 kCNY cheaper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.plan.bound import unpriced
from planner.run.pipeline import RunResult, run_config
from planner.solve.backends import lp_arrays
from planner.solve.cone_bound import window_column
from tests.accounts import plan_cost_from_tables
from tests.tiny import county_and_station_levels, tiny_centres, write_case

COUNTY, STATION = "cnty_320101", "town_320101002"
TRAINING = 6.0  # kCNY per window-year (6,000 CNY, the default)


def _case(folder: Path, priced: bool) -> Path:
    config = {
        "costs": {
            "value_of_time_per_hour": 0.0,
            "expansion_cost_per_m2": 0.0,
            "reduction_cost_per_m2": 0.0,
        },
        "policy": {
            "township_min_station_m2": 0.0,
            "level_floor": {"share_of_today": {}},
            "olive": {"stages": []},
            "levels": county_and_station_levels(100.0, max_shrink_per_stage=1.0),
        },
        "windows": {"price_forced_training": priced},
    }
    centres = tiny_centres(county=200.0, stations={"320101002": 30.0})
    modes = {COUNTY: "big_general"}
    return write_case(
        folder,
        centres=[{**c, "windows": 100, "mode": modes.get(c["centre_id"], "")} for c in centres],
        items=[{"levels_s1": "county|township", "annual_per_1000": 18000}],
        config=config,
    )


def _run(tmp_path: Path, priced: bool) -> RunResult:
    run = run_config(load_config(_case(tmp_path / f"priced{priced}", priced)))
    assert run.result.status == "optimal" and run.plan is not None
    return run


def _modes(run: RunResult) -> dict[str, Any]:
    assert run.plan is not None
    return dict(run.plan.summary.optimality.window_modes)


def _stage1(run: RunResult) -> Any:
    assert run.plan is not None
    cen = run.plan.centres
    return cen[cen["stage"] == 1].set_index("centre_id")


def test_the_priced_lp_is_a_tight_bound_and_the_plan_is_cheaper(tmp_path: Path) -> None:
    off, on = _run(tmp_path, False), _run(tmp_path, True)
    assert off.prepared.model_data().window_price == {}
    assert on.prepared.model_data().window_price == {(1, COUNTY): (0.0, TRAINING)}
    # not priced: every window at the county, which keeps big general and pays training
    old, m_off = _stage1(off), _modes(off)
    assert (old.at[COUNTY, "windows_lp"], old.at[STATION, "windows_lp"]) == pytest.approx((4, 0))
    assert old.at[COUNTY, "mode"] == "big_general" and old.at[COUNTY, "windows"] == 4
    assert m_off["lower_bound_kcny"] == pytest.approx(480.0)
    assert m_off["training_kcny"] == pytest.approx(4 * TRAINING)
    assert m_off["lp_priced_kcny"] == 0.0
    assert m_off["plan_cost_kcny"] == pytest.approx(504.0)
    assert m_off["gap"] == pytest.approx(24.0 / 504.0)
    # priced: T2's windows at the station (traditional, no training); the LP is exact
    new, m_on = _stage1(on), _modes(on)
    assert (new.at[COUNTY, "windows_lp"], new.at[STATION, "windows_lp"]) == pytest.approx((2, 2))
    assert new.at[COUNTY, "mode"] == "big_general" and new.at[COUNTY, "windows"] == 2
    assert new.at[STATION, "mode"] == "traditional" and new.at[STATION, "windows"] == 2
    assert new.at[STATION, "floor_area_m2"] == pytest.approx(60.0)
    assert on.plan is not None
    assert on.plan.summary.objective_terms_kcny["windows"] == pytest.approx(252.0 + 240.0)
    assert m_on["lower_bound_kcny"] == pytest.approx(498.0)
    assert m_on["training_kcny"] == pytest.approx(2 * TRAINING)
    assert m_on["lp_priced_kcny"] == pytest.approx(2 * TRAINING)  # paid once, not twice
    assert m_on["plan_cost_kcny"] == pytest.approx(498.0)
    assert m_on["gap"] == pytest.approx(0.0, abs=1e-12) and m_on["gap_proven"]
    # bound <= exact optimum (498) <= plan, in both
    assert m_off["lower_bound_kcny"] < 498.0 < m_off["plan_cost_kcny"]
    # the plan's cost adds up from its tables in both
    for run in (off, on):
        assert run.plan is not None
        region = {str(c): "32" for c in run.prepared.inputs.centres.index}
        rebuilt = plan_cost_from_tables(
            run.plan.centres,
            run.plan.summary.objective_terms_kcny,
            run.prepared.loaded.config,
            region,
        )
        assert _modes(run)["plan_cost_kcny"] == pytest.approx(rebuilt, abs=1e-6)


def test_priced_training_where_the_county_keeps_its_windows(tmp_path: Path) -> None:
    """With the station dear (1 kCNY a m2-year: 150 a window) the county keeps its 4 windows
    at 126 a window in the LP: the LP's windows cost 4 x 126 = 504, of which 24 is the
    priced training (``lp_priced_kcny``); the plan pays the same training once (not twice):
    its cost is the LP's optimum, gap 0."""
    config = _case(tmp_path / "dear", True)
    text = config.read_text(encoding="utf-8").replace(
        "area_cost_per_m2_year = 100.0", "area_cost_per_m2_year = 1000.0"
    )
    config.write_text(text, encoding="utf-8")
    run = run_config(load_config(config))
    assert run.plan is not None
    cen, modes = _stage1(run), _modes(run)
    assert cen.at[COUNTY, "windows_lp"] == pytest.approx(4.0)
    assert run.plan.summary.objective_terms_kcny["windows"] == pytest.approx(4 * (120.0 + 6.0))
    assert modes["lp_priced_kcny"] == pytest.approx(4 * TRAINING)
    assert modes["training_kcny"] == pytest.approx(4 * TRAINING)
    assert modes["plan_cost_kcny"] == pytest.approx(run.plan.summary.objective_kcny)
    assert modes["gap"] == pytest.approx(0.0, abs=1e-12) and modes["gap_proven"]


def test_the_bounds_that_add_training_start_from_the_unpriced_costs(tmp_path: Path) -> None:
    """The Lagrangian bound adds training in its own subproblems, so it starts from the LP's
    costs without the forced training (``planner.plan.bound.unpriced``): those are the costs
    of the LP built with ``price_forced_training = false``, column for column."""
    off, on = _run(tmp_path, False), _run(tmp_path, True)
    d = on.prepared.model_data()
    priced, plain = lp_arrays(build_model(d)), lp_arrays(build_model(off.prepared.model_data()))
    w = plain.row_index[f"windowtime__1__{COUNTY}"]
    assert not np.array_equal(priced.cost, plain.cost)
    assert np.array_equal(unpriced(priced, d).cost, plain.cost)
    assert unpriced(priced, d).cost[window_column(priced, w)] == pytest.approx(120.0)
    assert priced.cost[window_column(priced, w)] == pytest.approx(126.0)
    assert unpriced(plain, off.prepared.model_data()) is plain  # nothing priced: as it is
