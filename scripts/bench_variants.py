"""Solver variants on the Jiangsu default's LP (not tests): time and whether the plan stays.

Builds the LP of a config once, then solves it with the exact method of
:mod:`planner.solve.exact` (cost phase, then the three tie-break phases, warm) once per
variant: HiGHS options layered over the configured ones. For every variant it prints the
seconds and simplex iterations per phase and whether the answer is the default's: the
final column values (the plan) and the cost phase's row duals (``plan/rule_costs.csv`` is
made of them), each compared to the first variant bit for bit and by the largest
difference.

    python scripts/bench_variants.py                       # every variant below
    python scripts/bench_variants.py --only default --only presolve-off
    python scripts/bench_variants.py --time-limit 300      # give up on a slow variant

A variant that changes the simplex path may end at another optimal basis of the cost
phase: the tie-break phases still reach the same plan (to rounding), but the cost phase's
duals, and so the marginal rule costs, can differ (the cost LP is degenerate: its duals are
not unique).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "presolve-off": {"presolve": "off"},
    "threads-2": {"threads": 2},
    "dual-devex": {"simplex_dual_edge_weight_strategy": 1},
    "primal-simplex": {"simplex_strategy": 4},
    "parallel-dual-2": {"simplex_strategy": 2, "threads": 2},
    "ipm-crossover": {"solver": "ipm", "run_crossover": "on"},
}


def build(config: Path) -> Any:
    """The config's model (one LP: a single-province dataset)."""
    from planner.config.schema import load_config
    from planner.model.build import build_model
    from planner.run.pipeline import load_and_check, prepare_part
    from planner.steps import Timings

    loaded = load_config(config, {"output": {"dir": "/tmp/bench-variants-unused"}})
    inputs, crs = load_and_check(loaded)
    part = prepare_part(loaded, inputs, crs, Timings())
    return build_model(part.model_data()), loaded.config.solver


def run(model: Any, cfg: Any, options: dict[str, Any], limit: float) -> dict[str, Any]:
    """One exact solve with extra HiGHS options; phase seconds, iterations, arrays."""
    import highspy

    from planner.solve.backends import HighsSolver
    from planner.solve.exact import solve_exact

    # HiGHS keeps one thread scheduler per process, sized by the first solve: start afresh
    # so that a variant may use another number of threads
    highspy.Highs.resetGlobalScheduler(True)
    solver = HighsSolver(cfg.model_copy(update={"time_limit_s": limit}))
    for key, value in options.items():
        solver.h.setOptionValue(key, value)
    phases: list[dict[str, Any]] = []
    plain = solver.run

    def timed() -> Any:
        info = plain()
        phases.append({"s": round(info.seconds, 2), "iterations": info.iterations})
        return info

    solver.run = timed  # type: ignore[method-assign]
    start = time.perf_counter()
    outcome = solve_exact(model, solver, generate=False, tie_break=cfg.tie_break)
    return {
        "status": str(outcome.run.status),
        "seconds": round(time.perf_counter() - start, 2),
        "highs_s": round(sum(p["s"] for p in phases), 2),
        "phases": phases,
        "primal": outcome.primal,
        "duals": outcome.duals,
    }


def compare(a: np.ndarray | None, b: np.ndarray | None) -> tuple[bool, float | None]:
    """(bit-identical, largest absolute difference)."""
    if a is None or b is None or a.shape != b.shape:
        return False, None
    return bool(np.array_equal(a, b)), float(np.abs(a - b).max()) if len(a) else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "jiangsu-fast.toml"))
    parser.add_argument("--only", action="append", help="variant name (repeatable)")
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    names = ["default", *(n for n in args.only or VARIANTS if n != "default")]
    model, cfg = build(Path(args.config))
    rows = []
    reference: dict[str, Any] = {}
    for name in names:
        result = run(model, cfg, VARIANTS[name], args.time_limit)
        if name == "default":
            reference = result
        same_plan, plan_diff = compare(reference["primal"], result["primal"])
        same_duals, dual_diff = compare(reference["duals"], result["duals"])
        row = {
            "variant": name,
            "options": VARIANTS[name],
            "status": result["status"],
            "solve_s": result["seconds"],
            "highs_s": result["highs_s"],
            "phases": result["phases"],
            "plan_bit_identical": same_plan,
            "plan_max_diff": plan_diff,
            "cost_duals_bit_identical": same_duals,
            "cost_duals_max_diff": dual_diff,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("| variant | status | HiGHS s | cost-phase simplex iterations | same plan | same duals |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        its = r["phases"][0]["iterations"] if r["phases"] else 0
        print(
            f"| {r['variant']} | {r['status']} | {r['highs_s']:.1f} | {its:,} | "
            f"{r['plan_bit_identical']} ({r['plan_max_diff']}) | "
            f"{r['cost_duals_bit_identical']} ({r['cost_duals_max_diff']}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
