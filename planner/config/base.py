"""The base of every config section: unknown keys refused, every number finite and bounded.

Split from :mod:`planner.config.schema` (which re-exports what it needs) so that sections can
live in more than one module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

MAX_NUMBER = 1e12
"""Largest magnitude of any number in a config: products of such numbers stay finite (and
below the 1e20 HiGHS reads as infinite), so no cost or bound turns into inf or nan."""
LEVELS: tuple[str, ...] = ("province", "city", "county", "township")
"""The four levels of the network, top-down (re-exported by :mod:`planner.config.schema`)."""
MAX_HORIZON_YEARS = 100
"""Latest stage end year after ``stages.base_year`` (growth compounds over the years)."""


def numbers(value: object) -> Iterator[float]:
    """Every number in a field value (lists, tuples and dicts of numbers included)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from numbers(item)


def reject_unknown_levels(given: Iterable[str], allowed: Iterable[str], key: str) -> None:
    """Refuse level names outside ``allowed`` in the table ``key`` (ValueError naming both)."""
    expected = list(allowed)
    unknown = sorted(set(given) - set(expected))
    if unknown:
        msg = f"unknown level(s) {unknown} in '{key}'; expected {expected}"
        raise ValueError(msg)


class Section(BaseModel):
    """A config section (``extra="forbid"``, frozen, numbers finite and within +-1e12)."""

    # every number finite (inf and nan are refused naming the key) and of bounded magnitude
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, value: object) -> object:
        if any(abs(x) > MAX_NUMBER for x in numbers(value)):
            raise PydanticCustomError(
                "number_too_large",
                "every number in a config must be within +-{limit} (no plan needs more)",
                {"limit": f"{MAX_NUMBER:g}"},
            )
        return value
