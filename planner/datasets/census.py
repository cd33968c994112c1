"""Census numbers onto counties: rows without a polygon are folded into a host county (see
``data/README.md``, *Folding*)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from planner.datasets.units import (
    CENSUS_COUNTS,
    CENSUS_SHARES,
    RAW_FILES,
    WEIGHT_SIGMA,
    BuildReport,
    FloatArray,
    FoldRecord,
    _add_census,
    _census_numbers,
    _city_residual,
    _County,
    _find_host,
    _read_csv,
)

Census = dict[str, tuple[str, dict[str, float]]]
"""Census rows by code: (name, numbers)."""


def _attach_census(
    raw_dir: Path, province_code: str, counties: dict[str, _County], report: BuildReport
) -> tuple[str, dict[str, float]] | None:
    """Census numbers onto every county, folding rows without a polygon into a host county
    (see ``data/README.md``, *Folding*); returns the province total row, if any."""
    census = _read_csv(
        raw_dir / RAW_FILES["census"], "census", ("code", "county", *CENSUS_COUNTS, *CENSUS_SHARES)
    )
    census = census[census["code"].str[:2] == province_code].sort_values("code")
    report.census_rows = len(census)
    records = {
        str(row["code"]): (str(row["county"]), _census_numbers(row)) for _, row in census.iterrows()
    }
    totals = {c for c in records if c.endswith("00") and c not in counties}
    report.census_total_rows = len(totals)
    for code, (_name, numbers) in records.items():
        if code in counties:
            counties[code].census = numbers
            counties[code].has_own_census = True
    pending: list[tuple[str, str, dict[str, float], bool]] = [
        (code, name, numbers, True)
        for code, (name, numbers) in records.items()
        if code not in counties and code not in totals
    ]
    pending += _city_residuals(records, totals, province_code, report)
    _fold_pending(pending, counties, report)
    _census_fallbacks(records, counties, province_code, report)
    report.population_total = int(sum(c.census["pop_total"] for c in counties.values()))
    prov_row = records.get(province_code + "0000")
    if prov_row is not None:
        report.census_province_total = int(prov_row[1]["pop_total"])
        report.population_difference = report.population_total - report.census_province_total
        if report.population_difference != 0:
            report.warnings.append(
                f"county population sum differs from census province total by "
                f"{report.population_difference:+,}"
            )

    return prov_row


def _city_residuals(
    records: Census, totals: set[str], province_code: str, report: BuildReport
) -> list[tuple[str, str, dict[str, float], bool]]:
    """City residuals: each city total row minus the county-level rows under it."""
    pending: list[tuple[str, str, dict[str, float], bool]] = []
    for total_code in sorted(totals):
        if total_code == province_code + "0000":
            continue
        name, numbers = records[total_code]
        parts = [
            numbers_
            for code, (_n, numbers_) in records.items()
            if code[:4] == total_code[:4] and code not in totals
        ]
        residual, notes = _city_residual(numbers, parts)
        if notes:
            report.warnings.append(f"city residual {total_code} {name}: " + ", ".join(notes))
        if residual["pop_total"] > 0:
            pending.append((f"{total_code}-residual", f"{name}（未分县人口）", residual, False))
    return pending


def _fold_pending(
    pending: list[tuple[str, str, dict[str, float], bool]],
    counties: dict[str, _County],
    report: BuildReport,
) -> None:
    """Fold each pending census row into the host county its rule finds (or report it)."""
    for code, name, numbers, explicit in pending:
        host, rule = _find_host(code[:6], name if explicit else "", counties, explicit=explicit)
        if host is None:
            report.unplaced_census.append(f"{code} {name} ({numbers['pop_total']:,.0f})")
            continue
        target = counties[host]
        target.census = _add_census(target.census, numbers)
        target.folded.append(code)
        if rule == "renamed":
            target.has_own_census = True
        report.folded.append(
            FoldRecord(
                code=code,
                name=name,
                host_code=host,
                host_name=target.name,
                population=int(numbers["pop_total"]),
                rule=rule if explicit else f"residual/{rule}",
            )
        )


def _census_fallbacks(
    records: Census, counties: dict[str, _County], province_code: str, report: BuildReport
) -> None:
    """Counties without a census row: no population, their city's (else the province's)
    indicators."""
    for c in counties.values():
        if not c.census:
            # created after 2020 or a special area: its people are still counted in the 2020
            # parent county, so it gets no population; its indicators (maturity inputs) are
            # those of its city, else of the province
            report.counties_without_census.append(f"{c.code} {c.name}")
            fallback = records.get(c.city_code) or records.get(province_code + "0000")
            shares = fallback[1] if fallback is not None else {}
            c.census = {col: 0.0 for col in CENSUS_COUNTS} | {
                col: float(shares.get(col, float("nan"))) for col in CENSUS_SHARES
            }
            c.census["households_longform"] = float(shares.get("households_longform", 0.0))
            c.census["households_with_car_longform"] = float(
                shares.get("households_with_car_longform", 0.0)
            )


def _largest_remainder(quotas: FloatArray, total: int) -> npt.NDArray[np.int64]:
    """Integers summing to ``total``, closest to ``quotas`` (ties to the earlier entry)."""
    if quotas.size == 0:
        return np.zeros(0, dtype=np.int64)
    scaled = quotas * (total / quotas.sum()) if quotas.sum() > 0 else np.zeros_like(quotas)
    base = np.floor(scaled).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        remainder = scaled - base
        order = sorted(range(len(scaled)), key=lambda i: (-remainder[i], i))
        for i in order[:short]:
            base[i] += 1
    return base


def split_population(
    kinds: Sequence[str], urban: int, rural: int, total: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Split a county's census population over its townships (given in code order).

    Parameters
    ----------
    kinds : sequence of str
        Township kinds in township-code order (``street`` is urban, the rest rural).
    urban, rural, total : int
        County census urban, rural and total population.
    rng : numpy.random.Generator
        Stream of the county (``default_rng([seed, int(county_code)])``).

    Returns
    -------
    numpy.ndarray of int64
        Township populations summing exactly to ``total``.
    """
    n = len(kinds)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    weights = rng.lognormal(0.0, WEIGHT_SIGMA, size=n)
    street = np.array([k == "street" for k in kinds])
    urban_mask = street if street.any() else np.ones(n, dtype=bool)
    rural_mask = ~street if (~street).any() else np.ones(n, dtype=bool)
    quotas = urban * weights * urban_mask / (weights * urban_mask).sum()
    quotas = quotas + rural * weights * rural_mask / (weights * rural_mask).sum()
    if quotas.sum() <= 0:
        quotas = weights.copy()
    return _largest_remainder(quotas.astype(np.float64), total)


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------
