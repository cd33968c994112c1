"""Probe: HiPO (interior point + crossover) options on a default-sized LP, cold (a benchmark).

nice -n 5 .venv/bin/python scripts/hipo_options_probe.py configs/jiangsu.toml [SETTING ...]

Solves the LP that :mod:`area_resolve_probe` caches (the round-1 capped LP of the config: the
default's size and structure, 164,572 rows and 837,230 columns on Jiangsu) cold with
``solver.method = "hipo"`` as :class:`planner.solve.backends.HighsSolver` sets it up, once per
setting, each in its own process (HiGHS's thread scheduler is global to a process, set up by
its first solve). Prints seconds, IPM and crossover iterations and the objective (kCNY,
constants included) of each. SETTING names (default: all) are the keys of :data:`SETTINGS`.
Run ``scripts/area_resolve_probe.py CONFIG dual`` first to make the cache.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},  # normal equations, HiGHS chooses the ordering (AMD here), 1 thread
    "threads2": {"threads": 2},
    "threads2-tree": {"threads": 2, "hipo_parallel_type": "tree"},
    "threads2-node": {"threads": 2, "hipo_parallel_type": "node"},
    "metis": {"hipo_ordering": "metis"},
    "amd": {"hipo_ordering": "amd"},
    "block64": {"hipo_block_size": 64},
    "tol1e-7": {"ipm_optimality_tolerance": 1e-7},
}


def child(config: str, name: str) -> dict[str, Any]:
    """One cold HiPO solve of the cached LP under SETTINGS[name]."""
    import highspy
    from area_resolve_probe import capped_lp

    from planner.config.schema import load_config
    from planner.solve.backends import HighsSolver

    lp, _, _, _ = capped_lp(config)
    options = dict(SETTINGS[name])
    cfg = load_config(config).config.solver
    cfg = cfg.model_copy(update={"method": "hipo", "threads": int(options.pop("threads", 1))})
    solver = HighsSolver(cfg)
    solver.load(lp)
    for key, value in options.items():
        status = solver.h.setOptionValue(key, value)
        assert status == highspy.HighsStatus.kOk, f"option {key}={value!r}"
    began = time.perf_counter()
    solver.h.run()
    seconds = time.perf_counter() - began
    info = solver.h.getInfo()
    return {
        "setting": name,
        "seconds": round(seconds, 1),
        "ipm": int(info.ipm_iteration_count),
        "crossover": int(info.crossover_iteration_count),
        "objective": solver.h.getObjectiveValue() + lp.constant,
        "status": solver.h.modelStatusToString(solver.h.getModelStatus()),
    }


def main() -> None:
    if sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
        return
    config = sys.argv[1]
    names = sys.argv[2:] or list(SETTINGS)
    print("| setting | options | s | IPM iterations | crossover iterations | objective kCNY |")
    print("|---|---|---:|---:|---:|---|")
    for name in names:
        out = subprocess.run(
            [sys.executable, __file__, "--child", config, name],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {name} | {SETTINGS[name] or '-'} | {r['seconds']} | {r['ipm']} | "
            f"{r['crossover']:,} | {r['objective']:,.6f} ({r['status']}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
