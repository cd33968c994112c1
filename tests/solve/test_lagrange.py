"""The Lagrangian warm start and the path-free duals (planner.solve.lagrange, HighsSolver).

Hand-worked LP: min x1 + 2 x2 subject to x1 + x2 = 1 (a local row) and x1 <= 0.3 (a
network row, named like an olive row). Without the network row x1 = 1 (cost 1); with it
x1 = 0.3, x2 = 0.7 (cost 1.7) and its multiplier is 1: L(lambda) = 1 + 0.7 lambda for
lambda <= 1 and 2 - 0.3 lambda beyond, maximal (1.7) at lambda = 1.

Degenerate LP: min x1 + x2 subject to x1 >= 1 (r0) and x1 + x2 >= 1 (r1). The optimum
x1 = 1, x2 = 0 is unique, but every (y0, y1) = (1 - t, t) with t in [0, 1] is an optimal
dual: a basis with r1's slack basic gives (1, 0), one with r0's slack basic gives (0, 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.config.schema import SolverConfig, load_config
from planner.run.pipeline import run_config, write_run
from planner.solve.backends import HighsSolver, LpArrays
from planner.solve.lagrange import NetworkRows, lagrangian_start
from tests.tiny import two_province_case

INF = np.inf


def _lp(cost: list[float], rows: list[tuple[str, list[float], float, float]]) -> LpArrays:
    n = len(cost)
    starts, index, value = [0], [], []
    for _, coefs, _, _ in rows:
        for j, a in enumerate(coefs):
            if a:
                index.append(j)
                value.append(a)
        starts.append(len(index))
    return LpArrays(
        np.array(cost, dtype=float),
        np.zeros(n),
        np.full(n, INF),
        np.array([r[2] for r in rows], dtype=float),
        np.array([r[3] for r in rows], dtype=float),
        np.array(starts, dtype=np.int64),
        np.array(index, dtype=np.int64),
        np.array(value, dtype=float),
        {r[0]: i for i, r in enumerate(rows)},
    )


def _solver(lp: LpArrays) -> HighsSolver:
    solver = HighsSolver(SolverConfig())
    solver.load(lp)
    return solver


OLIVE_LP = [("demand__1", [1.0, 1.0], 1.0, 1.0), ("olive__1__x", [1.0, 0.0], -INF, 0.3)]


def test_network_rows_are_picked_by_family_and_made_one_sided() -> None:
    lp = _lp([1.0, 2.0], [*OLIVE_LP, ("level_floor__1__y", [0.0, 1.0], 0.5, INF)])
    net = NetworkRows.of(lp, list(lp.row_index))
    assert net.rows.tolist() == [1, 2]
    assert net.sign.tolist() == [1.0, -1.0]
    assert net.rhs.tolist() == [0.3, -0.5]
    # x = (1, 0): the olive row is violated by 0.7, the floor (x2 >= 0.5) by 0.5
    assert net.slack(np.array([1.0, 0.0])) == pytest.approx([0.7, 0.5])


def test_an_empty_network_row_is_measured_and_the_start_still_works() -> None:
    """A row whose every coefficient is zero (e.g. a service guarantee over a stage with no
    residual demand) has no entries in the arrays; it may come last."""
    lp = _lp([1.0, 2.0], [*OLIVE_LP, ("unserved_cap__1", [0.0, 0.0], -INF, 5.0)])
    net = NetworkRows.of(lp, list(lp.row_index))
    assert net.slack(np.array([1.0, 0.0])) == pytest.approx([0.7, -5.0])
    solver = _solver(lp)
    assert lagrangian_start(solver, lp, net)["finished"] is True
    assert solver.run().objective == pytest.approx(1.7)


def test_lagrangian_start_prices_the_violated_row_and_the_full_lp_follows() -> None:
    lp = _lp([1.0, 2.0], OLIVE_LP)
    solver = _solver(lp)
    report = lagrangian_start(solver, lp, NetworkRows.of(lp, list(lp.row_index)))
    assert report["priced_rows"] == 1
    assert report["evaluations"] >= 2
    # the solver holds the full LP again (bounds and true costs): its optimum follows
    run = solver.run()
    assert run.objective == pytest.approx(1.7)
    assert solver.primal() == pytest.approx([0.3, 0.7])
    assert solver.duals()[1] == pytest.approx(-1.0)  # HiGHS's sign: a binding <= row


def test_lagrangian_start_stops_at_once_when_no_network_row_binds() -> None:
    lp = _lp([2.0, 1.0], OLIVE_LP)  # x2 is cheaper: x1 = 0 meets the olive row
    solver = _solver(lp)
    report = lagrangian_start(solver, lp, NetworkRows.of(lp, list(lp.row_index)))
    assert report == {"method": "lagrangian warm start", "rows": 1} | {
        "evaluations": 1,
        "priced_rows": 0,
        "finished": True,
    }
    assert solver.run().objective == pytest.approx(1.0)


def test_past_its_time_budget_the_start_gives_up_and_the_full_lp_is_solved_cold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from planner.solve import lagrange

    monkeypatch.setattr(lagrange, "BUDGET_SHARE", 0.0)  # no time for a warm evaluation
    monkeypatch.setattr(lagrange, "BUDGET_FLOOR_S", 0.0)
    lp = _lp([1.0, 2.0], OLIVE_LP)
    solver = _solver(lp)
    report = lagrangian_start(solver, lp, NetworkRows.of(lp, list(lp.row_index)))
    assert report["finished"] is False
    assert report["evaluations"] == 2  # the cold one, then one stopped at once
    run = solver.run()
    assert run.objective == pytest.approx(1.7)
    assert solver.primal() == pytest.approx([0.3, 0.7])


def test_vertex_duals_do_not_depend_on_the_optimal_basis() -> None:
    import highspy

    lp = _lp([1.0, 1.0], [("r0", [1.0, 0.0], 1.0, INF), ("r1", [1.0, 1.0], 1.0, INF)])
    st = highspy.HighsBasisStatus
    found = []
    # two optimal bases of the same vertex, with different duals
    for rows in ([st.kLower, st.kBasic], [st.kBasic, st.kLower]):
        solver = _solver(lp)
        basis = highspy.HighsBasis()
        basis.col_status = [st.kBasic, st.kLower]
        basis.row_status = rows
        basis.valid = True
        solver.h.setBasis(basis)
        solver.run()
        path = solver.duals().copy()
        bounds = (lp.lower, lp.upper, lp.row_lower, lp.row_upper)
        found.append((path, solver.vertex_duals(lp.cost, bounds)))
    (path_a, canon_a), (path_b, canon_b) = found
    assert path_a == pytest.approx([1.0, 0.0])
    assert path_b == pytest.approx([0.0, 1.0])
    assert canon_a is not None and canon_b is not None
    assert canon_a.tolist() == canon_b.tolist()


def test_plan_is_the_same_with_and_without_the_warm_start(tmp_path: Path) -> None:
    """Every plan file, rule costs and summary included, byte for byte (the two-province
    case: olive and top-heavy rows bind at lambda = 0)."""
    plans = {}
    for flag in (True, False):
        folder = tmp_path / str(flag)
        config = two_province_case(
            folder, {"model": {"decompose": False}, "solver": {"lagrangian_start": flag}}
        )
        run = run_config(load_config(config))
        assert run.result.status == "optimal"
        plans[flag] = write_run(run) / "plan"
    names = sorted(p.name for p in plans[True].iterdir())
    assert "rule_costs.csv" in names
    for name in names:
        assert (plans[True] / name).read_bytes() == (plans[False] / name).read_bytes(), name
