"""Probe: the Lagrangian bound of planner.solve.int_bound on a config's window-relaxed LP.

python scripts/int_bound_probe.py configs/jiangsu.toml UPPER_KCNY [BUDGET_S]
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.solve.backends import HighsSolver, lp_arrays
from planner.solve.int_bound import BoundRules, lagrangian_bound, split
from tests.tiny import prepare_run


def main() -> None:
    path, upper = sys.argv[1], float(sys.argv[2])
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    t0 = time.perf_counter()
    cache = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    loaded = load_config(path)
    cfg = loaded.config
    data = prepare_run(loaded).model_data()
    model = build_model(data)
    lp = lp_arrays(model)
    t1 = time.perf_counter()
    solver = HighsSolver(cfg.solver)
    solver.load(lp)
    rows = np.array([i for n, i in lp.row_index.items() if n.startswith("windowtime__")])
    solver.set_row_bounds(rows, np.full(len(rows), -np.inf), lp.row_upper[rows])
    run = solver.run()
    duals = solver.duals()
    t2 = time.perf_counter()
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump(
                {"lp": lp, "duals": duals, "primal": solver.primal(), "lengths": data.lengths},
                fh,
            )
    value = (run.objective or 0.0) + lp.constant
    print("relaxed LP", run.status, value, f"{t2 - t1:.1f}s, build {t1 - t0:.1f}s")
    win = cfg.windows
    rules = BoundRules(
        years={int(s): float(v) for s, v in data.lengths.items()},
        training=win.training_cost_per_window_year / 1000.0,
        hot_volume=win.dedicated_min_daily * win.working_days_per_year / 1000.0,
        pooling=win.pooling_efficiency,
        steps=win.mode_steps_per_stage,
        backwards=win.mode_backwards,
    )
    p = split(lp, rules)
    t3 = time.perf_counter()
    print(f"split {t3 - t2:.1f}s blocks {len(p.blocks)}")
    out = lagrangian_bound(p, duals, upper, budget)
    out.pop("multipliers")
    print(out, "gap", (upper - out["bound_kcny"]) / upper)


if __name__ == "__main__":
    main()
