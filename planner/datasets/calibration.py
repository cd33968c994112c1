"""The embedded default held against public figures (``planner validate --calibration``).

Each :class:`Reference` is one public figure (see ``data/README.md``, *Calibration*, and the
project's calibration notes) with a band around it: the counting rules of the sources differ
(items vs transactions, halls with or without trading and housing-fund desks) and several are
years old, so a band, not the figure, is the target. :func:`calibration_rows` computes the
model's value of each figure from a dataset's tables and says whether it is inside its band.
A figure whose unit (e.g. Nanjing's city centre) is not in the dataset is reported as not
applicable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.config.schema import MaturityConfig, StagesConfig
from planner.datasets.inventory import today_load
from planner.datasets.points import seat_distance_km
from planner.inputs.maturity import township_maturity


@dataclass(frozen=True)
class Reference:
    """A public figure and the band the model must fall in."""

    key: str
    figure: str
    reference: str
    low: float
    high: float
    unit: str
    source: str


@dataclass(frozen=True)
class Tables:
    """The dataset tables a calibration reads (indexed by their ids, as read by the planner)."""

    townships: pd.DataFrame
    counties: pd.DataFrame
    centres: pd.DataFrame
    items: pd.DataFrame
    maturity: MaturityConfig
    stages: StagesConfig
    online_shares: pd.DataFrame | None = None
    """Measured online shares (``county_code, year, online_share``), e.g. from a workbook."""


@dataclass(frozen=True)
class Row:
    """One line of the calibration table."""

    ref: Reference
    model: float | None
    """None when the dataset lacks the unit the figure is about."""

    @property
    def inside(self) -> bool | None:
        if self.model is None:
            return None
        return self.ref.low <= self.model <= self.ref.high


NANJING = "city_320100"
GUSU = "cnty_320508"
GUSU_CODE = "320508"

REFERENCES: tuple[Reference, ...] = (
    Reference(
        "nanjing_windows",
        "Nanjing city centre: windows",
        "about 155 windows (~2015)",
        100,
        310,
        "windows",
        "http://czkjst.org/czkjst/南京市政务服务中心/3118543",
    ),
    Reference(
        "nanjing_area",
        "Nanjing city centre: floor area",
        "about 28,000 m² (~2015); Changzhou's combined centre 111,858 m² (2017)",
        20_000,
        112_000,
        "m²",
        "http://czkjst.org/czkjst/南京市政务服务中心/3118543 ; "
        "https://xzsp.changzhou.gov.cn/html/xzsp/2017/AEFDJONA_0915/4673.html",
    ),
    Reference(
        "nanjing_staff",
        "Nanjing city centre: staff (windows + back-office desks)",
        "about 450 staff (~2015), band 0.5x to 2x",
        225,
        900,
        "posts",
        "http://czkjst.org/czkjst/南京市政务服务中心/3118543",
    ),
    Reference(
        "city_windows_share",
        "City halls' share of city + county hall windows",
        "Nanjing's 155 windows for 9.3 M residents against Gusu's 118 for 0.92 M: 11.5%; "
        "their bands (100 to 310, 60 to 240) give 4% to 34%",
        0.04,
        0.34,
        "share",
        "http://czkjst.org/czkjst/南京市政务服务中心/3118543 ; "
        "https://zwfw.gusu.gov.cn:8305/gszwfw/newgszwdt/gover_hall.html",
    ),
    Reference(
        "gusu_area",
        "Gusu district hall (Suzhou): floor area",
        "about 6,000 m²",
        3_000,
        12_000,
        "m²",
        "https://zwfw.gusu.gov.cn:8305/gszwfw/newgszwdt/gover_hall.html",
    ),
    Reference(
        "gusu_windows",
        "Gusu district hall: windows",
        "118 windows",
        60,
        240,
        "windows",
        "https://zwfw.gusu.gov.cn:8305/gszwfw/newgszwdt/gover_hall.html",
    ),
    Reference(
        "gusu_volume",
        "Gusu district hall: transactions a year",
        "about 600,000 a year (2,300 a day)",
        300_000,
        1_200_000,
        "transactions",
        "https://zwfw.gusu.gov.cn:8305/gszwfw/newgszwdt/gover_hall.html",
    ),
    Reference(
        "county_windows_median",
        "County halls: median windows",
        "Gusu 118, Wuzhong 150+ (Suzhou); Wulong (Chongqing) 97; Rong (Guangxi) 43",
        40,
        160,
        "windows",
        "https://zwfw.gusu.gov.cn:8305/gszwfw/newgszwdt/gover_hall.html ; "
        "https://top.aizhan.com/430171.html ; "
        "http://cqwulong.cn/Content/2023-10/18/content_10604095.htm ; "
        "https://jendow.com.tw/wiki/容縣政務服務中心",
    ),
    Reference(
        "upper_centres",
        "Jiangsu: province, city and county centres",
        "134 in Jiangsu (2017; counts development-zone centres the model folds into counties)",
        95,
        150,
        "centres",
        "https://www.zozya.com/art/2017/6/7/art_19493_3632447.html",
    ),
    Reference(
        "online_volume",
        "Online transactions a year, Jiangsu (2025 uptake)",
        "about 380 M in Jiangsu (2023; a news summary that may count queries: band 1/4x to "
        "1.5x, the government hall figures above take precedence)",
        95e6,
        570e6,
        "transactions",
        "https://daydaynews.cc/regimen/3911613.html",
    ),
    Reference(
        "online_share",
        "Online share of transactions, 2025",
        "33% for city pension contributions in 2018 (351,000 of 1.053 M); higher since",
        0.33,
        0.85,
        "share",
        "https://big5.cri.cn/gate/big5/js.cri.cn/20181205/c33a6073-4c82-eca4-1c2d-f6b819f88d03.html",
    ),
    Reference(
        "street_seat_km",
        "Generated street points: median km to the county seat",
        "median of the real street points (2016 points, Vonng/adcode), band 0.6x to 1.4x",
        math.nan,
        math.nan,
        "km",
        "https://github.com/Vonng/adcode",
    ),
)


def _centre(tables: Tables, centre_id: str, column: str) -> float | None:
    centres = tables.centres
    if centre_id not in centres.index:
        return None
    return float(centres.loc[centre_id, column])


def _staff(tables: Tables, centre_id: str) -> float | None:
    """Windows plus back-office desks (None without the centre or a ``desks`` column)."""
    windows = _centre(tables, centre_id, "windows")
    if windows is None or "desks" not in tables.centres.columns:
        return None
    desks = pd.to_numeric(pd.Series([tables.centres.loc[centre_id, "desks"]]), errors="coerce")
    return windows + float(desks.fillna(0.0).iloc[0])


def _gusu_volume(tables: Tables) -> float | None:
    if GUSU not in tables.centres.index or GUSU_CODE not in tables.counties.index:
        return None
    maturity = township_maturity(tables.townships, tables.counties, tables.maturity, tables.stages)
    towns = tables.townships["county_code"] == GUSU_CODE
    pop = tables.townships.loc[towns, "population"].astype(float)
    m0 = float((maturity.loc[towns, 0] * pop).sum() / pop.sum()) if pop.sum() > 0 else 0.0
    per_1000 = today_load(tables.items, m0)["county"].transactions
    return per_1000 * float(tables.counties.loc[GUSU_CODE, "pop_total"]) / 1000.0


def online_2025(tables: Tables) -> tuple[float, float]:
    """Online transactions a year at the base year and their share of all transactions.

    A township's online share of an item is its base-year maturity times the item's online
    potential (the same cap the model uses for later stages).
    """
    maturity = township_maturity(tables.townships, tables.counties, tables.maturity, tables.stages)
    m0 = maturity[0].to_numpy()
    pop = tables.townships["population"].astype(float).to_numpy() / 1000.0
    rate = tables.items["annual_per_1000"].astype(float).to_numpy()
    potential = tables.items["online_potential"].astype(float).to_numpy()
    total = float(pop.sum() * rate.sum())
    online = float((pop * m0).sum() * (rate * potential).sum())
    return online, (online / total if total else 0.0)


def street_seat_km(tables: Tables) -> tuple[float | None, float | None]:
    """Median distance of real and of generated street points to their county seat (the
    township hosting the county centre)."""
    if "point_source" not in tables.townships:
        return None, None
    t = tables.townships
    seats = tables.centres[tables.centres["level"] == "county"]
    seat_of = dict(zip(seats["admin_code"], seats["township_id"], strict=True))
    real: list[float] = []
    generated: list[float] = []
    for tid, row in t[t["kind"] == "street"].iterrows():
        seat = seat_of.get(str(row["county_code"]), "")
        if not seat or seat == tid or seat not in t.index:
            continue
        if t.loc[seat, "point_source"] != "real_2016_gcj02":
            continue
        km = seat_distance_km(
            float(row["lon"]), float(row["lat"]), (t.loc[seat, "lon"], t.loc[seat, "lat"])
        )
        (real if row["point_source"] == "real_2016_gcj02" else generated).append(km)
    if not real or not generated:
        return None, None
    return float(np.median(real)), float(np.median(generated))


def measured_online_row(tables: Tables) -> Row | None:
    """The model's online share against the measured shares of the dataset (population-
    weighted over the counties measured, each in its year), band +-10 points."""
    shares = tables.online_shares
    if shares is None or shares.empty:
        return None
    base = township_maturity(tables.townships, tables.counties, tables.maturity, tables.stages)[0]
    t = tables.townships.assign(m0=base)
    potential = tables.items["online_potential"].astype(float).to_numpy()
    rate = tables.items["annual_per_1000"].astype(float).to_numpy()
    uptake = float((rate * potential).sum() / rate.sum())
    model = measured = weight = 0.0
    for rec in shares.to_dict("records"):
        towns = t[t["county_code"].astype(str) == str(rec["county_code"])]
        pop = towns["population"].astype(float)
        if pop.sum() <= 0:
            continue
        years = int(rec["year"]) - tables.stages.base_year
        m = 1.0 - (1.0 - towns["m0"]) * (1.0 - tables.maturity.annual_catch_up) ** years
        model += float((m * pop).sum()) * uptake
        measured += float(rec["online_share"]) * float(pop.sum())
        weight += float(pop.sum())
    if weight <= 0:
        return None
    mean = measured / weight
    ref = Reference(
        "measured_online",
        f"Online share, {len(shares)} measured county-years",
        f"{mean:.0%} measured (population-weighted), band +-10 points",
        max(0.0, mean - 0.10),
        min(1.0, mean + 0.10),
        "share",
        "the dataset's online_shares.csv (workbook sheet online_shares)",
    )
    return Row(ref, model / weight)


JIANGSU = "32"
"""Province-wide references are Jiangsu's: they are computed on the Jiangsu part only."""


def jiangsu_part(tables: Tables) -> Tables | None:
    """The Jiangsu townships, counties and centres of a dataset (None without any)."""
    towns = tables.townships[tables.townships["county_code"].astype(str).str[:2] == JIANGSU]
    if towns.empty:
        return None
    counties = tables.counties[tables.counties.index.astype(str).str[:2] == JIANGSU]
    centres = tables.centres[tables.centres["admin_code"].astype(str).str[:2] == JIANGSU]
    return Tables(towns, counties, centres, tables.items, tables.maturity, tables.stages)


def calibration_rows(tables: Tables) -> list[Row]:
    """The model's value of every reference figure, in :data:`REFERENCES` order (then the
    dataset's measured online shares, if any)."""
    share = online_2025(tables)[1]
    jiangsu = jiangsu_part(tables)
    online_js = online_2025(jiangsu)[0] if jiangsu is not None else None
    upper_js = (
        float((jiangsu.centres["level"] != "township").sum()) if jiangsu is not None else None
    )
    county = tables.centres[tables.centres["level"] == "county"]["windows"].astype(float)
    city = tables.centres[tables.centres["level"] == "city"]["windows"].astype(float)
    real_km, generated_km = street_seat_km(tables)
    values: dict[str, Callable[[], float | None]] = {
        "nanjing_windows": lambda: _centre(tables, NANJING, "windows"),
        "nanjing_area": lambda: _centre(tables, NANJING, "floor_area_m2"),
        "nanjing_staff": lambda: _staff(tables, NANJING),
        "city_windows_share": lambda: (
            float(city.sum() / (city.sum() + county.sum())) if len(city) and len(county) else None
        ),
        "gusu_area": lambda: _centre(tables, GUSU, "floor_area_m2"),
        "gusu_windows": lambda: _centre(tables, GUSU, "windows"),
        "gusu_volume": lambda: _gusu_volume(tables),
        "county_windows_median": lambda: float(county.median()) if len(county) else None,
        "upper_centres": lambda: upper_js,
        "online_volume": lambda: online_js,
        "online_share": lambda: share,
        "street_seat_km": lambda: generated_km,
    }
    rows = []
    for ref in REFERENCES:
        if ref.key == "street_seat_km":
            if real_km is None:
                rows.append(Row(ref, None))
                continue
            ref = Reference(
                ref.key,
                ref.figure,
                f"{real_km:.1f} km, the median of the real street points",
                round(0.6 * real_km, 2),
                round(1.4 * real_km, 2),
                ref.unit,
                ref.source,
            )
        rows.append(Row(ref, values[ref.key]()))
    measured = measured_online_row(tables)
    return [*rows, measured] if measured is not None else rows


def format_value(value: float | None, unit: str) -> str:
    """A figure as the table prints it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "km":
        return f"{value:.1f}"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.0f} M"
    return f"{value:,.0f}"
