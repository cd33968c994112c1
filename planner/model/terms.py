"""Names that travel between modules: the objective's cost terms and the elastic rules.

The LP (:mod:`planner.model.build`) names its objective terms and the hard rules it can
relax; ``summary.json`` carries the term names, the report labels them, and the diagnosis
(:mod:`planner.run.diagnose`) explains the rules. These enums are the one spelling of each name
(``tests/model/test_model_tiny.py`` checks that the model uses exactly these).
"""

from __future__ import annotations

from enum import StrEnum


class CostTerm(StrEnum):
    """A term of the objective (kCNY), as in ``objective_terms_kcny`` of ``summary.json``."""

    FLOOR_AREA = "floor_area"
    WINDOWS = "windows"
    BACKOFFICE = "backoffice"
    TRAVEL = "travel"
    ONLINE = "online"
    UNSERVED = "unserved"
    TOWNSHIP_SHORTFALL = "township_shortfall"
    TOP_HEAVY = "top_heavy"
    EXPANSION = "expansion"
    REDUCTION = "reduction"
    OLIVE = "olive"
    """Penalty of olive violations (:mod:`planner.model.policy`)."""
    LEVEL_FLOOR = "level_floor"
    """Penalty of level sizes below their floor against today."""
    CONVERSION = "conversion"
    """Surplus floor area converted to other uses (压缩转化)."""
    REDEPLOYMENT = "redeployment"
    """Staff of windows and desks removed, redeployed (人员分流)."""
    IDLE_STAFF = "idle_staff"
    """Staffed window posts kept beyond the windows in use (cut limit)."""
    STAFF_CUT = "staff_cut"
    """Penalty of windows cut beyond the staff cut limit."""
    VIOLATIONS = "violations"
    """Only in the elastic LP of a diagnosis."""


class ElasticRule(StrEnum):
    """A hard rule the elastic LP may violate at a dominating penalty."""

    TOWNSHIP_MIN = "township_min"
    AREA_BUDGET = "area_budget"
    UNSERVED_CAP = "unserved_cap"
    GROWTH = "growth"
    SHRINK = "shrink"
    CORE_AREA = "core_area"
    OLIVE = "olive"
    LEVEL_FLOOR = "level_floor"
    STAFF_CUT = "staff_cut"
