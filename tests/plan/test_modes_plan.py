"""Window modes in a solved plan (the two-province tiny case): windows are what the chosen
mode needs, conversions go forward at the configured pace, the outputs agree."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from planner.config.schema import load_config
from planner.modes.rules import MODES
from planner.run.pipeline import run_config, write_run
from tests.tiny import two_province_case

ORDER = {m: i for i, m in enumerate(MODES)}


def _plan(tmp_path: Path, windows: dict[str, object]) -> Path:
    config = two_province_case(tmp_path, {"windows": windows})
    run = run_config(load_config(config))
    assert run.result.status == "optimal"
    return write_run(run) / "plan"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _plan(tmp_path_factory.mktemp("modes"), {})


def test_windows_are_what_the_mode_needs(plan: Path) -> None:
    cen = pd.read_csv(plan / "centres.csv", dtype={"centre_id": str})
    planned = cen[cen["stage"] > 0]
    # never fewer than the pooled load needs, split into dedicated and general windows
    assert (planned["windows"] >= [math.ceil(round(w, 6)) for w in planned["windows_lp"]]).all()
    assert (planned["windows"] == planned["windows_dedicated"] + planned["windows_general"]).all()
    assert (planned["windows"] <= planned["windows_traditional"] + 1).all()
    big = planned[planned["mode"] == "big_general"]
    assert (big["windows_dedicated"] == 0).all()
    trad = planned[planned["mode"] == "traditional"]
    assert (trad["windows_general"] == 0).all()
    assert set(cen.loc[cen["stage"] == 0, "mode_source"]) == {"inventory"}
    assert set(planned["mode_source"]) == {"decided"}


def test_conversions_forward_one_step(plan: Path) -> None:
    cen = pd.read_csv(plan / "centres.csv", dtype={"centre_id": str})
    wide = cen.pivot(index="centre_id", columns="stage", values="mode").map(ORDER.get)
    steps = wide.diff(axis=1).iloc[:, 1:]
    assert ((steps >= 0) & (steps <= 1)).all().all()


def test_modes_csv_and_summary_agree_with_centres(plan: Path) -> None:
    cen = pd.read_csv(plan / "centres.csv", dtype={"centre_id": str})
    with (plan / "modes.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for s in sorted(cen["stage"].unique()):
        total = sum(int(r["windows"]) for r in rows if int(r["stage"]) == s)
        assert total == cen.loc[cen["stage"] == s, "windows"].sum()
        assert sum(int(r["centres"]) for r in rows if int(r["stage"]) == s) == len(
            cen[cen["stage"] == s]
        )
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    saved = summary["mode_savings"]
    planned = cen[cen["stage"] > 0]
    for (s, level), grp in planned.groupby(["stage", "level"]):
        got = saved[str(s)][level]
        assert got["windows"] == grp["windows"].sum()
        assert got["windows_saved"] == grp["windows_traditional"].sum() - grp["windows"].sum()
    bound = summary["optimality"]["window_modes"]
    assert bound["lower_bound_kcny"] <= bound["plan_cost_kcny"]
    assert 0.0 <= bound["gap"] < 1.0


def test_no_pace_keeps_todays_modes(tmp_path: Path, plan: Path) -> None:
    # mode_steps_per_stage = 0: every centre keeps today's mode, and the plan costs at least
    # as much as with conversion allowed (the free plan's paths include this one)
    held = _plan(tmp_path, {"mode_steps_per_stage": 0})
    cen = pd.read_csv(held / "centres.csv", dtype={"centre_id": str})
    wide = cen.pivot(index="centre_id", columns="stage", values="mode")
    assert (wide.nunique(axis=1) == 1).all()

    def cost(folder: Path) -> float:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        return float(summary["optimality"]["window_modes"]["plan_cost_kcny"])

    assert cost(held) >= cost(plan) - 1e-6


def test_big_general_only_at_the_levels_allowed(tmp_path: Path) -> None:
    # windows.big_general_levels = ["township"] (issue 23): with steps back allowed, the
    # halls that run big general in the free plan (today's modes are big general here) run
    # small general or traditional instead, the idle ones too, and the plan costs no less
    def planned(windows: dict[str, object]) -> tuple[pd.DataFrame, float]:
        folder = _plan(tmp_path / str(len(windows)), {"mode_backwards": True, **windows})
        cen = pd.read_csv(folder / "centres.csv", dtype={"centre_id": str})
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        cost = float(summary["optimality"]["window_modes"]["plan_cost_kcny"])
        return cen[cen["stage"] > 0], cost

    free, free_cost = planned({})
    halls = free[free["level"] != "township"]
    assert (halls["mode"] == "big_general").any()
    held, held_cost = planned({"big_general_levels": ["township"]})
    halls = held[held["level"] != "township"]
    assert not (halls["mode"] == "big_general").any()
    assert held_cost >= free_cost - 1e-6


def _with_modes(config: Path, modes: dict[str, str]) -> Path:
    """Add a ``mode`` column to the case's centres.csv (centre id -> mode)."""
    path = config.parent / "centres.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["mode"] = frame["centre_id"].map(modes).fillna("traditional")
    frame.to_csv(path, index=False, lineterminator="\n")
    return config


def test_modes_given_in_the_centres_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from planner.cli.main import cli
    from tests.tiny import write_case

    one_stage = {"stages": {"years": [2027]}}
    config = _with_modes(
        write_case(tmp_path / "ok", config=one_stage), {"cnty_320101": "small_general"}
    )
    run = run_config(load_config(config))
    assert run.plan is not None
    today = run.plan.centres[run.plan.centres["stage"] == 0].set_index("centre_id")
    assert today.at["cnty_320101", "mode"] == "small_general"
    assert today.at["prov_320000", "mode"] == "traditional"
    assert set(today["mode_source"]) == {"data"}
    # a mode the planner does not know: one line naming the centre, exit 2, nothing written
    config = _with_modes(write_case(tmp_path / "bad", config=one_stage), {"cnty_320101": "hybrid"})
    result = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert result.exit_code == 2, result.output
    assert "centre 'cnty_320101' has mode 'hybrid'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "bad" / "out" / "tiny").exists()


def test_olive_by_windows_holds_on_integer_windows(tmp_path: Path) -> None:
    # the olive by windows in both stages at a penalty no window saving outweighs: the
    # mode MIP keeps it on the integer windows wherever the LP's flows allow it, and the
    # plan's cost is the LP's with its window and olive terms replaced by the MIP's
    config = two_province_case(
        tmp_path,
        {
            "policy": {"olive": {"stages": [1, 2], "measures": ["windows"]}},
            "windows": {"mode_iterations": 0},
        },
    )
    run = run_config(load_config(config))
    assert run.plan is not None
    for code, part in run.parts.items():
        assert part.plan is not None
        modes = part.plan.summary.optimality.as_json()["window_modes"]
        mip = modes["mip"]
        assert mip["olive_rows"] == 2 * 5, code  # two stages, five level pairs
        assert mip["gap"] <= 1e-6
        lp = part.result.objective
        assert lp is not None
        # the MIP's windows, training, extra area, olive and top-heavy replace the LP's
        lp_terms = mip["lp_windows_kcny"] + mip["lp_olive_kcny"] + mip["lp_top_heavy_kcny"]
        rebuilt = lp - lp_terms + mip["objective_kcny"]
        assert modes["plan_cost_kcny"] == pytest.approx(rebuilt)
        cen = part.plan.centres
        for s in (1, 2):
            by_level = cen[cen["stage"] == s].groupby("level")["windows"].sum()
            violation = sum(
                max(0.0, by_level.get(a, 0.0) - by_level.get(b, 0.0))
                for a, b in [("province", "county"), ("city", "county"), ("township", "county"),
                             ("province", "city"), ("province", "township")]
            )  # fmt: skip
            if mip["olive_violation_kcny"] == 0:
                assert violation == 0, (code, s, by_level.to_dict())
