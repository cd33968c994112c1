"""Write tiny, hand-checkable datasets and configs to a folder (test helper)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from planner.config.schema import LoadedConfig, deep_merge
from planner.modes.rules import ModeRules
from planner.run.pipeline import (
    Prepared,
    check_reachability,
    load_and_check,
    prepare_part,
    unreachable,
)
from planner.steps import Timings

SIMPLE_COST_TERMS: dict[str, float] = {
    "window_cost_per_year": 100_000.0,
    "value_of_time_per_hour": 0.0,
    "expansion_cost_per_m2": 0.0,
    "reduction_cost_per_m2": 0.0,
    "online_cost_per_transaction": 6.0,
    "unserved_penalty_per_transaction": 2000.0,
    "top_heavy_penalty_per_m2_year": 0.0,
}
"""``[costs]`` of the hand-worked cases: windows and online volume priced, no travel,
expansion, reduction or top-heavy cost (the expected objectives follow from these)."""

BOX = [[117.5, 31.5], [118.6, 31.5], [118.6, 32.5], [117.5, 32.5], [117.5, 31.5]]

# Census indicators at the top of every normalisation range: maturity is exactly 1.0.
FULL_MATURITY = {
    "pop_urban": None,  # set to pop_total
    "share_0_14_pct": 10.0,
    "share_65plus_pct": 10.0,
    "edu_years_mean": 13.0,
    "illiterate_15plus_pct": 0.0,
    "car_share": 0.7,
}


def _fc(features: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
            "features": features,
        }
    )


def _polygon(props: dict[str, Any], ring: list[list[float]] = BOX) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _name(prefix: str, code: str) -> str:
    """'P', 'C', 'K' for the default case's units; with the code for any other."""
    return prefix if code.startswith("3201") or code == "320000" else f"{prefix}{code}"


def tiny_centres(
    province: float = 0.0,
    city: float = 0.0,
    county: float = 100.0,
    stations: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Centres of the default case with the given floor areas (m2): province, city and county
    centres at T1's seat, and optionally a township station per township id (``320101001``
    at T1, ``320101002`` at T2)."""
    out: list[dict[str, Any]] = [
        {"centre_id": "prov_320000", "level": "province", "admin_code": "320000",
         "parent_id": "", "floor_area_m2": province},
        {"centre_id": "city_320100", "level": "city", "admin_code": "320100",
         "parent_id": "prov_320000", "floor_area_m2": city},
        {"centre_id": "cnty_320101", "level": "county", "admin_code": "320101",
         "parent_id": "city_320100", "floor_area_m2": county},
    ]  # fmt: skip
    seats = {"320101001": 118.0, "320101002": 118.1}
    for township, area in (stations or {}).items():
        out.append(
            {"centre_id": f"town_{township}", "level": "township", "admin_code": township,
             "parent_id": "cnty_320101", "floor_area_m2": area, "township_id": township,
             "lon": seats[township], "lat": 32.0}
        )  # fmt: skip
    return out


def city_or_county_config(stages: int = 1) -> dict[str, Any]:
    """Costs under which the item may go to the city or the county centre (both 100 m2 with
    ``tiny_centres(city=100)``): with no top-heavy penalty the city is cheaper (denser, more
    utilised windows), with 1 kCNY per m2 of penalty the county wins."""
    return {
        "costs": {
            "window_cost_per_year": 100_000.0,
            "value_of_time_per_hour": 0.0,
            "expansion_cost_per_m2": 0.0,
            "reduction_cost_per_m2": 0.0,
            "top_heavy_penalty_per_m2_year": 0.0,
        },
        "policy": {
            "levels": {
                "city": {
                    "area_per_window_m2": 40.0,
                    "area_cost_per_m2_year": 1000.0,
                    "max_shrink_per_stage": 1.0,
                    "min_area_m2": 0.0,
                },
                "county": {"area_cost_per_m2_year": 1000.0, "max_shrink_per_stage": 1.0},
            },
            "top_heavy_max_share": [0.0] * stages,
            # the olive without a margin: the hand-worked cases split at an exact tie
            "olive": {"margin": 0.0},
        },
    }


def write_case(
    folder: Path,
    *,
    townships: list[dict[str, Any]] | None = None,
    centres: list[dict[str, Any]] | None = None,
    items: list[dict[str, Any]] | None = None,
    config: dict[str, Any] | None = None,
) -> Path:
    """Write a tiny case; return the config path.

    Defaults: two towns of 1,000 people (T1 at 118.0E, T2 at 118.1E, 32N) in county 320101 of
    city 320100; province and city centres of 0 m2 and a county centre of 100 m2 at T1; one item,
    1,000 transactions per 1,000 residents, 10 minutes, county only, no online potential.
    """
    folder.mkdir(parents=True, exist_ok=True)
    townships = townships or [
        {
            "township_id": "320101001",
            "name": "T1",
            "kind": "town",
            "lon": 118.0,
            "lat": 32.0,
            "population": 1000,
        },
        {
            "township_id": "320101002",
            "name": "T2",
            "kind": "town",
            "lon": 118.1,
            "lat": 32.0,
            "population": 1000,
        },
    ]
    tw = pd.DataFrame(townships)
    tw["county_code"] = tw.get("county_code", "320101")
    tw = tw[["township_id", "name", "kind", "county_code", "lon", "lat", "population"]]
    tw.to_csv(folder / "townships.csv", index=False)

    by_county = tw.groupby("county_code")["population"].sum()
    counties = pd.DataFrame(
        [
            {
                "county_code": code,
                "name": _name("K", code),
                "city_code": code[:4] + "00",
                "pop_total": float(pop),
                **FULL_MATURITY,
            }
            for code, pop in by_county.items()
        ]
    )
    counties["pop_urban"] = counties["pop_total"]
    counties.to_csv(folder / "counties.csv", index=False)
    base = {"township_id": "320101001", "lon": 118.0, "lat": 32.0, "windows": 1}
    centres = centres or tiny_centres()
    ce = pd.DataFrame([{**base, "name": c["centre_id"], **c} for c in centres])
    ce = ce[
        [
            "centre_id",
            "level",
            "name",
            "admin_code",
            "parent_id",
            "township_id",
            "lon",
            "lat",
            "floor_area_m2",
            "windows",
            *[col for col in ("desks", "mode") if col in ce.columns],
        ]
    ]
    ce.to_csv(folder / "centres.csv", index=False)

    item_base = {
        "item_id": "a",
        "name_zh": "事项",
        "name_en": "item a",
        "annual_per_1000": 1000,
        "counter_minutes": 10,
        "pending_share": 0,
        "backoffice_minutes": 0,
        "levels_s1": "county",
        "online_potential": 0.0,
        "max_travel_min": 120,
    }
    pd.DataFrame([{**item_base, **i} for i in (items or [{}])]).to_csv(
        folder / "items.csv", index=False
    )

    # one box per province around its townships (the default case: BOX)
    boxes = {}
    for prov, grp in tw.groupby(tw["county_code"].str[:2]):
        if prov == "32" and grp["lon"].between(117.5, 118.6).all():
            boxes[prov] = BOX
        else:
            x0, x1 = grp["lon"].min() - 0.5, grp["lon"].max() + 0.5
            y0, y1 = grp["lat"].min() - 0.5, grp["lat"].max() + 0.5
            boxes[prov] = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    county_codes = sorted(by_county.index)

    def layer(prefix: str, codes: list[str]) -> str:
        features = [_polygon({"code": c, "name": _name(prefix, c)}, boxes[c[:2]]) for c in codes]
        return _fc(features)

    (folder / "province.geojson").write_text(
        layer("P", sorted({c[:2] + "0000" for c in county_codes}))
    )
    (folder / "cities.geojson").write_text(layer("C", sorted({c[:4] + "00" for c in county_codes})))
    (folder / "counties.geojson").write_text(layer("K", county_codes))

    cfg: dict[str, Any] = {
        "name": "tiny",
        "data": {
            "townships": "townships.csv",
            "counties": "counties.csv",
            "centres": "centres.csv",
            "items": "items.csv",
            "province_boundary": "province.geojson",
            "city_boundaries": "cities.geojson",
            "county_boundaries": "counties.geojson",
        },
        "stages": {"base_year": 2025, "years": [2026]},
        # phases read from the maturity index (the cases here have no online potential)
        "maturity": {"phase_measure": "maturity"},
        # the issue-15 and issue-23 rules off: the hand-worked optima are of the base model
        "policy": {
            "top_heavy_max_share": [1.0],
            "township_min_station_m2": 0.0,
            "merge_within_minutes": 0.0,
            "olive": {"stages": []},
            "surplus": {"convert": False},
            "level_floor": {"share_of_today": {}},
            "staff": {
                "redeploy_cost_per_window": 0.0,
                "redeploy_cost_per_desk": 0.0,
                "max_window_cut_per_stage": {},
            },
            "pace": {
                "centre_max_loss_per_stage": {},
                "level_max_loss_per_stage": {},
                "region_max_loss_per_stage": [],
            },
        },
        "output": {"dir": "out", "gpkg": False, "report": False},
        "solver": {"method": "simplex"},
    }
    cfg = deep_merge(cfg, config or {})
    path = folder / "config.toml"
    path.write_text(_toml(cfg))
    return path


def _province(
    code: str, lon: float, pops: tuple[int, int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cc = f"{code}0101"
    towns = [
        {"township_id": f"{cc}001", "name": f"{code}-a", "kind": "town", "county_code": cc,
         "lon": lon, "lat": 32.0, "population": pops[0]},
        {"township_id": f"{cc}002", "name": f"{code}-b", "kind": "street", "county_code": cc,
         "lon": lon + 0.2, "lat": 32.1, "population": pops[1]},
    ]  # fmt: skip
    host = {"township_id": f"{cc}001", "lon": lon, "lat": 32.0}
    centres = [
        {"centre_id": f"prov_{code}0000", "level": "province", "admin_code": f"{code}0000",
         "parent_id": "", "floor_area_m2": 400, **host},
        {"centre_id": f"city_{code}0100", "level": "city", "admin_code": f"{code}0100",
         "parent_id": f"prov_{code}0000", "floor_area_m2": 300, **host},
        {"centre_id": f"cnty_{cc}", "level": "county", "admin_code": cc,
         "parent_id": f"city_{code}0100", "floor_area_m2": 60, **host},
        {"centre_id": f"town_{cc}002", "level": "township", "admin_code": f"{cc}002",
         "parent_id": f"cnty_{cc}", "floor_area_m2": 20, "township_id": f"{cc}002",
         "lon": lon + 0.2, "lat": 32.1},
    ]  # fmt: skip
    return towns, centres


TWO_PROVINCE_ITEMS = [
    {"item_id": "a", "levels_s1": "city|county|township", "levels_s2": "county|township",
     "counter_minutes": 12, "online_potential": 0.5, "pending_share": 0.5,
     "backoffice_minutes": 20},
    {"item_id": "b", "annual_per_1000": 80, "levels_s1": "province|city",
     "levels_s2": "province|city", "counter_minutes": 40, "max_travel_min": 180},
]  # fmt: skip


def two_province_case(folder: Path, config: dict[str, Any]) -> Path:
    """Two provinces (32 and 34) of two townships each, two stages and two items: one
    item that moves down the levels, one kept at province or city."""
    t32, c32 = _province("32", 118.0, (30_000, 50_000))
    t34, c34 = _province("34", 117.0, (20_000, 70_000))
    base = {
        "stages": {"years": [2027, 2030]},
        "policy": {"top_heavy_max_share": [0.3, 0.2], "township_min_station_m2": 40.0},
    }
    return write_case(
        folder,
        townships=t32 + t34,
        centres=c32 + c34,
        items=TWO_PROVINCE_ITEMS,
        config=deep_merge(base, config),
    )


def _toml(value: dict[str, Any], prefix: str = "") -> str:
    """A minimal TOML writer for test configs (scalars, lists, nested tables)."""
    lines = []
    tables = []
    for key, val in value.items():
        if isinstance(val, dict):
            tables.append((key, val))
        else:
            lines.append(f"{key} = {_scalar(val)}")
    out = "\n".join(lines) + "\n"
    for key, val in tables:
        name = f"{prefix}{key}"
        out += f"\n[{name}]\n" + _toml(val, f"{name}.")
    return out


def _scalar(val: Any) -> str:
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, str):
        return json.dumps(val)
    if isinstance(val, list):
        return "[" + ", ".join(_scalar(v) for v in val) + "]"
    return repr(val)


def prepare_run(loaded: LoadedConfig) -> Prepared:
    """Load, validate and prepare one LP for all data (what ``run_config`` does for a
    dataset it does not split), for tests that build or solve the model themselves."""
    timings = Timings()
    inputs, crs = load_and_check(loaded, timings)
    prepared = prepare_part(loaded, inputs, crs, timings)
    check_reachability(inputs, [unreachable(prepared.model_data())])
    return prepared


def mode_rules(
    training: float = 6.0,
    steps: int = 1,
    backwards: bool = False,
    big_max_daily: float | None = None,
    per_window: float | None = None,
) -> ModeRules:
    """Window-mode rules of the hand-worked mode tests: 120 kCNY a window-year, the
    small-general standard at 20 transactions a day, no pooling gain."""
    return ModeRules(
        standard_daily=20.0,
        big_max_daily=big_max_daily,
        window_cost=120.0,
        training_cost=training,
        pooling_efficiency=1.0,
        steps_per_stage=steps,
        backwards=backwards,
        convert_max_per_window=per_window,
    )


def one_item_case(
    folder: Path, windows: dict[str, Any], population: tuple[int, int] = (15_000, 16_000)
) -> Path:
    """Two towns, a county hall and one station, one item that the county or the township
    may serve, no travel or expansion cost; today's windows cover one per item, so every
    centre is traditional today. ``windows`` is the config's ``[windows]`` table (e.g. the
    window-mode re-solves' ``mode_iterations``)."""
    townships = [
        {"township_id": "320101001", "name": "T1", "kind": "town", "lon": 118.0, "lat": 32.0,
         "population": population[0]},
        {"township_id": "320101002", "name": "T2", "kind": "town", "lon": 118.1, "lat": 32.0,
         "population": population[1]},
    ]  # fmt: skip
    config = {
        "costs": {"value_of_time_per_hour": 0.0, "expansion_cost_per_m2": 0.0},
        "policy": {"levels": {"township": {"max_growth_per_stage": 100.0}}},
        "windows": windows,
    }
    return write_case(
        folder,
        townships=townships,
        centres=[
            {**c, "windows": 100}
            for c in tiny_centres(county=1000.0, stations={"320101002": 200.0})
        ],
        items=[{"levels_s1": "county|township", "annual_per_1000": 4000}],
        config=config,
    )


def county_and_station_levels(station_cny_per_m2_year: float, **station: float) -> dict[str, Any]:
    """``policy.levels`` of the county-or-station cases: windows at full utilisation, a county
    hall that may not grow and pays no area cost, a township station that may grow 100-fold
    at ``station_cny_per_m2_year`` (``station``: more of the township level's keys)."""
    return {
        "county": {
            "window_utilisation": 1.0,
            "area_cost_per_m2_year": 0.0,
            "max_growth_per_stage": 0.0,
        },
        "township": {
            "window_utilisation": 1.0,
            "area_cost_per_m2_year": station_cny_per_m2_year,
            "max_growth_per_stage": 100.0,
            **station,
        },
    }


def county_at_limit_case(
    folder: Path, windows: dict[str, Any], solver: dict[str, Any] | None = None
) -> Path:
    """A county hall that may not grow and a township station that may (``windows``: the
    config's ``[windows]`` table; ``solver``: its ``[solver]`` table, when given).

    Two towns of 1,000 people, one item (18,000 transactions per 1,000 residents, 10
    minutes: 360 thousand window-minutes a year) served at the county hall (100 m2, no
    growth, 45 m2 a window, no area cost) or the station at T2 (30 m2 today, 30 m2 a
    window, 2,000 CNY a m2-year, growth unbounded in practice); windows at full
    utilisation (90 thousand minutes a year each, so 4 windows of load), 120 kCNY a
    window-year, no travel or expansion cost, one stage of one year; today's windows
    (100 each) cover one per item, so every centre is traditional today.
    """
    config = {
        "costs": {"value_of_time_per_hour": 0.0, "expansion_cost_per_m2": 0.0},
        "policy": {"levels": county_and_station_levels(2000.0)},
        "windows": windows,
        **({"solver": solver} if solver is not None else {}),
    }
    return write_case(
        folder,
        centres=[
            {**c, "windows": 100} for c in tiny_centres(county=100.0, stations={"320101002": 30.0})
        ],
        items=[{"levels_s1": "county|township", "annual_per_1000": 18000}],
        config=config,
    )
