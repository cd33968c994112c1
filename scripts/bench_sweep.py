"""Benchmark ``planner sweep``: scenarios per minute with 1 and then 2 Dask workers.

Runs a sweep file (default: ``configs/sweep-example.toml``, 4 Jiangsu scenarios) once per
worker count into a fresh temporary folder (nothing reused) and prints the throughput,
cluster start-up included. Usage::

    .venv/bin/python scripts/bench_sweep.py [--sweep FILE] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

from planner.run.dask_cluster import dask_client
from planner.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parent.parent


def _peak_rss_mb() -> float:
    """Peak resident memory of the calling process, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(sweep_file: Path, workers: int) -> tuple[int, int, float, float]:
    """Run the sweep on a local cluster of ``workers``.

    Returns
    -------
    tuple
        Scenarios, failed scenarios, wall seconds (cluster start-up included) and the largest
        peak memory of a worker (MB).
    """
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        sweep = load_sweep(sweep_file, output_dir=Path(tmp))
        start = time.perf_counter()
        with dask_client(workers=workers, log_level=logging.CRITICAL) as client:
            result = run_sweep(sweep, client)
            peak = max(client.run(_peak_rss_mb).values())
        seconds = time.perf_counter() - start
        return len(result.records), len(result.failed), seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", type=Path, default=ROOT / "configs" / "sweep-example.toml")
    parser.add_argument("--workers", default="1,2", help="Comma-separated worker counts.")
    args = parser.parse_args()
    for workers in (int(w) for w in args.workers.split(",")):
        n, failed, seconds, peak = bench(args.sweep, workers)
        rate = 60.0 * n / seconds
        print(
            f"sweep {args.sweep.name}: {workers} worker(s): {n} scenarios ({failed} failed) "
            f"in {seconds:.1f} s = {rate:.2f} scenarios/min (peak worker memory {peak:,.0f} MB)"
        )


if __name__ == "__main__":
    main()
