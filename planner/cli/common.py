"""What every command of the ``planner`` command line shares: exit codes, the two consoles,
the one-line failure, the error guard and the logging set-up. Only this package prints.

Exit codes: 0 success; 1 ``diff`` found differences; 2 bad input (config or data);
3 no usable plan (infeasible, unbounded, solver error); 4 a plan was written but is not
proven optimal (time limit); 70 an internal error (a bug); 130 interrupted.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console

from planner.errors import InputError, PlannerError, SolveError

EXIT_INPUT = 2
EXIT_NO_PLAN = 3
EXIT_NOT_OPTIMAL = 4
EXIT_INTERNAL = 70

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> None:
    """Print ``error: message`` on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", markup=True)
    sys.exit(code)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user-facing errors into one line on stderr and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as err:
            fail(str(err), EXIT_INPUT)
        except SolveError as err:
            fail(str(err), EXIT_NO_PLAN)
        except PlannerError as err:
            fail(str(err), EXIT_NO_PLAN)
        except KeyboardInterrupt:
            fail("interrupted; the previous plan (if any) is untouched", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as err:  # a bug: say so in one line, full traceback with -v
            logging.getLogger("planner").debug("internal error", exc_info=True)
            fail(
                f"internal error ({type(err).__name__}: {err}); this is a bug: please report "
                "it with the command and config (rerun with -v for the traceback)",
                EXIT_INTERNAL,
            )

    return wrapper


def setup_logging(verbose: bool, quiet: bool) -> None:
    """Log to stderr: debug with ``verbose``, else warnings only."""
    # libraries log at INFO (pyogrio: "Created N records"); only -v shows that chatter
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)
