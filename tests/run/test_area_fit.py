"""The plan's integer windows fitted into the floor area the growth limits allow
(``windows.area_rounds``, :func:`planner.run.mode_resolves.fit_area`): a hand-worked case.

The case (``tests.tiny.county_at_limit_case``): 4 windows of load (360 thousand minutes, 90
a window), a county hall of 100 m2 that may not grow (45 m2 a window, no area cost) and a
station that may (30 m2 a window at 2 kCNY a m2-year); 120 kCNY a window-year, one year.

The LP fills the county hall's floor area with fractional windows: 100 / 45 = 2.2222
windows there (load 200), 1.7778 at the station (53.33 m2): 4 x 120 + 53.33 x 2 = 586.67
kCNY, the lower bound. The county's integer windows (3, whatever the mode: one busy item)
need 135 m2, 35 more than its growth limit allows: the plan is short of area and its gap
not proven. The cap: ceil(2.2222) - ceil(35 / 45) = 3 - 1 = 2 windows; the LP re-solved
with w <= 2 gives the county 2 windows (90 m2) and the station 2 (60 m2): 480 + 60 x 2 =
600 kCNY, integer already, so the plan costs 600 (the exact optimum: 1 + 3 windows would
cost 480 + 90 x 2 = 660) and the gap (600 - 586.67) / 600 = 2.22% is proven.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

import planner.run.mode_resolves as mode_resolves
from planner.config.schema import load_config
from planner.io.plan_files import write_plan_tables
from planner.model.build import build_model
from planner.run.pipeline import RunResult, run_config
from planner.solve.backends import lp_arrays
from tests.accounts import plan_cost_from_tables
from tests.run.test_budget_after_plan import _solve_spends_the_budget
from tests.tiny import county_at_limit_case

BOUND = 480.0 + (160.0 / 90.0) * 30.0 * 2.0  # 586.67 kCNY: the first LP's optimum
COUNTY, STATION = "cnty_320101", "town_320101002"


def _run(tmp_path: Path, rounds: int | None) -> RunResult:
    windows = {} if rounds is None else {"area_rounds": rounds}
    loaded = load_config(county_at_limit_case(tmp_path / f"case{rounds}", windows))
    return run_config(loaded)


def _stage1(run: RunResult) -> Any:
    assert run.plan is not None
    cen = run.plan.centres
    return cen[cen["stage"] == 1].set_index("centre_id")


def _modes(run: RunResult) -> dict[str, Any]:
    assert run.plan is not None
    return dict(run.plan.summary.optimality.window_modes)


def _rebuilt(run: RunResult) -> float:
    assert run.plan is not None
    region = {str(c): "32" for c in run.prepared.inputs.centres.index}
    cfg = run.prepared.loaded.config
    return plan_cost_from_tables(
        run.plan.centres, run.plan.summary.objective_terms_kcny, cfg, region
    )


def test_short_before_and_fitted_after(tmp_path: Path) -> None:
    before, after = _run(tmp_path, 0), _run(tmp_path, None)
    assert before.prepared.loaded.config.windows.area_rounds == 0
    assert after.prepared.loaded.config.windows.area_rounds == 10  # the default
    # before: the LP's windows, the county's 3 integer windows 35 m2 short
    old, modes = _stage1(before), _modes(before)
    assert old.at[COUNTY, "windows_lp"] == pytest.approx(100.0 / 45.0)
    assert old.at[STATION, "windows_lp"] == pytest.approx(4.0 - 100.0 / 45.0)
    assert (old.at[COUNTY, "windows"], old.at[STATION, "windows"]) == (3, 2)
    assert old.at[COUNTY, "area_in_use_m2"] - old.at[COUNTY, "floor_area_m2"] == pytest.approx(35.0)
    assert modes["mip"]["area_short_m2"] == pytest.approx(35.0)
    assert modes["lower_bound_kcny"] == pytest.approx(BOUND)
    # 586.67 + one window of rounding (120) + the station's 6.67 m2 extra (13.33)
    assert modes["plan_cost_kcny"] == pytest.approx(720.0)
    assert not modes["gap_proven"]
    assert "area_fit" not in modes["mip"]
    # after: the county capped at 2 windows, every window fits
    new, modes = _stage1(after), _modes(after)
    assert (new.at[COUNTY, "windows_lp"], new.at[STATION, "windows_lp"]) == pytest.approx(
        (2.0, 2.0)
    )
    assert (new.at[COUNTY, "windows"], new.at[STATION, "windows"]) == (2, 2)
    assert new.at[COUNTY, "area_in_use_m2"] == pytest.approx(90.0)
    assert new.at[COUNTY, "floor_area_m2"] == pytest.approx(100.0)
    assert new.at[STATION, "floor_area_m2"] == pytest.approx(60.0)
    assert (new["area_in_use_m2"] <= new["floor_area_m2"] + 1e-6).all()
    mip = modes["mip"]
    assert mip["area_short_m2"] == 0.0 and mip["area_short_centres"] == []
    assert mip["area_fit"] == {
        "rounds": 1,
        "rounds_limit": 10,
        "fitted": True,
        "lp_objectives_kcny": pytest.approx([BOUND, 600.0]),
        "short_m2_by_round": pytest.approx([35.0]),
        "capped_centre_stages": 1,
    }
    assert after.model is not None and after.model.data.window_cap == {(1, COUNTY): 2.0}
    # the bound stays the first LP's (the capped LP is a restriction, not a relaxation)
    assert modes["lower_bound_kcny"] == pytest.approx(BOUND)
    assert mip["lp_bound_kcny"] == pytest.approx(BOUND)
    assert after.plan is not None
    assert after.plan.summary.objective_kcny == pytest.approx(600.0)
    assert modes["plan_cost_kcny"] == pytest.approx(600.0)
    assert modes["plan_cost_kcny"] == pytest.approx(_rebuilt(after), abs=1e-6)
    assert modes["gap"] == pytest.approx((600.0 - BOUND) / 600.0)
    assert modes["gap_proven"]


def test_no_time_left_keeps_the_short_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _solve_spends_the_budget(monkeypatch)
    run = _run(tmp_path, None)
    assert run.plan is not None
    modes, opt = _modes(run), run.plan.summary.optimality
    kept = "not used: the plan keeps the modes and floor area of the LP before it"
    reason = f"{mode_resolves.NO_TIME}; {kept}"
    assert list(opt.skipped_steps) == [{"step": "floor-area re-solve 1", "reason": reason}]
    assert f"skipped: floor-area re-solve 1 ({reason})" in run.plan.summary.warnings
    assert modes["mip"]["area_short_m2"] == pytest.approx(35.0)
    assert modes["mip"]["area_fit"]["rounds"] == 0
    assert not modes["mip"]["area_fit"]["fitted"]
    assert modes["plan_cost_kcny"] == pytest.approx(720.0)
    assert not modes["gap_proven"]
    assert any("still need more floor area" in w for w in run.plan.summary.warnings)


def test_an_integer_bound_found_before_the_fit_is_kept(tmp_path: Path) -> None:
    # the Lagrangian bound (windows.bound_time_s) is computed on the first plan; it bounds
    # the joint problem whatever the plan, so the fitted plan's gap is against it
    loaded = load_config(
        county_at_limit_case(tmp_path / "case", {"bound_time_s": 5.0, "bound_steps": 20})
    )
    run = run_config(loaded)
    modes = _modes(run)
    assert modes["mip"]["area_fit"]["fitted"]
    lagrangian = float(modes["lagrangian"]["bound_kcny"])
    assert BOUND - 1e-6 <= lagrangian <= 600.0 + 1e-6
    assert modes["plan_cost_kcny"] == pytest.approx(600.0)
    assert modes["lower_bound_kcny"] == pytest.approx(max(BOUND, lagrangian))
    assert modes["gap"] == pytest.approx((600.0 - modes["lower_bound_kcny"]) / 600.0)
    assert modes["gap_proven"]


def test_a_hall_still_short_steps_twice_as_far() -> None:
    # 45 m2 a window; the LP's 60.5 windows round to 61, 100 m2 short -> 3 windows less: 58;
    # re-solved at 58 and still short by 10 m2 (its mode's windows beyond the pooled load
    # grew): 1 window, doubled -> 56; a cap never rises
    d = cast(Any, SimpleNamespace(centres=pd.DataFrame({"area_per_window": {"k": 45.0}})))
    d.window_cap = {}
    times: dict[tuple[int, str], int] = {}

    def plan(lp: float, short: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "stage": [0, 1],
                "centre_id": ["k", "k"],
                "windows_lp": [50.0, lp],
                "floor_area_m2": [3000.0, 3000.0],
                "area_in_use_m2": [3000.0, 3000.0 + short],
            }
        )

    d.window_cap = mode_resolves.window_caps(plan(60.5, 100.0), d, times)
    assert d.window_cap == {(1, "k"): 58.0} and times == {(1, "k"): 1}
    d.window_cap = mode_resolves.window_caps(plan(58.0, 10.0), d, times)
    assert d.window_cap == {(1, "k"): 56.0} and times == {(1, "k"): 2}
    assert mode_resolves.window_caps(plan(56.0, 0.0), d, times) == {(1, "k"): 56.0}


def test_a_capped_re_solve_rebounds_the_lp_it_would_build(tmp_path: Path) -> None:
    """The floor-area re-solve sets the caps on the LP it has (no build): the arrays handed
    to the solver are those of a fresh build of the capped data, entry for entry; a change
    beyond the caps (a mode's price) or a model missing arcs needs the build."""
    run = _run(tmp_path, 0)
    data = run.prepared.model_data()
    capped = replace(data, window_cap={(1, COUNTY): 2.0})
    model = build_model(data)
    kept = mode_resolves.rebounded(model, capped)
    assert kept is not None and kept.data is capped
    ours, fresh = lp_arrays(kept), lp_arrays(build_model(capped))
    for name in ("cost", "lower", "upper", "row_lower", "row_upper", "starts", "index", "value"):
        assert np.array_equal(getattr(ours, name), getattr(fresh, name)), name
    assert ours.row_index == fresh.row_index
    assert kept.var.w[1, COUNTY].upBound == 2.0
    # back to no cap: the bound is lifted again
    again = mode_resolves.rebounded(kept, data)
    assert again is not None and again.var.w[1, COUNTY].upBound is None
    priced = replace(capped, window_price={(1, COUNTY): (2.0, 0.0)})
    assert mode_resolves.rebounded(build_model(data), priced) is None
    assert mode_resolves.rebounded(build_model(data, arcs=np.arange(1)), capped) is None


def test_a_re_solve_past_its_warm_iteration_limit_is_solved_cold_to_the_same_plan(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``solver.warm_iteration_limit``: the floor-area re-solve's cost phase starts by dual
    simplex from the first LP's basis; with HiPO configured and a limit of one iteration it
    stops there and is solved cold by HiPO instead. The plan files are the same bytes as
    with no limit (always warm): the tie-break's optimum does not depend on the path."""
    written = {}
    for limit in (0, 1):
        solver = {"method": "hipo", "warm_iteration_limit": limit}
        case = county_at_limit_case(tmp_path / f"case{limit}", {}, solver)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="planner.solve.exact"):
            run = run_config(load_config(case))
        cold = [r.message for r in caplog.records if "solved cold by hipo" in r.message]
        assert len(cold) == (1 if limit else 0), cold
        assert run.plan is not None
        assert _modes(run)["mip"]["area_fit"]["rounds"] == 1
        write_plan_tables(run.plan, tmp_path / f"plan{limit}")
        written[limit] = {
            p.name: p.read_bytes() for p in sorted((tmp_path / f"plan{limit}").iterdir())
        }
    assert written[0].keys() == written[1].keys()
    for name, data in written[0].items():
        assert data == written[1][name], name
