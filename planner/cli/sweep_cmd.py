"""The ``sweep`` command: run the scenarios of a sweep file on Dask and compare them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from planner.cli import common as m

if TYPE_CHECKING:
    from planner.sweep import ScenarioRecord, ScenarioSpec, SweepResult


class _Board:
    """Progress of a sweep on the terminal with rich: done, running, failed, reused.

    A :class:`planner.sweep.SweepObserver`. Silent with ``-q`` or when stderr is not a
    terminal. ``started`` arrives from the Dask
    client's event-loop thread, hence the lock.
    """

    def __init__(self, console: Console, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self.lock = threading.Lock()
        self.slots: dict[str, str] = {}
        """Worker thread -> the scenario it started last."""
        self.done: set[str] = set()
        self.failed = 0
        self.reused = 0
        self.progress: Progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _Board:
        if self.enabled:
            self.progress.start()
            self.task = self.progress.add_task("scenarios", total=self.total, state=self._state())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            self.progress.stop()

    def _state(self) -> str:
        running = {name for name in self.slots.values() if name not in self.done}
        return f"running {len(running)} · failed {self.failed} · reused {self.reused}"

    def _refresh(self) -> None:
        if self.enabled and self.task is not None:
            self.progress.update(self.task, completed=len(self.done), state=self._state())

    # SweepObserver protocol -------------------------------------------------------------------

    def submitted(self, scenarios: Sequence[ScenarioSpec]) -> None:
        with self.lock:
            self._refresh()

    def started(self, name: str, slot: str) -> None:
        # a slot's new start may arrive before the end of its previous scenario is collected
        with self.lock:
            self.slots[slot] = name
            self._refresh()

    def finished(self, record: ScenarioRecord) -> None:
        with self.lock:
            self.done.add(record.name)
            self.failed += record.status == "failed"
            self.reused += record.status == "reused"
            self._refresh()
        if self.enabled:
            self.progress.console.print(_line(record), markup=True, highlight=False)


def _line(record: ScenarioRecord) -> str:
    from planner.solve.status import Status

    name = escape(record.name)
    if record.status == "failed":
        return f"[red]✗[/] {name} failed: {escape(record.error or '')}"
    mark = "[green]✓[/]" if record.status == "solved" else "[blue]↺[/]"
    extra = "" if record.solver_status == Status.OPTIMAL else f" ({record.solver_status})"
    return f"{mark} {name} {record.status} in {record.seconds:.1f} s{escape(extra)}"


def _summary(result: SweepResult) -> None:
    from planner.solve.status import Status

    sweep = result.sweep
    dominated = {d.scenario for d in result.dominance}
    pattern = "_".join(f"<{k.rsplit('.', 1)[-1]}>" for k in sweep.keys)
    table = Table(
        title=f"sweep {sweep.name}: {len(result.records)} scenarios",
        caption=f"scenario names: {sweep.name}-{pattern} (varied values only)",
        show_header=True,
    )
    table.add_column("scenario", no_wrap=True)
    table.add_column("status", no_wrap=True)
    last_stage = next((r.stages[-1].label for r in result.records if r.stages), "last")
    heads = ("total cost kCNY", f"top-heavy (s{last_stage})", f"unserved (s{last_stage})", "s")
    for head in heads:
        table.add_column(head, justify="right")
    table.add_column("dominated")
    for r in result.records:
        last = r.stages[-1] if r.stages else None
        table.add_row(
            r.name,
            r.status
            if r.solver_status in {None, Status.OPTIMAL}
            else f"{r.status} ({r.solver_status})",
            f"{r.objective_kcny:,.0f}" if r.objective_kcny is not None else "",
            f"{last.top_heavy_share:.1%}" if last else "",
            f"{last.metrics.unserved:,.0f}" if last else "",
            f"{r.seconds:.1f}",
            "yes" if r.name in dominated else "",
        )
    m.out_console.print(table)
    counts = ", ".join(f"{result.count(s)} {s}" for s in ("solved", "reused", "failed"))
    m.out_console.print(f"{counts} in {result.seconds:.1f} s", markup=False)
    for kind in ("csv", "html", "json"):
        m.out_console.print(f"{kind}: {result.files[kind]}", markup=False)


@click.command("sweep")
@click.argument("sweep_file", type=click.Path(path_type=Path))
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes of the local Dask cluster [default: one per core, at most one "
    "per scenario].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Send the scenarios to a running Dask scheduler (tcp://host:8786) instead of a "
    "local cluster; its workers need planner and the same paths.",
)
@m.worker_timeout_option
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no summary table.")
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages.")
@m.guarded
def sweep_cmd(
    sweep_file: Path,
    workers: int | None,
    scheduler: str | None,
    worker_timeout: float,
    quiet: bool,
    verbose: bool,
) -> None:
    """Run every scenario of SWEEP_FILE on Dask and write the comparison.

    Each scenario is the sweep's base config with one combination of the [vary] values; it
    is written to <sweep dir>/scenarios/<scenario>/ and compared in comparison.csv,
    comparison.html and sweep.json. Scenarios whose config, data and code are unchanged since
    the last run are reused. Exit code 0 when every scenario has a plan, 3 when some failed
    (they are listed), 2 for a bad sweep file.
    """
    # imported here, not at the top: the cluster libraries cost seconds at every start-up
    from planner.run.dask_cluster import dask_client
    from planner.sweep import load_sweep, run_sweep

    if workers is not None and scheduler is not None:
        msg = "--workers and --scheduler exclude each other (the scheduler has its own workers)"
        raise click.UsageError(msg)
    m.setup_logging(verbose, quiet)
    if not verbose:  # the cluster's start-up and shutdown messages (set once it is imported)
        import distributed  # noqa: F401

        logging.getLogger("distributed").setLevel(logging.WARNING)
    sweep = load_sweep(sweep_file)
    show = not quiet and m.err_console.is_terminal
    with (
        dask_client(
            scheduler,
            workers,
            max_workers=len(sweep.scenarios),
            log_level=logging.WARNING if verbose else logging.CRITICAL,
            worker_timeout=worker_timeout,
        ) as client,
        _Board(m.err_console, show, len(sweep.scenarios)) as board,
    ):
        result = run_sweep(sweep, client, board)
    if not quiet:
        _summary(result)
    if result.failed:
        for r in result.failed:
            m.err_console.print(f"failed: {r.name}: {r.error}", markup=False, highlight=False)
        m.fail(
            f"{len(result.failed)} of {len(result.records)} scenarios failed; the others are "
            f"compared in {result.files['csv']}",
            m.EXIT_NO_PLAN,
        )
