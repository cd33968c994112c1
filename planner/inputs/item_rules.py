"""Where an item is accepted and whose back office decides it (前台受理、后台审批).

Per item and stage the catalogue gives two sets of levels:

- **accept levels** (``levels_s<k>``): where a citizen can hand the item in; the physical
  assignments go only to centres of these levels;
- **decide levels** (``decide_s<k>``, optional): whose back office decides its pending part.
  Work accepted at a centre whose level is a decide level is decided there; otherwise it is
  forwarded to the township's own centre at the lowest decide level (falling back to the
  levels above where the township has no centre at that level). Online volume is decided at
  that same centre.

Without ``decide_s<k>`` the decide levels are :func:`derived_decide` of the listed accept
levels: the approving levels (county, city, province) among them, else the county. That is
the rule of every plan before decide levels existed, so a catalogue without the column plans
exactly as before.

Item classes (``item_class``) then change the accept levels by the township rule of
``[policy.item_classes.<class>]`` (:mod:`planner.config.items`), or of
``[policy.items.<item_id>]`` for an item that has its own; decide levels stay as listed or
derived.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.config.items import ItemClassesConfig, ItemRule, township_rule
from planner.config.schema import LEVELS
from planner.errors import InputError

APPROVING_LEVELS: tuple[str, ...] = ("county", "city", "province")
"""Levels whose back office decides items when the catalogue does not say, lowest first."""

StageLevels = dict[str, list[frozenset[str]]]
"""Item id -> levels per stage (index 0 = stage 1)."""


def split_levels(text: object) -> frozenset[str]:
    """The levels of a ``|``-joined catalogue cell (``county|township``); the loader has
    checked the names (:func:`planner.inputs.load.read_inputs`)."""
    return frozenset(p.strip() for p in str(text).split("|") if p.strip())


def join_levels(levels: frozenset[str]) -> str:
    """Levels top-down, ``|``-joined (``county|township``), as the catalogue writes them."""
    return "|".join(lv for lv in LEVELS if lv in levels)


def derived_decide(accept: frozenset[str]) -> frozenset[str]:
    """The decide levels of a stage without ``decide_s<k>``: the approving levels among the
    accept levels, else the county."""
    return frozenset(lv for lv in APPROVING_LEVELS if lv in accept) or frozenset({"county"})


def decide_levels(listed: StageLevels, given: dict[str, dict[int, frozenset[str]]]) -> StageLevels:
    """Per item and stage, the catalogue's decide levels or, for a stage without its
    ``decide_s<k>`` column, :func:`derived_decide` of the listed accept levels."""
    return {
        item: [
            given.get(item, {}).get(s, derived_decide(levels))
            for s, levels in enumerate(stages, start=1)
        ]
        for item, stages in listed.items()
    }


def check_item_rules(
    items: dict[str, ItemRule], catalogue: pd.Index, path: Path, config: Path
) -> None:
    """Refuse a ``[policy.items.<item_id>]`` rule of the config at ``config`` for an item the
    catalogue at ``path`` does not list (InputError naming the key and the id)."""
    known = set(catalogue.astype(str))
    unknown = [item for item in items if item not in known]
    if unknown:
        msg = (
            f"{config}: 'policy.items.{unknown[0]}' names item {unknown[0]!r}, which is not "
            f"in the item catalogue {path} (expected one of its item_id values)"
        )
        raise InputError(msg)


def accept_levels(
    listed: StageLevels,
    classes: pd.Series,
    rules: ItemClassesConfig,
    path: Path,
    items: dict[str, ItemRule] | None = None,
) -> StageLevels:
    """The accept levels after each item's township rule ('listed', 'accept', 'early',
    'never'; 'early': as listed, plus township where a later stage lists it): its own
    (``items``, from ``[policy.items]``) where it has one, else its class's.

    Raises
    ------
    InputError
        When a 'never' rule leaves an item no level to be accepted at.
    """
    own = items or {}
    out: StageLevels = {}
    for item, stages in listed.items():
        cls = str(classes[item])
        key = f"policy.items.{item}" if item in own else f"policy.item_classes.{cls}"
        per_stage = []
        for s, levels in enumerate(stages, start=1):
            rule = township_rule(rules, own, item, cls, s)
            if rule == "accept" or (
                rule == "early" and any("township" in later for later in stages[s - 1 :])
            ):
                levels = levels | {"township"}
            elif rule == "never":
                levels = levels - {"township"}
                if not levels and stages[s - 1]:
                    msg = (
                        f"{path}: 'levels_s{s}' of item {item} lists only township but "
                        f"'{key}.township' is 'never' in stage {s}: no "
                        "level may accept it (list another level or change the rule)"
                    )
                    raise InputError(msg)
            per_stage.append(levels)
        out[item] = per_stage
    return out


def approver(decide: frozenset[str], own: dict[str, str]) -> str:
    """The township's own centre that decides work it did not hand in where it is decided.

    The lowest decide level where the township has a centre; else the lowest approving
    level (county, city, province) that has one: the planner's rule before decide levels
    existed, so derived decide levels reproduce the old plans exactly.
    ``own`` maps a level to the township's own centre there ('' where it has none).
    """
    lowest_first = [lv for lv in reversed(LEVELS) if lv in decide] or ["county"]
    for level in (*lowest_first, *APPROVING_LEVELS):
        if own.get(level):
            return str(own[level])
    return ""


def item_levels_table(
    accept: StageLevels, decide: StageLevels, items: pd.DataFrame, stages: list[int]
) -> pd.DataFrame:
    """Per (stage, item): ``accept_levels``, ``decide_levels`` and ``item_class`` (a column
    of ``items``), as the plan's ``items.csv`` shows them."""
    classes = items["item_class"]
    rows = [
        (s, item, join_levels(accept[item][s - 1]), join_levels(decide[item][s - 1]), classes[item])
        for item in accept
        for s in stages
    ]
    return pd.DataFrame(
        rows, columns=["stage", "item_id", "accept_levels", "decide_levels", "item_class"]
    )
