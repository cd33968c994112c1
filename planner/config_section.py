"""The base of every config section: unknown keys refused, numbers finite and bounded.

Kept apart from :mod:`planner.config` so that section groups in their own modules
(:mod:`planner.config_policy`) share it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

MAX_NUMBER = 1e12
"""Largest magnitude of any number in a config: products of such numbers stay finite (and
below the 1e20 HiGHS reads as infinite), so no cost or bound turns into inf or nan."""
MAX_HORIZON_YEARS = 100
"""Latest stage end year after ``stages.base_year`` (growth compounds over the years)."""


def _numbers(value: object) -> Iterator[float]:
    """Every number in a field value (lists, tuples and dicts of numbers included)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)


class Section(BaseModel):
    """A config section: ``extra="forbid"``, frozen, every number finite and bounded."""

    # every number finite (inf and nan are refused naming the key) and of bounded magnitude
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, value: object) -> object:
        if any(abs(x) > MAX_NUMBER for x in _numbers(value)):
            raise PydanticCustomError(
                "number_too_large",
                "every number in a config must be within +-{limit} (no plan needs more)",
                {"limit": f"{MAX_NUMBER:g}"},
            )
        return value
