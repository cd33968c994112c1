"""Config of item classes: per-class rules for what township stations accept.

Every catalogue item belongs to one class (``item_class`` in ``items.csv``: ``convenience``,
``business`` or ``major_approval``; ``business`` where blank). ``[policy.item_classes.<class>]``
sets, per stage, what township stations do with the items of that class:

- ``listed``: as the catalogue's accept levels (``levels_s<k>``) say (the default);
- ``accept``: township stations accept every item of the class (front acceptance); the
  back office of the item's decide levels decides it (:mod:`planner.inputs.item_rules`);
- ``early``: township stations accept an item of the class from the first stage the
  catalogue lists township in this stage or any later one (the delegation schedule never
  leaves a township without a channel for it while it waits); the default for
  ``convenience`` in the Jiangsu default, configs/jiangsu.toml (off in the schema);
- ``never``: township stations never accept an item of the class.

``[policy.items.<item_id>]`` sets the same per-stage rule for one catalogue item; it
overrides the rule of the item's class for that item (an id not in the catalogue is an
input error, :func:`planner.inputs.item_rules.check_item_rules`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.config.base import Section

ITEM_CLASSES: tuple[str, ...] = ("convenience", "business", "major_approval")
"""The item classes, from everyday personal items to major project approvals."""

DEFAULT_ITEM_CLASS = "business"
"""The class of an item whose ``item_class`` cell is blank (or a catalogue without it)."""

TownshipRule = Literal["listed", "accept", "early", "never"]


def _listed() -> list[TownshipRule]:
    return ["listed"]


class ItemClassRule(Section):
    """What township stations do with the items of one class, per stage."""

    township: list[TownshipRule] = Field(
        default_factory=_listed,
        min_length=1,
        description="Per stage: 'listed' (township stations accept the item where its "
        "catalogue accept levels 'levels_s<k>' include township), 'accept' (township stations "
        "accept every item of the class; its decide levels decide it), 'early' (as listed, "
        "plus township where a later stage lists it) or 'never' (township "
        "stations accept no item of the class). A list shorter than the plan's stages repeats "
        "its last entry; entries after the plan's last stage are ignored.",
    )

    def rule(self, stage: int) -> TownshipRule:
        """The township rule in ``stage`` (1-based; the last entry repeats)."""
        return self.township[min(stage, len(self.township)) - 1]


class ItemRule(ItemClassRule):
    """What township stations do with one catalogue item, per stage (overrides its class)."""


class ItemClassesConfig(Section):
    """The township rule of every item class (``[policy.item_classes.<class>]``)."""

    convenience: ItemClassRule = Field(
        default_factory=ItemClassRule,
        description="Everyday personal items (civil affairs, social security, ID documents).",
    )
    business: ItemClassRule = Field(
        default_factory=ItemClassRule,
        description="Enterprise, trade and self-employed items (and items of no stated class).",
    )
    major_approval: ItemClassRule = Field(
        default_factory=ItemClassRule,
        description="Construction, land, environmental and investment project approvals.",
    )

    def rule(self, item_class: str, stage: int) -> TownshipRule:
        """The township rule of ``item_class`` in ``stage`` (1-based)."""
        rule: ItemClassRule = getattr(self, item_class)
        return rule.rule(stage)


def township_rule(
    classes: ItemClassesConfig, items: dict[str, ItemRule], item: str, item_class: str, stage: int
) -> TownshipRule:
    """The township rule of ``item`` in ``stage`` (1-based): its own ``[policy.items.<id>]``
    rule where it has one, else its class's."""
    own = items.get(item)
    return own.rule(stage) if own is not None else classes.rule(item_class, stage)
