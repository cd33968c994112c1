"""Probe: HiGHS settings for the first floor-area re-solve's cost phase (a benchmark).

nice -n 5 .venv/bin/python scripts/area_resolve_probe.py configs/jiangsu.toml [SETTING ...]

Reproduces round 1 of :func:`planner.run.mode_resolves.fit_area` on a config: solves the
first LP as ``planner run`` does (:func:`planner.solve.driver.solve`), extracts its plan,
computes the window caps exactly as ``fit_area``'s ``capped`` does
(:func:`planner.run.mode_resolves.window_caps`), builds the capped LP and then times ONLY
the cost phase's re-solve from the first LP's cost basis, once per setting, each on a fresh
HiGHS object loaded with the same arrays and basis. Prints seconds, simplex iterations and
the objective (kCNY, constants included) of each, and whether the objectives agree to 1e-9
relative. SETTING names (default: all) are the keys of :data:`SETTINGS`.

The capped LP's arrays and the basis are cached in ``$RESOLVE_CACHE`` (default
``/tmp/resolve-cache/<config stem>.pkl``), so a second run skips the first LP's solve;
delete the file after changing the model or the data. ``PROBE_LOG=1`` shows HiGHS's log;
``PROBE_LIMIT_S`` caps each re-solve (default 600 s).
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import highspy

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.plan.extract import extract_plan
from planner.run.mode_resolves import area_short, window_caps
from planner.run.pipeline import load_and_check, prepare_part
from planner.solve.backends import HighsSolver, LpArrays, lp_arrays
from planner.solve.driver import initial_arcs, solve
from planner.solve.dual_face import Saved, set_basis
from planner.steps import Timings

SETTINGS: dict[str, dict[str, Any]] = {
    "dual": {},  # the default: dual simplex (HiGHS chooses dual steepest edge)
    "primal": {"simplex_strategy": 4},
    # threads > 1: run alone in its own process (HiGHS's scheduler is global, set up by
    # the first run with the config's threads)
    "sip2": {
        "simplex_strategy": 2,
        "simplex_max_concurrency": 2,
        "threads": 2,
        "parallel": "on",
    },
    "pami3": {
        "simplex_strategy": 3,
        "simplex_max_concurrency": 2,
        "threads": 2,
        "parallel": "on",
    },
    "pricerow": {"simplex_strategy": 1, "simplex_price_strategy": 1},
    "update500": {"simplex_strategy": 1, "simplex_update_limit": 500},
    "devex": {"simplex_strategy": 1, "simplex_dual_edge_weight_strategy": 1},
    "dantzig": {"simplex_strategy": 1, "simplex_dual_edge_weight_strategy": 0},
    "dse": {"simplex_strategy": 1, "simplex_dual_edge_weight_strategy": 2},
    "noscale": {"simplex_strategy": 1, "simplex_scale_strategy": 0},
    "scale1": {"simplex_strategy": 1, "simplex_scale_strategy": 1},
    "scale4": {"simplex_strategy": 1, "simplex_scale_strategy": 4},
    "noscale-noperturb": {
        "simplex_strategy": 1,
        "simplex_scale_strategy": 0,
        "dual_simplex_cost_perturbation_multiplier": 0.0,
    },
    "noperturb": {"simplex_strategy": 1, "dual_simplex_cost_perturbation_multiplier": 0.0},
}


def cache_path(config: str) -> Path:
    default = Path("/tmp/resolve-cache") / f"{Path(config).stem}.pkl"
    return Path(os.environ.get("RESOLVE_CACHE", str(default)))


def capped_lp(config: str) -> tuple[LpArrays, Saved, int, float]:
    """The round-1 capped LP, the first LP's cost basis, how many centre-stages are
    capped and the first LP's objective (from the cache when it is there)."""
    path = cache_path(config)
    if path.exists():
        with path.open("rb") as f:
            lp, cols, rows, n_caps, first = pickle.load(f)
        status = highspy.HighsBasisStatus
        return lp, Saved([status(c) for c in cols], [status(r) for r in rows]), n_caps, first
    t0 = time.perf_counter()
    loaded = load_config(config)
    cfg = loaded.config
    timings = Timings()
    inputs, crs = load_and_check(loaded, timings)
    prepared = prepare_part(loaded, inputs, crs, timings)  # one LP, as `planner run`
    data = prepared.model_data()
    model = build_model(data, arcs=initial_arcs(data, cfg.solver))
    result = solve(model, cfg.solver)
    print(f"first LP: {result.status} {result.objective} in {time.perf_counter() - t0:.1f} s")
    assert result.basis is not None, "no cost basis (not HiGHS?)"
    plan = extract_plan(model, result, prepared.inputs, prepared.maturity, cfg)
    assert area_short(plan.centres), "no centre short of floor area: no area re-solve"
    # fit_area's `capped`, round 1
    caps = window_caps(plan.centres, data, {})
    price = {
        key: (min(w, caps.get(key, math.inf)), extra)
        for key, (w, extra) in data.window_price.items()
    }
    new_data = replace(data, window_cap=caps, window_price=price)
    basis, first = result.basis, float(result.objective or 0.0)
    del model, result, plan
    gc.collect()
    lp = lp_arrays(build_model(new_data, arcs=initial_arcs(new_data, cfg.solver)))
    path.parent.mkdir(parents=True, exist_ok=True)
    cols, rows = [int(c) for c in basis.cols], [int(r) for r in basis.rows]
    with path.open("wb") as f:
        pickle.dump((lp, cols, rows, len(caps), first), f)
    return lp, basis, len(caps), first


def resolve(
    config: str, lp: LpArrays, basis: Saved, options: dict[str, Any]
) -> tuple[float, int, float | None, str]:
    """One cost-phase re-solve from ``basis`` under ``options``: seconds, iterations,
    objective (kCNY), HiGHS status."""
    cfg = load_config(config).config.solver
    cfg = cfg.model_copy(update={"verbose": bool(os.environ.get("PROBE_LOG"))})
    solver = HighsSolver(cfg)
    solver.load(lp)
    assert set_basis(solver, basis), "HiGHS rejected the basis"
    for key, value in options.items():
        status = solver.h.setOptionValue(key, value)
        assert status == highspy.HighsStatus.kOk, f"option {key}={value!r}"
    limit = float(os.environ.get("PROBE_LIMIT_S", "600"))
    with solver.simplex():
        run = solver.run(limit)
    objective = None if run.objective is None else run.objective + lp.constant
    out = (run.seconds, run.iterations, objective, run.detail)
    del solver
    gc.collect()
    return out


def main() -> None:
    config = sys.argv[1]
    names = sys.argv[2:] or list(SETTINGS)
    lp, basis, n_caps, first = capped_lp(config)
    print(
        f"capped LP: {len(lp.cost):,} columns, {len(lp.row_lower):,} rows, "
        f"{len(lp.index):,} nnz; {n_caps} centre-stages capped; first LP {first:,.3f} kCNY"
    )
    rows = []
    for name in names:
        seconds, iterations, objective, detail = resolve(config, lp, basis, SETTINGS[name])
        rows.append((name, seconds, iterations, objective, detail))
        print(f"{name:10s} {seconds:8.1f} s {iterations:8,d} it  {objective}  {detail}", flush=True)
    ref = rows[0][3]
    print("\n| setting | options | s | iterations | objective (kCNY) | agrees |")
    print("|---|---|---|---|---|---|")
    for name, seconds, iterations, objective, detail in rows:
        agree = (
            ref is not None
            and objective is not None
            and abs(objective - ref) <= 1e-9 * max(1.0, abs(ref))
        )
        print(
            f"| {name} | {SETTINGS[name] or 'default'} | {seconds:.1f} | {iterations:,} | "
            f"{objective if objective is None else f'{objective:,.6f}'} | "
            f"{'yes' if agree else detail} |"
        )


if __name__ == "__main__":
    main()
