"""Map furniture of the static maps (``planner.report.mapparts``) and the report's changes
section (``planner.report.changes``)."""

from __future__ import annotations

import io
import math
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from matplotlib.figure import Figure
from PIL import Image

import planner.cli.main  # noqa: F401  (imports the CLI before report_cmd, as the CLI does)
from planner.report import changes, charts, compare, mapparts
from planner.report.data import read_run
from planner.report.html import render_report
from tests.report.test_report import _solve_and_write


def _panel(geographic: bool = True) -> Figure:
    fig = Figure(figsize=(6, 6), dpi=100)
    ax = fig.add_subplot()
    if geographic:
        ax.set_xlim(118.0, 120.0)
        ax.set_ylim(31.0, 33.0)
        ax.set_aspect(1 / math.cos(math.radians(32.0)))
    else:
        ax.set_xlim(0, 200_000)
        ax.set_ylim(0, 200_000)
        ax.set_aspect(1.0)
    return fig


def test_nice_length() -> None:
    assert mapparts.nice_length(43.0) == 20.0
    assert mapparts.nice_length(50.0) == 50.0
    assert mapparts.nice_length(0.7) == 0.5
    assert mapparts.nice_length(180.0) == 100.0


@pytest.mark.parametrize(("geographic", "expected_km"), [(True, 20.0), (False, 20.0)])
def test_scale_bar_length_matches_the_map(geographic: bool, expected_km: float) -> None:
    fig = _panel(geographic)
    ax = fig.axes[0]
    km = mapparts.scale_bar(ax, geographic)
    # 2 degrees of longitude at 32N are 189 km (geographic), the projected panel 200 km wide:
    # 22% of that, rounded down to 1-2-5, is 20 km
    assert km == expected_km
    bar = ax.lines[-1]
    xs = bar.get_xdata()
    length_units = float(max(xs) - min(xs))
    assert length_units * mapparts.km_per_unit(ax, geographic) == pytest.approx(km)
    assert any(t.get_text() == "20 km" for t in ax.texts)


def test_north_arrow_and_note() -> None:
    fig = _panel()
    ax = fig.axes[0]
    mapparts.furniture(ax, True)
    mapparts.corner_note(ax, "3 townships with unserved demand")
    texts = [t.get_text() for t in ax.texts]
    assert "N" in texts and "3 townships with unserved demand" in texts
    note = next(t for t in ax.texts if t.get_text().startswith("3 townships"))
    assert note.get_bbox_patch() is not None  # on a white box, readable over the map
    assert note.get_fontsize() >= 9


def test_spread_shared_moves_only_points_that_share_a_seat() -> None:
    fig = _panel()
    ax = fig.axes[0]
    x = np.array([119.0, 119.0, 119.0, 118.5])
    y = np.array([32.0, 32.0, 32.0, 31.5])
    mapparts.spread_shared(ax, x, y, [2, 0, 1, 0])
    assert (x[3], y[3]) == (118.5, 31.5)
    shared = {(round(a, 6), round(b, 6)) for a, b in zip(x[:3], y[:3], strict=True)}
    assert len(shared) == 3
    assert y[1] > 32.0 and x[1] == pytest.approx(119.0)  # rank 0 sits north
    # the ring is a few points wide whatever the extent: here under 3% of the 2-degree panel
    assert np.all(np.abs(x[:3] - 119.0) < 0.06) and np.all(np.abs(y[:3] - 32.0) < 0.06)
    assert np.abs(x[0] - 119.0) > 0.01


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve_and_write(tmp_path_factory.mktemp("changes"), 0.5, 15.0)


def test_changes_in_both_directions_and_per_stage(run_dir: Path) -> None:
    run = read_run(run_dir, maps=False)
    centres = pd.read_csv(run_dir / "plan" / "centres.csv", dtype={"centre_id": str})
    grow, shrink = changes.overall_changes(run)
    assert (grow["change"] > 0).all() and (shrink["change"] < 0).all()
    assert "cnty_320101" in set(shrink["centre_id"])  # 100 m2 today, less later
    for stage in (1, 2, 3):
        g, s = changes.step_changes(run, stage)
        rows = centres[centres["stage"] == stage]
        expected = set(rows.loc[rows["area_change_m2"] < -0.5, "centre_id"])
        assert set(s["centre_id"]) == expected
        assert (g["area_change_m2"] > 0).all()
    page = render_report(run_dir)
    assert "<h3>Largest increases</h3>" in page and "<h3>Largest reductions</h3>" in page
    for stage in (1, 2, 3):
        label = run.stage_label(stage)
        assert f"<summary>{label} against {run.stage_label(stage - 1)}:" in page


def test_charts_keep_key_colours_exact() -> None:
    # a legend-sized cyan dot among a lot of green: a plain median cut merges it into green
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)
    greens = [(0.1 + 0.3 * g, 0.5 + 0.3 * g, 0.1) for g in rng.random(400)]
    ax.scatter(rng.random(400), rng.random(400), s=300, c=greens)
    ax.scatter([0.5], [0.5], s=30, c=["#17becf"])
    ax.scatter([0.2], [0.8], s=30, c=["#d62728"])
    image = Image.open(io.BytesIO(charts.to_png(fig))).convert("RGB")
    colours = {c for _, c in image.getcolors(1 << 16) or []}
    assert (23, 190, 207) in colours  # convert_mode cyan
    assert (214, 39, 40) in colours  # close red


def test_changed_keys(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    config = tomllib.loads((copy / "config.toml").read_text(encoding="utf-8"))
    config.setdefault("costs", {})["window_cost_per_year"] = 80_000.0
    config["stages"]["years"] = [2026, 2028, 2031]
    (copy / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    a, b = read_run(run_dir, maps=False), read_run(copy, maps=False)
    assert compare.changed_keys(a, b) == [
        ("costs.window_cost_per_year", None, 80_000.0),
        ("stages.years", [2026, 2028, 2030], [2026, 2028, 2031]),
    ]
    note = compare.changed_keys_note(a, b)
    assert "2 keys" in note and "<i>not set</i> → <code>80000.0</code>" in note
    assert "the two configs are the same" in compare.changed_keys_note(a, a)
