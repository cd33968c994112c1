"""Benchmark: the window-mode step of the Jiangsu default at 3, 5 and 10 stages.

The mode choice is a graph with a node per (stage, mode, area kept)
(planner/model/mode_graph.py): its time and memory should grow linearly with the stages.
This script writes, into a temporary folder, an items catalogue with one ``levels_s<k>``
column per stage (stage k > 3 takes stage 3's levels) and a config with five-year stages
(2030, 2035, ...; the 3-stage case is the default 2027, 2030, 2035; beyond 5 stages the LP is
solved by interior point with a 9,000 s limit, the simplex being far slower there), runs each
plan in-process
and measures the mode step (``solve_mode_mip``: building the graph and solving the MIP) with
``time.perf_counter`` and ``tracemalloc`` (peak of Python and numpy allocations during the
step), and the whole run's wall time. With ``--mode-only`` it plans the
3-stage default once and times the mode step alone on its inputs with stage 3 repeated to
3, 5, 10 and 20 stages (no LP of that many stages needed). Usage::

    nice .venv/bin/python scripts/bench_mode_stages.py [3 5 10]
    nice .venv/bin/python scripts/bench_mode_stages.py --mode-only [3 5 10 20]
"""

from __future__ import annotations

import dataclasses
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import planner.plan.modes as plan_modes
from planner.config.schema import load_config
from planner.run.pipeline import run_config

ROOT = Path(__file__).resolve().parents[1]
MEASURED: list[dict[str, Any]] = []
CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = []


def _measured(real: Any) -> Any:
    def step(*args: Any, **kwargs: Any) -> Any:
        CALLS.append((args, kwargs))
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
method = "{"ipm" if n_stages > 5 else "simplex"}"
time_limit_s = {9000 if n_stages > 5 else 1800}
[output]
dir = "{folder / "out"}"
"""
    path = folder / f"stages-{n_stages}.toml"
    path.write_text(text)
    return path


def _longer(a: np.ndarray, n_stages: int) -> np.ndarray:
    """A (centres, 3) array with its last column repeated to ``n_stages`` columns."""
    if a.ndim == 1:
        return a
    return np.concatenate([a] + [a[:, -1:]] * (n_stages - a.shape[1]), axis=1)


def stretched(call: tuple[tuple[Any, ...], dict[str, Any]], n_stages: int) -> tuple[Any, ...]:
    """The 3-stage mode step's arguments with stage 3 repeated to ``n_stages`` stages (five
    years each): the same centres and needs, more stages."""
    need, today, stages, lengths, rules, olive, options, spec, top = call[0]
    new = list(range(1, n_stages + 1))
    last = need.xs(stages[-1], level="stage")
    parts = [need.xs(s, level="stage") for s in stages] + [last] * (n_stages - len(stages))
    need = pd.concat(parts, keys=new, names=["stage"])
    years = {s: lengths.get(s, 5.0) for s in new}
    fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
    for k, v in fields.items():
        if isinstance(v, np.ndarray):
            fields[k] = _longer(v, n_stages)
    spec = type(spec)(**fields)

    def more(d: dict[tuple[int, str], float]) -> dict[tuple[int, str], float]:
        tail = {c: v for (s, c), v in d.items() if s == stages[-1]}
        return {**d, **{(s, c): v for s in new[len(stages) :] for c, v in tail.items()}}

    if olive is not None:
        olive = dataclasses.replace(olive, stages=tuple(new), desk_area=more(olive.desk_area))
    if top is not None:
        share = {s: top.share.get(s, top.share[stages[-1]]) for s in new}
        top = dataclasses.replace(top, share=share, desk_area=more(top.desk_area))
    return need, today, new, years, rules, olive, options, spec, top


def mode_only(counts: list[int]) -> None:
    """The mode step alone on the 3-stage Jiangsu default's inputs stretched to more stages."""
    plan_modes.solve_mode_mip = _measured(plan_modes.solve_mode_mip)
    with tempfile.TemporaryDirectory() as tmp:
        run_config(load_config(write_case(Path(tmp), 3)))
    call = CALLS[0]
    for n in counts:
        plan_modes.solve_mode_mip(*stretched(call, n))
        m = MEASURED[-1]
        print(
            f"{n:>2} stages (mode step alone): {m['seconds']:.2f} s, peak {m['peak_mib']:.1f} "
            f"MiB, {m['arcs']} arcs",
            flush=True,
        )


def main(counts: list[int]) -> None:
    plan_modes.solve_mode_mip = _measured(plan_modes.solve_mode_mip)
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
    if sys.argv[1:2] == ["--mode-only"]:
        mode_only([int(a) for a in sys.argv[2:]] or [3, 5, 10, 20])
    else:
        main([int(a) for a in sys.argv[1:]] or [3, 5, 10])
