"""What every command of the ``planner`` command line shares: exit codes, the two consoles,
the one-line failure, the error guard and the logging set-up. Only this package prints.

Exit codes: 0 success; 1 ``diff`` found differences; 2 bad input (config or data) or an
output the planner may not or cannot write (a folder it did not write, locked, read-only,
disk full); 3 no usable plan (infeasible, unbounded, solver error); 4 a plan was written but is not
proven optimal (time limit); 5 interrupted (SIGINT or SIGTERM) once the new plan was in place:
the new plan is in the folder, written in full; 70 an internal error (a bug); 130 interrupted
(SIGINT or SIGTERM) before the new plan was in place: the previous plan (if any) is untouched.
A ``planner run`` killed by SIGTERM before it writes (143) has not touched the previous plan
either; from the start of writing to the end of the process both signals are handled.
"""

from __future__ import annotations

import errno
import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from planner.errors import InputError, PlannerError, SolveError
from planner.io.run_dir import InterruptedAfterWrite
from planner.run.dask_cluster import WORKER_TIMEOUT_S

EXIT_INPUT = 2
EXIT_NO_PLAN = 3
EXIT_NOT_OPTIMAL = 4
EXIT_WRITTEN_INTERRUPTED = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
OUTPUT_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM})
"""Errors of a file system the user must fix (read-only, full, no permission): exit 2."""

STANDALONE = {"process": False}
"""``process``: the command runs as the console script (:func:`planner.cli.main.main`), not
in-process: signals may stay handled to the end of the process."""

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> None:
    """Print ``error: message`` on stderr and exit with ``code``."""
    say("error:", message, "bold red")
    sys.exit(code)


def say(label: str, message: str, style: str, console: Console | None = None) -> None:
    """Print ``label`` in ``style`` and ``message`` verbatim (never parsed as rich markup:
    ids, paths and values may hold ``[red]`` or ``[/x]``)."""
    line = Text(label, style=style)
    line.append(f" {message}")
    (console or err_console).print(line)


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
        except InterruptedAfterWrite:
            fail(
                "interrupted after the new plan was written in full; the new plan is in place",
                EXIT_WRITTEN_INTERRUPTED,
            )
        except KeyboardInterrupt:
            fail("interrupted; the previous plan (if any) is untouched", EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as err:
            if err.errno not in OUTPUT_ERRNOS:
                _internal(err)
            where = f"{err.filename}: " if err.filename else ""
            fail(f"{where}cannot write ({err.strerror or err})", EXIT_INPUT)
        except Exception as err:
            _internal(err)

    return wrapper


def _internal(err: Exception) -> None:
    """A bug: say so in one line (the full traceback with -v)."""
    logging.getLogger("planner").debug("internal error", exc_info=True)
    fail(
        f"internal error ({type(err).__name__}: {' '.join(str(err).split())}); this is a bug: "
        "please report it with the command and config (rerun with -v for the traceback)",
        EXIT_INTERNAL,
    )


def setup_logging(verbose: bool, quiet: bool) -> None:
    """Log to stderr: debug with ``verbose``, else warnings only."""
    # libraries log at INFO (pyogrio: "Created N records"); only -v shows that chatter
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)


worker_timeout_option = click.option(
    "--worker-timeout",
    type=click.FloatRange(min=0.0, min_open=True),
    default=WORKER_TIMEOUT_S,
    show_default=True,
    metavar="SECONDS",
    help="With --scheduler: give up when the scheduler has no worker after this long.",
)
"""``--worker-timeout`` of the commands that take ``--scheduler`` (run and sweep)."""
