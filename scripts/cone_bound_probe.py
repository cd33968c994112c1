"""Probe: the cone bound of planner.solve.cone_bound on a config's window-relaxed LP.

nice -n 10 .venv/bin/python scripts/cone_bound_probe.py configs/jiangsu.toml [LIMIT_S] [BASE_KCNY]

Without BASE_KCNY: solves the window-relaxed LP (the run's bound today), then adds the cone
rows and columns to the same HiGHS model and re-solves it by dual simplex from the LP's basis
(the old basis with the new rows' slacks basic stays dual feasible). With BASE_KCNY (the LP's
optimum, known): solves the cone LP alone, cold, by the config's method (HiPO on Jiangsu).
Prints both optima, the rise, sizes, times, peak memory.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.model.data import mode_rules
from planner.modes.rules import today_modes
from planner.plan.modes import today_need
from planner.solve.backends import HighsSolver, LpArrays, lp_arrays
from planner.solve.cone_bound import ConeRules, cone_lp, reachable
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


def rules_for(prepared, cfg, d) -> ConeRules:  # type: ignore[no-untyped-def]
    rules = d.modes if d.modes is not None else mode_rules(cfg)
    win = cfg.windows
    now = today_need(prepared.inputs, cfg, d.centres["window_capacity"], rules)
    today, _ = today_modes(prepared.inputs.centres, now, 0)
    allowed = set(win.convert_phases)
    may = {key: False for key, ph in d.policy.phase.items() if ph not in allowed}
    big = {str(c): lv in set(win.big_general_levels) for c, lv in d.centres["level"].items()}
    reach = reachable(
        {str(c): int(m) for c, m in today.items()},
        list(d.stages),
        may,
        big,
        rules.steps_per_stage,
        rules.backwards,
    )
    counts = np.bincount(today.to_numpy(), minlength=3)
    print("today's modes (trad, small, big):", counts.tolist())
    return ConeRules(
        years={int(s): float(v) for s, v in d.lengths.items()},
        training=rules.training_cost,
        hot_volume=rules.standard_daily * win.working_days_per_year / 1000.0,
        pooling=rules.pooling_efficiency,
        reach=reach,
    )


def main() -> None:
    path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 3000.0
    t0 = time.perf_counter()
    loaded = load_config(path)
    cfg = loaded.config
    prepared = prepare_run(loaded)
    d = prepared.model_data()
    lp = relaxed(lp_arrays(build_model(d)))
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
    t2 = time.perf_counter()
    print(f"in {t2 - t1:.1f} s (build {t1 - t0:.1f} s)")
    cone = cone_lp(lp, rules_for(prepared, cfg, d))
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
