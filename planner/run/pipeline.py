"""The run, step by step: load -> validate -> travel -> maturity -> build -> solve -> plan -> write.

Each step is timed; a ``progress`` callback (the CLI's) is told when a step starts. Nothing
here prints.
"""

from __future__ import annotations

import errno
import gc
import logging
import platform
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio.errors

from planner import __version__
from planner.config.schema import LoadedConfig
from planner.errors import InputError
from planner.inputs.load import Inputs, read_inputs, regions, select_region, show_id
from planner.inputs.maturity import township_maturity
from planner.inputs.sources import input_files
from planner.inputs.travel import TravelTable, combined_provenance, province_crs, travel_table
from planner.inputs.validate import validate
from planner.io.gpkg import write_gpkg
from planner.io.plan_files import json_text, write_plan_tables
from planner.io.run_config import dataset_identity, run_config_toml
from planner.io.run_dir import atomic_run_dir, check_run_target, check_writable
from planner.io.run_folder import CONFIG_FILE, GPKG_FILE, MANIFEST_FILE, PLAN_DIR
from planner.model.build import PlanModel, build_model
from planner.model.data import ModelData, prepare
from planner.plan.bound import with_integer_bound
from planner.plan.extract import Plan, combine_plans, extract_plan, with_skipped
from planner.plan.forced import price_forced_training
from planner.plan.names import names_from_inputs
from planner.plan.summary import DatasetIdentity
from planner.regular_files import sha256_file
from planner.report.html import write_report
from planner.run.dask_cluster import WORKER_TIMEOUT_S, dask_client
from planner.run.mode_resolves import Solved, area_short, fit_area, price_modes
from planner.run.parts import PartRecord, PartStore, part_key, parts_folder
from planner.run.rule_costs_total import Part, total_costs
from planner.solve.driver import SolveResult, initial_arcs, solve
from planner.solve.status import Status
from planner.solve.warm import WarmPool
from planner.steps import Progress, Timings, quiet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """Everything up to (not including) the solve."""

    loaded: LoadedConfig
    inputs: Inputs
    travel: TravelTable
    maturity: pd.DataFrame
    data: ModelData | None
    """The LP's data (None for a run combined from parts, or a part whose LP was released)."""
    timings: Timings

    def model_data(self) -> ModelData:
        """The LP's data.

        Raises
        ------
        ValueError
            For a run combined from parts or a part whose LP was released (a bug if reached).
        """
        if self.data is None:
            msg = "this run has no model data (combined from parts, or released)"
            raise ValueError(msg)
        return self.data


@dataclass(frozen=True)
class RunResult:
    """A finished run: its inputs, the solve outcome and the plan (when there is one)."""

    prepared: Prepared
    model: PlanModel | None
    """The solved LP (None for a run combined from parts, or a part whose LP was released)."""
    result: SolveResult
    plan: Plan | None
    parts: dict[str, RunResult] = field(default_factory=dict)
    """Per-province runs when the dataset was solved province by province."""
    unreachable: set[tuple[int, str]] = field(default_factory=set)
    """(stage, item) pairs no township of this LP reaches physically."""
    reused: tuple[str, ...] = ()
    """Provinces whose plan a rerun took from an interrupted run (:mod:`planner.run.parts`)."""


def load_and_check(
    loaded: LoadedConfig, timings: Timings | None = None, progress: Progress = quiet
) -> tuple[Inputs, str]:
    """Read and validate the inputs; return them with the metric CRS used."""
    timings = timings or Timings()
    with timings.step("load", progress):
        check_output_dir(loaded)
        inputs = read_inputs(loaded)
        crs = province_crs(inputs.province, loaded.config.travel.projected_crs)
        validate(inputs, loaded.config, crs)
    return inputs, crs


def check_output_dir(loaded: LoadedConfig) -> None:
    """Fail before any work when the plan could not be written or would replace foreign files.

    The run folder must be new, empty or one the planner wrote (it is replaced whole), must
    not hold an input file, and its parent must be writable (probed with a file).
    """
    folder = loaded.run_dir.parent
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                msg = f"{loaded.path}: 'output.dir' resolves under {parent}, which is a file"
                raise InputError(msg)
            break
    check_run_target(loaded.run_dir, input_paths(loaded))
    check_writable(folder)


def input_paths(loaded: LoadedConfig) -> list[Path]:
    """Every input file the config names (resolved), the workbook and the travel matrix
    included: a run folder must never hold one of them."""
    data = loaded.config.data
    named = (getattr(data, name) for name in type(data).model_fields)
    paths = {loaded.resolve(p) for p in named if isinstance(p, Path)}
    paths |= set(input_files(loaded).values())
    return sorted(paths)


def prepare_part(
    loaded: LoadedConfig,
    inputs: Inputs,
    crs: str,
    timings: Timings,
    progress: Progress = quiet,
) -> Prepared:
    """Travel times, maturity and model data for validated inputs (one LP)."""
    cfg = loaded.config
    with timings.step("travel", progress):
        cutoff = float(inputs.items["max_travel_min"].max())
        matrix = inputs.files.get("travel_matrix")
        travel = travel_table(inputs.townships, inputs.centres, cfg.travel, cutoff, crs, matrix)
    with timings.step("maturity", progress):
        maturity = township_maturity(inputs.townships, inputs.counties, cfg.maturity, cfg.stages)
    with timings.step("prepare", progress):
        data = price_forced_training(prepare(inputs, travel.minutes, maturity, cfg), cfg, inputs)
    return Prepared(loaded, inputs, travel, maturity, data, timings)


def unreachable(data: ModelData) -> set[tuple[int, str]]:
    """(stage, item) pairs no township of this LP can reach physically."""
    classes = set(zip(data.arcs["stage"], data.arcs["class_id"], strict=True))
    members = data.items[["stage", "item_id", "class_id"]].drop_duplicates()
    return {
        (int(s), str(k))
        for s, k, c in zip(members["stage"], members["item_id"], members["class_id"], strict=True)
        if (s, c) not in classes
    }


def check_reachability(inputs: Inputs, parts: list[set[tuple[int, str]]]) -> None:
    """Every item must be physically reachable by some township in every stage.

    ``parts`` holds, per independent LP, its unreachable (stage, item) pairs
    (:func:`unreachable`); an item fails only when no part reaches it.
    """
    missing = set.intersection(*parts) if parts else set()
    if not missing:
        return
    s, item_id = min(missing)
    levels = "|".join(sorted(inputs.item_levels[item_id][s - 1]))
    limit = inputs.items.at[item_id, "max_travel_min"]
    msg = (
        f"{inputs.files['items']}: 'max_travel_min' of item {show_id(item_id)} ({limit:g}) "
        f"is beyond reach: no township reaches a {levels} centre within it in "
        f"stage {s}; raise the limit or allow more levels"
    )
    raise InputError(msg)


PartHook = Callable[[str, "RunResult"], None]


def run_config(
    loaded: LoadedConfig,
    progress: Progress = quiet,
    on_part: PartHook | None = None,
    workers: int = 1,
    pool: WarmPool | None = None,
    scheduler: str | None = None,
    store: PartStore | None = None,
    worker_timeout: float = WORKER_TIMEOUT_S,
) -> RunResult:
    """Validate, build, solve and extract the plan of a config.

    A dataset with several provinces is solved one province at a time (``model.decompose``):
    no constraint links provinces (no cross-province service; top-heavy rows are per
    province), so the combined plan is optimal for the whole. The two optional rules that
    span the whole dataset (``policy.max_total_area_m2``, ``policy.max_unserved_share``)
    link them, so with either set the dataset is one LP. ``on_part`` is called with
    each solved part before its LP is released (the benchmark writes it to MPS there).
    With ``workers > 1`` the provinces are solved in parallel on a Dask ``LocalCluster``
    (the plan is the same: each part is solved exactly as it would be alone). Step timings
    of parts are summed (CPU-like seconds), so they can exceed the wall time. ``pool``
    keeps a dataset solved as one LP for warm re-solves (:func:`execute`). ``scheduler``
    (``tcp://host:port``) sends the provinces to a running Dask cluster instead (one with a
    worker within ``worker_timeout`` seconds); it is not used for a dataset solved as one
    LP. With a ``store`` (:mod:`planner.run.parts`) each solved province is written to disk
    and dropped, provinces saved by an interrupted run with the same inputs, config and
    code are reused, and the combined run is built from
    the parts read back (``RunResult.reused`` names the reused ones).
    """
    cfg = loaded.config
    timings = Timings()
    inputs, crs = load_and_check(loaded, timings, progress)
    codes = regions(inputs)
    # an area budget or a service guarantee spans every province: then they are one LP
    coupled = cfg.policy.max_total_area_m2 is not None or cfg.policy.max_unserved_share is not None
    if len(codes) == 1 or not cfg.model.decompose or coupled:
        if scheduler is not None:
            log.warning(
                "--scheduler: this dataset is one LP (one province or a dataset-wide "
                "rule); it is solved here and the Dask scheduler is not used"
            )
        prepared = prepare_part(loaded, inputs, crs, timings, progress)
        check_reachability(inputs, [unreachable(prepared.model_data())])
        return with_total_costs(execute(prepared, progress, pool), workers)
    parts = {code: select_region(inputs, code) for code in codes}
    sink = PartSink(loaded, parts, store)
    todo = {code: sub for code, sub in parts.items() if not sink.found(code)}
    if todo and (scheduler is not None or (workers > 1 and len(todo) > 1)) and on_part is None:
        cluster = (scheduler, worker_timeout)
        _solve_parts_on_dask(loaded, todo, workers, timings, sink, cluster)
    else:
        for code, sub in todo.items():
            own = Timings()
            sink.put(code, solve_region(loaded, code, sub, own, progress, on_part))
            add_timings(timings, own.seconds)
    results = sink.results()
    reachability = {code: r.unreachable for code, r in results.items()}
    check_reachability(inputs, list(reachability.values()))
    combined = combine_runs(loaded, inputs, timings, results)
    return with_total_costs(replace(combined, reused=tuple(sink.reused)), workers)


class PartSink:
    """Where solved provinces go: kept in memory, or with a :class:`PartStore` written to
    disk and dropped (a failed province is kept in memory for its diagnosis). A saved part
    keeps its travel minutes only for ``policy.rule_costs.total`` (their only reader)."""

    def __init__(
        self, loaded: LoadedConfig, parts: dict[str, Inputs], store: PartStore | None
    ) -> None:
        self.loaded, self.parts, self.store = loaded, parts, store
        version = code_hash() if store is not None else ""
        self.keys = {c: part_key(loaded, c, sub, version) for c, sub in parts.items()}
        self.kept: dict[str, RunResult] = {}
        self.saved: set[str] = set()
        self.reused: list[str] = []
        if store is not None:
            store.check()

    def found(self, code: str) -> bool:
        """Whether an interrupted run saved this province under the same key (reused)."""
        store = self.store
        if store is None or not store.reuse or store.load(code, self.keys[code]) is None:
            return False
        self.reused.append(code)
        self.saved.add(code)
        log.info("part %s: reused the plan saved by an earlier run", code)
        return True

    def put(self, code: str, run: RunResult) -> None:
        """Take a solved province (written and dropped when it has a plan and a store)."""
        if self.store is None or run.plan is None or not run.result.is_ok:
            self.kept[code] = run
            return
        prepared = run.prepared
        travel = prepared.travel
        if not self.loaded.config.policy.rule_costs.total:  # the only reader of the minutes
            travel = replace(travel, minutes=travel.minutes.iloc[:0])
        record = PartRecord(
            run.result,
            run.plan,
            travel,
            prepared.maturity,
            run.unreachable,
            dict(prepared.timings.seconds),
        )
        self.store.save(code, self.keys[code], record)
        self.saved.add(code)

    def results(self) -> dict[str, RunResult]:
        """Every province's run, in code order; saved ones read back from disk."""
        out = dict(self.kept)
        for code in sorted(self.saved):
            record = self.store.load(code, self.keys[code]) if self.store else None
            if record is None:
                msg = f"{parts_folder(self.loaded.run_dir)}: the part of province {code} is gone"
                raise InputError(msg)
            prepared = Prepared(
                self.loaded,
                self.parts[code],
                record.travel,
                record.maturity,
                None,
                Timings(dict(record.seconds)),
            )
            out[code] = RunResult(
                prepared, None, record.result, record.plan, unreachable=record.unreachable
            )
        return dict(sorted(out.items()))


def with_total_costs(run: RunResult, workers: int = 1) -> RunResult:
    """The run with each rule's total cost (``policy.rule_costs.total``): re-solved once per
    rule family with the rule relaxed (:mod:`planner.run.rule_costs_total`), within what is
    left of ``solver.time_limit_s`` from the run's start; the re-solves skipped, cut short or
    failed are warnings and entries of ``optimality.skipped_steps``."""
    cfg = run.prepared.loaded.config
    if not cfg.policy.rule_costs.total or run.plan is None or run.result.objective is None:
        return run
    runs = list(run.parts.items()) if run.parts else [("", run)]
    parts = [
        Part(
            r.prepared.inputs,
            r.prepared.travel.minutes,
            r.prepared.maturity,
            r.result.objective,
            code,
        )
        for code, r in runs
        if r.result.objective is not None
    ]
    timings = run.prepared.timings
    with timings.step("rule costs", quiet):
        totals, skipped = total_costs(
            parts, cfg, timings.deadline(cfg.solver.time_limit_s), workers
        )
    summary = with_skipped(run.plan.summary, skipped)
    return replace(run, plan=replace(run.plan, rule_totals=totals, summary=summary))


def solve_region(
    loaded: LoadedConfig,
    code: str,
    inputs: Inputs,
    timings: Timings | None = None,
    progress: Progress = quiet,
    on_part: PartHook | None = None,
) -> RunResult:
    """Prepare, build, solve and extract one province; release its LP when it solved."""
    cfg = loaded.config
    timings = timings if timings is not None else Timings()
    crs = province_crs(inputs.province, cfg.travel.projected_crs)
    part = prepare_part(loaded, inputs, crs, timings, progress)
    done = replace(execute(part, progress), unreachable=unreachable(part.model_data()))
    log.info("part %s: %s", code, done.result.status)
    if on_part is not None:
        on_part(code, done)
    if not done.result.is_ok:
        return done  # a failed part keeps its LP and data for the diagnosis
    # keep the plan, drop the LP and the solver's values (the plan holds what is needed): a
    # national run must not hold 31 models in memory
    lean = replace(done.result, solution=None, relaxed=None)
    kept = replace(done, model=None, result=lean, prepared=replace(part, data=None))
    del done, part
    gc.collect()
    return kept


def _solve_parts_on_dask(
    loaded: LoadedConfig,
    parts: dict[str, Inputs],
    workers: int,
    timings: Timings,
    sink: PartSink,
    cluster: tuple[str | None, float] = (None, WORKER_TIMEOUT_S),
) -> None:
    """Solve provinces in parallel on a Dask ``LocalCluster`` (one process per worker) or
    on the running cluster at ``cluster`` (scheduler address, seconds to wait for a worker);
    each result goes to ``sink`` as it arrives."""
    from distributed import as_completed

    run_token = secrets.token_hex(4)  # a long-lived cluster must not hand back another run's
    scheduler, wait = cluster
    with dask_client(scheduler, workers, len(parts), worker_timeout=wait) as client:
        # largest provinces first, so the last task to finish is a small one
        order = sorted(parts, key=lambda c: -len(parts[c].townships))
        futures = {
            client.submit(
                solve_region, loaded, code, parts[code], key=f"province-{code}-{run_token}"
            ): code
            for code in order
        }
        for future in as_completed(list(futures)):
            code = futures.pop(future)
            result = future.result()
            future.release()  # the worker drops its copy
            add_timings(timings, result.prepared.timings.seconds)
            sink.put(code, result)
            del result


def add_timings(timings: Timings, seconds: dict[str, float]) -> None:
    """Add a part's step seconds to the run's (CPU-like seconds)."""
    for step, value in seconds.items():
        timings.seconds[step] = timings.seconds.get(step, 0.0) + value


def combine_runs(
    loaded: LoadedConfig, inputs: Inputs, timings: Timings, results: dict[str, RunResult]
) -> RunResult:
    """One run from independently solved parts."""
    statuses = [r.result for r in results.values()]
    worst = next((r for r in statuses if not r.is_ok), None) or next(
        (r for r in statuses if r.status != Status.OPTIMAL), statuses[0]
    )
    result = SolveResult(
        status=worst.status,
        objective=sum(r.objective or 0.0 for r in statuses) if worst.is_ok else None,
        solver=statuses[0].solver,
        solver_version=statuses[0].solver_version,
        seconds=sum(r.seconds for r in statuses),
        detail=f"{len(statuses)} independent parts; worst: {worst.detail}",
    )
    plans = {code: r.plan for code, r in results.items() if r.plan is not None}
    plan = combine_plans(plans, loaded.config) if result.is_ok else None
    travel = TravelTable(
        minutes=pd.concat([r.prepared.travel.minutes for r in results.values()], ignore_index=True),
        crs="per province",
        n_edges=sum(r.prepared.travel.n_edges for r in results.values()),
        provenance=combined_provenance([r.prepared.travel.provenance for r in results.values()]),
    )
    maturity = pd.concat([r.prepared.maturity for r in results.values()]).sort_index()
    prepared = Prepared(loaded, inputs, travel, maturity, None, timings)
    return RunResult(prepared, None, result, plan, parts=results)


def execute(
    prepared: Prepared, progress: Progress = quiet, pool: WarmPool | None = None
) -> RunResult:
    """Build, solve and (when the solve is usable) extract the plan.

    With a :class:`~planner.solve.warm.WarmPool` (a sweep's worker keeps one), a model with
    the same rows as one the pool holds is re-solved warm from its last basis instead of
    being built again; the plan is the same unique optimum a cold run reports.
    """
    cfg = prepared.loaded.config
    timings = prepared.timings
    if pool is not None and WarmPool.eligible(cfg.solver):
        with timings.step("build", progress):
            data = prepared.model_data()
        with timings.step("solve", progress):
            model, result, _ = pool.solve(data, cfg.solver, build_model, timings)
    else:
        with timings.step("build", progress):
            data = prepared.model_data()
            model = build_model(data, arcs=initial_arcs(data, cfg.solver))
        with timings.step("solve", progress):
            result = solve(model, cfg.solver, timings)
    plan = None
    if result.is_ok:
        with timings.step("plan", progress):
            plan = extract_plan(model, result, prepared.inputs, prepared.maturity, cfg, timings)
        if cfg.windows.bound_time_s > 0 and result.relaxed is not None:
            with timings.step("bound", progress):
                plan = with_integer_bound(plan, result.relaxed, data, cfg, prepared.inputs)
    run = RunResult(prepared, model, result, plan)
    del model, result, plan  # the run holds them: each LP is released before the next
    if run.plan is not None and cfg.windows.mode_iterations > 0:
        box = [run]
        del run
        with timings.step("mode re-solves", progress):
            run = _resolved(box, price_modes)
    if run.plan is not None and cfg.windows.area_rounds > 0 and area_short(run.plan.centres):
        box = [run]
        del run
        with timings.step("area re-solves", progress):
            run = _resolved(box, fit_area)
    return run


def _resolved(box: list[RunResult], loop: Callable[[Prepared, list[Solved]], Solved]) -> RunResult:
    """The run after the re-solves of ``loop`` (:mod:`planner.run.mode_resolves`: modes
    priced in, or the windows fitted into the floor area); ``box`` holds it and is emptied,
    so that each LP is released before the next is built."""
    run = box.pop()
    if run.plan is None or run.model is None:
        return run
    # the window-relaxed LP's arrays (the integer bound's start) are not needed any more
    result = replace(run.result, relaxed=None)
    solved = [Solved(run.model, result, run.plan)]
    run = replace(run, model=None, result=result)
    out = loop(run.prepared, solved)
    return replace(run, model=out.model, result=out.result, plan=out.plan)


def manifest(run: RunResult) -> dict[str, Any]:
    """Provenance of a run: hashes of config, inputs and code; solver; timings."""
    prepared = run.prepared
    files = {
        name: {"path": str(path), "sha256": sha256_file(path)}
        for name, path in sorted(prepared.inputs.files.items())
    }
    return {
        "planner_version": __version__,
        "code_sha256": code_hash(),
        "config": {"path": str(prepared.loaded.path), "sha256": sha256_file(prepared.loaded.path)},
        "dataset": dataset_identity(prepared.loaded, regions(prepared.inputs)),
        "inputs": files,
        "solver": {
            "name": run.result.solver,
            "version": run.result.solver_version,
            "status": str(run.result.status),
            "detail": run.result.detail,
            "optimal": run.result.status == Status.OPTIMAL,
        },
        "python": platform.python_version(),
        "timings_s": {k: round(v, 3) for k, v in prepared.timings.seconds.items()},
        **(
            {"parts": {"provinces": sorted(run.parts), "reused": list(run.reused)}}
            if run.parts
            else {}
        ),
        "travel": prepared.travel.provenance,
        "generated_data": sorted(
            {
                f"{table}.{col}"
                for table, frame in (
                    ("townships", prepared.inputs.townships),
                    ("centres", prepared.inputs.centres),
                    ("counties", prepared.inputs.counties),
                )
                for col in frame.columns
                if col.endswith("_source")
                and frame[col].astype(str).str.startswith("generated").any()
            }
        ),
    }


PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""The ``planner`` package folder (this module is ``planner/run/pipeline.py``)."""


def code_hash(root: Path = PACKAGE_ROOT) -> str:
    """SHA-256 over the Python sources of the package (every module under ``root``, by
    relative path and content): the code version of a plan."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_run(run: RunResult, progress: Progress = quiet) -> Path:
    """Write the plan folder atomically; return its path.

    Raises
    ------
    InputError
        The run folder may not be replaced, another run writes it, or a file cannot be
        written (read-only folder, disk full): one line; the previous plan stays in place
        and nothing half-written is left.
    """
    if run.plan is None:
        msg = "no plan to write"
        raise ValueError(msg)
    loaded = run.prepared.loaded
    target = loaded.run_dir
    try:
        with (
            run.prepared.timings.step("write", progress),
            atomic_run_dir(target, input_paths(loaded)) as tmp,
        ):
            _write_files(run, run.plan, tmp)
    except OSError as err:
        # name the file as it would have been in the run folder, not in its temporary twin
        hidden = rf"\.{re.escape(target.name)}\.olive-tmp-\d+-[0-9a-f]+"
        where = re.sub(hidden, target.name, str(err.filename)) if err.filename else target
        msg = (
            f"{where}: cannot write the plan ({err.strerror or err}); the previous plan of "
            f"{target.name} (if any) is untouched"
        )
        raise InputError(msg) from None
    return target


_IO_FAILURE = re.compile(
    r"disk is full|no space|read-only|readonly|permission denied|disk i/o error|"
    r"unable to open database|failed to commit",
    re.IGNORECASE,
)
LOW_SPACE_BYTES = 1 << 20
"""A GeoPackage error with less free space than this left is taken for a full disk."""


def _write_files(run: RunResult, plan: Plan, tmp: Path) -> None:
    """The files of a run folder, into the temporary folder ``tmp``."""
    loaded = run.prepared.loaded
    identity = dataset_identity(loaded, regions(run.prepared.inputs))
    names = names_from_inputs(run.prepared.inputs)
    write_plan_tables(plan, tmp / PLAN_DIR, DatasetIdentity.from_json(identity), names)
    if loaded.config.output.gpkg:
        years = [loaded.config.stages.base_year, *loaded.config.stages.years]
        try:
            write_gpkg(plan, run.prepared.inputs, tmp / GPKG_FILE, loaded.config.output.crs, years)
        except (
            pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError,
            sqlite3.Error,
        ) as err:
            # GDAL and SQLite report a full disk or a read-only file system as their own errors
            free = shutil.disk_usage(tmp).free
            found = _IO_FAILURE.search(str(err))
            if found is None and free >= LOW_SPACE_BYTES:
                raise
            reason = "the disk is full" if found is None else found.group(0).lower()
            reason = "the disk is full" if free < LOW_SPACE_BYTES else reason
            msg = f"GeoPackage: {reason}, {free / 1e6:.1f} MB free"
            raise OSError(errno.EIO, msg, str(tmp / GPKG_FILE)) from None
    (tmp / CONFIG_FILE).write_text(run_config_toml(loaded, loaded.run_dir), encoding="utf-8")
    (tmp / MANIFEST_FILE).write_text(json_text(manifest(run), 3), encoding="utf-8")
    if loaded.config.output.report:
        write_report(tmp)
