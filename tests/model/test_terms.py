"""The names in :mod:`planner.model.terms` are the ones the LP uses (until the model imports
them)."""

from __future__ import annotations

from pathlib import Path

from planner.config.schema import load_config
from planner.model.build import build_model
from planner.model.terms import CostTerm, ElasticRule
from planner.run.pipeline import run_config
from tests.tiny import tiny_centres, write_case


def test_the_lp_uses_exactly_the_named_cost_terms_and_elastic_rules(tmp_path: Path) -> None:
    hard = {
        "policy": {
            "township_min_station_m2": 20.0,
            "township_min_station_hard": True,
            "max_total_area_m2": [1000.0],
            "max_unserved_share": 0.5,
            "levels": {"county": {"min_area_m2": 10.0}},
            "olive": {"stages": [1], "hard": True},
            "surplus": {"convert": True},
            "level_floor": {"share_of_today": {"county": [0.5]}, "hard": True},
            "staff": {
                "redeploy_cost_per_window": 1.0,
                "max_window_cut_per_stage": {"county": 0.5},
                "hard": True,
            },
        }
    }
    config = write_case(tmp_path, centres=tiny_centres(stations={"320101001": 30.0}), config=hard)
    run = run_config(load_config(config))
    assert run.model is not None and run.prepared.data is not None
    assert set(run.model.cost_terms) == set(CostTerm) - {CostTerm.VIOLATIONS}
    elastic = build_model(run.prepared.data, elastic=True)
    assert set(elastic.cost_terms) == set(CostTerm)
    families = {family for family, _, _ in elastic.var.elastic}
    assert families == set(ElasticRule)
