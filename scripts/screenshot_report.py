"""Screenshot the HTML report of a run folder in headless Chromium (for ``docs/``).

Usage::

    .venv/bin/python scripts/screenshot_report.py [RUN_DIR] [--out docs/report-screenshot.png]
        [--against OTHER_RUN] [--width 1400] [--height 3000] [--map docs/report-map.png]
        [--centre CENTRE_ID]

The report is rendered into a temporary folder (the run folder is left untouched), opened
in Debian's ``chromium`` and the top ``width`` x ``height`` pixels are saved as a
palette PNG (small enough to commit). With ``--map``, the interactive map is photographed
too (Playwright driving the same Chromium): the last stage, with the details of
``--centre`` (default: the centre with the largest floor-area reduction) opened by a click.
"""

from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from planner.report.browser import CHROMIUM, PLAYWRIGHT_FLAGS, headless_command
from planner.report.charts import quantise
from planner.report.data import read_run
from planner.report.html import write_report

log = logging.getLogger("screenshot_report")

ROOT = Path(__file__).resolve().parent.parent


def screenshot(page: Path, out: Path, width: int, height: int, profile: Path) -> None:
    """Save the top ``width`` x ``height`` pixels of ``page`` as a PNG.

    Raises
    ------
    RuntimeError
        If Chromium is missing or fails.
    """
    if not Path(CHROMIUM).is_file():
        msg = f"{CHROMIUM} is not installed: apt-get install -y chromium"
        raise RuntimeError(msg)
    command = headless_command(
        page, profile, f"--screenshot={out}", f"--window-size={width},{height}"
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0 or not out.is_file():
        msg = f"chromium failed ({done.returncode}): {done.stderr[-1000:]}"
        raise RuntimeError(msg)


def map_screenshot(page: Path, out: Path, centre: str, width: int) -> None:
    """Photograph the interactive map after clicking ``centre`` (last stage shown).

    Raises
    ------
    RuntimeError
        If the map does not load or the centre cannot be clicked.
    """
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(PLAYWRIGHT_FLAGS))
        tab = browser.new_page(viewport={"width": width, "height": 1000})
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(page.resolve().as_uri())
        tab.wait_for_function("document.getElementById('olive-map').dataset.ready === '1'")
        tab.locator("#olive-map").scroll_into_view_if_needed()
        box = tab.locator("#olive-map").bounding_box()
        point = tab.evaluate(
            """(id) => {
                const m = window.oliveMap.centres[id];
                if (!m) { return null; }
                window.oliveMap.map.setView(m.getLatLng(), 9, { animate: false });
                const p = window.oliveMap.map.latLngToContainerPoint(m.getLatLng());
                return [p.x, p.y];
            }""",
            centre,
        )
        if point is None or box is None:
            msg = f"centre {centre} is not on the map"
            raise RuntimeError(msg)
        tab.mouse.click(box["x"] + point[0], box["y"] + point[1])
        selected = tab.locator("#olive-map-info").get_attribute("data-selected")
        if selected != centre or errors:
            msg = f"clicking {centre} selected {selected} (errors: {errors})"
            raise RuntimeError(msg)
        tab.locator(".webmap").screenshot(path=str(out))
        browser.close()


def largest_reduction(run_dir: Path) -> str:
    """Id of the centre losing most floor area from today to the last stage."""
    centres = read_run(run_dir, maps=False).centres
    area = centres.pivot_table(index="centre_id", columns="stage", values="floor_area_m2")
    change = area[area.columns.max()] - area[area.columns.min()]
    return str(change.sort_values(kind="mergesort").index[0])


def shrink_png(path: Path) -> int:
    """Re-save a PNG with a 256-colour palette when that is smaller; return its size."""
    raw = path.read_bytes()
    with Image.open(io.BytesIO(raw)) as image:
        palette = quantise(image.convert("RGB"))
    buf = io.BytesIO()
    palette.save(buf, format="PNG", optimize=True)
    if len(buf.getvalue()) < len(raw):
        path.write_bytes(buf.getvalue())
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Render, screenshot and shrink; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", nargs="?", type=Path, default=ROOT / "outputs/jiangsu-default")
    parser.add_argument("--against", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs/report-screenshot.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--map", type=Path, default=None, help="also photograph the map")
    parser.add_argument("--centre", default=None, help="centre to click on the map")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="olive-report-") as tmp:
        folder = Path(tmp)
        page = write_report(args.run_dir, against=args.against, path=folder / "report.html")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(page, args.out, args.width, args.height, folder / "profile")
        if args.map is not None and args.against is None:
            centre = args.centre or largest_reduction(args.run_dir)
            map_screenshot(page, args.map, centre, args.width)
            log.info("map screenshot written to %s (%.2f MB)", args.map, shrink_png(args.map) / 1e6)
    size = shrink_png(args.out)
    log.info("screenshot written to %s (%.2f MB)", args.out, size / 1e6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
