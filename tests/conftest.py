"""Fixtures shared by the test modules: Python's SIGINT handler, the tiny sweep case and a Dask
scheduler process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tiny import city_or_county_config, tiny_centres, write_case

SWEEP_CASE_CONFIG: dict[str, Any] = {
    **city_or_county_config(stages=2),
    "stages": {"base_year": 2025, "years": [2026, 2028]},
}
SWEEP_CASE_ITEMS = [{"levels_s1": "city|county", "levels_s2": "city|county"}]
DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT_S = 30.0


@pytest.fixture(autouse=True)
def python_sigint() -> Iterator[None]:
    """Python's own SIGINT handler, as in a process started in the foreground. A shell
    starts a background job with SIGINT ignored, Python then leaves it ignored, and so
    would every process a test starts: the Ctrl-C tests would test nothing. Restored after
    the test."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.fixture(scope="module")
def sweep_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the tiny base case of the sweep tests in ``case/`` (plans go to
    ``case/out/<sweep>/``): the item may go to the city or the county centre."""
    folder = tmp_path_factory.mktemp("sweep")
    write_case(
        folder / "case",
        centres=tiny_centres(city=100),
        items=SWEEP_CASE_ITEMS,
        config=SWEEP_CASE_CONFIG,
    )
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Dask scheduler exited with code {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"the Dask scheduler did not listen on port {port} in {START_TIMEOUT_S:g} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a process the test started (by its pid) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=START_TIMEOUT_S)


@pytest.fixture
def dask_processes() -> Iterator[Callable[[int], tuple[str, subprocess.Popen[bytes]]]]:
    """Start a Dask scheduler on 127.0.0.1 with ``n`` single-threaded workers.

    Returns the scheduler's address and its process; every process started is killed by
    its pid when the test ends.
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(workers: int) -> tuple[str, subprocess.Popen[bytes]]:
        port = _free_port()
        address = f"tcp://127.0.0.1:{port}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        scheduler = subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,  # type: ignore[call-overload]
        )
        started.append(scheduler)
        _wait_for_port(port, scheduler)
        for _ in range(workers):
            started.append(
                subprocess.Popen(
                    [DASK, "worker", address, "--nthreads", "1", "--no-dashboard"],
                    **quiet,  # type: ignore[call-overload]
                )
            )
        return address, scheduler

    yield start
    for process in reversed(started):
        stop(process)
