"""The exact model: the top-heavy excess cannot be gamed with idle area, column generation
reaches the item-level optimum, and HiGHS and CBC report the same plan (tie-break).

Top-heavy case (hand-worked): province 100 m2 that cannot shrink, county 100 m2 that cannot
shrink, an empty township station at T1 that may grow at 100 CNY per m2-year; one county
item (2 thousand transactions x 10 minutes). Share cap 30%, penalty 2,000 CNY per m2-year.

* Old definition, h >= A_prov - 0.3 (A_prov + A_cnty + A_town) = 40 - 0.3 A_town: each idle
  township m2 costs 0.1 kCNY and saves 0.6 kCNY, so the LP builds A_town = 133.33 m2 that
  serve nothing.
* New definition, h >= A_prov - 0.3 (A_prov + in-use county and township area): the county
  uses 20,000 / 67,500 windows x 45 m2 = 13.33 m2, so h = 100 - 0.3 x 113.33 = 66 and the
  station stays at 0 m2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pulp
import pytest

from planner.config.schema import deep_merge, load_config
from planner.io.plan_files import write_plan_tables
from planner.model.build import build_model
from planner.run.pipeline import execute
from planner.solve.driver import solve
from planner.solve.exact import name_weights
from tests.tiny import prepare_run, tiny_centres, write_case

TOP_HEAVY = {
    "costs": {
        "window_cost_per_year": 100_000.0,
        "value_of_time_per_hour": 0.0,
        "expansion_cost_per_m2": 0.0,
        "reduction_cost_per_m2": 0.0,
        "top_heavy_penalty_per_m2_year": 2000.0,
    },
    "policy": {
        "top_heavy_max_share": [0.3],
        "levels": {
            "province": {"min_area_m2": 1000.0},
            "county": {"min_area_m2": 1000.0},
            "township": {"area_cost_per_m2_year": 100.0},
        },
    },
}


def _case(tmp_path: Path, extra: dict[str, object] | None = None) -> Path:
    return write_case(
        tmp_path,
        centres=tiny_centres(province=100.0, stations={"320101001": 0.0}),
        config=deep_merge(TOP_HEAVY, extra or {}),
    )


def test_old_top_heavy_definition_builds_idle_township_area(tmp_path: Path) -> None:
    loaded = load_config(_case(tmp_path))
    prepared = prepare_run(loaded)
    assert prepared.data is not None
    model = build_model(prepared.data)
    v = model.var
    # the previous definition: every m2 counts, in use or not
    theta = 0.3
    model.rows["topheavy__1__32"].expr = pulp.LpAffineExpression(
        [(v.area[1, "prov_320000"], 1 - theta), (v.h[1, "32"], -1.0)]
        + [(v.area[1, c], -theta) for c in ("city_320100", "cnty_320101", "town_320101001")]
    )
    result = solve(model, loaded.config.solver)
    assert result.solution is not None
    assert result.solution.area[1, "town_320101001"] == pytest.approx(400 / 3, abs=1e-4)
    assert result.solution.h[1, "32"] == pytest.approx(0.0, abs=1e-6)


def test_new_top_heavy_definition_builds_no_idle_area(tmp_path: Path) -> None:
    run = execute(prepare_run(load_config(_case(tmp_path))))
    assert run.result.status == "optimal"
    sol = run.result.solution
    assert sol is not None
    assert sol.area[1, "town_320101001"] == pytest.approx(0.0, abs=1e-6)
    assert sol.h[1, "32"] == pytest.approx(100 - 0.3 * (100 + 20 / 67.5 * 45), rel=1e-6)


def _equal_cost_case(tmp_path: Path, solver: str, generate: bool = False) -> object:
    """Province and city centres at one seat with equal costs: alternative optima."""
    cfg = write_case(
        tmp_path / f"{solver}-{generate}",
        centres=tiny_centres(province=100.0, city=100.0),
        items=[{"levels_s1": "province|city|county"}, {"item_id": "b", "counter_minutes": 7}],
        config={
            "policy": {"levels": {"province": {"area_per_window_m2": 60.0}}},
            "solver": {"name": solver, "column_generation": generate},
        },
    )
    return execute(prepare_run(load_config(cfg)))


@pytest.mark.slow
def test_highs_and_cbc_report_the_same_plan(tmp_path: Path) -> None:
    plans = {}
    for solver in ("highs", "cbc"):
        run = _equal_cost_case(tmp_path, solver)
        assert run.result.status == "optimal"  # type: ignore[attr-defined]
        plans[solver] = run
    highs, cbc = plans["highs"], plans["cbc"]
    assert highs.result.objective == pytest.approx(cbc.result.objective, rel=1e-9)
    # the values are recomputed from CBC's own optimal basis: HiGHS does no iteration
    assert "0 simplex iterations" in cbc.result.detail  # type: ignore[attr-defined]
    assert highs.result.solution.x == pytest.approx(cbc.result.solution.x, abs=1e-6)  # type: ignore[attr-defined]
    write_plan_tables(highs.plan, tmp_path / "highs-plan")  # type: ignore[attr-defined]
    write_plan_tables(cbc.plan, tmp_path / "cbc-plan")  # type: ignore[attr-defined]
    for table in ("levels.csv", "centres.csv", "townships.csv"):
        a = (tmp_path / "highs-plan" / table).read_text()
        assert a == (tmp_path / "cbc-plan" / table).read_text(), table


def test_column_generation_reaches_the_direct_optimum(tmp_path: Path) -> None:
    direct = _equal_cost_case(tmp_path, "highs", generate=False)
    loaded = direct.prepared.loaded  # type: ignore[attr-defined]
    data = direct.prepared.data  # type: ignore[attr-defined]
    # start from one arc only: the rest must price out
    model = build_model(data, arcs=np.array([0]))
    generated = solve(model, loaded.config.solver)
    assert len(model.var.x) > 1
    assert generated.objective == pytest.approx(direct.result.objective, rel=1e-9)  # type: ignore[attr-defined]
    assert generated.solution is not None
    assert generated.solution.x == pytest.approx(direct.result.solution.x, abs=1e-6)  # type: ignore[attr-defined]
    info = generated.optimality.as_json()
    assert info["method"] == "column generation on arcs"
    assert float(info["min_reduced_cost_all_arcs"]) >= -float(info["pricing_tolerance"])


def test_generated_columns_are_in_the_pulp_model_and_its_lp_file(tmp_path: Path) -> None:
    direct = _equal_cost_case(tmp_path, "highs", generate=False)
    data = direct.prepared.data  # type: ignore[attr-defined]
    model = build_model(data, arcs=np.array([0]))
    result = solve(model, direct.prepared.loaded.config.solver)  # type: ignore[attr-defined]
    assert result.status == "optimal"
    path = tmp_path / "model.lp"
    model.prob.writeLP(str(path))
    text = path.read_text()
    generated = [var.name for i, var in model.var.x.items() if i != 0]
    assert generated
    assert all(name in text for name in generated)
    # the PuLP objective holds the generated arcs' travel cost like any built arc
    assert model.prob.objective is not None
    travel = [var for var, cost in model.cost_terms["travel"] if cost]
    assert len(travel) == len(model.var.x)
    assert all(var in model.prob.objective for var in travel)


@pytest.mark.parametrize("formulation", ["items", "classes"])
def test_summary_says_how_optimality_was_established(tmp_path: Path, formulation: str) -> None:
    config = write_case(tmp_path, config={"model": {"formulation": formulation}})
    run = execute(prepare_run(load_config(config)))
    assert run.plan is not None
    info = run.plan.summary.optimality.as_json()
    assert info["formulation"] == formulation
    assert info["method"] == "direct (every arc)"
    assert [p["phase"] for p in info["phases"]] == ["cost", "floor_area", "travel", "generic"]
    assert info["exact"] == (formulation == "items")
    assert ("note" in info) == (formulation == "classes")


@pytest.mark.parametrize("method", ["hipo", "ipm"])
def test_interior_point_reports_the_simplex_plan(tmp_path: Path, method: str) -> None:
    """An interior point with crossover, then the tie-break phases by simplex from its basis:
    the same plan as the simplex."""
    plans = {}
    for each in ("simplex", method):
        cfg = write_case(
            tmp_path / each,
            centres=tiny_centres(province=100.0, city=100.0),
            items=[{"levels_s1": "province|city|county"}, {"item_id": "b", "counter_minutes": 7}],
            config={
                "policy": {"levels": {"province": {"area_per_window_m2": 60.0}}},
                "solver": {"method": each},
            },
        )
        run = execute(prepare_run(load_config(cfg)))
        assert run.result.status == "optimal"
        write_plan_tables(run.plan, tmp_path / f"{each}-plan")
        plans[each] = run
    assert plans[method].result.objective == pytest.approx(
        plans["simplex"].result.objective, rel=1e-9
    )
    for table in ("levels.csv", "centres.csv", "townships.csv"):
        a = (tmp_path / "simplex-plan" / table).read_text()
        assert a == (tmp_path / f"{method}-plan" / table).read_text(), table


def test_generic_weights_break_swap_cycles() -> None:
    """Two townships a, b and two centres c, d: moving flow around the cycle ac -> ad ->
    bd -> bc changes the generic objective by (w_ac - w_ad) - (w_bc - w_bd) per unit. A
    CRC-32 is affine over XOR, so for names that differ in the same places many such cycles
    were balanced exactly (below the solver's tolerances: two starts of one LP gave two
    plans on Jiangsu). Over every pair of 1,000 townships (499,500 cycles) the CRC left 151
    cycles below 1e-7; the hash leaves none (about 0.1 expected by chance)."""
    import zlib

    towns = [f"32{k:07d}" for k in range(0, 3000, 3)]
    names = [
        f"x__1__{t}__real_estate_registration__{c}"
        for t in towns
        for c in ("city_320600", "cnty_320612")
    ]

    def balanced(w: np.ndarray) -> int:
        d = w[0::2] - w[1::2]
        gaps = np.abs(d[:, None] - d[None, :])[np.triu_indices(len(d), 1)]
        return int((gaps < 1e-7).sum())

    crc = 1.0 + np.array([zlib.crc32(n.encode()) for n in names], dtype=float) / 2.0**32
    assert balanced(crc) > 100  # the old weights
    assert balanced(name_weights(names)) == 0
