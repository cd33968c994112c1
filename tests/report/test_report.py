"""The HTML report (``planner.report``) on solved tiny runs, and in a real browser.

Two three-stage tiny runs (``tests/tiny.py``) are solved and written as run folders with
``plan.gpkg``: *main* has an item with a 15-minute travel limit, so the second township
cannot reach a centre and part of its demand is unserved (a warning), and a generated
township point (a ``generated_data`` entry); *other* differs in online potential. The browser
tests open the report in headless Chromium (Debian's ``chromium``, installed by ``make test``)
with a probe script that records every image's decoded size and every error, CSP violation
and console error; they fail, never skip, when Chromium is missing.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

import planner.cli.main  # noqa: F401  (the CLI package before report_cmd: import order of the CLI)
from planner.cli.report_cmd import report_cmd
from planner.config.schema import load_config
from planner.errors import InputError
from planner.labels import transition_label
from planner.report import charts, fonts
from planner.report.browser import CHROMIUM, headless_command
from planner.report.html import REPORT_NAME, render_report, write_report
from planner.run.pipeline import run_config, write_run
from tests.tiny import write_case

INSTALL_HINT = (
    "run `make test` (its set-up installs Debian's chromium), or `apt-get install -y chromium`"
)
SINGLE_CHARTS = {
    "olive",
    "map-centres",
    "map-maturity",
    "map-phase",
    "map-phase-entry",
    "map-unserved",
    "mode-conversions",
}
COMPARE_CHARTS = {"olive-area", "olive-windows", "map-compare", "map-change"}
IMG_SRC = re.compile(r"""<img\b[^>]*\bsrc="([^"]*)\"""")
URL_ATTR = re.compile(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?([^"'\s>]+)""", re.I)


def _add_column(path: Path, column: str, values: dict[str, str], key: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame[column] = frame[key].map(values).fillna("")
    frame.to_csv(path, index=False)


def _solve_and_write(folder: Path, online_potential: float, max_travel_min: float) -> Path:
    cfg = write_case(
        folder,
        items=[
            {
                "levels_s2": "county",
                "levels_s3": "county",
                "online_potential": online_potential,
                "max_travel_min": max_travel_min,
            }
        ],
        config={
            "name": folder.name,
            "description": "tiny case 小案例",
            "stages": {"years": [2026, 2028, 2030]},
            "policy": {"top_heavy_max_share": [1.0, 1.0, 1.0]},
            "output": {"gpkg": True},
        },
    )
    _add_column(
        folder / "townships.csv",
        "point_source",
        {"320101001": "real:2016", "320101002": "generated:centroid"},
        "township_id",
    )
    run = run_config(load_config(cfg))
    assert run.plan is not None
    return write_run(run)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve_and_write(tmp_path_factory.mktemp("main"), 0.5, 15.0)


@pytest.fixture(scope="module")
def other_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve_and_write(tmp_path_factory.mktemp("other"), 0.2, 120.0)


@pytest.fixture(scope="module")
def page(run_dir: Path) -> str:
    return render_report(run_dir)


@pytest.fixture(scope="module")
def compare_page(run_dir: Path, other_dir: Path) -> str:
    return render_report(run_dir, against=other_dir)


def _images(page: str) -> dict[str, Image.Image]:
    out = {}
    for match in re.finditer(
        r'<img data-chart="([^"]+)"[^>]*src="data:image/png;base64,([^"]+)"', page
    ):
        image = Image.open(io.BytesIO(base64.b64decode(match.group(2))))
        image.load()
        out[match.group(1)] = image
    return out


# --- content ----------------------------------------------------------------------------------


def test_run_has_a_warning_and_generated_data(run_dir: Path) -> None:
    summary = json.loads((run_dir / "plan" / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert any("unserved" in w for w in summary["warnings"])
    assert manifest["generated_data"] == ["townships.point_source"]
    assert (run_dir / "plan.gpkg").is_file()


@pytest.mark.parametrize("which", ["page", "compare_page"])
def test_self_contained(which: str, request: pytest.FixtureRequest) -> None:
    text: str = request.getfixturevalue(which)
    # the interactive map's scripts (tests/report/test_webmap.py) are inline, allowed by their hash
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    if which == "compare_page":
        assert "<script" not in text.lower() and "script-src 'none'" in text
    assert "<link" not in text.lower()
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert "@import" not in markup
    assert re.findall(r"url\((.{21})", markup) == ["data:font/woff;base64"]  # the CJK subset
    for url in URL_ATTR.findall(markup):
        assert url.startswith(("data:image/png;base64,", "#")), url
    assert "Content-Security-Policy" in text
    assert "default-src 'none'" in text


def test_charts_are_inline_pngs(page: str) -> None:
    images = _images(page)
    assert set(images) == SINGLE_CHARTS
    assert len(IMG_SRC.findall(page)) == len(SINGLE_CHARTS)
    for image in images.values():
        assert image.format == "PNG"
        assert image.width == charts.WIDTH_IN * charts.DPI
        assert 200 < image.height < 3000


def test_metrics_tables(page: str, run_dir: Path) -> None:
    assert '<table class="metrics">' in page
    for label in (
        "Floor area, county (m²)",
        "Windows, all levels",
        "Online share",
        "Unserved demand (transactions/year)",
        "Travel to county centres (min, demand-weighted)",
        "Townships with unserved demand",
        "Open centres in 大全科 big general mode",
    ):
        assert label in page
    for stage_label in ("Today (2025)", "Stage 1 (2026)", "Stage 2 (2028)", "Stage 3 (2030)"):
        assert stage_label in page
    assert 'id="changes"' in page and 'id="modes"' in page and 'id="objective"' in page
    assert "Plan cost" in page and "Lower bound" in page


def test_window_modes_read_by_name(page: str) -> None:
    assert "Open centres in 小全科 small general mode" in page
    assert "Open centres in 大全科 big general mode" in page
    assert "small_general mode" not in page and "big_general mode" not in page
    assert transition_label("traditional → small_general") == (
        "传统窗口 traditional → 小全科 small general"
    )
    assert transition_label("closed") == "closed"


def test_warnings_config_manifest_generated(page: str, run_dir: Path) -> None:
    summary = json.loads((run_dir / "plan" / "summary.json").read_text(encoding="utf-8"))
    assert summary["warnings"]
    assert f'id="warnings">Warnings ({len(summary["warnings"])})' in page
    for warning in summary["warnings"]:
        assert f"<li>{html.escape(warning)}</li>" in page
    config = (run_dir / "config.toml").read_text(encoding="utf-8")
    assert f"<pre class='config'>{html.escape(config)}</pre>" in page
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["code_sha256"] in page
    assert 'id="generated"' in page
    assert "<code>townships.point_source</code>" in page
    assert "tiny case 小案例" in page


def test_text_is_escaped(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    path = copy / "plan" / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["warnings"] = ["<b>bold</b> & done"]
    path.write_text(json.dumps(summary), encoding="utf-8")
    text = render_report(copy)
    assert "<li>&lt;b&gt;bold&lt;/b&gt; &amp; done</li>" in text
    assert "<b>bold</b>" not in text


def test_without_gpkg_there_are_no_maps(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "plan.gpkg").unlink()
    text = render_report(copy)
    assert set(_images(text)) == {"olive", "mode-conversions"}
    assert "plan.gpkg is missing" in text


def test_compare_view(compare_page: str, run_dir: Path, other_dir: Path) -> None:
    assert set(_images(compare_page)) == COMPARE_CHARTS
    assert "A (reference)" in compare_page and "B (this run)" in compare_page
    assert f"<strong>{other_dir.name}</strong>" in compare_page
    assert '<th class="num b">A</th><th class="num">B</th><th class="num">Δ</th>' in compare_page
    assert "Diff (A → B)" in compare_page
    assert "<span class='del'>-name = &quot;" in compare_page
    assert "<span class='add'>+name = &quot;" in compare_page
    assert "only in B" in compare_page  # B's unserved warning is not in A
    # every common stage is covered: a changes map panel each, and the differences per stage
    for label in ("Stage 1 (2026)", "Stage 2 (2028)", "Stage 3 (2030)"):
        assert f"<summary>Centres in {label}: largest differences</summary>" in compare_page
    assert 'id="changed">What changed, stage by stage</h3>' in compare_page
    # changed config keys first, above the olive profiles: here name, description is the same
    keys = compare_page.index("id='changed-keys'")
    assert keys < compare_page.index('id="olive"')
    assert "<li><code>name</code>:" in compare_page


def test_write_report_is_atomic_and_replaces(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / REPORT_NAME).write_text("old", encoding="utf-8")
    path = write_report(copy)
    assert path == copy / REPORT_NAME
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []
    out = write_report(copy, path=tmp_path / "elsewhere" / "r.html")
    assert out.is_file()


def test_inside_the_temporary_run_folder(run_dir: Path, tmp_path: Path) -> None:
    # write_run fills a hidden twin ".<name>.tmp-<pid>" and calls write_report on it
    twin = tmp_path / f".{run_dir.name}.tmp-4242"
    shutil.copytree(run_dir, twin)
    path = write_report(twin)
    assert path == twin / REPORT_NAME
    text = path.read_text(encoding="utf-8")
    assert f"run folder: {run_dir.name}</span>" in text
    assert ".tmp-4242" not in text


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        render_report(tmp_path / "missing")
    with pytest.raises(InputError, match=r"not a run folder \(missing plan/summary.json"):
        render_report(tmp_path)


def test_cli(run_dir: Path, other_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(report_cmd, [str(run_dir), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "report written to" in result.output
    result = runner.invoke(report_cmd, [str(run_dir), "--against", str(other_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Olive Planner review" in out.read_text(encoding="utf-8")
    result = runner.invoke(report_cmd, [str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a folder" in result.output
    assert "Traceback" not in result.output


def test_charts_draw_chinese_with_the_packaged_font() -> None:
    """The charts' Chinese comes from the font the package ships, not from the machine."""
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    found = fonts.packaged_font()
    assert found is not None, "noto-cjk-sans-otc is a dependency of the planner"
    assert charts.cjk_font() == fonts.FAMILY
    with charts.chart_style():
        path = font_manager.findfont(font_manager.FontProperties(family=fonts.FAMILY))
        fig = Figure()
        fig.text(0.1, 0.5, "南京市 玄武区 乡镇街道 线上为主")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font" fails the test
            charts.to_png(fig)
    assert Path(path).resolve() == found[0].resolve()


def test_page_embeds_a_font_for_its_chinese(page: str) -> None:
    """Every character of the page is in the embedded subset (readable in a browser without
    a CJK font), and the subset holds nothing else of the 65,000 glyphs."""
    from fontTools.ttLib import TTFont

    src = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert src is not None
    font = TTFont(io.BytesIO(base64.b64decode(src.group(1))))
    assert font.flavor == "woff"
    assert font["name"].getDebugName(1) == fonts.FAMILY
    wide = fonts.wide_characters(page)
    assert "省" in wide and "小" in wide  # level labels and the description 小案例
    cmap = set(font.getBestCmap())
    assert {ord(c) for c in wide} <= cmap
    assert {ord(c) for c in "Olive Planner 0123456789"} <= cmap  # Latin: same widths anywhere
    assert len(cmap) <= len(fonts.page_characters(page)) + 5
    assert re.search(r'body \{[^}]*font-family:[^;]*"' + fonts.WEB_FAMILY + '"', page)


# --- in a real browser ------------------------------------------------------------------------

PROBE = """<script>(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    errors.push(t && t.tagName ? "resource " + t.tagName : "error " + e.message);
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    errors.push("csp " + e.violatedDirective + " " + e.blockedURI);
  });
  var original = console.error;
  console.error = function () {
    errors.push("console " + Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.images).map(function (i) {
      return (i.getAttribute("data-chart") || "?") + ":" + i.naturalWidth + ":" +
        i.naturalHeight + ":" + (i.complete ? 1 : 0);
    });
    document.body.setAttribute("data-probe-images", images.join(" "));
    document.fonts.ready.then(function () {
      var loaded = [];
      document.fonts.forEach(function (f) { if (f.status === "loaded") loaded.push(f.family); });
      document.body.setAttribute("data-probe-fonts", loaded.join("|"));
      document.body.setAttribute("data-probe-errors", JSON.stringify(errors));
      document.body.setAttribute("data-probe-done", "1");
    });
  });
})();</script>"""
"""Records every image's decoded size, the web fonts the browser loaded and every error once
the page and its fonts have loaded. It is placed
right after the page's CSP, whose ``script-src`` is opened for inline scripts only: every
other rule (no fetch but inline images and styles) still holds, and a violation is an error."""


def _chromium() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is not installed: the browser tests need it; {INSTALL_HINT}")
    return CHROMIUM


def _browser(target: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    _chromium()
    command = headless_command(target, profile, "--enable-logging=stderr", "--v=0", *extra)
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("which", "expected"), [("page", SINGLE_CHARTS), ("compare_page", COMPARE_CHARTS)]
)
def test_browser_renders_every_image_without_errors(
    which: str, expected: set[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    text: str = request.getfixturevalue(which)
    marker = '<meta name="viewport"'
    assert "script-src " in text and marker in text
    probed = re.sub(r"script-src [^\"]+", "script-src 'unsafe-inline'", text, count=1)
    probed = probed.replace(marker, PROBE + marker, 1)
    target = tmp_path / "probe.html"
    target.write_text(probed, encoding="utf-8")
    done = _browser(target, tmp_path / "profile", "--dump-dom", "--virtual-time-budget=5000")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert 'data-probe-done="1"' in dom, dom[-2000:]
    images = re.search(r'data-probe-images="([^"]*)"', dom)
    assert images is not None
    sizes = {}
    for entry in images.group(1).split():
        chart, width, height, complete = entry.rsplit(":", 3)
        sizes[chart] = (int(width), int(height), complete)
    assert set(sizes) == expected
    for chart, (width, height, complete) in sizes.items():
        assert width > 0 and height > 0 and complete == "1", chart
    loaded = re.search(r'data-probe-fonts="([^"]*)"', dom)
    assert loaded is not None
    assert loaded.group(1).replace("&quot;", '"').strip('"') == fonts.WEB_FAMILY  # drawn with it
    errors = re.search(r'data-probe-errors="([^"]*)"', dom)
    assert errors is not None
    assert json.loads(errors.group(1).replace("&quot;", '"')) == []
    assert _console_lines(done.stderr) == []


@pytest.mark.browser
def test_browser_screenshot(page: str, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = _browser(target, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,3000")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _console_lines(done.stderr) == []
    with Image.open(shot) as image:
        assert image.size == (1400, 3000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 200  # text, charts and maps, not a blank page
