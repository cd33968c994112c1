"""Per centre and item: what its windows accept and what its back office decides.

Front acceptance and back-office decision may happen at different centres
(:mod:`planner.inputs.item_rules`): a township station accepts, the county decides. So
``plan/centre_items.csv`` has two counts per stage, centre and item, in transactions a year:

- ``transactions``: accepted at the centre's windows (its physical flows);
- ``decided``: pending transactions (``pending_share`` of the item) its back office decides:
  those it accepted at a decide level, those forwarded to it from centres that are not, and
  the online volume of the townships it decides for. Its ``backoffice_desks`` are for these.
"""

from __future__ import annotations

import pandas as pd

KEYS = ["stage", "centre_id", "item_id"]
VOLUME_EPS = 1e-9
"""Thousand transactions below which a flow is noise (as the plan's used arcs)."""


def centre_item_table(
    used: pd.DataFrame, per_item: pd.DataFrame, demand: pd.DataFrame, pending: pd.Series
) -> pd.DataFrame:
    """Accepted and decided transactions a year per stage, centre and item.

    Parameters
    ----------
    used
        The used arcs per item: stage, centre_id, item_id, ``volume`` (thousand a year) and
        ``bo_centre`` (the centre that decides that flow).
    per_item
        Per (stage, township, item): its class and ``online`` volume (thousand a year).
    demand
        Per (stage, township, class): ``bo_centre``, where its online volume is decided.
    pending
        Item id -> ``pending_share``.
    """
    accepted = used.groupby(KEYS)["volume"].sum().rename("transactions")
    physical = used.assign(decided=used["volume"] * used["item_id"].map(pending))
    online = per_item.merge(
        demand[["stage", "township_id", "class_id", "bo_centre"]],
        on=["stage", "township_id", "class_id"],
    )
    online = online.assign(decided=online["online"] * online["item_id"].map(pending))
    decided = (
        pd.concat(
            [frame[["stage", "bo_centre", "item_id", "decided"]] for frame in (physical, online)],
            ignore_index=True,
        )
        .rename(columns={"bo_centre": "centre_id"})
        .query("centre_id != ''")
        .groupby(KEYS)["decided"]
        .sum()
    )
    out = pd.concat([accepted, decided], axis=1).fillna(0.0)
    out = out[(out["transactions"] > VOLUME_EPS) | (out["decided"] > VOLUME_EPS)]
    return (out * 1000.0).reset_index()
