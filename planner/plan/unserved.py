"""Unserved demand: the one definition, and the list a planner acts on.

**Definition.** A township has unserved demand of an item in a stage when the item's
unserved transactions there exceed :data:`~planner.plan.summary.UNSERVED_SHARE` (0.1%) of the
item's demand there; a township *has unserved demand* (is an *unserved township*) in a stage
when it has unserved demand of at least one item. ``summary.json``
(``townships_with_unserved``), the report, ``plan/items.csv`` (``townships_unserved``: per
item), ``plan/townships.csv`` (``unserved_items``), ``planner diff`` and ``plan/unserved.csv``
all count by this rule.

**Reasons** (``reason_code``), from the model's own candidate assignments:

``too_far``
    No centre of a level competent for the item in that stage is within the item's travel
    limit (among the centres the township may use under the cross-border rules).
``level_not_competent``
    The item may be handled at no level that has a centre in the dataset in that stage.
``capacity``
    A competent centre is within reach, but growth or size limits (or the cost against the
    unserved penalty) left the demand unserved.
"""

from __future__ import annotations

import pandas as pd

from planner.inputs.load import Inputs
from planner.model.data import ModelData
from planner.plan.summary import UNSERVED_SHARE

UNSERVED_COLUMNS = [
    "stage",
    "township_id",
    "county_code",
    "item_id",
    "demand",
    "unserved",
    "reason_code",
    "reason",
]
"""Columns of the unserved list (transactions a year)."""


def is_unserved(unserved: pd.Series, demand: pd.Series) -> pd.Series:
    """The one rule: unserved above :data:`UNSERVED_SHARE` of the demand (same rows)."""
    return (unserved > UNSERVED_SHARE * demand) & (unserved > 0)


def unserved_list(d: ModelData, per_item: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Every (stage, township, item) with unserved demand, with the reason.

    Parameters
    ----------
    d
        The model data (its candidate arcs tell whether a competent centre was in reach).
    per_item
        Per (stage, township_id, item_id): ``class_id``, ``demand`` and ``unserved``
        (thousand transactions a year).
    inputs
        The run's inputs (item levels per stage, travel limits, centres).

    Returns
    -------
    pandas.DataFrame
        :data:`UNSERVED_COLUMNS`, transactions a year, sorted by stage, township and item.
    """
    flagged = per_item[is_unserved(per_item["unserved"], per_item["demand"])]
    if flagged.empty:
        return pd.DataFrame(columns=UNSERVED_COLUMNS)
    # plain lists: iterating pandas string arrays element by element is ~1 us an element
    arcs = [d.arcs[col].tolist() for col in ("stage", "township_id", "class_id")]
    reach = set(zip(*arcs, strict=True))
    present = set(inputs.centres["level"])
    limits = inputs.items["max_travel_min"]
    codes, words = [], []
    for s, t, k, c in zip(
        flagged["stage"],
        flagged["township_id"],
        flagged["item_id"],
        flagged["class_id"],
        strict=True,
    ):
        levels = sorted(inputs.item_levels[k][int(s) - 1])
        shown = "/".join(levels) or "none"
        if (s, t, c) in reach:
            codes.append("capacity")
            words.append(
                f"a competent centre ({shown}) is within reach, but growth or size limits "
                "(or the cost against the unserved penalty) left it unserved"
            )
        elif not present.intersection(levels):
            codes.append("level_not_competent")
            words.append(f"no level with a centre may handle it in this stage (levels: {shown})")
        else:
            codes.append("too_far")
            words.append(
                f"no competent centre ({shown}) within the item's travel limit of "
                f"{float(limits[k]):g} min"
            )
    out = pd.DataFrame(
        {
            "stage": flagged["stage"].to_numpy(),
            "township_id": flagged["township_id"].to_numpy(),
            "county_code": flagged["township_id"].map(inputs.townships["county_code"]).to_numpy(),
            "item_id": flagged["item_id"].to_numpy(),
            "demand": flagged["demand"].to_numpy() * 1000.0,
            "unserved": flagged["unserved"].to_numpy() * 1000.0,
            "reason_code": codes,
            "reason": words,
        }
    )
    return out.sort_values(["stage", "township_id", "item_id"], ignore_index=True)


def unserved_items(townships: pd.DataFrame, listed: pd.DataFrame) -> pd.Series:
    """Per row of a township table (stage, township_id): how many items are unserved."""
    counts = listed.groupby(["stage", "township_id"]).size()
    keys = zip(townships["stage"], townships["township_id"], strict=True)
    return pd.Series([int(counts.get(k, 0)) for k in keys], index=townships.index, dtype=int)


def unserved_townships(townships: pd.DataFrame, stage: int) -> set[str]:
    """Ids of the townships with unserved demand in ``stage``, by the one rule.

    ``townships`` is a plan township table (``plan/townships.csv``); one without
    ``unserved_items`` (a run folder written before it) is judged by its total, unserved
    above :data:`UNSERVED_SHARE` of the demand.
    """
    rows = townships[townships["stage"] == stage]
    if "unserved_items" in rows.columns:
        hit = pd.to_numeric(rows["unserved_items"], errors="coerce").fillna(0) > 0
    else:
        hit = is_unserved(rows["unserved"].astype(float), rows["demand"].astype(float))
    return {str(t) for t in rows.loc[hit, "township_id"]}
