"""Dask faults end in a clear line or a complete record, never a hang or a traceback.

Each case starts its own scheduler (and workers) on 127.0.0.1 and kills them by pid
(``tests/conftest.py``); every wait is bounded (``--worker-timeout``, the connect timeout).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from planner.cli.sweep_cmd import sweep_cmd
from planner.run.dask_cluster import dask_client
from planner.sweep.execution import run_sweep
from planner.sweep.records import ScenarioRecord
from planner.sweep.spec import ScenarioSpec, load_sweep
from tests.conftest import stop

pytestmark = [
    pytest.mark.dask,
    pytest.mark.filterwarnings(
        # distributed closes its comm handlers after the client is gone
        "ignore::ResourceWarning",
    ),
]

Start = Callable[[int], tuple[str, "subprocess.Popen[bytes]"]]
WINDOW = "costs.window_cost_per_year"


def _sweep(root: Path, name: str, values: Sequence[int]) -> Path:
    path = root / f"{name}.toml"
    listed = ", ".join(str(v) for v in values)
    path.write_text(
        f'base = "case/config.toml"\nname = "{name}"\n[vary]\n"{WINDOW}" = [{listed}]\n',
        encoding="utf-8",
    )
    return path


def _cli(*args: str | Path) -> Result:
    return CliRunner().invoke(sweep_cmd, [str(a) for a in args])


@pytest.mark.parametrize("address", ["not-an-address", "tcp://", "tcp://127.0.0.1:http"])
def test_malformed_scheduler_address_is_one_line_exit_2(sweep_root: Path, address: str) -> None:
    result = _cli(_sweep(sweep_root, "bad-address", [100_000]), "--scheduler", address)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "is not a Dask scheduler address" in lines[0] and "tcp://host:port" in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("address", ["tls://127.0.0.1:1", "wss://127.0.0.1:1"])
def test_a_tls_scheduler_says_it_needs_a_security_config(sweep_root: Path, address: str) -> None:
    result = _cli(_sweep(sweep_root, "tls-address", [100_000]), "--scheduler", address)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"--scheduler {address!r}: TLS needs a security config" in lines[0]
    assert "Traceback" not in result.output


def test_scheduler_without_workers_times_out_with_a_message(
    sweep_root: Path, dask_processes: Start
) -> None:
    address, _ = dask_processes(0)
    path = _sweep(sweep_root, "no-workers", [100_000])
    result = _cli(path, "--scheduler", address, "--worker-timeout", "1.5")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"the Dask scheduler at {address} has no worker after 1.5 s" in lines[0]
    assert not (sweep_root / "case" / "out" / "no-workers" / "sweep.json").exists()


class _KillAfterFirst:
    """Kills the scheduler (by pid) once the first scenario has finished."""

    def __init__(self, scheduler: subprocess.Popen[bytes]) -> None:
        self.scheduler = scheduler
        self.finished_names: list[str] = []

    def submitted(self, scenarios: Sequence[ScenarioSpec]) -> None:
        return None

    def started(self, name: str, slot: str) -> None:
        return None

    def finished(self, record: ScenarioRecord) -> None:
        self.finished_names.append(record.name)
        if len(self.finished_names) == 1:
            stop(self.scheduler)


def test_scheduler_killed_mid_sweep_records_every_scenario(
    sweep_root: Path, dask_processes: Start, capfd: pytest.CaptureFixture[str]
) -> None:
    address, scheduler = dask_processes(1)
    sweep = load_sweep(_sweep(sweep_root, "killed", [100_000, 110_000, 120_000, 130_000]))
    observer = _KillAfterFirst(scheduler)
    with dask_client(address, log_level=logging.CRITICAL, worker_timeout=30) as client:
        result = run_sweep(sweep, client, observer)
    names = [s.name for s in sweep.scenarios]
    assert [r.name for r in result.records] == names
    assert sorted(observer.finished_names) == sorted(names)
    first = next(r for r in result.records if r.name == observer.finished_names[0])
    assert first.ok
    lost = [r for r in result.records if not r.ok]
    assert lost, "the scheduler was killed while scenarios were pending"
    assert all("lost on the Dask cluster" in (r.error or "") for r in lost)
    written = json.loads(result.files["json"].read_text(encoding="utf-8"))
    assert [s["name"] for s in written["scenarios"]] == names


def test_cli_prints_no_traceback_when_the_scheduler_dies(
    sweep_root: Path, dask_processes: Start
) -> None:
    """``planner sweep`` in a process of its own; the scheduler is killed once the first
    scenario record is on disk. Every scenario is listed, exit 3, no traceback."""
    address, scheduler = dask_processes(1)
    path = _sweep(sweep_root, "cli-killed", [100_000, 110_000, 120_000, 130_000, 140_000])
    records = sweep_root / "case" / "out" / "cli-killed" / "scenarios"
    command = [str(Path(sys.executable).with_name("planner")), "sweep", str(path), "-q"]
    process = subprocess.Popen(
        [*command, "--scheduler", address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    try:
        deadline = time.monotonic() + 120
        while not list(records.glob("*/scenario.json")) and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        stop(scheduler)
        _, err = process.communicate(timeout=120)
    finally:
        stop(process)
    text = err.decode()
    assert process.returncode == 3, text
    assert "Traceback" not in text and "ConnectionRefusedError" not in text, text
    assert "lost on the Dask cluster" in text
    sweep_json = json.loads((records.parent / "sweep.json").read_text(encoding="utf-8"))
    assert len(sweep_json["scenarios"]) == 5
