"""Atomic run folders: a plan is written to a temporary sibling folder, then swapped in.

The planner only ever replaces or removes what it wrote itself:

- a run folder is replaced only when it is a *planner run folder* (:func:`is_planner_run`:
  it holds a ``manifest.json`` written by the planner, or the ``scenario.json`` of a failed
  sweep scenario, and nothing but the files the planner writes there) or empty; any other
  existing folder (a user's folder, the data folder) is refused with an
  :class:`~planner.errors.InputError` before anything is touched;
- its temporary and backup siblings are named ``.<name>.olive-tmp-<pid>-<token>`` and
  ``.<name>.olive-old-<pid>-<token>`` (a random token: no user's name collides by accident),
  and a leftover of a killed run is removed only when it carries the proof that the planner
  made it (the marker file :data:`TMP_MARKER` inside a temporary folder, a planner run folder
  for a backup).

An interrupted run (Ctrl-C, kill, error) leaves the previous plan of that run name intact and
no partial files: the temporary folder is removed on error, and one left behind by a killed
process is hidden and cleared on the next run. A process killed between its two renames
leaves the previous plan as the backup sibling; the next run puts it back before anything
else. Ctrl-C is recorded while the folder is written (a library that swallows the
``KeyboardInterrupt``, as matplotlib can while drawing, does not lose it) and is deferred
during the swap, which is then undone: an interrupted run never replaces the previous plan.

Two runs into one run folder are serialised by a lock file beside it
(``.<name>.olive-lock``, :func:`run_lock`): the second is refused with a clear message.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from planner.errors import InputError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
"""The provenance file every run folder gets (:func:`planner.run.pipeline.manifest`)."""
SCENARIO_RECORD = "scenario.json"
"""The record a sweep writes into a scenario's run folder (alone when the scenario failed)."""
TMP_MARKER = ".olive-planner-tmp"
"""Written first into a temporary run folder: the proof that the planner made it."""
LOCK_TEXT = "olive-planner run lock\n"
RUN_FILES = frozenset({"plan", "plan.gpkg", "config.toml", MANIFEST, SCENARIO_RECORD})
"""Entries the planner writes at the top of a run folder (besides reports)."""
_OWN_EXTRA = re.compile(
    r"^(report(-vs-.+)?\.html"  # planner run / planner report --against
    r"|\.report(-vs-.+)?\.html\.tmp-\d+"  # a report being written
    r"|plan\.gpkg-(journal|wal|shm)"  # SQLite side files (a GIS may have it open)
    r"|\.scenario\.json\.tmp-\d+"  # a sweep record being written
    r"|\.DS_Store|Thumbs\.db|desktop\.ini)$"  # a file browser's metadata (no one's work)
)
_PLAN_FILE = re.compile(r"^([A-Za-z0-9_.-]+\.(csv|json)|\.DS_Store|Thumbs\.db|desktop\.ini)$")
SWEEP_FILES = frozenset(
    {"sweep.toml", "sweep.json", "comparison.csv", "comparison.html", "configs", "scenarios"}
)
"""Entries ``planner sweep`` writes at the top of a sweep folder."""
SWEEP_CONFIG_HEADER = re.compile(r"^# Scenario \S+ of sweep \S+, written by `planner sweep`:")
"""First line of a scenario config written by ``planner sweep``."""
_WRITE_TMP = re.compile(r"^\..+\.tmp-\d+$")
"""A file being written atomically by the planner (``.<name>.tmp-<pid>``)."""


def _sibling(target: Path, kind: str) -> Path:
    token = secrets.token_hex(8)
    return target.parent / f".{target.name}.olive-{kind}-{os.getpid()}-{token}"


def _sibling_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(name)}\.olive-(tmp|old)-(\d+)-[0-9a-f]{{16}}$")


def lock_path(target: Path) -> Path:
    """The lock file of a run folder (beside it, hidden)."""
    return target.parent / f".{target.name}.olive-lock"


# --- what the planner wrote -------------------------------------------------------------------


def _json_with(path: Path, keys: Iterable[str], limit: int = 16 << 20) -> bool:
    """``path`` is a small regular file holding a JSON object with every key of ``keys``."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return False
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(value, dict) and all(k in value for k in keys)


def _foreign_entry(folder: Path) -> str | None:
    """The first entry of a would-be run folder that the planner does not write there."""
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name == "plan":
            if entry.is_symlink() or not entry.is_dir():
                return name
            for inner in sorted(entry.iterdir()):
                if inner.is_symlink() or not inner.is_file() or not _PLAN_FILE.match(inner.name):
                    return f"plan/{inner.name}"
        elif name in RUN_FILES or _OWN_EXTRA.match(name):
            if entry.is_symlink() or not entry.is_file():
                return name
        else:
            return name
    return None


def is_planner_run(folder: Path) -> bool:
    """Whether ``folder`` may be replaced: empty, or a run folder the planner wrote.

    A planner run folder holds a ``manifest.json`` with the planner's keys (or, for a failed
    sweep scenario, its ``scenario.json``) and no entry the planner does not write there.
    """
    return _refusal(folder) is None


def _refusal(folder: Path) -> str | None:
    """Why ``folder`` must not be replaced, or None when it may be."""
    if folder.is_symlink():
        return "is a symbolic link"
    if not folder.exists():
        return None
    if not folder.is_dir():
        return "is a file"
    try:
        entries = list(folder.iterdir())
        if not entries:
            return None
        own = _json_with(folder / MANIFEST, ("planner_version", "code_sha256")) or _json_with(
            folder / SCENARIO_RECORD, ("name", "status", "run_dir")
        )
        if not own:
            return f"exists but was not written by the planner (no planner {MANIFEST})"
        foreign = _foreign_entry(folder)
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if foreign is not None:
        return f"holds {_show(foreign)}, which the planner did not write"
    return None


def _show(name: str) -> str:
    """A name as text, quoted with repr when it holds invisible or markup-like characters."""
    return name if name.isprintable() and name.strip() == name else repr(name)


def check_run_target(target: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse a run folder the planner may not replace, or one holding an input file.

    Raises
    ------
    InputError
        One line naming the folder and why (nothing is touched).
    """
    for path in inputs:
        if path.resolve().is_relative_to(target.resolve()):
            msg = (
                f"{target}: the run folder holds the input file {path}; a run replaces its "
                "folder whole: choose another 'name' or 'output.dir'"
            )
            raise InputError(msg)
    why = _refusal(target)
    if why is not None:
        msg = (
            f"{target}: the run folder {why}; refusing to replace it: choose another 'name' or "
            "'output.dir', or move the folder away"
        )
        raise InputError(msg)


def check_writable(folder: Path) -> None:
    """Fail unless files can be created in ``folder`` or its nearest existing ancestor.

    The check creates and removes a probe file (permission bits alone say nothing about a
    read-only mount or a process running as root).

    Raises
    ------
    InputError
        The folder (or the ancestor it would be made in) is not a folder or not writable.
    """
    probe_dir = folder
    while not probe_dir.exists() and probe_dir != probe_dir.parent:
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        msg = f"{folder}: the output folder would be made under {probe_dir}, which is a file"
        raise InputError(msg)
    try:
        handle, name = tempfile.mkstemp(prefix=".olive-probe-", dir=probe_dir)
        os.close(handle)
        os.unlink(name)
    except OSError as err:
        msg = f"{probe_dir}: the output folder is not writable ({err.strerror or err})"
        raise InputError(msg) from None


def check_sweep_dir(sweep_dir: Path) -> None:
    """Refuse a sweep folder holding anything ``planner sweep`` does not write there.

    Raises
    ------
    InputError
        Naming the first foreign file; nothing is touched.
    """
    foreign = None
    if sweep_dir.is_symlink() or (sweep_dir.exists() and not sweep_dir.is_dir()):
        foreign = "(the folder itself is a file or link)"
    elif sweep_dir.is_dir():
        foreign = _foreign_sweep_entry(sweep_dir)
    if foreign is not None:
        msg = (
            f"{sweep_dir}: the sweep folder holds {foreign}, which planner sweep did not "
            "write; refusing to write into it: give the sweep another 'name' or 'output_dir'"
        )
        raise InputError(msg)


def _foreign_sweep_entry(sweep_dir: Path) -> str | None:
    for entry in sorted(sweep_dir.iterdir()):
        if entry.name not in SWEEP_FILES and not _WRITE_TMP.match(entry.name):
            return _show(entry.name)
        if entry.name == "configs" and entry.is_dir() and not entry.is_symlink():
            for path in sorted(entry.iterdir()):
                if not _WRITE_TMP.match(path.name) and not written_by_sweep(path):
                    return _show(f"configs/{path.name}")
        elif entry.name == "scenarios" and entry.is_dir() and not entry.is_symlink():
            for folder in sorted(entry.iterdir()):
                if not _own_sibling(folder) and not is_planner_run(folder):
                    return _show(f"scenarios/{folder.name}")
        elif entry.is_symlink() or (entry.name in {"configs", "scenarios"}) != entry.is_dir():
            return _show(entry.name)
    return None


def _own_sibling(path: Path) -> bool:
    """A temporary or backup sibling, or the lock file, the planner made."""
    match = re.match(r"^\.(.+)\.olive-(tmp|old)-\d+-[0-9a-f]{16}$", path.name)
    if match is not None:
        return (path / TMP_MARKER).is_file() or is_planner_run(path)
    match = re.match(r"^\.(.+)\.olive-lock$", path.name)
    return match is not None and _is_lock_file(path)


def _is_lock_file(path: Path) -> bool:
    try:
        return path.is_file() and path.read_text(encoding="utf-8") == LOCK_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def written_by_sweep(path: Path) -> bool:
    """Whether ``path`` is a scenario config written by ``planner sweep`` (its header)."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        with path.open(encoding="utf-8") as handle:
            first = handle.readline(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return SWEEP_CONFIG_HEADER.match(first) is not None


# --- the lock ---------------------------------------------------------------------------------

_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()


@contextmanager
def run_lock(target: Path) -> Iterator[None]:
    """Hold the lock of run folder ``target`` (re-entrant within a process).

    Raises
    ------
    InputError
        Another process holds it (another run writes the same folder).
    """
    key = target.absolute()
    with _HELD_GUARD:
        if key in _HELD:
            _HELD[key] += 1
            held = True
        else:
            held = False
    if held:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    handle = _acquire(target)
    with _HELD_GUARD:
        _HELD[key] = 1
    try:
        yield
    finally:
        with _HELD_GUARD:
            del _HELD[key]
        _release(target, handle)


def _acquire(target: Path) -> int | None:
    """Open and lock the lock file; None when the file system has no locks."""
    path = lock_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(10):
        if path.is_symlink() or (path.exists() and not path.is_file()):
            msg = f"{path}: the lock file of run folder {target} is not a file; remove it"
            raise InputError(msg)
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            msg = f"{target.parent}: the output folder is not writable ({err.strerror or err})"
            raise InputError(msg) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            msg = (
                f"{target}: another planner run is writing this run folder (lock {path.name} "
                "is held); wait for it to finish or give this run another 'name'"
            )
            raise InputError(msg) from None
        except OSError as err:  # e.g. a network file system without locks
            if err.errno not in {errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL}:
                os.close(handle)
                raise
            log.warning("cannot lock %s (%s): running without a lock", path, err.strerror)
            os.close(handle)
            return None
        try:
            same = os.fstat(handle).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a file the previous holder removed meanwhile
            if os.fstat(handle).st_size == 0:
                os.write(handle, LOCK_TEXT.encode())
            return handle
        os.close(handle)
    msg = f"{path}: cannot take the lock of run folder {target}"
    raise InputError(msg)


def _release(target: Path, handle: int | None) -> None:
    if handle is None:
        return
    path = lock_path(target)
    try:
        if _is_lock_file(path) and os.stat(path).st_ino == os.fstat(handle).st_ino:
            path.unlink()
    except OSError:
        log.debug("cannot remove the lock file %s", path, exc_info=True)
    finally:
        os.close(handle)


# --- Ctrl-C -----------------------------------------------------------------------------------


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) arrived after the new plan was in place (the previous plan is
    gone)."""


SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals recorded while a run folder is written and deferred during the swap."""
_HOLD: dict[str, Any] = {"after_swap": False, "held": None}
"""``after_swap``: keep the signals deferred once a new plan is in place, to the end of the
process (:func:`hold_signals_after_swap`); ``held``: the recorder then left installed."""


def hold_signals_after_swap() -> None:
    """Once a run folder has been written (swapped in or not), record SIGINT and SIGTERM to
    the end of the process instead of raising (the console script's ``run``: the swap and
    the exit code are then atomic with respect to both signals; see
    :func:`interrupted_after_swap`)."""
    _HOLD["after_swap"] = True


def interrupted_after_swap() -> bool:
    """Whether a held recorder saw SIGINT or SIGTERM after its new plan was in place."""
    held = _HOLD["held"]
    return bool(held is not None and held.in_place and held.seen)


def _quiet_unraisable(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``hook``, silent on a ``KeyboardInterrupt`` raised where Python cannot propagate it
    (a weakref callback or ``__del__``, as in matplotlib): the recorder has seen the signal,
    so nothing is lost, and no ``Exception ignored in ...`` traceback is printed."""

    def quiet(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            hook(unraisable)

    return quiet


class _Interrupts:
    """Record SIGINT and SIGTERM while a run folder is written; defer them while ``defer`` is
    set.

    Only in the main thread with Python's default handlers in place (elsewhere Python never
    raises ``KeyboardInterrupt``, and a handler someone else installed is respected). Once
    the new plan is in place (``in_place``) a signal is only recorded: with
    :func:`hold_signals_after_swap` the recorder stays installed to the end of the process.
    """

    def __init__(self) -> None:
        self.seen = False
        self.defer = False
        self.in_place = False
        self.installed: list[signal.Signals] = []
        self.hook: Callable[[Any], Any] | None = None

    def handler(self, signum: int, frame: FrameType | None) -> None:
        self.seen = True
        if not self.defer:
            raise KeyboardInterrupt

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
            for sig in SIGNALS:
                if signal.getsignal(sig) is defaults[sig]:
                    signal.signal(sig, self.handler)
                    self.installed.append(sig)
            if self.installed:
                self.hook = sys.unraisablehook
                sys.unraisablehook = _quiet_unraisable(self.hook)
        return self

    def __exit__(self, *exc: object) -> None:
        if _HOLD["after_swap"]:  # the exit code is decided: record, never raise, to the end
            self.defer = True
            _HOLD["held"] = self
            return
        self.restore()

    def restore(self) -> None:
        """Put Python's default handlers back."""
        for sig in self.installed:
            signal.signal(
                sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
            )
        if self.hook is not None:
            sys.unraisablehook = self.hook
        self.installed, self.hook = [], None


# --- the swap ---------------------------------------------------------------------------------


def _clear_stale(target: Path) -> None:
    """Put back a previous plan left by a killed run; remove temporary folders of dead runs."""
    pattern = _sibling_pattern(target.name)
    for entry in sorted(target.parent.iterdir()):
        match = pattern.match(entry.name)
        if match is None or _alive(int(match.group(2))) or entry.is_symlink():
            continue
        if match.group(1) == "old" and is_planner_run(entry):
            # a run killed between its two renames: the old plan is the one to keep
            if not target.exists():
                entry.rename(target)
            else:
                shutil.rmtree(entry, ignore_errors=True)
        elif match.group(1) == "tmp" and ((entry / TMP_MARKER).is_file() or is_planner_run(entry)):
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def atomic_run_dir(target: Path, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``target`` when the block succeeds.

    Parameters
    ----------
    target
        The run folder. It must not exist, be empty or be a planner run folder
        (:func:`check_run_target`); it must not hold any of ``inputs``.
    inputs
        Input files of the run (refused inside the run folder).

    Raises
    ------
    InputError
        The run folder may not be replaced, or another run holds its lock.
    KeyboardInterrupt
        Ctrl-C while the folder was written or swapped in: the previous plan is in place.
    InterruptedAfterWrite
        Ctrl-C after the swap: the new plan is in place.
    """
    inputs = list(inputs)
    check_run_target(target, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    with run_lock(target):
        check_run_target(target, inputs)
        _clear_stale(target)
        tmp = _sibling(target, "tmp")
        old = _sibling(target, "old")
        tmp.mkdir()
        try:
            (tmp / TMP_MARKER).write_text("written by olive-planner; removed on success\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        moved = {"old": False, "new": False}
        with _Interrupts() as interrupts:
            try:
                yield tmp
                if interrupts.seen:  # Ctrl-C swallowed by a library while writing
                    raise KeyboardInterrupt
                interrupts.defer = True
                _swap(target, tmp, old, inputs, moved)
                if interrupts.seen:  # a signal during the swap: undo it
                    raise KeyboardInterrupt
                # from here on the new plan stays: a signal is only recorded, and said so
                interrupts.in_place = True
            except BaseException:
                interrupts.defer = True
                if not interrupts.in_place:
                    _undo(target, tmp, old, moved)
                raise
            shutil.rmtree(old, ignore_errors=True)
            if interrupts.seen:
                raise InterruptedAfterWrite


def _swap(target: Path, tmp: Path, old: Path, inputs: list[Path], moved: dict[str, bool]) -> None:
    check_run_target(target, inputs)  # a folder made or changed while the plan was written
    (tmp / TMP_MARKER).unlink()
    if target.exists():
        target.rename(old)
        moved["old"] = True
    tmp.rename(target)
    moved["new"] = True


def _undo(target: Path, tmp: Path, old: Path, moved: dict[str, bool]) -> None:
    """Put the previous plan back and remove this run's temporary folder."""
    try:
        if moved["new"]:
            target.rename(tmp)
        if moved["old"]:
            old.rename(target)  # a failure here leaves it for the next run to put back
    except OSError:
        log.warning("cannot put the previous plan of %s back", target, exc_info=True)
    shutil.rmtree(tmp, ignore_errors=True)


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
