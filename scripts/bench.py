"""Benchmarks of `planner run` (not tests): run on demand with `make bench`.

Every instance runs end to end in a fresh Python process (so peak memory is its own) and
reports the model size, the seconds of every step, peak RSS, and the **raw-solver
baseline**: the same LP(s) written to MPS and solved by `highspy` alone in another fresh
process with the same options. It prints `total / raw-solver` and `outside the solver /
total`, and saves the table to `outputs/bench/`.

    python scripts/bench.py                 # all instances
    python scripts/bench.py --only jiangsu  # one instance (repeatable)
    python scripts/bench.py --repeat 3      # median of 3 runs per instance
    python scripts/bench.py --only jiangsu --end-to-end --repeat 3
                                            # `planner run` as a user runs it: wall time

Instances: the Jiangsu default (``configs/jiangsu.toml``, every rule of the paper on);
``jiangsu-fast``, the same network by the neutral model (``configs/jiangsu-fast.toml``, the
schema's defaults: no pace, staff free); ``jiangsu-brakes``, the neutral model with staff
redeployment priced only (``configs/bench-brakes.toml``: 120,000 CNY per window and per desk
removed); on the neutral model, Jiangsu with 2x and 4x item categories (each item split
into variants with the same total demand, window minutes drawn +-30% and travel limits from
the catalogue's set, seeded); Zhejiang (a mid-size province of the national data); all of
China (31 provinces solved separately); with `--reference` also Jiangsu (neutral model) with
column generation on arcs and in the approximate `classes` screening mode.

Every instance is the exact default (item-level LP, lexicographic tie-break, window modes
chosen by one MIP over all centres and priced into the LP by re-solves). `mode gap` is the
plan's cost with its window modes (integer windows, training, olive on integer windows)
against the first LP's optimum, a lower bound on the joint problem (:mod:`planner.modes.rules`,
:func:`planner.plan.modes.lp_side`); `mode MIP gap` and `mode MIP s` are HiGHS's own gap (the last
MIP's) and time (every MIP of the run, from the step times), `re-solves` the priced LP
re-solves (the `mode re-solves` step holds their time). The raw-solver
baseline is HiGHS alone on the final LP (the cost objective with every column the run's
model holds at the end), one solve: the run's own solve adds the three tie-break phases.

``--end-to-end`` times what the target of "60 s end to end" means instead: the whole ``planner
run`` process (start-up and imports, every step, writing the run folder, exit), with the
instance's config written out as the run folder's ``config.toml`` would be. Its table gives
the wall time, the seconds of each step as the command prints them, ``other`` (the wall time
outside the steps: Python start-up, imports, exit) and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.steps import RUN_STEPS

ROOT = Path(__file__).resolve().parents[1]

INSTANCES: dict[str, dict[str, Any]] = {
    "jiangsu": {"config": "configs/jiangsu.toml"},
    "jiangsu-fast": {"config": "configs/jiangsu-fast.toml"},
    "jiangsu-brakes": {"config": "configs/bench-brakes.toml"},
    "jiangsu-items-2x": {"config": "configs/jiangsu-fast.toml", "items_factor": 2},
    "jiangsu-items-4x": {"config": "configs/jiangsu-fast.toml", "items_factor": 4},
    "zhejiang": {"config": "configs/china.toml", "province": "33"},
    "china": {"config": "configs/china.toml"},
}
REFERENCE = {
    "jiangsu-column-generation": {"config": "configs/jiangsu-fast.toml", "column_generation": True},
    "jiangsu-classes": {"config": "configs/jiangsu-fast.toml", "formulation": "classes"},
}


def multiply_items(path: Path, factor: int, out: Path, seed: int = 7) -> Path:
    """A catalogue with ``factor`` variants of every item and the same total demand."""
    items = pd.read_csv(path, dtype=str, keep_default_na=False)
    limits = sorted({float(x) for x in items["max_travel_min"]})
    rng = np.random.default_rng(seed)
    rows = []
    for _, item in items.iterrows():
        for v in range(factor):
            row = item.copy()
            if v:
                row["item_id"] = f"{item['item_id']}_v{v + 1}"
                minutes = float(item["counter_minutes"]) * rng.uniform(0.7, 1.3)
                row["counter_minutes"] = f"{minutes:.1f}"
                row["max_travel_min"] = f"{rng.choice(limits):g}"
            row["annual_per_1000"] = f"{float(item['annual_per_1000']) / factor:.6g}"
            rows.append(row)
    pd.DataFrame(rows).to_csv(out, index=False)
    return out


def overrides_of(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """The config overrides of an instance (the run is named ``bench``, into ``workdir``)."""
    overrides: dict[str, Any] = {
        "name": "bench",
        "output": {"dir": str(workdir / "out"), "report": True, "gpkg": True},
    }
    if spec.get("province"):
        overrides["data"] = {"province": spec["province"]}
    if spec.get("items_factor"):
        items = multiply_items(
            ROOT / "data" / "items.csv", int(spec["items_factor"]), workdir / "items.csv"
        )
        overrides.setdefault("data", {})["items"] = str(items)
    if spec.get("formulation"):
        overrides["model"] = {"formulation": spec["formulation"]}
    if spec.get("column_generation"):
        overrides["solver"] = {"column_generation": True}
    return overrides


def child(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one instance in this process; return its measurements."""
    import resource

    import highspy  # noqa: F401  (imported before timing, as the CLI does)

    from planner.config.schema import load_config
    from planner.run.pipeline import run_config, write_run
    from planner.solve.backends import write_mps

    start = time.perf_counter()
    loaded = load_config(ROOT / spec["config"], overrides_of(spec, workdir))
    mps: list[str] = []
    write_seconds = 0.0

    def save(code: str, part: Any) -> None:
        # the LP as HiGHS received it; timed and taken out of the total
        nonlocal write_seconds
        t = time.perf_counter()
        path = workdir / f"part-{code}.mps"
        write_mps(part.model, path)
        mps.append(str(path))
        write_seconds += time.perf_counter() - t

    run = run_config(loaded, on_part=save)
    if not run.parts:
        save("all", run)
    if run.plan is not None:
        write_run(run)
    total = time.perf_counter() - start - write_seconds
    parts = run.parts or {"all": run}
    size = run.plan.summary.model if run.plan else None
    solver = loaded.config.solver
    return {
        "status": str(run.result.status),
        "objective_kcny": run.result.objective,
        "variables": size.variables if size else None,
        "constraints": size.constraints if size else None,
        "nonzeros": size.nonzeros if size else None,
        "parts": len(parts),
        "steps_s": run.prepared.timings.seconds,
        "total_s": total,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "mps": mps,
        "options": {"solver": solver.method, "threads": solver.threads},
        **(_mode_report(run.plan.summary.optimality.as_json()) if run.plan else {}),
        "mode_mip_s": run.prepared.timings.seconds.get("window modes"),
    }


def _mode_report(optimality: Any) -> dict[str, Any]:
    """The window-mode gap (plan with its modes against the LP bound), the mode MIP's own
    gap, and the priced LP re-solves (combined over the parts of a
    multi-province run)."""
    modes = optimality.get("window_modes", {})
    mip = modes.get("mip", {})
    return {
        "mode_gap": modes.get("gap"),
        "mode_gap_proven": modes.get("gap_proven"),
        "mode_mip_gap": mip.get("gap"),
        "mode_resolves": mip.get("iterations"),
    }


def raw_solver(mps: list[str], options: dict[str, Any]) -> float:
    """Seconds HiGHS alone needs for the LP(s), in a fresh process (reading excluded)."""
    code = f"""
import json, sys, time, highspy
total = 0.0
for path in {mps!r}:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(path)
    h.setOptionValue("solver", {options["solver"]!r})
    h.setOptionValue("threads", {options["threads"]})
    h.setOptionValue("presolve", "on")
    h.setOptionValue("random_seed", 0)
    t = time.perf_counter(); h.run(); total += time.perf_counter() - t
print(json.dumps(total))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def run_instance(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(spec), tmp],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        result["raw_solver_s"] = raw_solver(result.pop("mps"), result["options"])
    result["name"] = name
    steps = result["steps_s"]
    solve = steps.get("solve", 0.0)
    result["total_over_raw"] = result["total_s"] / result["raw_solver_s"]
    result["outside_share"] = (result["total_s"] - solve) / result["total_s"]
    return result


def end_to_end(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One ``planner run -q`` of the instance in a fresh process: wall time, the steps of its
    manifest, the time outside them and the peak RSS."""
    from planner.config.schema import load_config
    from planner.io.run_config import run_config_toml

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        loaded = load_config(ROOT / spec["config"], overrides_of(spec, workdir))
        config = workdir / "config.toml"
        config.write_text(run_config_toml(loaded, workdir), encoding="utf-8")
        planner = Path(sys.executable).with_name("planner")
        out = workdir / "stdout.txt"
        with out.open("w", encoding="utf-8") as stdout:
            start = time.perf_counter()
            proc = subprocess.Popen([str(planner), "run", str(config)], cwd=ROOT, stdout=stdout)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            msg = f"{name}: planner run exited with {os.waitstatus_to_exitcode(status)}"
            raise RuntimeError(msg)
        manifest = json.loads((loaded.run_dir / "manifest.json").read_text(encoding="utf-8"))
        steps = printed_steps(out.read_text(encoding="utf-8"))
    inside = sum(steps.values())  # each step timed as itself: they add up
    return {
        "name": name,
        "total_s": wall,
        "steps_s": steps,
        "other_s": wall - inside,
        "peak_rss_mb": usage.ru_maxrss / 1024.0,
        "status": manifest["solver"]["status"],
    }


def printed_steps(stdout: str) -> dict[str, float]:
    """The step times ``planner run`` prints last ("plan written to ... (load 0.2s, ...)"):
    unlike the manifest's, they include ``write``, the step that writes the manifest."""
    found = re.search(r"^plan written to .* \((.*)\)$", stdout, re.MULTILINE)
    if found is None:
        msg = "planner run printed no step times"
        raise RuntimeError(msg)
    steps = (item.rsplit(" ", 1) for item in found.group(1).split(", "))
    return {step: float(seconds.removesuffix("s")) for step, seconds in steps}


def step_columns(results: list[dict[str, Any]]) -> list[str]:
    """The steps any of ``results`` timed, in the run's order (:data:`planner.steps.RUN_STEPS`,
    the names ``planner run`` prints and the manifest keeps): one column each."""
    timed = {step for r in results for step in r["steps_s"]}
    return [step for step in RUN_STEPS if step in timed]


def _head(first: str, steps: list[str], last: str) -> list[str]:
    """A table's header row and rule: ``first`` columns, one per step, ``last`` columns."""
    head = f"| {first} | " + " | ".join(f"{c} s" for c in steps) + f" | {last} |"
    return [head, "|" + "---|" * (head.count("|") - 1)]


def _steps(steps: dict[str, float], columns: list[str]) -> str:
    return " | ".join(f"{steps.get(c, 0.0):.1f}" for c in columns)


def end_to_end_table(results: list[dict[str, Any]]) -> str:
    columns = step_columns(results)
    lines = _head("instance | wall s", columns, "other s | peak MB | status")
    for r in results:
        lines.append(
            f"| {r['name']} | {r['total_s']:.1f} | "
            + _steps(r["steps_s"], columns)
            + f" | {r['other_s']:.1f} | {r['peak_rss_mb']:,.0f} | {r['status']} |"
        )
    return "\n".join(lines)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median total (all its numbers from that one run)."""
    ordered = sorted(runs, key=lambda r: r["total_s"])
    return ordered[len(ordered) // 2]


def table(results: list[dict[str, Any]]) -> str:
    columns = step_columns(results)
    lines = _head(
        "instance | vars | rows | nnz",
        columns,
        "total s | raw HiGHS s | total/raw | outside solver | peak MB | mode gap"
        " | mode MIP gap | mode MIP s | re-solves | status",
    )
    for r in results:
        lines.append(
            f"| {r['name']} | {r['variables']:,} | {r['constraints']:,} | {r['nonzeros']:,} | "
            + _steps(r["steps_s"], columns)
            + f" | {r['total_s']:.1f} | {r['raw_solver_s']:.1f} | {r['total_over_raw']:.1f}"
            f" | {r['outside_share']:.0%} | {r['peak_rss_mb']:,.0f}"
            f" | {_pct(r.get('mode_gap'))}{'' if r.get('mode_gap_proven', True) else ' (unproven)'}"
            f" | {_pct(r.get('mode_mip_gap'))} | {_num(r.get('mode_mip_s'))}"
            f" | {r.get('mode_resolves') or 0} | {r['status']} |"
        )
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="instance name (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance (median)")
    parser.add_argument("--reference", action="store_true", help="add the item-level LP")
    parser.add_argument(
        "--end-to-end", action="store_true", help="time `planner run` processes (wall time)"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child[0]), Path(args.child[1]))))
        return 0
    chosen = dict(INSTANCES)
    if args.reference:
        chosen.update(REFERENCE)
    if args.only:
        chosen = {k: v for k, v in {**INSTANCES, **REFERENCE}.items() if k in args.only}
    results = []
    for name, spec in chosen.items():
        measure = end_to_end if args.end_to_end else run_instance
        runs = [measure(name, spec) for _ in range(args.repeat)]
        results.append(median_of(runs))
        print(f"{name}: {results[-1]['total_s']:.1f} s", file=sys.stderr, flush=True)
    text = end_to_end_table(results) if args.end_to_end else table(results)
    print(text)
    out = ROOT / "outputs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + ("-end-to-end" if args.end_to_end else "")
    (out / f"bench-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    (out / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if all(r["status"] == "optimal" for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
