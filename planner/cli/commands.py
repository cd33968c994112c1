"""The ``validate``, ``run`` and ``config-docs`` commands.

The planner's heavy modules (the pipeline, the solver, the dataset tables) are imported in
the command bodies, not at the top: ``planner --help`` and every other command start in half
a second instead of three. No import cycle is involved (``tests/test_architecture.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from planner.cli import common as m
from planner.config.schema import LEVELS, load_config
from planner.io.run_dir import (
    InterruptedAfterWrite,
    hold_signals_after_swap,
    interrupted_after_swap,
    run_lock,
)
from planner.run.dask_cluster import check_scheduler_address, default_workers

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan.extract import Plan
    from planner.run.pipeline import RunResult


STEP_LABELS = {
    "load": "Loading and validating inputs",
    "travel": "Computing travel times",
    "maturity": "Netizen maturity",
    "prepare": "Preparing model data",
    "build": "Building the LP",
    "solve": "Solving",
    "plan": "Reading the plan back",
    "mode re-solves": "Re-solving with the window modes priced",
    "write": "Writing the plan",
}


class _Steps:
    """rich progress on a terminal; silent in CI, with -q, or when stderr is not a TTY."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and m.err_console.is_terminal
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=m.err_console,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _Steps:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            if self.task is not None:
                self.progress.update(self.task, completed=1, total=1)
            self.progress.stop()

    def __call__(self, step: str) -> None:
        if not self.enabled:
            return
        if self.task is not None:
            self.progress.update(self.task, completed=1, total=1)
        self.task = self.progress.add_task(STEP_LABELS.get(step, step), total=None)


@click.command("validate")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--calibration", is_flag=True, help="Also print the data against public reference figures."
)
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages (and a bug's traceback).")
@m.guarded
def validate_cmd(config: Path, calibration: bool, verbose: bool) -> None:
    """Check CONFIG and its data; print a short inventory."""
    from planner.run.pipeline import load_and_check

    m.setup_logging(verbose, True)
    loaded = load_config(config)
    inputs, crs = load_and_check(loaded)
    t = inputs.townships
    table = Table(title=f"{escape(str(config))}: inputs are valid", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for level in LEVELS:
        n = int((inputs.centres["level"] == level).sum())
        table.add_row(f"{level} centres", f"{n:,}")
    table.add_row("cities", f"{len(inputs.cities):,}")
    table.add_row("counties", f"{len(inputs.counties):,}")
    table.add_row("townships", f"{len(t):,}")
    for label, count in _provenance_rows(t):
        table.add_row(label, f"{count:,}")
    table.add_row("item categories", f"{len(inputs.items):,}")
    table.add_row(
        "stages",
        f"{len(loaded.config.stages.years)} ({', '.join(map(str, loaded.config.stages.years))})",
    )
    table.add_row("metric CRS for travel", escape(crs))
    m.out_console.print(table)
    if calibration:
        from planner.cli.calibration_view import calibration_table

        m.out_console.print(calibration_table(inputs, loaded)[0])


def _provenance_rows(t: pd.DataFrame) -> list[tuple[str, int]]:
    """Where the township points and populations come from, in words: only what the
    ``point_source`` and ``population_source`` columns say is generated is called so."""
    import pandas as pd

    points = t.get("point_source", pd.Series("", index=t.index)).fillna("").astype(str)
    real = int((points == "real_2016_gcj02").sum())
    generated = int(points.str.startswith("generated").sum())
    rows = [
        ("  with real points (2016, GCJ-02 converted)", real),
        ("  with generated points", generated),
        ("  with points as supplied", len(t) - real - generated),
    ]
    rows = [r for r in rows if r[1] > 0]
    pops = t.get("population_source", pd.Series("", index=t.index)).fillna("").astype(str)
    split = pops.str.startswith("generated")
    how = (
        "generated split"
        if split.all()
        else "as supplied"
        if not split.any()
        else "partly generated"
    )
    return [*rows, (f"township population ({how})", int(t["population"].sum()))]


@click.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("-v", "--verbose", is_flag=True, help="Show the solver log and debug messages.")
@click.option(
    "--province",
    metavar="CODE|NAME",
    help="Plan one province of a multi-province dataset (e.g. 44, 广东); the run is named "
    "<name>-<code>.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Dask workers for a multi-province dataset (provinces are independent LPs); "
    "default: the number of cores.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Send the provinces of a multi-province dataset to a running Dask scheduler "
    "(tcp://host:8786) instead of a local cluster; its workers need planner and the same "
    "paths. Not used for a dataset solved as one LP.",
)
@m.worker_timeout_option
@click.option(
    "--fresh",
    is_flag=True,
    help="Solve every province again: ignore the province plans an interrupted run of this "
    "config saved (they are replaced).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The run folder to write (instead of <output.dir>/<name>/); its name becomes the "
    "run's name.",
)
@m.guarded
def run_cmd(
    config: Path,
    quiet: bool,
    verbose: bool,
    province: str | None,
    workers: int | None,
    scheduler: str | None,
    worker_timeout: float,
    fresh: bool,
    out: Path | None,
) -> None:
    """Build, solve and write the plan of CONFIG to <output.dir>/<name>/ (or --out).

    A multi-province dataset is solved province by province; each province's plan is saved
    beside the run folder as it finishes, and a rerun of an interrupted run reuses those
    whose inputs, config and code are unchanged (see --fresh).
    """
    from planner.run.parts import PartStore
    from planner.run.pipeline import run_config, write_run

    if workers is not None and scheduler is not None:
        msg = "--workers and --scheduler exclude each other (the scheduler has its own workers)"
        raise click.UsageError(msg)
    if scheduler is not None:
        check_scheduler_address(scheduler)
    m.setup_logging(verbose, quiet)
    if m.STANDALONE["process"]:  # the swap and the exit code, atomic for SIGINT and SIGTERM
        hold_signals_after_swap()
    overrides: dict[str, Any] = {"solver": {"verbose": True}} if verbose else {}
    if province is not None:
        from planner.config.regions import PROVINCES, province_code

        with _blame_flag():
            code = province_code(province)
        base = load_config(config)
        overrides["data"] = {"province": code}
        overrides["name"] = f"{base.config.name}-{code}"
        region = f"{PROVINCES[code]} ({code}) alone"
        described = base.config.description
        overrides["description"] = f"{region}, from: {described}" if described else region
    if out is not None:
        overrides.update(_out_overrides(out))
    loaded = load_config(config, overrides)
    # a second run into the same folder is refused before it solves (when the folder's parent
    # exists: nothing is created for a run that fails on bad input)
    lock = run_lock(loaded.run_dir) if loaded.run_dir.parent.is_dir() else nullcontext()
    blame = _blame_flag() if province is not None else nullcontext()
    store = PartStore(loaded.run_dir, reuse=not fresh)
    with lock, _Steps(not quiet) as steps:
        with blame:
            run = run_config(
                loaded,
                steps,
                workers=workers or default_workers(),
                scheduler=scheduler,
                worker_timeout=worker_timeout,
                store=store,
            )
        run_dir = write_run(run, steps) if run.plan is not None else None
        if run_dir is not None:
            store.clear()  # the run folder is in place: the province parts are done with
    if run.plan is None:
        from planner.run.diagnose import explain

        m.fail(explain(run), m.EXIT_NO_PLAN)
        return
    try:
        _print_run(run, run.plan, run_dir, quiet)
    except KeyboardInterrupt:
        raise InterruptedAfterWrite from None


def _out_overrides(out: Path) -> dict[str, Any]:
    """``--out DIR``: the run is written to DIR itself, named by DIR's last part."""
    import re

    from planner.errors import InputError

    folder = out.resolve()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", folder.name):
        raise InputError(
            f"--out {out}: expected a folder name of letters, digits, '_', '.' and '-' "
            "(it becomes the run's name)"
        )
    return {"name": folder.name, "output": {"dir": str(folder.parent)}}


@contextmanager
def _blame_flag() -> Iterator[None]:
    """An input error about ``data.province`` that ``--province`` set names the flag."""
    from planner.errors import InputError

    try:
        yield
    except InputError as err:
        text = str(err)
        if "'data.province'" not in text:
            raise
        raise InputError(text.replace("'data.province'", "--province")) from None


def _print_run(run: RunResult, plan: Plan, run_dir: Path | None, quiet: bool) -> None:
    """The outcome of a written run (and exit 4 when it is not proven optimal)."""
    from planner.solve.status import Status

    result = run.result
    s = plan.summary
    if not quiet:
        shares = ", ".join(f"stage {k}: {v:.1%}" for k, v in s.top_heavy_share.items())
        m.out_console.print(
            f"{result.status}: objective {result.objective:,.0f} kCNY; "
            f"province+city area share {shares}",
            markup=False,
        )
        for w in plan.warnings:
            m.say("warning:", w, "yellow")
        if run.reused:
            m.out_console.print(
                f"reused the saved plans of {len(run.reused)} of {len(run.parts)} provinces "
                f"(an interrupted run of the same config and data): {', '.join(run.reused)}",
                markup=False,
            )
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in run.prepared.timings.seconds.items())
        m.out_console.print(f"plan written to {run_dir} ({timing})", markup=False)
    if interrupted_after_swap():  # recorded once the new plan was in place
        raise InterruptedAfterWrite
    if result.status != Status.OPTIMAL:
        m.fail(
            f"the plan was written but is not proven optimal ({result.detail})", m.EXIT_NOT_OPTIMAL
        )


@click.command("config-docs")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("configs"),
    show_default=True,
    help="Folder for default.toml and schema.json.",
)
@click.option("--check", is_flag=True, help="Exit 1 if the files differ from the schema.")
@m.guarded
def config_docs_cmd(out: Path, check: bool) -> None:
    """Write the documented default config and its JSON schema."""
    from planner.config.docs import default_toml, schema_json, write_docs

    if check:
        stale = [
            name
            for name, text in (("default.toml", default_toml()), ("schema.json", schema_json()))
            if not (out / name).exists() or (out / name).read_text(encoding="utf-8") != text
        ]
        if stale:
            m.err_console.print(
                f"stale: {', '.join(stale)}; run `planner config-docs`", markup=False
            )
            raise SystemExit(1)
        return
    for path in write_docs(out):
        m.out_console.print(f"wrote {path}", markup=False)
