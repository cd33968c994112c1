"""Exceptions raised for user-facing problems.

Every message is one line that names the file, field or id at fault and says what was
expected. The CLI turns :class:`InputError` into exit code 2 without a traceback.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base class of the errors the planner reports to users."""


class InputError(PlannerError):
    """A config or data file is missing, unreadable or invalid (exit code 2)."""


class SolveError(PlannerError):
    """The solver could not be run (missing package, crashed)."""
