"""Atomic run folders: a plan is written to a temporary sibling folder, then swapped in.

An interrupted run (Ctrl-C, kill, error) leaves the previous plan of that run name intact
and no partial files: the temporary folder is removed on error, and a folder left behind by
a killed process is hidden (its name starts with a dot) and cleared on the next run. A
process killed between its two renames leaves the previous plan as ``.<name>.old-<pid>``;
the next run puts it back before anything else.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_run_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``target`` when the block succeeds."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    for stale in sorted(parent.glob(f".{target.name}.old-*")):
        # a run killed between its two renames: the old plan is the one to keep
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            if not target.exists():
                stale.rename(target)
            else:
                shutil.rmtree(stale, ignore_errors=True)
    for stale in parent.glob(f".{target.name}.tmp-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    old = parent / f".{target.name}.old-{os.getpid()}"
    try:
        yield tmp
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if old.exists() and not target.exists():
            old.rename(target)  # put the previous plan back
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
