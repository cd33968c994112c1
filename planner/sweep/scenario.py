"""One scenario end to end (config, reuse check, solve, write): the Dask task."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from planner.config.schema import DataConfig, LoadedConfig, deep_merge, load_config
from planner.errors import InputError
from planner.inputs.load import sha256_file
from planner.io.plan_files import json_text
from planner.io.run_dir import is_planner_run, written_by_sweep
from planner.io.run_folder import PLAN_DIR, SUMMARY_FILE
from planner.run.diagnose import explain
from planner.run.pipeline import code_hash, run_config, write_run
from planner.solve.warm import WarmPool
from planner.sweep.folder import RECORD_FILE, write_text
from planner.sweep.records import (
    ScenarioRecord,
    error_text,
    failed_record,
    read_record,
    record_from_run,
)
from planner.sweep.spec import ScenarioSpec, format_value
from planner.sweep.toml_writer import to_toml

log = logging.getLogger(__name__)

WARM_POOL = WarmPool()
"""The last model this process built, kept for the next scenario: one that changes only
costs, weights or bounds re-solves it warm (:class:`planner.solve.warm.WarmPool`)."""


def input_paths(loaded: LoadedConfig) -> dict[str, Path]:
    """The input files a config names (every path of ``[data]``), resolved."""
    data = loaded.config.data
    paths = {name: getattr(data, name) for name in DataConfig.model_fields}
    return {name: loaded.resolve(p) for name, p in paths.items() if isinstance(p, Path)}


_CODE_HASH: dict[int, str] = {}


def _code_hash() -> str:
    """:func:`planner.run.pipeline.code_hash`, once per process (the code a worker imported)."""
    pid = os.getpid()
    if pid not in _CODE_HASH:
        _CODE_HASH[pid] = code_hash()
    return _CODE_HASH[pid]


def scenario_hash(loaded: LoadedConfig) -> str:
    """SHA-256 of the resolved config, the input files' SHA-256 and the package code hash.

    The config is the validated model with every default filled in, as canonical JSON
    (sorted keys, no spaces); a missing input file hashes as ``"missing"`` (the run then
    fails with a clear message).
    """
    files = {
        name: sha256_file(path) if path.is_file() else "missing"
        for name, path in sorted(input_paths(loaded).items())
    }
    payload = {
        "config": loaded.config.model_dump(mode="json"),
        "inputs": files,
        "code": _code_hash(),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_config(spec: ScenarioSpec) -> LoadedConfig:
    """Resolve the scenario's config, write it to ``configs/<name>.toml`` and load that file.

    The file is the base config merged with the scenario's values, its name and output
    folder, with every data path absolute: ``planner run`` on it reproduces the scenario, and
    the run folder's ``config.toml`` and manifest describe the scenario, not the base.

    Raises
    ------
    InputError
        The merged config does not validate (the message names the base file and key).
    """
    try:
        merged = load_config(spec.base, spec.full_overrides)
    except InputError as err:
        if spec.sweep_file is None:
            raise
        values = ", ".join(f"{k} = {format_value(v)}" for k, v in spec.values.items())
        msg = f"{spec.sweep_file}: scenario {spec.name} ({values}) is not a valid config: {err}"
        raise InputError(msg) from None
    data = {name: str(path) for name, path in input_paths(merged).items()}
    raw = deep_merge(merged.raw, {"data": data})
    described = ", ".join(f"{k} = {format_value(v)}" for k, v in spec.values.items())
    base_text = str(raw.get("description", "")).strip()
    raw["description"] = f"{base_text} | sweep {spec.sweep_name}: {described}".lstrip(" |")
    header = (
        f"# Scenario {spec.name} of sweep {spec.sweep_name}, written by `planner sweep`:\n"
        f"# {spec.base} with {described}.\n"
    )
    if spec.config_path.exists() and not written_by_sweep(spec.config_path):
        msg = f"{spec.config_path}: not written by planner sweep; refusing to overwrite it"
        raise InputError(msg)
    write_text(spec.config_path, header + to_toml(raw))
    return load_config(spec.config_path)


def run_scenario(spec: ScenarioSpec, topic: str | None = None) -> ScenarioRecord:
    """Run one scenario end to end (config, reuse check, prepare, solve, write, report).

    This is the Dask task; it never raises: a failure (bad config, infeasible plan, a bug)
    becomes a ``failed`` record with a one-line error, also stored in the scenario folder.

    Parameters
    ----------
    spec
        The scenario.
    topic
        When run on a Dask worker, the event topic on which the start of the scenario is
        announced (the client shows it as running).

    Returns
    -------
    ScenarioRecord
    """
    start = time.perf_counter()
    _announce(topic, spec.name)
    digest: str | None = None
    try:
        loaded = scenario_config(spec)
        digest = scenario_hash(loaded)
        previous = read_record(spec.run_dir)
        if (
            previous is not None
            and previous.ok
            and previous.config_hash == digest
            and (spec.run_dir / PLAN_DIR / SUMMARY_FILE).is_file()
        ):
            return record_from_run(spec, "reused", digest, start)
        return _solve(spec, loaded, digest, start)
    except Exception as err:
        log.debug("scenario %s failed", spec.name, exc_info=True)
        record = failed_record(spec, error_text(err), start, digest)
        _store_failure(spec, record)
        return record


def _announce(topic: str | None, name: str) -> None:
    if topic is None:
        return
    try:
        from distributed import get_worker

        worker = get_worker()
        slot = f"{worker.address}/{threading.get_ident()}"
        worker.log_event(topic, {"started": name, "slot": slot})
    except (ImportError, ValueError):  # not inside a Dask worker
        return


def _solve(spec: ScenarioSpec, loaded: LoadedConfig, digest: str, start: float) -> ScenarioRecord:
    """As ``planner run``: validate, solve (province by province if several), write."""
    run = run_config(loaded, pool=WARM_POOL)
    if run.plan is None:
        record = failed_record(spec, explain(run), start, digest, solver_status=run.result.status)
        _store_failure(spec, record)
        return record
    write_run(run)
    record = record_from_run(spec, "solved", digest, start)
    write_text(spec.run_dir / RECORD_FILE, json_text(record.to_json()))
    return record


def _store_failure(spec: ScenarioSpec, record: ScenarioRecord) -> None:
    """Replace the scenario folder by one holding only ``scenario.json`` with the error.

    A plan left from an earlier config would otherwise sit next to a record of a different
    config.
    """
    try:
        if not is_planner_run(spec.run_dir):  # never remove what the planner did not write
            return
        shutil.rmtree(spec.run_dir, ignore_errors=True)
        write_text(spec.run_dir / RECORD_FILE, json_text(record.to_json()))
    except OSError:
        log.debug("cannot store the failure of %s", spec.name, exc_info=True)
