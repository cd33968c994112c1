"""The ``report`` command: write the HTML report of a run folder (optionally against another)."""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli import common as m


@click.command("report")
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--against",
    "against",
    type=click.Path(path_type=Path),
    default=None,
    help="A reference run folder: the report compares the plans (A = this reference, B = RUN).",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Report file [default: RUN/report.html, or RUN/report-vs-<OTHER>.html with --against].",
)
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages.")
@m.guarded
def report_cmd(run: Path, against: Path | None, output: Path | None, verbose: bool) -> None:
    """Write the self-contained HTML report of the run folder RUN."""
    # imported here, not at the top: matplotlib costs seconds at every start-up
    from planner.report.html import write_report

    m.setup_logging(verbose, False)
    if output is None and against is not None:
        output = run / f"report-vs-{against.resolve().name}.html"
    path = write_report(run, against=against, path=output)
    size = path.stat().st_size / 1e6
    m.out_console.print(f"report written to {path} ({size:.1f} MB)", markup=False)
