"""The ``diff`` command: compare two run folders."""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli import common as m
from planner.errors import InputError

FORMATS = ("text", "json", "markdown")


@click.command("diff")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a review thread, json for scripts.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the diff to FILE (only the one-line verdict is printed).",
)
@m.guarded
def diff_cmd(run_a: Path, run_b: Path, fmt: str, output: Path | None) -> None:
    """Compare the plans of two run folders RUN_A (before) and RUN_B (after).

    Exit code 0 when every plan file is byte-identical, 1 when the plans differ,
    2 when a folder or file is missing or unreadable.
    """
    # imported here, not at the top: pandas and the plan types cost a second at start-up
    from planner.diff import diff_runs, headline, load_run, render_markdown, render_text, to_json

    d = diff_runs(load_run(run_a), load_run(run_b))
    text = {"text": render_text, "json": to_json, "markdown": render_markdown}[fmt](d)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8", newline="\n")
        except OSError as err:
            msg = f"{output}: cannot write the diff ({err.strerror})"
            raise InputError(msg) from None
        click.echo(f"{headline(d)}; written to {output}")
    if not d.identical:
        raise SystemExit(1)
