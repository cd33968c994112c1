"""``planner diff``: identical runs, a one-weight change, formats, caps and bad input.

Every expectation about what changed is computed here straight from the two runs' CSV and
JSON files (and, for the tiny cases, by hand), then compared with what the diff reports.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from planner.cli.diff_cmd import diff_cmd
from planner.cli.main import cli
from planner.diff import (
    JSON_KEYS,
    CentreChange,
    PlanDiff,
    Tolerance,
    diff_runs,
    flatten_config,
    load_run,
    render_markdown,
    render_text,
    to_json,
)
from planner.errors import InputError
from tests.tiny import city_or_county_config, tiny_centres, write_case

DOCUMENTED_KEYS = {
    "centres",
    "config",
    "dataset",
    "files",
    "identical",
    "levels",
    "metrics",
    "notes",
    "rule_costs",
    "run_a",
    "run_b",
    "stages",
    "status",
    "tolerance",
    "townships",
    "warnings",
}

# The item may be served at the city or the county centre (both 100 m2 today); with no
# top-heavy penalty the city is cheaper, with a penalty of 1 kCNY/m2 the county wins.
CITY_OR_COUNTY: dict[str, Any] = city_or_county_config()
CITY_OR_COUNTY_CENTRES = tiny_centres(city=100)
PENALTY_KEY = "costs.top_heavy_penalty_per_m2_year"

# T2 is beyond the 15-minute limit; each town may put half its demand online.
REACH_ITEMS = [{"max_travel_min": 15, "online_potential": 0.5}]
UNSERVED_KEY = "costs.unserved_penalty_per_transaction"

PLAN_FILES = [
    "assignments.csv",
    "build_or_expand.csv",
    "centre_items.csv",
    "centres.csv",
    "counties.csv",
    "levels.csv",
    "summary.json",
    "townships.csv",
    "unserved.csv",
]


def _run(folder: Path, **case: Any) -> Path:
    """Write a tiny case to ``folder``, run it through the CLI, return the run folder."""
    config = write_case(folder, **case)
    result = CliRunner().invoke(cli, ["run", "-q", str(config)])
    assert result.exit_code == 0, result.output
    return folder / "out" / "tiny"


def _diff(*args: str | Path) -> Result:
    return CliRunner().invoke(diff_cmd, [str(a) for a in args])


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The default tiny case, written and run twice into two folders."""
    root = tmp_path_factory.mktemp("twins")
    return _run(root / "a"), _run(root / "b")


@pytest.fixture(scope="module")
def penalty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """City-or-county case without and with a top-heavy penalty (one key differs)."""
    root = tmp_path_factory.mktemp("penalty")
    case: dict[str, Any] = {
        "centres": CITY_OR_COUNTY_CENTRES,
        "items": [{"levels_s1": "city|county"}],
    }
    costs_b = {**CITY_OR_COUNTY["costs"], "top_heavy_penalty_per_m2_year": 1000.0}
    cfg_b = {**CITY_OR_COUNTY, "costs": costs_b}
    return _run(root / "a", config=CITY_OR_COUNTY, **case), _run(root / "b", config=cfg_b, **case)


@pytest.fixture(scope="module")
def unserved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Limited reach with a high and a negligible unserved penalty (one key differs)."""
    root = tmp_path_factory.mktemp("unserved")
    runs = []
    for name, value in (("a", 2000.0), ("b", 1.0)):
        cfg = {"costs": {"unserved_penalty_per_transaction": value}}
        runs.append(_run(root / name, items=REACH_ITEMS, config=cfg))
    return runs[0], runs[1]


# --- expectations straight from the files ---------------------------------------------------


def _csv(run: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run / "plan" / name, dtype={"centre_id": str, "township_id": str})


def _summary(run: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((run / "plan" / "summary.json").read_text())
    return value


def _changed_centres(a: Path, b: Path) -> set[tuple[str, int]]:
    ca = _csv(a, "centres.csv").set_index(["centre_id", "stage"])
    cb = _csv(b, "centres.csv").set_index(["centre_id", "stage"])
    m = ca.join(cb, how="inner", suffixes=("_a", "_b"))
    changed = (m["floor_area_m2_a"] - m["floor_area_m2_b"]).abs() > 0.5
    for col in ("windows", "backoffice_desks", "mode", "action"):
        changed |= m[f"{col}_a"] != m[f"{col}_b"]
    return {(str(c), int(s)) for c, s in m.index[changed.to_numpy()]}


def _service(a: Path, b: Path) -> dict[str, set[tuple[str, int]]]:
    ta = _csv(a, "townships.csv").set_index(["township_id", "stage"])
    tb = _csv(b, "townships.csv").set_index(["township_id", "stage"])
    m = ta.join(tb, how="inner", suffixes=("_a", "_b"))
    has_a = m["unserved_a"] > 1e-3 * m["demand_a"]
    has_b = m["unserved_b"] > 1e-3 * m["demand_b"]
    keys = m.index.to_list()
    return {
        "gained": {
            (str(t), int(s)) for (t, s), x, y in zip(keys, has_a, has_b, strict=True) if x and not y
        },
        "lost": {
            (str(t), int(s)) for (t, s), x, y in zip(keys, has_a, has_b, strict=True) if y and not x
        },
    }


def _summary_numbers(summary: dict[str, Any]) -> dict[str, float]:
    out = {"objective_kcny": float(summary["objective_kcny"])}
    for key in ("objective_terms_kcny", "top_heavy_share"):
        out.update({f"{key}.{k}": float(v) for k, v in summary[key].items()})
    for stage, values in summary["stages"].items():
        out.update({f"stages.{stage}.{k}": float(v) for k, v in values.items()})
    return out


def _changed_metrics(a: Path, b: Path) -> set[str]:
    sa, sb = _summary_numbers(_summary(a)), _summary_numbers(_summary(b))
    return {k for k in set(sa) | set(sb) if sa.get(k) != sb.get(k)}


# --- identical runs -------------------------------------------------------------------------


def test_same_config_twice_gives_identical_plan_files(twins: tuple[Path, Path]) -> None:
    a, b = twins
    names = sorted(p.name for p in (a / "plan").iterdir())
    assert names == sorted(p.name for p in (b / "plan").iterdir())
    assert set(PLAN_FILES) <= set(names)
    match, mismatch, errors = filecmp.cmpfiles(a / "plan", b / "plan", names, shallow=False)
    assert (sorted(match), mismatch, errors) == (names, [], [])

    result = _diff(a, b)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"identical: all {len(names)} plan files")

    d = diff_runs(load_run(a), load_run(b))
    assert d.identical
    assert d.config == [] and d.centres == [] and d.service == [] and d.phases == []
    assert d.changed_metrics == [] and d.changed_levels == [] and d.notes == []


def test_registered_on_a_group_the_command_is_named_diff(twins: tuple[Path, Path]) -> None:
    group = click.Group()
    group.add_command(diff_cmd)
    result = CliRunner().invoke(group, ["diff", str(twins[0]), str(twins[1]), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["identical"] is True


# --- one weight changed ---------------------------------------------------------------------


def test_one_weight_names_the_key_and_the_centres_that_changed(
    penalty: tuple[Path, Path],
) -> None:
    a, b = penalty
    result = _diff(a, b, "--format", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["identical"] is False
    assert out["config"] == [
        {"key": PENALTY_KEY, "a": 0.0, "b": 1000.0, "in_a": True, "in_b": True}
    ]

    # centres: straight from the CSVs, and by hand (the item moves from city to county)
    reported = {(c["centre_id"], c["stage"]) for c in out["centres"]["changed"]}
    expected = _changed_centres(a, b)
    assert reported == expected == {("city_320100", 1), ("cnty_320101", 1)}
    by_id = {c["centre_id"]: c for c in out["centres"]["changed"]}
    ca = _csv(a, "centres.csv").set_index(["centre_id", "stage"])
    cb = _csv(b, "centres.csv").set_index(["centre_id", "stage"])
    for cid, row in by_id.items():
        assert row["area_a"] == ca.at[(cid, 1), "floor_area_m2"]
        assert row["area_b"] == cb.at[(cid, 1), "floor_area_m2"]
        assert row["windows_a"] == ca.at[(cid, 1), "windows"]
        assert row["windows_b"] == cb.at[(cid, 1), "windows"]
    assert by_id["city_320100"]["area_delta"] < 0 < by_id["cnty_320101"]["area_delta"]
    # A: the city serves the item on a shrunk hall; B: it serves nothing and closes
    assert set(by_id["city_320100"]["changed"]) == {"area", "windows", "action"}
    assert (by_id["city_320100"]["action_a"], by_id["city_320100"]["action_b"]) == (
        "shrink",
        "close",
    )

    # metrics: exactly those whose summary values differ, with the summary's values
    changed = {m["name"]: m for m in out["metrics"] if m["changed"]}
    assert set(changed) == _changed_metrics(a, b)
    assert {"objective_kcny", "top_heavy_share.1"} <= set(changed)
    assert changed["objective_kcny"]["a"] == _summary(a)["objective_kcny"]
    assert changed["objective_kcny"]["b"] == _summary(b)["objective_kcny"]
    assert changed["top_heavy_share.1"]["a"] == pytest.approx(1.0)
    assert changed["top_heavy_share.1"]["b"] == pytest.approx(0.0)

    # level totals of stage 1 against levels.csv
    la = _csv(a, "levels.csv").set_index(["stage", "level"])
    lb = _csv(b, "levels.csv").set_index(["stage", "level"])
    for row in out["levels"]:
        key = (row["stage"], row["level"])
        assert row["area_a"] == la.at[key, "floor_area_m2"]
        assert row["area_b"] == lb.at[key, "floor_area_m2"]
        assert row["windows_delta"] == lb.at[key, "windows"] - la.at[key, "windows"]
    assert {(r["stage"], r["level"]) for r in out["levels"] if r["changed"]} == {
        (1, "city"),
        (1, "county"),
    }
    assert out["townships"]["service"] == [] and out["townships"]["phase"] == []
    assert {f["file"] for f in out["files"] if f["status"] != "same"} >= {
        "centres.csv",
        "levels.csv",
        "summary.json",
    }


def test_one_weight_text_output(penalty: tuple[Path, Path]) -> None:
    result = _diff(*penalty)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("different: ")
    assert "1 config key differs" in lines[0]
    assert f"  {PENALTY_KEY}: 0.0 -> 1000.0" in lines
    assert any(line.split()[:3] == ["cnty_320101", "cnty_320101", "s1"] for line in lines)
    assert any(line.split()[:3] == ["city_320100", "city_320100", "s1"] for line in lines)
    assert "Centres: 2 changed (stage 1: 2); largest area change first" in lines


def test_unserved_weight_reports_the_townships_that_lost_service(
    unserved: tuple[Path, Path],
) -> None:
    a, b = unserved
    result = _diff(a, b, "--format", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert [c["key"] for c in out["config"]] == [UNSERVED_KEY]

    service = out["townships"]["service"]
    reported = {
        kind: {(s["township_id"], s["stage"]) for s in service if s["direction"] == kind}
        for kind in ("gained", "lost")
    }
    # T2 had unserved demand either way; T1 loses its service once serving costs more
    assert reported == _service(a, b) == {"gained": set(), "lost": {("320101001", 1)}}
    assert {(c["centre_id"], c["stage"]) for c in out["centres"]["changed"]} == _changed_centres(
        a, b
    )
    changed = {m["name"] for m in out["metrics"] if m["changed"]}
    assert changed == _changed_metrics(a, b)
    assert "stages.1.townships_with_unserved" in changed


# --- edited copies: phases, tolerance, files ------------------------------------------------


def _edit(run: Path, name: str, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of a plan CSV (row, column) keeping every other byte as it was."""
    path = run / "plan" / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (row, col), value in edits.items():
        frame.loc[row, col] = value
    frame.to_csv(path, index=False, lineterminator="\n")


def test_edited_copy_reports_phase_mode_and_area_beyond_tolerance(
    twins: tuple[Path, Path], tmp_path: Path
) -> None:
    a = twins[0]
    b = tmp_path / "copy"
    shutil.copytree(a, b)
    assert diff_runs(load_run(a), load_run(b)).identical
    cen = _csv(a, "centres.csv")
    county = int(cen.index[(cen["centre_id"] == "cnty_320101") & (cen["stage"] == 1)][0])
    city = int(cen.index[(cen["centre_id"] == "city_320100") & (cen["stage"] == 1)][0])
    area = float(cen.at[county, "floor_area_m2"])
    _edit(
        b,
        "centres.csv",
        {
            (county, "floor_area_m2"): f"{area + 0.4:.1f}",  # within the 0.5 m2 tolerance
            # a mode other than the plan's (window modes are decided, issue 16)
            (city, "mode"): "traditional"
            if cen.at[city, "mode"] != "traditional"
            else "small_general",
        },
    )
    _edit(b, "townships.csv", {(1, "phase"): "physical_primary"})

    d = diff_runs(load_run(a), load_run(b))
    assert not d.identical
    assert [f.file for f in d.differing_files] == ["centres.csv", "townships.csv"]
    assert d.config == []
    assert [(c.centre_id, c.stage, c.changed) for c in d.centres] == [("city_320100", 1, ("mode",))]
    assert [(p.township_id, p.stage, p.phase_a, p.phase_b) for p in d.phases] == [
        ("320101002", 1, "online_primary", "physical_primary")
    ]
    assert d.service == [] and d.changed_metrics == []

    strict = diff_runs(load_run(a), load_run(b), Tolerance(area_m2=0.1))
    assert [(c.centre_id, c.changed) for c in strict.centres] == [
        ("city_320100", ("mode",)),
        ("cnty_320101", ("area",)),
    ]

    result = _diff(a, b)
    assert result.exit_code == 1
    assert "online_primary -> physical_primary" in result.stdout


def test_json_is_stable_and_has_the_documented_keys(penalty: tuple[Path, Path]) -> None:
    assert set(JSON_KEYS) == DOCUMENTED_KEYS
    a, b = penalty
    first = to_json(diff_runs(load_run(a), load_run(b)))
    second = to_json(diff_runs(load_run(a), load_run(b)))
    assert first == second
    out = json.loads(first)
    assert set(out) == DOCUMENTED_KEYS
    assert first == json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_markdown_has_tables(penalty: tuple[Path, Path]) -> None:
    result = _diff(*penalty, "--format", "markdown")
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert text.startswith("## Run diff\n")
    assert "| key | A | B |\n| --- | --- | --- |" in text
    assert f"| `{PENALTY_KEY}` | 0.0 | 1000.0 |" in text
    assert "| centre | stage | level | area A | area B | Δ area |" in text
    assert "| `cnty_320101` cnty_320101 | s1 (2026) | county |" in text


def test_output_file_gets_the_diff_and_stdout_the_verdict(
    penalty: tuple[Path, Path], tmp_path: Path
) -> None:
    target = tmp_path / "diff.json"
    result = _diff(*penalty, "--format", "json", "--output", target)
    assert result.exit_code == 1, result.output
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("different: ") and str(target) in result.stdout
    assert json.loads(target.read_text(encoding="utf-8"))["identical"] is False


def test_runs_with_different_stages_are_compared_on_the_common_ones(
    twins: tuple[Path, Path], tmp_path: Path
) -> None:
    two = _run(
        tmp_path / "two",
        config={"stages": {"years": [2026, 2028]}, "policy": {"top_heavy_max_share": [1.0, 1.0]}},
        items=[{"levels_s2": "county"}],
    )
    d = diff_runs(load_run(twins[0]), load_run(two))
    assert (d.stages_a, d.stages_b) == ([0, 1], [0, 1, 2])
    # the items file differs too (a second stage column): compared by content, it is listed
    assert [c.key for c in d.config] == [
        "data.items",
        "policy.top_heavy_max_share",
        "stages.years",
    ]
    assert any("different stages" in n for n in d.notes)
    assert all(c.stage in (0, 1) for c in d.centres)
    assert {m.name for m in d.metrics if m.a is None} >= {"top_heavy_share.2"}
    for text in (render_text(d), render_markdown(d), to_json(d)):
        assert "stages" in text


# --- caps and config flattening (no solve) --------------------------------------------------


def _centre(i: int) -> CentreChange:
    return CentreChange(
        centre_id=f"c{i:03d}",
        stage=1,
        level="township",
        changed=("area",),
        area_a=100.0,
        area_b=100.0 + i,
        windows_a=1,
        windows_b=1,
        desks_a=0,
        desks_b=0,
        mode_a="big_general",
        mode_b="big_general",
        action_a="keep",
        action_b="expand",
    )


def test_long_lists_are_capped_in_text_and_markdown_but_not_in_json() -> None:
    d = PlanDiff(
        run_a="a",
        run_b="b",
        identical=False,
        tolerance=Tolerance(),
        files=[],
        config=[],
        stages_a=[0, 1],
        stages_b=[0, 1],
        levels=[],
        centres=[_centre(i) for i in range(1, 61)],
        centres_only_a=[],
        centres_only_b=[],
        service=[],
        phases=[],
        townships_only_a=[],
        townships_only_b=[],
        metrics=[],
        status_a="optimal",
        status_b="optimal",
    )
    text = render_text(d)
    assert "... and 10 more" in text
    assert "c060" in text and "c011" in text and "c010" not in text  # the 50 largest
    assert text.index("c060") < text.index("c059")  # largest first
    assert "_... and 10 more" in render_markdown(d)
    assert len(json.loads(to_json(d))["centres"]["changed"]) == 60
    assert "... and 5 more" in render_text(d, limit=55)


def test_config_keys_are_flattened() -> None:
    flat = flatten_config({"name": "x", "costs": {"a": 1.0}, "policy": {"levels": {"c": {"k": 2}}}})
    assert flat == {"name": "x", "costs.a": 1.0, "policy.levels.c.k": 2}


def test_config_only_change_is_listed_but_the_plans_stay_identical(
    twins: tuple[Path, Path], tmp_path: Path
) -> None:
    a = twins[0]
    b = tmp_path / "copy"
    shutil.copytree(a, b)
    with (b / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[costs]\nwindow_cost_per_year = 150000.0\n")
    d = diff_runs(load_run(a), load_run(b))
    assert d.identical
    assert [(c.key, c.a, c.b, c.in_a, c.in_b) for c in d.config] == [
        ("costs.window_cost_per_year", None, 150000.0, False, True)
    ]
    result = _diff(a, b)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("; 1 config key differs")
    assert "  costs.window_cost_per_year: (not set) -> 150000.0" in result.stdout.splitlines()


# --- bad input ------------------------------------------------------------------------------


def test_missing_run_folder_exits_2_with_one_line(twins: tuple[Path, Path], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-run"
    result = _diff(twins[0], missing)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(missing) in lines[0] and "not found" in lines[0]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("rm:plan/townships.csv", "townships.csv: missing"),
        ("rm:config.toml", "config.toml: missing"),
        ("write:plan/summary.json", "summary.json: not valid JSON"),
        ("write:config.toml", "config.toml: not valid TOML"),
        ("write:plan/centres.csv", "centres.csv: missing column"),
    ],
)
def test_damaged_run_folder_exits_2_naming_the_file(
    twins: tuple[Path, Path], tmp_path: Path, damage: str, message: str
) -> None:
    run = tmp_path / "run"
    shutil.copytree(twins[0], run)
    action, rel = damage.split(":")
    if action == "rm":
        (run / rel).unlink()
    else:
        (run / rel).write_text("x = [\n")
    with pytest.raises(InputError, match=message):
        load_run(run)
    result = _diff(run, twins[0])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and str(run) in lines[0]


def test_unwritable_output_exits_2(twins: tuple[Path, Path], tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "diff.md"
    result = _diff(*twins, "--output", target)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(target) in lines[0] and "cannot write" in lines[0]
