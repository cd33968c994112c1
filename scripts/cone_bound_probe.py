"""Probe: the cone bound of planner.solve.cone_bound on a config's window-relaxed LP.

nice -n 10 .venv/bin/python scripts/cone_bound_probe.py configs/jiangsu.toml [LIMIT_S] [BASE_KCNY]

Without BASE_KCNY: solves the window-relaxed LP (the run's bound today), then adds the cone
rows and columns to the same HiGHS model and re-solves it by dual simplex from the LP's basis
(the old basis with the new rows' slacks basic stays dual feasible). With BASE_KCNY (the LP's
optimum, known): solves the cone LP alone, cold, by the config's method (HiPO on Jiangsu).
Prints both optima, the rise, sizes, times, peak memory. CONE_NO_PACE=1 in the environment
drops today's modes, the pace, the phases and the levels (every mode reachable everywhere);
CONE_TRAINING_ONLY=1 re-solves the LP with training on the windows of the centre-stages that
reach big general only (no cone rows), warm.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import replace

import numpy as np

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.plan.bound import cone_rules, unpriced
from planner.solve.backends import HighsSolver, LpArrays, lp_arrays
from planner.solve.cone_bound import cone_lp, forced_training, window_column
from tests.tiny import prepare_run


def relaxed(lp: LpArrays) -> LpArrays:
    """The LP with its window-time rows relaxed to ``load <= kappa w``."""
    rows = np.array([i for n, i in lp.row_index.items() if n.startswith("windowtime__")])
    lower = lp.row_lower.copy()
    lower[rows] = -np.inf
    return LpArrays(
        lp.cost, lp.lower, lp.upper, lower, lp.row_upper, lp.starts, lp.index, lp.value,
        lp.row_index, lp.constant,
    )  # fmt: skip


def window_cols(lp: LpArrays) -> np.ndarray:
    """The window columns (the negative entry of each window-time row)."""
    rows = [i for name, i in lp.row_index.items() if name.startswith("windowtime__")]
    return np.array([window_column(lp, i) for i in rows], dtype=np.int64)


def parts(h, cost: np.ndarray, w: np.ndarray, n_cols: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """kCNY of the windows (their columns' cost) and of training (the new columns')."""
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return float(cost[w] @ x[w]), float(cost[n_cols:] @ x[n_cols : len(cost)])


def main() -> None:
    path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 3000.0
    t0 = time.perf_counter()
    loaded = load_config(path)
    cfg = loaded.config
    prepared = prepare_run(loaded)
    d = prepared.model_data()
    lp = unpriced(relaxed(lp_arrays(build_model(d))), d)  # training is the cone's own
    t1 = time.perf_counter()
    print(f"LP: {len(lp.cost):,} columns, {len(lp.row_lower):,} rows, {len(lp.index):,} nnz")
    solver = HighsSolver(cfg.solver)
    cold = len(sys.argv) > 3
    if cold:
        base = float(sys.argv[3])
    else:
        solver.load(lp)
        run = solver.run()
        base = (run.objective or 0.0) + lp.constant
        print(f"relaxed LP {run.detail} {base:,.1f} kCNY", end=" ")
        w = window_cols(lp)
        print(f"(windows {parts(solver.h, lp.cost, w, len(lp.cost))[0]:,.1f} kCNY)", end=" ")
    t2 = time.perf_counter()
    print(f"in {t2 - t1:.1f} s (build {t1 - t0:.1f} s)")
    rules = cone_rules(d, cfg, prepared.inputs)
    if os.environ.get("CONE_NO_PACE"):
        rules = replace(rules, reach={})
    if os.environ.get("CONE_TRAINING_ONLY"):
        t3 = time.perf_counter()
        solver.set_objective(forced_training(lp, rules))
        with solver.simplex():
            again = solver.run(limit)
        value = (again.objective or 0.0) + lp.constant
        print(
            f"LP with forced training {again.detail}: {value:,.1f} kCNY in "
            f"{time.perf_counter() - t3:.1f} s ({again.iterations:,} iterations); rise "
            f"{value - base:,.1f} kCNY = {100 * (value - base) / base:.3f}%"
        )
        return
    cone = cone_lp(lp, rules)
    del lp
    t3 = time.perf_counter()
    new = cone.lp
    k, m = len(new.cost) - cone.n_cols, len(new.row_lower) - cone.n_rows
    print(
        f"cone LP: +{k:,} columns, +{m:,} rows, +{len(new.index) - new.starts[cone.n_rows]:,} nnz; "
        f"{cone.split_blocks:,} of {cone.blocks:,} blocks split ({cone.segments:,} segments); "
        f"by reachable modes {cone.mode_counts}; built in {t3 - t2:.1f} s"
    )
    h = solver.h
    if cold:
        h.setOptionValue("output_flag", True)
        solver.load(new)
        t4 = time.perf_counter()
        info_run = solver.run(limit)
        report(h, base, time.perf_counter() - t4, new.constant, info_run.detail)
        return
    empty = np.zeros(0, dtype=np.int32)
    h.addCols(k, new.cost[cone.n_cols :], np.zeros(k), np.full(k, np.inf), 0, empty, empty,
              np.zeros(0))  # fmt: skip
    lo = new.starts[cone.n_rows : -1]
    h.addRows(
        m,
        np.full(m, -np.inf),
        np.zeros(m),
        int(new.starts[-1] - lo[0]),
        (lo - lo[0]).astype(np.int32),
        new.index[lo[0] :].astype(np.int32),
        new.value[lo[0] :],
    )
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_strategy", 1)  # dual: the LP's basis stays dual feasible
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_dev_level", 0)
    h.setOptionValue("time_limit", h.getRunTime() + limit)
    t4 = time.perf_counter()
    h.run()
    report(h, base, time.perf_counter() - t4, new.constant, "")
    win, train = parts(h, new.cost, w, cone.n_cols)
    print(f"cone LP's windows {win:,.1f} kCNY, training {train:,.1f} kCNY")


def report(h, base: float, seconds: float, constant: float, detail: str) -> None:  # type: ignore[no-untyped-def]
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    value = float(info.objective_function_value) + constant
    rise = value - base
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"cone LP {status}: {value:,.1f} kCNY in {seconds:.1f} s "
        f"({info.simplex_iteration_count:,} iterations), peak RSS {peak:,.0f} MB"
    )
    print(f"rise over the LP: {rise:,.1f} kCNY = {100 * rise / base:.3f}%")
    if status != "Optimal":
        print("not optimal: the value above is no bound (the dual objective is)")


if __name__ == "__main__":
    main()
