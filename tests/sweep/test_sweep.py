"""``planner sweep``: scenarios on a 2-worker Dask ``LocalCluster`` give the same plan files as
the same configs run alone; failures are recorded without stopping the others; reruns reuse
unchanged scenarios; the comparison and the dominance list are right; bad sweep files exit 2.

The tiny case: one item that the city or the county centre (100 m2 each today) may serve over
two stages. Without a top-heavy penalty the city (40 m2 a window) wins, with a penalty of
1,000 CNY/m2/year the county (45 m2 a window) wins; the window cost scales the cost.
"""

from __future__ import annotations

import filecmp
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from distributed import Client, LocalCluster

from planner.cli.sweep_cmd import sweep_cmd
from planner.config.schema import deep_merge, load_config
from planner.errors import InputError
from planner.plan.summary import StageMetrics
from planner.run.pipeline import run_config, write_run
from planner.sweep.comparison import comparison_csv, dominance
from planner.sweep.execution import run_sweep
from planner.sweep.html import render_html
from planner.sweep.records import ScenarioRecord, ScenarioStage, SweepResult, read_record
from planner.sweep.spec import Sweep, load_sweep, range_values, scenario_names
from planner.sweep.toml_writer import to_toml

# No warning filter: warnings are errors here too. The clusters bind their HTTP server to a
# free port (dashboard_address=":0"): on the default port 8787 a second cluster (the CLI's
# next to this module's) warns "Port 8787 is already in use", the only warning seen.

PENALTY = "costs.top_heavy_penalty_per_m2_year"
WINDOW = "costs.window_cost_per_year"
PLAN_FILES = [
    "assignments.csv",
    "build_or_expand.csv",
    "centre_items.csv",
    "centres.csv",
    "counties.csv",
    "items.csv",
    "levels.csv",
    "modes.csv",
    "rule_costs.csv",
    "summary.json",
    "townships.csv",
    "unserved.csv",
]

SWEEP_4 = f"""
base = "case/config.toml"
name = "four"
[vary]
"{PENALTY}" = [0, 1000]
"{WINDOW}" = {{start = 100000, stop = 150000, step = 50000}}
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two single-threaded worker processes, closed after the module."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster) as client:
        yield client


def _sweep_file(sweep_root: Path, name: str, text: str) -> Path:
    path = sweep_root / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def four(sweep_root: Path, client: Client) -> SweepResult:
    """The 4-scenario sweep (2 penalties x 2 window costs), run once on the cluster."""
    return run_sweep(load_sweep(_sweep_file(sweep_root, "four", SWEEP_4)), client)


def _cli(*args: str | Path) -> Result:
    return CliRunner().invoke(sweep_cmd, [str(a) for a in args])


# --- the sweep on Dask ------------------------------------------------------------------------


@pytest.mark.dask
def test_every_scenario_equals_its_config_run_alone(four: SweepResult, tmp_path: Path) -> None:
    assert [r.status for r in four.records] == ["solved"] * 4
    assert [r.name for r in four.records] == [
        "four-0_100000",
        "four-0_150000",
        "four-1000_100000",
        "four-1000_150000",
    ]
    for spec, record in zip(four.sweep.scenarios, four.records, strict=True):
        alone = load_config(
            spec.base, deep_merge(spec.overrides, {"output": {"dir": str(tmp_path / "alone")}})
        )
        run_dir = write_run(run_config(alone))
        swept = Path(record.run_dir)
        assert swept == four.sweep.sweep_dir / "scenarios" / spec.name
        for name in PLAN_FILES:
            assert filecmp.cmp(swept / "plan" / name, run_dir / "plan" / name, shallow=False), (
                f"{spec.name}: plan/{name} differs from the config run alone"
            )
        assert sorted(p.name for p in (swept / "plan").iterdir()) == PLAN_FILES
        # a normal run folder whose config and manifest describe the scenario, not the base
        config = load_config(swept / "config.toml").config
        assert config.name == spec.name
        assert config.costs.top_heavy_penalty_per_m2_year == spec.values[PENALTY]
        manifest = json.loads((swept / "manifest.json").read_text())
        assert manifest["config"]["path"] == str(
            four.sweep.sweep_dir / "configs" / f"{spec.name}.toml"
        )
        stored = read_record(swept)
        assert stored is not None and stored.config_hash == record.config_hash
    # the penalty moves the area from the city to the county centre
    by_name = {r.name: r for r in four.records}
    assert by_name["four-0_100000"].stages[-1].top_heavy_share == 1.0
    assert by_name["four-1000_100000"].stages[-1].top_heavy_share == 0.0


@pytest.mark.dask
def test_comparison_files(four: SweepResult) -> None:
    folder = four.sweep.sweep_dir
    table = pd.read_csv(folder / "comparison.csv", dtype={"scenario": str})
    assert len(table) == 4 * 2  # scenarios x stages
    assert list(table.groupby("scenario")["stage"].apply(list)) == [[1, 2]] * 4
    assert {PENALTY, WINDOW, "status", "objective_kcny", "top_heavy_share"} <= set(table.columns)
    for level in ("province", "city", "county", "township"):
        assert f"area_{level}_m2" in table.columns
    # the figures are the plan's own
    for r in four.records:
        summary = json.loads((Path(r.run_dir) / "plan" / "summary.json").read_text())
        rows = table[table["scenario"] == r.name]
        assert rows["objective_kcny"].tolist() == [round(summary["objective_kcny"], 1)] * 2
        levels = pd.read_csv(Path(r.run_dir) / "plan" / "levels.csv")
        city = levels[(levels["level"] == "city") & (levels["stage"] > 0)]["floor_area_m2"]
        assert rows["area_city_m2"].tolist() == city.tolist()
    # same records, same bytes
    text = (folder / "comparison.csv").read_text()
    assert comparison_csv(four.sweep, four.records) == text

    page = (folder / "comparison.html").read_text()
    assert page.count("data:image/png;base64,") == 1
    assert "http://" not in page and "https://" not in page
    for r in four.records:
        assert page.count(f'<span class="small">{r.name}</span>') == 2  # a row per stage
    record = json.loads((folder / "sweep.json").read_text())
    assert [s["name"] for s in record["scenarios"]] == [r.name for r in four.records]
    assert record["counts"] == {"solved": 4, "reused": 0, "failed": 0}
    # with the same window cost, the penalised plan costs more but is not top-heavy: neither
    # dominates; the dearer window cost is dominated by the cheaper one at the same penalty
    assert {d.scenario: set(d.dominated_by) for d in four.dominance} == {
        "four-0_150000": {"four-0_100000", "four-1000_100000"},
        "four-1000_150000": {"four-1000_100000"},
    }
    assert record["non_dominated"] == ["four-0_100000", "four-1000_100000"]


@pytest.mark.dask
def test_rerun_reuses_and_one_change_resolves_one(sweep_root: Path, client: Client) -> None:
    product = _sweep_file(sweep_root, "again", SWEEP_4.replace('"four"', '"again"'))
    first = run_sweep(load_sweep(product), client)
    assert [r.status for r in first.records] == ["solved"] * 4
    stamp = {r.name: (Path(r.run_dir) / "manifest.json").stat().st_mtime_ns for r in first.records}

    second = run_sweep(load_sweep(product), client)
    assert [r.status for r in second.records] == ["reused"] * 4
    assert [r.config_hash for r in second.records] == [r.config_hash for r in first.records]
    assert [r.objective_kcny for r in second.records] == [r.objective_kcny for r in first.records]
    for r in second.records:  # no run folder was rewritten
        assert (Path(r.run_dir) / "manifest.json").stat().st_mtime_ns == stamp[r.name]

    # the same scenarios as a zip, one window cost changed: only that scenario is solved
    zipped = _sweep_file(
        sweep_root,
        "again",
        f"""
base = "case/config.toml"
name = "again"
mode = "zip"
[vary]
"{PENALTY}" = [0, 0, 1000, 1000]
"{WINDOW}" = [100000, 150000, 100000, 120000]
""",
    )
    third = run_sweep(load_sweep(zipped), client)
    assert {r.name: r.status for r in third.records} == {
        "again-0_100000": "reused",
        "again-0_150000": "reused",
        "again-1000_100000": "reused",
        "again-1000_120000": "solved",
    }
    assert third.removed == ["again-1000_150000"]
    folders = sorted(p.name for p in (third.sweep.sweep_dir / "scenarios").iterdir())
    assert folders == sorted(r.name for r in third.records)


@pytest.mark.dask
def test_failing_scenario_is_recorded_and_cli_exits_3(
    sweep_root: Path, cluster: LocalCluster
) -> None:
    path = _sweep_file(
        sweep_root,
        "bad-values",
        f"""
base = "case/config.toml"
name = "bad-values"
[vary]
"{WINDOW}" = [100000, -5]
"{PENALTY}" = [0, 1000]
""",
    )
    result = _cli(path, "--scheduler", cluster.scheduler_address, "-q")
    assert result.exit_code == 3, result.output
    lines = result.output.strip().splitlines()
    assert sum(line.startswith("failed: bad-values--5_") for line in lines) == 2
    assert "2 of 4 scenarios failed" in lines[-1]

    folder = sweep_root / "case" / "out" / "bad-values"
    record = json.loads((folder / "sweep.json").read_text())
    status = {s["name"]: s["status"] for s in record["scenarios"]}
    assert status == {
        "bad-values-100000_0": "solved",
        "bad-values-100000_1000": "solved",
        "bad-values--5_0": "failed",
        "bad-values--5_1000": "failed",
    }
    for s in record["scenarios"]:
        if s["status"] == "failed":
            assert "'costs.window_cost_per_year'" in s["error"] and "-5" in s["error"]
            stored = read_record(Path(s["run_dir"]))
            assert stored is not None and stored.error == s["error"]
            assert not (Path(s["run_dir"]) / "plan").exists()
    table = pd.read_csv(folder / "comparison.csv")
    assert len(table) == 2 * 2 + 2  # two plans of two stages, one row per failure
    assert table[table["status"] == "failed"]["stage"].isna().all()


@pytest.mark.dask
def test_cli_on_a_local_cluster_writes_the_report(sweep_root: Path) -> None:
    path = _sweep_file(
        sweep_root,
        "one",
        f"""
base = "case/config.toml"
name = "one"
[vary]
"{PENALTY}" = [1000]
"output.report" = [true]
""",
    )
    result = _cli(path, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "1 solved, 0 reused, 0 failed" in result.output
    run_dir = sweep_root / "case" / "out" / "one" / "scenarios" / "one-1000_true"
    assert (run_dir / "report.html").is_file()
    assert (run_dir / "plan" / "summary.json").is_file()


# --- dominance --------------------------------------------------------------------------------


def _record(name: str, cost: float | None, unserved: float, share: float) -> ScenarioRecord:
    stage = ScenarioStage(
        stage=2,
        area_m2={},
        top_heavy_share=share,
        metrics=StageMetrics(0.0, 0.0, 0.0, unserved, 0, 0),
    )
    early = ScenarioStage(1, {}, 0.9, StageMetrics(0.0, 0.0, 0.0, 1e9, 0, 0))  # not counted
    return ScenarioRecord(
        name=name,
        index=0,
        values={},
        status="failed" if cost is None else "solved",
        run_dir="",
        objective_kcny=cost,
        stages=(early, stage) if cost is not None else (),
    )


def test_dominance_on_a_constructed_case() -> None:
    records = [
        _record("a", 100.0, 0.0, 0.20),
        _record("b", 100.0, 0.0, 0.30),  # a is as cheap and serves as well, less top-heavy
        _record("c", 90.0, 5.0, 0.20),  # cheapest but leaves demand unserved: not dominated
        _record("d", 120.0, 5.0, 0.30),  # worse than a, b and c
        _record("e", 100.0, 0.0, 0.20),  # equal to a: neither dominates the other
        _record("f", 100.04, 0.0, 0.20),  # equal to a at the CSV's precision (0.1 kCNY)
        _record("g", None, 0.0, 0.0),  # failed: takes no part
    ]
    result = {d.scenario: d.dominated_by for d in dominance(records)}
    assert result == {"b": ("a", "e", "f"), "d": ("a", "b", "c", "e", "f")}


@pytest.mark.dask
def test_html_lists_the_dominated(four: SweepResult) -> None:
    page = render_html(four)
    section = page.split('id="dominance"')[1].split('id="metrics"')[0]
    assert "<tr><td>four-1000_150000</td><td>four-1000_100000</td></tr>" in section
    assert "Not dominated: four-0_100000, four-1000_100000." in section


# --- the sweep file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            'base = "case/config.toml"\nname = "x"\nmodee = "zip"\n[vary]\n"costs.x" = [1]',
            r"unknown key 'modee'",
            id="unknown-key",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"costs.window_cost" = [1, 2]',
            r"'vary\.costs\.window_cost': unknown config key 'costs\.window_cost'",
            id="unknown-config-key",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\ncosts.window_cost_per_year = '
            "{start = 1, stop = 5, step = 0}",
            r"'vary\.costs\.window_cost_per_year' is a bad range: step must be",
            id="range-step-zero",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"costs.window_cost_per_year" = '
            "{start = 5, stop = 1, step = 1}",
            r"is a bad range: step 1 goes away from stop 1",
            id="range-wrong-direction",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"costs.window_cost_per_year" = '
            "{start = 1, step = 1}",
            r"'vary\.costs\.window_cost_per_year\.stop' is required but missing",
            id="range-missing-stop",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"costs.window_cost_per_year" = '
            '{start = 1, stop = "a", step = 1}',
            r"'vary\.costs\.window_cost_per_year\.stop' was 'a'",
            id="range-not-a-number",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\nmode = "zip"\n[vary]\n'
            '"costs.window_cost_per_year" = [1, 2, 3]\n'
            '"costs.online_cost_per_transaction" = [1, 2]',
            r"mode = \"zip\" needs lists of equal length, but 'costs\.window_cost_per_year' has 3, "
            r"'costs\.online_cost_per_transaction' has 2",
            id="zip-unequal",
        ),
        pytest.param(
            'base = "nowhere.toml"\nname = "x"\n[vary]\n"costs.window_cost_per_year" = [1]',
            r"'base' config nowhere\.toml not found",
            id="missing-base",
        ),
        pytest.param(
            'name = "x"\n[vary]\n"costs.window_cost_per_year" = [1]',
            r"'base' is required but missing",
            id="no-base",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"output.dir" = ["a", "b"]',
            r"'vary\.output\.dir': is set by the sweep",
            id="reserved-key",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"costs.window_cost_per_year" = 5',
            r"'vary\.costs\.window_cost_per_year' was 5: give a list of values or a range",
            id="not-a-list",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n'
            '"costs.window_cost_per_year" = [1, 1.0]',
            r"'vary\.costs\.window_cost_per_year' lists 1 twice",
            id="duplicate-value",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x"\n[vary]\n"costs" = [{}]\n'
            '"costs.window_cost_per_year" = [1]',
            r"'vary\.costs' and 'vary\.costs\.window_cost_per_year' overlap",
            id="overlapping-keys",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "x y"\n[vary]\n"costs.window_cost_per_year" = [1]',
            r"'name' was 'x y'",
            id="bad-name",
        ),
        pytest.param(
            'base = "case/config.toml"\nname = "tiny"\n[vary]\n"costs.window_cost_per_year" = [1]',
            r"'name' 'tiny' is the run folder of the base config",
            id="name-of-the-base-run",
        ),
        pytest.param('base = "case/config.toml"\nname = ', r"not valid TOML", id="not-toml"),
    ],
)
def test_bad_sweep_file_exits_2(sweep_root: Path, text: str, message: str) -> None:
    path = _sweep_file(sweep_root, "bad", text)
    result = _cli(path, "-q")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {path}: "), lines[0]
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in result.output


def test_missing_sweep_file_exits_2(tmp_path: Path) -> None:
    result = _cli(tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {tmp_path / 'nope.toml'}: sweep file not found"


def test_range_values_include_stop_within_tolerance() -> None:
    where, path = "vary.k", Path("s.toml")
    assert range_values({"start": 0.04, "stop": 0.08, "step": 0.02}, where, path) == [
        0.04,
        0.06,
        0.08,
    ]
    assert range_values({"start": 0.1, "stop": 0.3, "step": 0.1}, where, path) == [0.1, 0.2, 0.3]
    assert range_values({"start": 0, "stop": 10, "step": 5}, where, path) == [0, 5, 10]
    assert all(
        type(v) is int for v in range_values({"start": 0, "stop": 10, "step": 5}, where, path)
    )
    assert range_values({"start": 1.0, "stop": 0.0, "step": -0.5}, where, path) == [1.0, 0.5, 0.0]
    assert range_values({"start": 0.0, "stop": 1.0, "step": 0.3}, where, path) == [
        0.0,
        0.3,
        0.6,
        0.9,
    ]
    with pytest.raises(InputError, match="at most 10,000"):
        range_values({"start": 0, "stop": 1, "step": 1e-6}, where, path)


def test_names_follow_the_values_not_the_position() -> None:
    keys = ["a.x", "a.y"]
    names = scenario_names("s", keys, [(0, 0.04), (0, 0.06), (1000, 0.04)])
    assert names == ["s-0_0.04", "s-0_0.06", "s-1000_0.04"]
    # a value added in front renames nobody else
    grown = scenario_names("s", keys, [(500, 0.04), (0, 0.04), (0, 0.06), (1000, 0.04)])
    assert set(names) < set(grown)
    # values that format alike get a hash of the exact values
    clash = scenario_names("s", ["k"], [("a b",), ("a-b",)])
    assert len(set(clash)) == 2 and all(re.fullmatch(r"s-a-b-[0-9a-f]{6}", n) for n in clash)


def test_example_sweep_file() -> None:
    root = Path(__file__).resolve().parents[2]
    sweep: Sweep = load_sweep(root / "configs" / "sweep-example.toml")
    assert len(sweep.scenarios) == 4
    assert sweep.base == root / "configs" / "jiangsu-fast.toml"
    assert sweep.keys == [PENALTY, "maturity.annual_catch_up"]
    assert sweep.values["maturity.annual_catch_up"] == [0.04, 0.08]


def test_scenario_config_round_trips_through_toml() -> None:
    import tomllib

    value = {
        "name": "n",
        "description": 'quote " and backslash \\ and 中文',
        "data": {"townships": "/abs/t.csv"},
        "policy": {"levels": {"county": {"max_growth_per_stage": "unbounded"}}, "x": [0.3, 1e-7]},
        "maturity": {"phase_thresholds": [0.45, 0.65], "weights": {"edu_years_mean": 1}},
        "empty": {},
        "flags": [True, False],
    }
    assert tomllib.loads(to_toml(value)) == value


def test_scenarios_of_one_worker_reuse_the_model_warm_and_plan_as_cold(
    sweep_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process running the four cost-only scenarios in turn builds the model once and
    re-solves it warm three times; every plan equals the scenario's config run cold."""
    from planner.solve.warm import WarmPool
    from planner.sweep import scenario

    pool = WarmPool()
    monkeypatch.setattr(scenario, "WARM_POOL", pool)
    sweep = load_sweep(_sweep_file(sweep_root, "warm", SWEEP_4.replace("four", "warm")))
    records = [scenario.run_scenario(spec) for spec in sweep.scenarios]
    assert [r.status for r in records] == ["solved"] * 4
    assert pool.warm_solves == 3
    for spec, record in zip(sweep.scenarios, records, strict=True):
        alone = load_config(
            spec.base, deep_merge(spec.overrides, {"output": {"dir": str(tmp_path / "cold")}})
        )
        cold = write_run(run_config(alone))
        for name in PLAN_FILES:
            assert filecmp.cmp(
                Path(record.run_dir) / "plan" / name, cold / "plan" / name, shallow=False
            ), f"{spec.name}: plan/{name} differs from the cold run"
        # the warm run names the same steps as the cold one: build, solve, read solution, ...
        warm_steps = json.loads((Path(record.run_dir) / "manifest.json").read_text())["timings_s"]
        cold_steps = json.loads((cold / "manifest.json").read_text())["timings_s"]
        assert list(warm_steps) == list(cold_steps), spec.name
        assert {"build", "solve", "read solution"} <= set(warm_steps)
