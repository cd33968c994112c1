"""Screenshot the HTML report of a run folder in headless Chromium (for ``docs/``).

Usage::

    .venv/bin/python scripts/screenshot_report.py [RUN_DIR] [--out docs/report-screenshot.png]
        [--against OTHER_RUN] [--width 1400] [--height 3000]

The report is rendered into a temporary folder (the run folder is left untouched), opened
in Debian's ``chromium`` and the top ``width`` x ``height`` pixels are saved as a
palette PNG (small enough to commit).
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

from planner.report.browser import CHROMIUM, headless_command
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
        msg = f"{CHROMIUM} is not installed: apt-get install -y chromium fonts-noto-cjk"
        raise RuntimeError(msg)
    command = headless_command(
        page, profile, f"--screenshot={out}", f"--window-size={width},{height}"
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0 or not out.is_file():
        msg = f"chromium failed ({done.returncode}): {done.stderr[-1000:]}"
        raise RuntimeError(msg)


def shrink_png(path: Path) -> int:
    """Re-save a PNG with a 256-colour palette when that is smaller; return its size."""
    raw = path.read_bytes()
    with Image.open(io.BytesIO(raw)) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="olive-report-") as tmp:
        folder = Path(tmp)
        page = write_report(args.run_dir, against=args.against, path=folder / "report.html")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(page, args.out, args.width, args.height, folder / "profile")
    size = shrink_png(args.out)
    log.info("screenshot written to %s (%.2f MB)", args.out, size / 1e6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
