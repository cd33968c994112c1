"""The documentation site builds with every warning an error, and the README stays short.

``mkdocs build --strict`` fails on a page missing from the nav, a broken link or anchor, and a
docstring the API pages cannot read; the config reference is generated from the schema by the
site's hook, so it cannot drift from :mod:`planner.config.schema`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_docs_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (site / "index.html").is_file()
    reference = (site / "reference" / "config" / "index.html").read_text(encoding="utf-8")
    # generated from the schema: a key of every kind of section is there
    for key in ("window_cost_per_year", "top_heavy_max_share", "time_limit_s"):
        assert key in reference
    assert "<!-- config-reference -->" not in reference  # the marker was replaced


def test_readme_is_a_short_entry_point() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 250
    text = "\n".join(lines)
    assert "make run" in text and "make test" in text and "make docs" in text
