"""Benchmark of all of China, province by province (not a test): run on demand.

Each province of the national config is planned by its own ``planner run --province CODE``
process, one after another, so every province's wall time and peak memory (RSS of that
process, from ``wait4``) are its own, measured alike. The table (one row per province:
townships, model size, status, wall and CPU seconds (CPU seconds are what a shared machine
does not inflate), build, solve and write seconds, the re-solves' seconds (priced modes and
floor-area fit), peak GB, objective, the window-mode gap, load average at the start and the
commit measured, ``git describe``) goes to
``outputs/bench/china-provinces.csv`` as each province finishes, so a killed run resumes
where it stopped (provinces already in the table are skipped; ``--fresh`` starts over). At
the end it prints the slowest and largest province, the exponent of a least-squares fit
``cpu ~ townships^k`` and what two workers would take by the same measurements (longest
first onto the less loaded worker: an estimate, not a measured ``--workers 2`` run).

    python scripts/bench_china.py                       # every province, smallest first
    python scripts/bench_china.py --only 64 --only 32   # some provinces
    nice -n 19 python scripts/bench_china.py            # beside other work
    python scripts/bench_china.py --report --plot outputs/bench/china-provinces.png
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIELDS = [
    "province",
    "townships",
    "columns",
    "rows",
    "status",
    "wall_s",
    "cpu_s",
    "build_s",
    "solve_s",
    "write_s",
    "resolves_s",
    "peak_gb",
    "objective_kcny",
    "mode_gap",
    "load_avg",
    "code",
]


def townships_by_province(path: Path) -> dict[str, int]:
    """Province code (first two digits of the county code) -> townships in ``path``."""
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["county_code"][:2]
            counts[code] = counts.get(code, 0) + 1
    return counts


def run_one(config: Path, code: str, out: Path) -> dict[str, Any]:
    """Plan one province in a fresh process; its wall time, peak RSS and summary."""
    shutil.rmtree(out, ignore_errors=True)
    planner = Path(sys.executable).with_name("planner")
    cmd = [str(planner), "run", "-q", str(config), "--province", code, "--out", str(out)]
    load = os.getloadavg()[0]
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    row: dict[str, Any] = {
        "province": code,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_gb": round(usage.ru_maxrss / 1024**2, 2),
        "load_avg": round(load, 1),
    }
    summary_path = out / "plan" / "summary.json"
    if os.waitstatus_to_exitcode(status) != 0 or not summary_path.exists():
        row["status"] = f"failed: {stderr.strip().splitlines()[-1] if stderr.strip() else status}"
        return row
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    timings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["timings_s"]
    modes = summary.get("optimality", {}).get("window_modes", {})
    row.update(
        status=summary["status"],
        columns=summary["model"]["variables"],
        rows=summary["model"]["constraints"],
        build_s=round(timings.get("build", float("nan")), 1),
        solve_s=round(timings.get("solve", float("nan")), 1),
        write_s=round(timings.get("write", float("nan")), 1),
        resolves_s=round(sum(v for k, v in timings.items() if k.endswith("re-solves")), 1),
        objective_kcny=round(summary["objective_kcny"]),
        mode_gap=modes.get("gap", ""),
    )
    return row


def code_version() -> str:
    """The commit measured (``git describe``; ``-dirty`` when the work tree has changes)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def read_table(path: Path) -> dict[str, dict[str, str]]:
    """Rows already measured, by province."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["province"]: row for row in csv.DictReader(handle)}


def write_table(path: Path, rows: dict[str, dict[str, Any]]) -> None:
    """The table, sorted by townships, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in sorted(rows.values(), key=lambda r: (int(r["townships"]), r["province"])):
            writer.writerow({k: row.get(k, "") for k in FIELDS})
    tmp.replace(path)


def two_workers(walls: list[float]) -> float:
    """Wall time of the measured provinces on two workers, longest first onto the less
    loaded one (the order a work-stealing scheduler approaches)."""
    loads = [0.0, 0.0]
    for wall in sorted(walls, reverse=True):
        loads[loads.index(min(loads))] += wall
    return max(loads)


def report(rows: dict[str, dict[str, Any]]) -> None:
    """Print the table's totals, extremes and growth exponent (by CPU seconds, which
    contention for the cores does not inflate)."""
    done = [r for r in rows.values() if str(r.get("status")) == "optimal"]
    print(f"{len(done)} of {len(rows)} provinces optimal")
    if not done:
        return
    cpu = [float(r["cpu_s"]) for r in done]
    sizes = [int(r["townships"]) for r in done]
    slow = max(done, key=lambda r: float(r["cpu_s"]))
    big = max(done, key=lambda r: float(r["peak_gb"]))
    pair = two_workers(cpu) / 60
    print(f"sum of CPU {sum(cpu) / 60:.1f} min; on two workers about {pair:.1f} min")
    print(f"slowest: {slow['province']} ({slow['townships']} townships) {slow['cpu_s']} s CPU")
    print(f"largest: {big['province']} ({big['townships']} townships) {big['peak_gb']} GB")
    if len(done) >= 3:
        k, _ = np.polyfit(np.log(sizes), np.log(cpu), 1)
        print(f"CPU ~ townships^{k:.2f} (least squares on logs, {len(done)} provinces)")


def plot(rows: dict[str, dict[str, Any]], path: Path) -> None:
    """CPU seconds against townships, log-log, one point per optimal province (labelled with
    its code), with the least-squares line of :func:`report`; written atomically as PNG."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in rows.values() if str(r.get("status")) == "optimal"]
    if len(done) < 2:
        return
    sizes = np.array([int(r["townships"]) for r in done], dtype=float)
    cpu = np.array([float(r["cpu_s"]) for r in done])
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
    ax.loglog(sizes, cpu, "o", color="#556b2f")
    for r, x, y in zip(done, sizes, cpu, strict=True):
        ax.annotate(r["province"], (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
    if len(done) >= 3:
        k, c = np.polyfit(np.log(sizes), np.log(cpu), 1)
        xs = np.geomspace(sizes.min(), sizes.max(), 50)
        ax.loglog(xs, np.exp(c) * xs**k, "--", color="grey", label=f"CPU ~ townships^{k:.2f}")
        ax.legend()
    ax.set_xlabel("townships in the province")
    ax.set_ylabel("CPU seconds of planner run --province")
    ax.set_title(f"All of China, province by province ({len(done)} of 31 measured)")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, metadata={"Software": None})
    plt.close(fig)
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "china.toml")
    table = ROOT / "outputs" / "bench" / "china-provinces.csv"
    parser.add_argument("--table", type=Path, default=table)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-china"))
    parser.add_argument("--only", action="append", default=[], help="province code (repeatable)")
    parser.add_argument("--fresh", action="store_true", help="measure every province again")
    parser.add_argument("--keep", action="store_true", help="keep each province's run folder")
    parser.add_argument("--report", action="store_true", help="only print the table's summary")
    parser.add_argument(
        "--plot", type=Path, help="also draw CPU seconds against townships (PNG) to this path"
    )
    args = parser.parse_args()
    counts = townships_by_province(ROOT / "data" / "china" / "townships.csv")
    rows: dict[str, dict[str, Any]] = {} if args.fresh else dict(read_table(args.table))
    if args.report:
        report(rows)
        if args.plot:
            plot(rows, args.plot)
        return
    order = sorted(counts, key=lambda c: (counts[c], c))
    todo = [c for c in order if not args.only or c in args.only]
    for code in todo:
        if code in rows and rows[code].get("status") == "optimal":
            continue
        out = args.workdir / code
        row = run_one(args.config, code, out)
        row["townships"] = counts[code]
        row["code"] = code_version()
        rows[code] = row
        write_table(args.table, rows)
        said = f"{row['status']}, {row['wall_s']} s, {row['peak_gb']} GB"
        print(f"{code}: {counts[code]} townships, {said}", flush=True)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    report(rows)
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
