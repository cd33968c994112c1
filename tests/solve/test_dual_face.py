"""Generic optimal duals (``solver.canonical_duals = "generic"``,
:mod:`planner.solve.dual_face`): one point of the dual optimal face whatever the start.

Hand-worked LP: min x1 + x2 with rows r1: x1 + x2 >= 2, r2: x1 >= 1, r3: x2 >= 1 and
x >= 0. The primal optimum (1, 1) is unique and every row binds (degenerate). Both columns
are strictly inside their bounds, so both reduced costs vanish: y1 + y2 = 1, y1 + y3 = 1,
y >= 0, i.e. the optimal duals are the segment y(t) = (t, 1 - t, 1 - t), t in [0, 1], with
the vertices (1, 0, 0) (basis x1, x2, slack of r2) and (0, 1, 1) (basis x1, x2, slack of
r1). The generic function maximised over it is -(d1 y1 + d2 y2 + d3 y3) (three inequality
rows) with d_i = w_i max(1, |b_i|): d1 = 2 w1, d2 = w2, d3 = w3, so its value at y(t) is
-(d2 + d3) + t (d2 + d3 - d1): the maximum is t = 1 when d1 < d2 + d3, else t = 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.config.schema import SolverConfig, load_config
from planner.run.pipeline import execute
from planner.solve.backends import HighsSolver, LpArrays
from planner.solve.dual_face import check_duals, row_shifts, save_basis, shifted_bounds
from planner.solve.exact import _bounds, _generic_duals, name_weights
from planner.solve.status import Status
from tests.tiny import prepare_run, tiny_centres, write_case


def _lp(names: list[str]) -> LpArrays:
    """The hand-worked LP with rows named ``names`` (module docstring)."""
    return LpArrays(
        cost=np.array([1.0, 1.0]),
        lower=np.zeros(2),
        upper=np.full(2, np.inf),
        row_lower=np.array([2.0, 1.0, 1.0]),
        row_upper=np.full(3, np.inf),
        starts=np.array([0, 2, 3, 4]),
        index=np.array([0, 1, 0, 1]),
        value=np.ones(4),
        row_index={name: i for i, name in enumerate(names)},
    )


def _expected(names: list[str]) -> np.ndarray:
    """The generic maximiser, worked by hand from the weights (module docstring)."""
    w = name_weights(names)
    d1, d2, d3 = 2 * w[0], w[1], w[2]
    return np.array([1.0, 0.0, 0.0]) if d1 < d2 + d3 else np.array([0.0, 1.0, 1.0])


def _solver_at(lp: LpArrays, slack: int) -> HighsSolver:
    """HiGHS holding ``lp`` solved from the optimal basis with row ``slack``'s slack
    basic: a start that ends at the dual vertex of that basis."""
    import highspy

    solver = HighsSolver(SolverConfig(method="simplex", canonical_duals="generic"))
    solver.load(lp)
    st = highspy.HighsBasisStatus
    basis = highspy.HighsBasis()
    basis.col_status = [st.kBasic, st.kBasic]
    basis.row_status = [st.kBasic if i == slack else st.kLower for i in range(3)]
    basis.valid = True
    solver.h.setBasis(basis)
    assert solver.run().status == Status.OPTIMAL
    return solver


@pytest.mark.parametrize("names", [["r1", "r2", "r3"], ["demand__a", "olive__b", "floor__c"]])
def test_generic_duals_are_the_hand_worked_vertex_from_either_start(names: list[str]) -> None:
    lp = _lp(names)
    expected = _expected(names)
    starts = {1: np.array([1.0, 0.0, 0.0]), 0: np.array([0.0, 1.0, 1.0])}
    for slack, vertex in starts.items():
        solver = _solver_at(lp, slack)
        # the two starts really end at two different optimal duals
        np.testing.assert_allclose(solver.duals(), vertex, atol=1e-12)
        assert check_duals(lp, solver.duals(), 2.0).optimal
        saved = save_basis(solver)
        assert saved is not None
        with solver.simplex():
            y, eps = _generic_duals(solver, lp, None, (saved, 2.0), lp.cost, _bounds(lp, 2))
        assert y is not None and eps > 0
        np.testing.assert_allclose(y, expected, atol=1e-9)


def test_the_weights_decide_between_the_two_vertices() -> None:
    """Among a few row names both vertices are the generic one for some: the choice is the
    weights', not a fixed preference of the method."""
    picks = {tuple(_expected([f"r1_{k}", "r2", "r3"])) for k in range(40)}
    assert picks == {(1.0, 0.0, 0.0), (0.0, 1.0, 1.0)}


def test_shifts_move_inequalities_outward_and_equalities_up() -> None:
    lp = _lp(["r1", "r2", "r3"])
    lp.row_upper = np.array([np.inf, 1.0, 5.0])  # r2 an equality, r3 a range
    shift = row_shifts(lp, np.ones(3))
    np.testing.assert_allclose(shift, [2.0, 1.0, 5.0])
    lo, up = shifted_bounds(lp.row_lower, lp.row_upper, 0.1 * shift)
    np.testing.assert_allclose(lo, [1.8, 1.1, 0.5])
    np.testing.assert_allclose(up, [np.inf, 1.1, 5.5])


def test_check_duals_rejects_duals_that_are_not_optimal() -> None:
    lp = _lp(["r1", "r2", "r3"])
    assert check_duals(lp, np.array([0.5, 0.5, 0.5]), 2.0).optimal
    # feasible (reduced costs 0.2 >= 0) but b'y = 1.6 < 2: not optimal
    low = check_duals(lp, np.array([0.8, 0.0, 0.0]), 2.0)
    assert low.infeasibility == 0.0 and not low.optimal
    # b'y = 2.2 but x1's reduced cost is -0.1 with no upper bound: infeasible
    assert not check_duals(lp, np.array([1.1, 0.0, 0.0]), 2.0).optimal
    # a >= row's dual must not be negative
    assert not check_duals(lp, np.array([1.0, 0.0, -1.0]), 2.0).optimal


def _tiny_run(tmp_path: Path, solver: dict[str, object]) -> object:
    cfg = write_case(
        tmp_path,
        centres=tiny_centres(province=100.0, city=100.0),
        items=[{"levels_s1": "province|city|county"}, {"item_id": "b", "counter_minutes": 7}],
        config={
            "policy": {"levels": {"province": {"area_per_window_m2": 60.0}}},
            "solver": solver,
        },
    )
    return execute(prepare_run(load_config(cfg)))


def test_tiny_plan_generic_duals_same_from_simplex_and_interior_point(tmp_path: Path) -> None:
    """The tiny equal-cost case: the generic duals are found, checked optimal, and equal
    whether the cost phase ran dual simplex or IPX with crossover; the plan equals the
    vertex run's."""
    runs = {
        name: _tiny_run(tmp_path / name, solver)
        for name, solver in {
            "vertex": {},
            "simplex": {"canonical_duals": "generic", "method": "simplex"},
            "ipm": {"canonical_duals": "generic", "method": "ipm"},
        }.items()
    }
    results = {name: run.result for name, run in runs.items()}  # type: ignore[attr-defined]
    assert results["vertex"].optimality.duals == "vertex"
    for name in ("simplex", "ipm"):
        assert results[name].optimality.duals == "generic"
    # the same path as the vertex run (dual simplex) up to the duals step: the same values
    assert list(results["simplex"].solution.x) == list(results["vertex"].solution.x)
    assert results["ipm"].solution.x == pytest.approx(results["vertex"].solution.x, abs=1e-9)
    simplex, ipm = results["simplex"].solution.duals, results["ipm"].solution.duals
    assert simplex.keys() == ipm.keys()
    for family, duals in simplex.items():
        assert duals == pytest.approx(ipm[family], abs=1e-9), family
    assert results["simplex"].optimality.windows_relaxed_kcny == pytest.approx(
        results["vertex"].optimality.windows_relaxed_kcny, rel=1e-12
    )


def test_a_shift_past_a_breakpoint_falls_back_to_the_vertex_duals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shifts ten times each row's size move the optimum off its face: the duals found fail
    the check against the original LP, and the run reports the vertex duals instead, with
    the step named."""
    monkeypatch.setattr("planner.solve.exact.EPSILONS", (10.0,))
    vertex = _tiny_run(tmp_path / "vertex", {}).result  # type: ignore[attr-defined]
    fallback = _tiny_run(tmp_path / "fallback", {"canonical_duals": "generic"}).result  # type: ignore[attr-defined]
    assert fallback.optimality.duals == "vertex"
    steps = [step["step"] for step in fallback.optimality.skipped_steps]
    assert any(step.startswith("generic duals") for step in steps), steps
    assert fallback.solution.duals == vertex.solution.duals
