"""Scenario sweeps: many configs from one base config, run on Dask, compared in one place.

A *sweep file* (TOML) names a base config and the config keys to vary::

    base = "jiangsu.toml"             # relative to the sweep file
    name = "penalty-catchup"          # the sweep folder: <output_dir>/<name>/
    mode = "product"                  # or "zip"
    # output_dir = "../outputs"       # default: the base config's output.dir

    [vary]
    "costs.top_heavy_penalty_per_m2_year" = [1000, 4000]
    "maturity.annual_catch_up" = {start = 0.04, stop = 0.08, step = 0.04}

Each scenario is the base config with one combination of values merged in
(:func:`planner.config.schema.load_config` with ``overrides``). Its resolved config is written to
``<sweep dir>/configs/<scenario>.toml`` (data paths made absolute, so ``planner run`` on it
reproduces the scenario) and run end to end as ``planner run`` does (:func:`run_scenario`:
validate, solve, write the plan and, if the config says so, the report) into
``<sweep dir>/scenarios/<scenario>/``, a normal run folder plus ``scenario.json``. The
scenarios run as tasks on a Dask cluster (:func:`planner.run.dask_cluster.dask_client`,
:func:`run_sweep`); a failing scenario is recorded and never stops the others. The comparison
is written to ``comparison.csv``, ``comparison.html`` and ``sweep.json`` in the sweep folder.

A scenario is *reused* (not solved again) when its folder holds a plan written for the same
hash of resolved config, input files and package code (:func:`scenario_hash`).

Nothing here prints; the CLI (:mod:`planner.cli.sweep_cmd`) shows progress through a
:class:`SweepObserver`.
"""

from __future__ import annotations

from planner.sweep.comparison import criteria, dominance, dominates
from planner.sweep.execution import SilentObserver, SweepObserver, run_sweep
from planner.sweep.records import ScenarioRecord, ScenarioStage, SweepResult
from planner.sweep.spec import ScenarioSpec, Sweep, load_sweep

__all__ = [
    "ScenarioRecord",
    "ScenarioSpec",
    "ScenarioStage",
    "SilentObserver",
    "Sweep",
    "SweepObserver",
    "SweepResult",
    "criteria",
    "dominance",
    "dominates",
    "load_sweep",
    "run_sweep",
]
