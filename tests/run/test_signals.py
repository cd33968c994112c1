"""Real SIGINT and SIGTERM at many moments of a ``planner run`` in a subprocess: the exit code
says which plan is in the run folder, with at most one line on stderr and no traceback.

Each run writes a plan whose ``config.toml`` names the run (its description); the exit code is
checked against the plan actually in the folder afterwards: 130 (or killed by SIGTERM before
writing) the previous plan, 0, 4 or 5 the new one. The moments are spread over the second
half of an uninterrupted run's time and past its end (the swap is at the end); the count is
bounded (:data:`MOMENTS`).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tiny import write_case

MOMENTS = 10
"""Runs interrupted (half by SIGINT, half by SIGTERM)."""
RUN = "from planner.cli.main import main; main()"


def _described(config: Path, text: str) -> None:
    lines = config.read_text().splitlines()
    lines = [ln for ln in lines if not ln.startswith("description")]
    config.write_text("\n".join([f'description = "{text}"', *lines]) + "\n")


def _in_folder(run_dir: Path) -> str | None:
    """The description of the plan in the run folder (None: no plan)."""
    path = run_dir / "config.toml"
    if not path.is_file():
        return None
    found = re.search(r'^description = "(.*)"', path.read_text(), re.MULTILINE)
    return found.group(1) if found else None


def _run(config: Path, delay: float | None, sig: signal.Signals) -> tuple[int, str]:
    with subprocess.Popen(
        [sys.executable, "-c", RUN, "run", "-q", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        if delay is not None:
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(sig)  # the process this test started, by its handle
        out, err = proc.communicate(timeout=120)
    return proc.returncode, err + out


@pytest.mark.slow
def test_signals_at_many_moments_leave_the_plan_the_exit_code_names(tmp_path: Path) -> None:
    config = write_case(tmp_path)
    run_dir = tmp_path / "out" / "tiny"
    _described(config, "run 0")
    started = time.perf_counter()
    code, text = _run(config, None, signal.SIGINT)
    whole = time.perf_counter() - started
    assert code == 0, text
    previous = "run 0"
    seen: dict[int, int] = {}
    for k in range(1, MOMENTS + 1):
        sig = signal.SIGINT if k % 2 else signal.SIGTERM
        _described(config, f"run {k}")
        delay = whole * (0.45 + 0.7 * (k - 1) / (MOMENTS - 1))
        code, text = _run(config, delay, sig)
        now = _in_folder(run_dir)
        seen[code] = seen.get(code, 0) + 1
        assert "Traceback" not in text and "Exception ignored" not in text, (k, code, text)
        assert len(text.strip().splitlines()) <= 1, (k, code, text)
        if code in (130, -signal.SIGTERM):
            assert now == previous, (k, code, now, previous, text)
            assert code == -signal.SIGTERM or "previous plan (if any) is untouched" in text
        else:
            assert code in (0, 4, 5), (k, code, text)
            assert now == f"run {k}", (k, code, now, text)
            assert code != 5 or "the new plan is in place" in text
            previous = now
    assert len(seen) >= 2, seen  # the moments reach both sides of the swap
