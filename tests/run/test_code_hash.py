"""The code version of a plan (``manifest.json``'s ``code_sha256``, a sweep's scenario hash)
covers every module of the package, not only the one that computes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import planner
from planner.run.pipeline import PACKAGE_ROOT, code_hash


def test_the_hash_is_over_the_whole_package(tmp_path: Path) -> None:
    assert Path(planner.__file__).resolve().parent == PACKAGE_ROOT
    copy = tmp_path / "planner"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_hash(copy) == code_hash()
    for module in ("errors.py", "config/base.py", "plan/extract.py"):
        path = copy / module
        before = code_hash(copy)
        path.write_bytes(path.read_bytes() + b"\n")
        assert code_hash(copy) != before, module
