"""The sheets of a planner workbook: columns, Chinese labels, units, types and an example.

Every sheet has the same layout, in Excel and in the CSV copies: **row 1** holds the column
keys (English, what the importer reads), **row 2** the Chinese label and unit (for people;
not read), data from **row 3** on. The template's row 3 is an example to overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planner.config.items import ITEM_CLASSES

Kind = Literal["id", "text", "number", "integer", "enum", "levels", "ids"]

LEVEL_NAMES: dict[str, str] = {
    "province": "province",
    "city": "city",
    "county": "county",
    "township": "township",
    "省": "province",
    "市": "city",
    "县": "county",
    "乡镇": "township",
}
"""Accepted level spellings (English or Chinese) -> the planner's level."""

MODE_NAMES: dict[str, str] = {
    "traditional": "traditional",
    "small_general": "small_general",
    "big_general": "big_general",
    "传统窗口": "traditional",
    "小全科": "small_general",
    "大全科": "big_general",
}
"""Accepted spellings of today's window mode (English or Chinese) -> the planner's mode."""

TOWNSHIP_KINDS: dict[str, str] = {
    "street": "street",
    "town": "town",
    "township": "township",
    "other": "other",
    "街道": "street",
    "镇": "town",
    "乡": "township",
    "其他": "other",
}
"""Accepted township kinds -> the planner's kind."""

ITEM_KINDS: tuple[str, ...] = ("即办件", "承诺件")
"""Immediate items (handled at the window) and pending items (decided by a back office)."""

CRS_NAMES: dict[str, str] = {
    "WGS84": "WGS84",
    "EPSG:4326": "WGS84",
    "CGCS2000": "CGCS2000",
    "EPSG:4490": "CGCS2000",
    "GCJ-02": "GCJ-02",
    "GCJ02": "GCJ-02",
    "BD-09": "BD-09",
    "BD09": "BD-09",
}
"""Accepted coordinate systems -> canonical name (GCJ-02: Amap/Tencent; BD-09: Baidu)."""


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    key: str
    label: str
    """Chinese label with the unit, row 2."""
    kind: Kind
    required: bool
    example: str | float | int
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One sheet (and CSV file) of the workbook."""

    name: str
    title: str
    required: bool
    columns: tuple[Column, ...]
    about: str

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


LEVEL_CHOICES = tuple(LEVEL_NAMES)
CENTRES = Sheet(
    "centres",
    "中心清单 centres inventory",
    True,
    (
        Column("centre_id", "中心编号（唯一）", "id", True, "cnty_320102"),
        Column("name", "中心名称", "text", True, "玄武区政务服务中心"),
        Column("level", "层级：省/市/县/乡镇", "enum", True, "县", choices=LEVEL_CHOICES),
        Column("admin_code", "服务的行政区划代码", "id", True, "320102"),
        Column("parent_id", "上级中心编号（省级留空）", "text", False, "city_320100"),
        Column("township_id", "所在乡镇编号（坐落）", "id", True, "320102002"),
        Column("floor_area_m2", "建筑面积（平方米）", "number", True, 4800, 0.0),
        Column("windows", "窗口数（个）", "integer", True, 88, 0.0),
        Column("desks", "后台工位数（个，可空）", "integer", False, "", 0.0),
        Column("items_offered", "可办事项编号（用 | 分隔，可空）", "ids", False, ""),
        Column(
            "today_mode",
            "当前窗口模式：传统窗口/小全科/大全科（可空，空则按窗口数与需求推断）",
            "enum",
            False,
            "",
            choices=tuple(MODE_NAMES),
        ),
        Column("source", "数据来源（可空，默认 user）", "text", False, "user"),
    ),
    "Today's centres: one row per centre, at the seat of a township of the townships sheet.",
)
ITEMS = Sheet(
    "items",
    "事项目录 item catalogue",
    True,
    (
        Column("item_id", "事项编号（小写字母、数字、下划线）", "id", True, "id_card"),
        Column("name_zh", "事项名称", "text", True, "居民身份证办理"),
        Column("name_en", "英文名称（可空）", "text", False, "Resident ID card"),
        Column("kind", "办件类型：即办件/承诺件", "enum", True, "承诺件", choices=ITEM_KINDS),
        Column(
            "pending_share",
            "承诺件占比（0-1，可空：即办件 0，承诺件 1）",
            "number",
            False,
            0.9,
            0,
            1,
        ),
        Column("annual_per_1000", "每千人年办件量（件，或填下一列）", "number", False, 100, 0.0),
        Column("annual_total", "年办件总量（件，全区域，可空）", "number", False, "", 0.0),
        Column("counter_minutes", "窗口受理时长（分钟/件）", "number", True, 12, 0.0),
        Column("backoffice_minutes", "后台办理时长（分钟/件）", "number", True, 15, 0.0),
        Column("accept_s1", "第一阶段受理层级（| 分隔）", "levels", True, "county|township"),
        Column("decide_s1", "第一阶段审批层级（| 分隔）", "levels", True, "county"),
        Column("accept_s2", "第二阶段受理层级", "levels", True, "county|township"),
        Column("decide_s2", "第二阶段审批层级", "levels", True, "county"),
        Column("accept_s3", "第三阶段受理层级", "levels", True, "county|township"),
        Column("decide_s3", "第三阶段审批层级", "levels", True, "county"),
        Column("online_potential", "网办潜力（0-1）", "number", True, 0.2, 0, 1),
        Column("max_travel_min", "最远可接受出行时间（分钟）", "number", True, 60, 1.0),
        Column("source", "数据来源（可空，默认 user）", "text", False, "user"),
        Column(
            "item_class",
            "事项类别：convenience/business/major_approval（可空，默认 business；可省略此列）",
            "enum",
            False,
            "convenience",
            choices=ITEM_CLASSES,
        ),
    ),
    "The item catalogue: volumes, minutes, accept and decide levels per stage, online "
    "potential, item class.",
)
TOWNSHIPS = Sheet(
    "townships",
    "乡镇 townships",
    True,
    (
        Column("township_id", "乡镇编号（9 位代码）", "id", True, "320102002"),
        Column("name", "乡镇名称", "text", True, "梅园新村街道"),
        Column(
            "kind", "类型：街道/镇/乡/其他", "enum", True, "街道", choices=tuple(TOWNSHIP_KINDS)
        ),
        Column("county_code", "所属县级代码（须在 counties 表）", "id", True, "320102"),
        Column("lon", "经度（度）", "number", True, 118.80),
        Column("lat", "纬度（度）", "number", True, 32.05),
        Column(
            "crs",
            "坐标系：WGS84/CGCS2000/GCJ-02/BD-09",
            "enum",
            True,
            "WGS84",
            choices=tuple(CRS_NAMES),
        ),
        Column("population", "常住人口（人）", "integer", True, 52000, 0.0),
        Column("point_source", "坐标来源（可空，默认 user）", "text", False, "user"),
        Column("population_source", "人口来源（可空，默认 user）", "text", False, "user"),
    ),
    "Townships (乡镇/街道): the demand points. Coordinates of the township seat, CRS per row.",
)
COUNTIES = Sheet(
    "counties",
    "县级单位 counties",
    True,
    (
        Column("county_code", "县级代码（6 位）", "id", True, "320102"),
        Column("name", "县级名称", "text", True, "玄武区"),
        Column("city_code", "所属地级市代码（6 位）", "id", True, "320100"),
        Column("city_name", "地级市名称（可空）", "text", False, "南京市"),
        Column("pop_total", "常住人口（人）", "integer", True, 537825, 0.0),
        Column("pop_urban", "城镇人口（人）", "integer", True, 537825, 0.0),
        Column("share_0_14_pct", "0-14 岁占比（%）", "number", True, 11.6, 0, 100),
        Column("share_65plus_pct", "65 岁及以上占比（%）", "number", True, 14.4, 0, 100),
        Column("edu_years_mean", "平均受教育年限（年）", "number", True, 13.0, 0, 20),
        Column("illiterate_15plus_pct", "15 岁及以上文盲率（%）", "number", True, 0.9, 0, 100),
        Column("car_share", "有车家庭占比（0-1）", "number", True, 0.35, 0, 1),
        Column("source", "数据来源（可空，默认 user）", "text", False, "user"),
    ),
    "County-level units with the census indicators of the netizen maturity index.",
)
ONLINE_SHARES = Sheet(
    "online_shares",
    "实测网办率 measured online shares (optional)",
    False,
    (
        Column("county_code", "县级代码", "id", True, "320102"),
        Column("year", "年份", "integer", True, 2025, 2000, 2100),
        Column("online_share", "网上办件占比（0-1）", "number", True, 0.55, 0, 1),
    ),
    "Optional: measured online shares per county (compared by validate --calibration).",
)
TRAVEL = Sheet(
    "travel_matrix",
    "出行时间矩阵 travel-time matrix (optional)",
    False,
    (
        Column("township_id", "乡镇编号", "text", True, "320102002"),
        Column("centre_id", "中心编号", "text", True, "cnty_320102"),
        Column("minutes", "出行时间（分钟，单程）", "number", True, 18.5, 0.0),
    ),
    "Optional: one-way minutes from township to centre from your GIS (replaces the proxy).",
)
SHEETS: tuple[Sheet, ...] = (CENTRES, ITEMS, TOWNSHIPS, COUNTIES, ONLINE_SHARES, TRAVEL)
README_SHEET = "README"
