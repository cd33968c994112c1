"""Benchmark: the window-mode step of the Jiangsu default at 3, 5 and 10 stages.

The mode choice is a graph with a node per (stage, mode, area kept)
(planner/model/mode_graph.py): its time and memory should grow linearly with the stages.
This script writes, into a temporary folder, an items catalogue with one ``levels_s<k>``
column per stage (stage k > 3 takes stage 3's levels) and a config with five-year stages
(2030, 2035, ...; the 3-stage case is the default 2027, 2030, 2035), runs each plan in-process
and measures the mode step (``solve_mode_mip``: building the graph and solving the MIP) with
``time.perf_counter`` and ``tracemalloc`` (peak of Python and numpy allocations during the
step), and the whole run's wall time. Usage::

    nice .venv/bin/python scripts/bench_mode_stages.py [3 5 10]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pandas as pd

import planner.plan.modes as plan_modes
from planner.config.schema import load_config
from planner.run.pipeline import run_config

ROOT = Path(__file__).resolve().parents[1]
MEASURED: list[dict[str, Any]] = []


def _measured(real: Any) -> Any:
    def step(*args: Any, **kwargs: Any) -> Any:
        tracemalloc.start()
        started = time.perf_counter()
        out = real(*args, **kwargs)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        MEASURED.append(
            {"seconds": seconds, "peak_mib": peak / 2**20, "arcs": out.info["binaries"]}
        )
        return out

    return step


def write_case(folder: Path, n_stages: int) -> Path:
    """A Jiangsu config with ``n_stages`` stages and its items catalogue."""
    items = pd.read_csv(ROOT / "data" / "items.csv", dtype=str, keep_default_na=False)
    for k in range(4, n_stages + 1):
        items[f"levels_s{k}"] = items["levels_s3"]
    front = [c for c in items.columns if not c.startswith("levels_s")]
    levels = [f"levels_s{k}" for k in range(1, n_stages + 1)]
    items[front[:7] + levels + front[7:]].to_csv(folder / "items.csv", index=False)
    years = [2027, 2030, 2035] if n_stages == 3 else [2025 + 5 * k for k in range(1, n_stages + 1)]
    shares = ([0.30, 0.22] + [0.15] * n_stages)[:n_stages]
    data = ROOT / "data" / "jiangsu"
    text = f"""name = "jiangsu-{n_stages}-stages"
[data]
townships = "{data / "townships.csv"}"
counties = "{data / "counties.csv"}"
centres = "{data / "centres.csv"}"
items = "{folder / "items.csv"}"
province_boundary = "{data / "province.geojson"}"
city_boundaries = "{data / "cities.geojson"}"
county_boundaries = "{data / "counties.geojson"}"
[stages]
base_year = 2025
years = {years}
[policy]
top_heavy_max_share = {shares}
[solver]
name = "highs"
method = "simplex"
time_limit_s = 1800
[output]
dir = "{folder / "out"}"
"""
    path = folder / f"stages-{n_stages}.toml"
    path.write_text(text)
    return path


def main(counts: list[int]) -> None:
    plan_modes.solve_mode_mip = _measured(plan_modes.solve_mode_mip)  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            started = time.perf_counter()
            run = run_config(load_config(write_case(Path(tmp), n)))
            whole = time.perf_counter() - started
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
            m = MEASURED[-1]
            print(
                f"{n:>2} stages: mode step {m['seconds']:.2f} s, peak {m['peak_mib']:.1f} MiB, "
                f"{m['arcs']} arcs; run {whole:.0f} s ({run.result.status}), "
                f"process peak RSS so far {rss:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [3, 5, 10])
