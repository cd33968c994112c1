"""The ``template`` command: the workbook a planning office fills in (or a dataset exported
to it)."""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli import common as m
from planner.config.schema import load_config


@click.command("template")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--from-config",
    "config",
    type=click.Path(path_type=Path),
    default=None,
    help="Fill the workbook with this config's dataset (an export) instead of example rows.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite the workbook and CSV sheets when FOLDER already holds them.",
)
@m.guarded
def template_cmd(folder: Path, config: Path | None, force: bool) -> None:
    """Write FOLDER/planner_workbook.xlsx and the same sheets as FOLDER/csv/*.csv (never
    over existing ones without --force)."""
    from planner.inputs.load import read_inputs
    from planner.inputs.workbook.template import export_rows, write_template

    m.setup_logging(False, True)
    rows = None
    if config is not None:
        rows = export_rows(read_inputs(load_config(config)))
    paths = write_template(folder, rows, force)
    what = (
        f"the dataset of {config}"
        if config is not None
        else "a complete small example: overwrite its rows"
    )
    m.out_console.print(f"wrote {paths[0]} and {len(paths) - 1} CSV sheets ({what})")
