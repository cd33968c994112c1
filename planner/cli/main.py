"""The ``planner`` command line. Only this package prints.

Exit codes: 0 success; 1 ``diff`` found differences; 2 bad input (config or data);
3 no usable plan (infeasible, unbounded, solver error); 4 a plan was written but is not
proven optimal (time limit); 70 an internal error (a bug); 130 interrupted.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from planner.errors import InputError, PlannerError, SolveError

EXIT_INPUT = 2
EXIT_NO_PLAN = 3
EXIT_NOT_OPTIMAL = 4
EXIT_INTERNAL = 70

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    sys.exit(code)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user-facing errors into one line on stderr and an exit code, never a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as err:
            _fail(str(err), EXIT_INPUT)
        except SolveError as err:
            _fail(str(err), EXIT_NO_PLAN)
        except PlannerError as err:
            _fail(str(err), EXIT_NO_PLAN)
        except KeyboardInterrupt:
            _fail("interrupted; the previous plan (if any) is untouched", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as err:  # a bug: say so in one line, full traceback with -v
            logging.getLogger("planner").debug("internal error", exc_info=True)
            _fail(
                f"internal error ({type(err).__name__}: {err}); this is a bug: please report "
                "it with the command and config (rerun with -v for the traceback)",
                EXIT_INTERNAL,
            )

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="olive-planner")
def cli() -> None:
    """Olive Planner: staged capacity plans for government service centres."""


def _setup_logging(verbose: bool, quiet: bool) -> None:
    # libraries log at INFO (pyogrio: "Created N records"); only -v shows that chatter
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)


from planner.cli import commands as _commands  # noqa: E402

_commands.register(cli)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="planner")
