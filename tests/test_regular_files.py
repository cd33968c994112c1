"""A user's file that cannot be read is one line naming the file and what it should be, worded
the same way by the config, the sweep file and the data tables (one helper:
:func:`planner.regular_files.read_text_file`)."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from planner.config.schema import load_config
from planner.errors import InputError
from planner.inputs.load import read_table
from planner.regular_files import file_errors
from planner.sweep.spec import load_sweep


def _table(path: Path) -> object:
    return read_table(path, "township", {"township_id": "str"}, "township_id")


READERS: list[tuple[str, Callable[[Path], object], str, str]] = [
    ("config", load_config, "config", ""),
    ("sweep", load_sweep, "sweep", ""),
    ("table", _table, "township", r" \(check 'data' paths in the config\)"),
]
"""id, reader, what the message calls the file, what a missing data file adds."""


def _message(reader: Callable[[Path], object], path: Path) -> str:
    with pytest.raises(InputError) as caught:
        reader(path)
    text = str(caught.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(
    ("reader", "what", "hint"), [r[1:] for r in READERS], ids=[r[0] for r in READERS]
)
def test_missing_file(
    tmp_path: Path, reader: Callable[[Path], object], what: str, hint: str
) -> None:
    path = tmp_path / "gone.txt"
    assert re.fullmatch(
        f"{re.escape(str(path))}: {what} file not found{hint}", _message(reader, path)
    )


@pytest.mark.parametrize(
    ("reader", "what", "hint"), [r[1:] for r in READERS], ids=[r[0] for r in READERS]
)
def test_folder(tmp_path: Path, reader: Callable[[Path], object], what: str, hint: str) -> None:
    del hint
    expected = f"{tmp_path}: the {what} path is a folder, expected a file"
    assert _message(reader, tmp_path) == expected


@pytest.mark.parametrize(
    ("reader", "what", "hint"), [r[1:] for r in READERS], ids=[r[0] for r in READERS]
)
def test_gbk_text(tmp_path: Path, reader: Callable[[Path], object], what: str, hint: str) -> None:
    del hint
    path = tmp_path / "gbk.txt"
    path.write_bytes("name = '江苏'\n".encode("gbk"))
    expected = f"{path}: {what} file is not UTF-8 (byte 8); it looks like GBK: re-save it as UTF-8"
    assert _message(reader, path) == expected


def test_an_unreadable_file_names_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "locked.toml"
    with pytest.raises(InputError) as caught, file_errors(path, "config"):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    assert str(caught.value) == f"{path}: cannot read the config file (Permission denied)"
