"""The olive in the plan tables (issue 15): floor area in use and surplus per centre,
conversions (压缩转化), and whether each stage is olive-shaped by each measure.

Area in use is what the model counts (:mod:`planner.model.policy`): a centre's windows
times its level's area per window plus its back-office desks times their area (LP values;
today's: the inventory's windows). Surplus is the rest of its floor area.
"""

from __future__ import annotations

import pandas as pd

from planner.config.schema import LEVELS

MEASURES: dict[str, str] = {
    "area_in_use": "area_in_use_m2",
    "windows": "windows",
    "floor_area": "floor_area_m2",
}
"""Olive measure -> the column of ``levels.csv`` it is read from."""
CONVERT_MIN_M2 = 1.0
"""Conversions below this (m2) are rounding, not an action."""
TIE = 1e-6


def with_area_split(
    cen: pd.DataFrame,
    area_per_window: pd.Series,
    m2_per_desk: float,
    desks: dict[tuple[int, str], float],
    converted: dict[tuple[int, str], float],
) -> pd.DataFrame:
    """``cen`` with ``area_in_use_m2``, ``surplus_m2`` and ``converted_m2`` per centre and
    stage (``desks``, ``converted``: LP values by (stage, centre)).

    Area in use is what the plan's integer ``windows`` (the chosen mode's, which the mode
    model's olive rows on area in use count) and the back office's desks need, so the floor
    area the mode adds for its windows (``area_extra_m2``) is in use, not surplus. Where a
    growth limit leaves a hall short of what its windows need (``area_short_m2``), area in
    use is above its floor area by that much and its surplus is 0."""
    keys = list(zip(cen["stage"], cen["centre_id"], strict=True))
    out = cen.copy()
    desk = pd.Series([desks.get(k, 0.0) for k in keys], index=cen.index)
    in_use = cen["windows"] * cen["centre_id"].map(area_per_window) + m2_per_desk * desk
    out["area_in_use_m2"] = in_use.clip(lower=0.0)  # above floor area where a hall is short
    out["surplus_m2"] = (cen["floor_area_m2"] - out["area_in_use_m2"]).clip(lower=0.0)
    conv = pd.Series([converted.get(k, 0.0) for k in keys], index=cen.index)
    out["converted_m2"] = conv.where(conv >= CONVERT_MIN_M2, 0.0)
    return out


def mark_conversions(cen: pd.DataFrame) -> pd.DataFrame:
    """Action ``convert`` where surplus left the network, with its m2 in the reason."""
    out = cen.copy()
    conv = out["converted_m2"] > 0
    out.loc[conv, "action"] = "convert"
    out.loc[conv, "reason"] = [
        f"{m2:,.0f} m2 of surplus converted to other uses (压缩转化)" + (f"; {r}" if r else "")
        for m2, r in zip(out.loc[conv, "converted_m2"], out.loc[conv, "reason"], strict=True)
    ]
    return out


def olive_table(levels: pd.DataFrame) -> pd.DataFrame:
    """Per stage and measure: the widest and the narrowest level and whether the stage is
    olive (county the widest, province the narrowest; ties count as olive)."""
    rows = []
    for s, grp in levels.groupby("stage"):
        by = grp.set_index("level")
        for measure, column in MEASURES.items():
            if column not in by:
                continue
            size = by[column].reindex(list(LEVELS)).fillna(0.0)
            widest, narrowest = str(size.idxmax()), str(size.idxmin())
            county_ok = size["county"] >= size.max() - TIE
            province_ok = size["province"] <= size.min() + TIE
            rows.append(
                {
                    "stage": int(s),
                    "measure": measure,
                    "widest": "county" if county_ok else widest,
                    "narrowest": "province" if province_ok else narrowest,
                    "olive": bool(county_ok and province_ok),
                }
            )
    return pd.DataFrame(rows, columns=["stage", "measure", "widest", "narrowest", "olive"])


def olive_warnings(levels: pd.DataFrame, top_heavy_share: dict[int, float]) -> list[str]:
    """A warning for every stage and measure where the plan is not olive, and for every
    stage whose province+city area exceeds its top-heavy cap (lower levels counted by the
    area they use, as the model does)."""
    out = []
    verdict = olive_table(levels[levels["stage"] > 0])
    for row in verdict.itertuples():
        if row.olive:
            continue
        parts = []
        if row.widest != "county":
            parts.append(f"the widest level is '{row.widest}', not county")
        if row.narrowest != "province":
            parts.append(f"the narrowest level is '{row.narrowest}', not province")
        out.append(
            f"stage {row.stage}: by {row.measure.replace('_', ' ')} {' and '.join(parts)}: "
            "the plan is not olive"
        )
    if "area_in_use_m2" not in levels:
        return out
    for s, theta in sorted(top_heavy_share.items()):
        grp = levels[levels["stage"] == s].set_index("level")
        if grp.empty:
            continue
        upper = float(grp.loc[["province", "city"], "floor_area_m2"].sum())
        lower = float(grp.loc[["county", "township"], "area_in_use_m2"].sum())
        excess = upper - theta * (upper + lower)
        if excess > 1.0:
            out.append(
                f"stage {s}: province and city hold {excess:,.0f} m2 above the top-heavy cap "
                f"of {theta:.0%} (lower levels counted by the area they use)"
            )
    return out
