"""The ``planner`` command line: the group and its commands (see
:mod:`planner.cli.common` for the exit codes).
"""

from __future__ import annotations

import signal

import click

from planner.cli.commands import config_docs_cmd, run_cmd, validate_cmd
from planner.cli.common import STANDALONE
from planner.cli.diff_cmd import diff_cmd
from planner.cli.import_cmd import import_cmd
from planner.cli.report_cmd import report_cmd
from planner.cli.sweep_cmd import sweep_cmd
from planner.cli.template_cmd import template_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="olive-planner")
def cli() -> None:
    """Olive Planner: staged capacity plans for government service centres."""


for _command in (
    validate_cmd,
    run_cmd,
    config_docs_cmd,
    diff_cmd,
    report_cmd,
    sweep_cmd,
    template_cmd,
    import_cmd,
):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    STANDALONE["process"] = True
    try:
        cli(prog_name="planner")
    finally:
        # the exit code is decided: a signal now must not replace it (Python's finalisation
        # resets a handler written in Python to the default, which dies by the signal)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
