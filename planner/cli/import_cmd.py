"""The ``import`` command: a filled workbook validated and converted into a dataset."""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli import common as m


@click.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Dataset folder to write (with a config.toml to run).",
)
@click.option(
    "--boundaries",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder with province/cities/counties.geojson [default: the national data/china].",
)
@m.guarded
def import_cmd(workbook: Path, out: Path, boundaries: Path | None) -> None:
    """Validate WORKBOOK (.xlsx, or a folder of its CSV sheets) and write a dataset to OUT."""
    from planner.inputs.workbook.importer import DEFAULT_BOUNDARIES, import_workbook

    m.setup_logging(False, True)
    config = import_workbook(workbook, out, boundaries or DEFAULT_BOUNDARIES)
    m.out_console.print(f"dataset written to {out}; run it with: planner run {config}")
