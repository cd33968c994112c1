"""The HiGHS back-end: ``lp_arrays`` (read in bulk) hands the solver exactly the model PuLP
holds (every row's terms in their order, zero coefficients dropped, bounds and costs per
column), and each solve's time limit is what is left of ``solver.time_limit_s``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pulp

from planner.config.schema import SolverConfig, load_config
from planner.model.build import build_model
from planner.solve.backends import HighsSolver, lp_arrays
from planner.solve.status import Status
from tests.tiny import prepare_run, tiny_centres, write_case


def _by_hand(model: object) -> dict[str, list[float] | list[int]]:
    """The arrays one term at a time (the obvious, slow reading)."""
    columns = model.columns  # type: ignore[attr-defined]
    position = {id(v): j for j, v in enumerate(columns)}
    objective = model.prob.objective  # type: ignore[attr-defined]
    starts, index, value, lo, up = [0], [], [], [], []
    for row in model.rows.values():  # type: ignore[attr-defined]
        for var, coef in row.items():
            if coef != 0:
                index.append(position[id(var)])
                value.append(coef)
        starts.append(len(index))
        lo.append(-np.inf if row.getLb() is None else row.getLb())
        up.append(np.inf if row.getUb() is None else row.getUb())
    return {
        "cost": [objective.get(v, 0.0) for v in columns],
        "lower": [-np.inf if v.lowBound is None else v.lowBound for v in columns],
        "upper": [np.inf if v.upBound is None else v.upBound for v in columns],
        "starts": starts,
        "index": index,
        "value": value,
        "row_lower": lo,
        "row_upper": up,
    }


def test_lp_arrays_match_the_model_term_by_term(tmp_path: Path) -> None:
    cfg = write_case(tmp_path, centres=tiny_centres(province=100.0, city=100.0))
    prepared = prepare_run(load_config(cfg))
    assert prepared.data is not None
    model = build_model(prepared.data)
    # a zero coefficient in the middle of a row must be dropped, the order kept
    first_row = next(iter(model.rows.values()))
    first_row.expr[model.columns[-1]] = 0.0
    first_row.expr.addterm(model.columns[0], 0.5)
    lp = lp_arrays(model)
    expected = _by_hand(model)
    assert len(expected["index"]) > 10
    for name, want in expected.items():
        got = getattr(lp, name)
        assert got.shape == (len(want),), name
        assert np.array_equal(got, np.asarray(want, dtype=got.dtype)), name
    assert list(lp.row_index) == list(model.rows)
    assert lp.constant == float(model.prob.objective.constant)
    assert isinstance(first_row, pulp.LpConstraint)


class _ClockAhead:
    """A ``Highs`` whose own clock reads ``ahead`` seconds (as after long earlier solves);
    records the time limits it is given."""

    def __init__(self, highs: object, ahead: float) -> None:
        self._highs = highs
        self.ahead = ahead
        self.limits: list[float] = []

    def getRunTime(self) -> float:
        return self.ahead

    def setOptionValue(self, key: str, value: object) -> object:
        if key == "time_limit":
            self.limits.append(float(value))  # type: ignore[arg-type]
        return self._highs.setOptionValue(key, value)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._highs, name)


def test_time_limit_counts_from_highs_own_clock(tmp_path: Path) -> None:
    # HiGHS measures its limit on a clock that runs on over every solve of one object:
    # after a 300 s cost phase, a later phase given "100 s left" as the limit would stop
    # at once. The limit handed over is the clock now plus what is left.
    cfg = write_case(tmp_path, centres=tiny_centres(province=100.0, city=100.0))
    prepared = prepare_run(load_config(cfg))
    assert prepared.data is not None
    solver = HighsSolver(SolverConfig(time_limit_s=600.0))
    solver.load(lp_arrays(build_model(prepared.data)))
    clock = _ClockAhead(solver.h, ahead=300.0)
    solver.h = clock  # type: ignore[assignment]
    run = solver.run()
    assert run.status == Status.OPTIMAL
    assert len(clock.limits) == 1
    assert 300.0 + 590.0 < clock.limits[0] <= 300.0 + 600.0


def test_methods_name_highs_solvers() -> None:
    # "ipm" stays IPX by name (HiGHS's own "ipm" runs HiPO once highspy-extras is in)
    for method, solver, system in (
        ("ipm", "ipx", "choose"),
        ("hipo", "hipo", "normaleq"),
        ("simplex", "simplex", "choose"),
    ):
        h = HighsSolver(SolverConfig(method=method)).h
        assert h.getOptionValue("solver")[1] == solver, method
        assert h.getOptionValue("hipo_system")[1] == system, method
        assert h.getOptionValue("run_crossover")[1] == "on", method


def test_tie_break_phases_by_simplex_after_an_interior_point_with_crossover() -> None:
    # from the crossover's basis; without crossover there is no basis to start from
    for method, crossover, simplex in (
        ("ipm", True, True),
        ("hipo", True, True),
        ("ipm", False, False),
        ("simplex", True, False),
    ):
        solver = HighsSolver(SolverConfig(method=method, crossover=crossover))
        assert solver.tie_break_simplex == simplex, (method, crossover)
