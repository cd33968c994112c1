"""Run a sweep on a Dask cluster: submit the scenarios, collect records, write the comparison."""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from asyncio import CancelledError
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from planner.io.plan_files import json_text
from planner.io.run_dir import is_planner_run, written_by_sweep
from planner.sweep.comparison import comparison_csv, dominance, sweep_json
from planner.sweep.folder import (
    COMPARISON_CSV,
    COMPARISON_HTML,
    CONFIGS_DIR,
    RECORD_FILE,
    SCENARIOS_DIR,
    SWEEP_COPY,
    SWEEP_JSON,
    write_text,
)
from planner.sweep.html import render_html
from planner.sweep.records import ScenarioRecord, SweepResult, error_text, failed_record
from planner.sweep.scenario import run_scenario
from planner.sweep.spec import ScenarioSpec, Sweep

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)


class SweepObserver(Protocol):
    """Told what happens during :func:`run_sweep` (the CLI shows it).

    ``started`` is called from the Dask client's event-loop thread, the others from the
    thread that runs the sweep.
    """

    def submitted(self, scenarios: Sequence[ScenarioSpec]) -> None:
        """Every scenario was sent to the cluster."""

    def started(self, name: str, slot: str) -> None:
        """Scenario ``name`` began on ``slot`` (a worker thread), which ran nothing else since.

        May come again for a scenario whose worker was lost and whose task is rerun.
        """

    def finished(self, record: ScenarioRecord) -> None:
        """A scenario ended: solved, reused or failed."""


class SilentObserver:
    """A :class:`SweepObserver` that does nothing (the default of :func:`run_sweep`)."""

    def submitted(self, scenarios: Sequence[ScenarioSpec]) -> None:
        """Nothing to show."""

    def started(self, name: str, slot: str) -> None:
        """Nothing to show."""

    def finished(self, record: ScenarioRecord) -> None:
        """Nothing to show."""


def run_sweep(sweep: Sweep, client: Client, observer: SweepObserver | None = None) -> SweepResult:
    """Run every scenario of a sweep on a Dask cluster and write the comparison.

    Each scenario is one task (:func:`run_scenario`); records are collected as tasks finish
    (:func:`distributed.as_completed`). A task lost on the cluster (a killed worker) is
    recorded as failed like any other failure. Afterwards folders and configs of scenarios no
    longer in the sweep are removed, and ``comparison.csv``, ``comparison.html`` and
    ``sweep.json`` are written.

    Parameters
    ----------
    sweep
        From :func:`load_sweep`.
    client
        From :func:`dask_client` (or any :class:`distributed.Client`).
    observer
        Told of progress.

    Returns
    -------
    SweepResult
    """
    from distributed import as_completed

    observer = observer or SilentObserver()
    start = time.perf_counter()
    sweep.sweep_dir.mkdir(parents=True, exist_ok=True)
    write_text(sweep.sweep_dir / SWEEP_COPY, sweep.path.read_text(encoding="utf-8"))
    topic = f"olive-sweep-{uuid.uuid4().hex}"

    def on_event(event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        if isinstance(msg, dict) and "started" in msg:
            observer.started(str(msg["started"]), str(msg.get("slot", msg["started"])))

    client.subscribe_topic(topic, on_event)
    records: list[ScenarioRecord] = []
    try:
        futures = {
            client.submit(run_scenario, spec, topic, key=f"{spec.name}-{topic[-8:]}"): spec
            for spec in sweep.scenarios
        }
        observer.submitted(sweep.scenarios)
        for future in as_completed(futures):
            spec = futures[future]
            try:
                record = future.result()
            except (Exception, CancelledError) as err:
                record = failed_record(
                    spec, f"the task was lost on the Dask cluster ({error_text(err)})"
                )
            future.release()
            records.append(record)
            observer.finished(record)
    finally:
        client.unsubscribe_topic(topic)
    records.sort(key=lambda r: r.index)
    removed = prune_stale(sweep)
    result = SweepResult(sweep, records, dominance(records), removed=removed)
    result.seconds = time.perf_counter() - start
    result.files = write_outputs(result)
    return result


def prune_stale(sweep: Sweep) -> list[str]:
    """Remove folders and configs of scenarios that are no longer in the sweep.

    Only folders holding a ``scenario.json`` (written by a sweep) are removed. Returns their
    names.
    """
    current = {s.name for s in sweep.scenarios}
    removed = []
    scenarios = sweep.sweep_dir / SCENARIOS_DIR
    if scenarios.is_dir():
        for folder in sorted(scenarios.iterdir()):
            stale = folder.name not in current and not folder.name.startswith(".")
            if stale and (folder / RECORD_FILE).is_file() and is_planner_run(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    configs = sweep.sweep_dir / CONFIGS_DIR
    if configs.is_dir():
        for path in sorted(configs.glob("*.toml")):
            if path.stem not in current and written_by_sweep(path):
                path.unlink(missing_ok=True)
    if removed:
        log.info("removed %d scenario folder(s) no longer in the sweep", len(removed))
    return removed


def write_outputs(result: SweepResult) -> dict[str, Path]:
    """Write ``comparison.csv``, ``sweep.json`` and ``comparison.html``; return their paths."""
    folder = result.sweep.sweep_dir
    files = {
        "csv": folder / COMPARISON_CSV,
        "json": folder / SWEEP_JSON,
        "html": folder / COMPARISON_HTML,
    }
    write_text(files["csv"], comparison_csv(result.sweep, result.records))
    write_text(files["json"], json_text(sweep_json(result)))
    write_text(files["html"], render_html(result))
    return files
