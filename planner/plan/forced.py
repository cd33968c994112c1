r"""Training every plan pays, priced in the LP (``windows.price_forced_training``).

Big general pays training per window-year (``windows.training_cost_per_window_year``,
:math:`\tau`). The LP pools window time and never sees a mode, so it prices no training;
the mode MIP adds it after the flows are fixed. Where the pace leaves a centre no mode but
big general in a stage (it runs big general today and may not step back,
``windows.mode_backwards`` off; :func:`planner.solve.cone_bound.reachable` with the phases
that hold conversions and the levels that may run big general), every joint plan pays
training on all of that centre's windows there, and its big-general windows are at least
the pooled load's: :math:`B \ge \lceil \sum \ell / (\kappa \epsilon) \rceil \ge w /
\epsilon` (:math:`\epsilon` ``windows.pooling_efficiency``). So the LP may charge
:math:`\tau / \epsilon` per window-year at those centre-stages (``ModelData.window_price``'s
extra) and stay a relaxation of the joint problem: its optimum is still a lower bound, and
a higher one (on the Jiangsu default about 0.4%: issue 27's cone bound measured that
almost all of what a per-centre relaxation of the modes adds comes from this training).
The flows then see the training: load moves away from forced big-general windows where
another centre serves it for less.

The mode MIP's accounts are unchanged: the plan's cost is the LP's with the LP's window
terms (these prices included, ``lp_windows_kcny``) replaced by the MIP's (integer windows,
training), and ``optimality.window_modes.lp_priced_kcny`` reports the priced part.
The Lagrangian bound (:mod:`planner.plan.bound`) adds training in its own per-centre
subproblems, so it starts from the LP's costs without these prices
(:func:`planner.plan.bound.unpriced`).
"""

from __future__ import annotations

from dataclasses import replace

from planner.config.schema import Config
from planner.inputs.load import Inputs
from planner.model.data import ModelData
from planner.plan.bound import cone_rules

BIG_ONLY = (False, False, True)
"""The modes reachable at a centre-stage where big general is the only one."""


def forced_centres(d: ModelData, cfg: Config, inputs: Inputs) -> list[tuple[int, str]]:
    """(stage, centre) pairs where the pace leaves big general as the only mode, sorted."""
    rules = cone_rules(d, cfg, inputs)
    return sorted(key for key, modes in rules.reach.items() if modes == BIG_ONLY)


def price_forced_training(d: ModelData, cfg: Config, inputs: Inputs) -> ModelData:
    """``d`` with training priced per window-year at every centre-stage where big general
    is the only mode (module docstring); ``d`` itself when the key is off, there are no
    mode rules or training costs nothing."""
    rules = d.modes
    if not cfg.windows.price_forced_training or rules is None or rules.training_cost <= 0:
        return d
    per_window = rules.training_cost / rules.pooling_efficiency
    price = dict(d.window_price)
    for key in forced_centres(d, cfg, inputs):
        least, extra = price.get(key, (0.0, 0.0))
        price[key] = (least, extra + per_window)
    return replace(d, window_price=price)
