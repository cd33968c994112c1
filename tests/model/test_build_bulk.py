"""The model build in bulk: arcs added in one go or in steps give the same rows, and
``add_arcs`` hands a solver exactly the terms it put into the PuLP rows; the collector
pause restores the collector's state."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from planner.config.schema import load_config
from planner.model.build import PlanModel, add_arcs, build_model
from planner.model.gc_pause import paused_gc
from tests.tiny import TWO_PROVINCE_ITEMS, prepare_run, two_province_case


def _rows(model: PlanModel) -> dict[str, list[tuple[str, float]]]:
    """Every row's terms by variable name, in the row's own order."""
    return {name: [(v.name, c) for v, c in row.expr.items()] for name, row in model.rows.items()}


def test_arcs_added_in_steps_give_the_rows_and_columns_of_one_build(tmp_path: Path) -> None:
    loaded = load_config(two_province_case(tmp_path, {}))
    data = prepare_run(loaded).model_data()
    n = len(data.arcs)
    assert any(item.get("pending_share") for item in TWO_PROVINCE_ITEMS)
    whole = build_model(data)
    # the odd arcs first, then the even ones: every row gets the same terms
    stepwise = build_model(data, arcs=np.arange(1, n, 2))
    cols = add_arcs(stepwise, np.arange(0, n, 2))

    rows = _rows(whole)
    order = {name: i for i, name in enumerate(v.name for v in whole.var.x.values())}
    steps = {
        name: sorted(terms, key=lambda t: (not t[0].startswith("x__"), order.get(t[0], -1)))
        for name, terms in _rows(stepwise).items()
    }
    assert steps == {
        name: sorted(terms, key=lambda t: (not t[0].startswith("x__"), order.get(t[0], -1)))
        for name, terms in rows.items()
    }
    objective = {v.name: c for v, c in whole.prob.objective.items()}
    assert {v.name: c for v, c in stepwise.prob.objective.items()} == objective

    # the returned columns are exactly the new variables' terms in the PuLP rows
    assert [v.name for v in cols.variables] == [stepwise.var.x[i].name for i in range(0, n, 2)]
    backoffice = 0
    for j, var in enumerate(cols.variables):
        lo, hi = cols.starts[j], cols.starts[j + 1]
        entries = list(zip(cols.rows[lo:hi], cols.values[lo:hi].tolist(), strict=True))
        held = [
            (name, c)
            for name, row in stepwise.rows.items()
            for v, c in row.expr.items()
            if v is var
        ]
        assert sorted(entries) == sorted(held)
        assert [name.split("__")[0] for name, _ in entries][:2] == ["demand", "windowtime"]
        backoffice += len(entries) == 3
        assert cols.cost[j] == objective.get(var.name, 0.0)
    assert backoffice > 0  # the pending item's arcs carry a back-office term


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_gc_nests_and_restores_the_collector(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_gc():
            assert not gc.isenabled()
            with paused_gc():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner block leaves the outer one paused
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), paused_gc():
            raise RuntimeError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
