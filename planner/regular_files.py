"""Reading a user's file safely: regular files only, and not beyond a size limit.

A data or config path may name anything: a folder, a FIFO (reading it waits for a writer
forever), a device such as ``/dev/zero`` (endless) or a huge sparse file (reading it
exhausts memory). Each is refused in one line before its content is read. The limits are
constants, stated in the docs.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from planner.errors import InputError

MAX_INPUT_BYTES = 1 << 30
"""Largest data file (CSV or GeoJSON) read: 1 GiB (all of China's inputs are under 25 MB)."""
MAX_CONFIG_BYTES = 4 << 20
"""Largest config or sweep file read: 4 MiB (a config is a few kB)."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(path: Path, what: str, info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(info.st_mode):
        msg = f"{path}: the {what} path is {_kind(info.st_mode)}, expected a regular file"
        raise InputError(msg)
    if info.st_size > limit:
        msg = (
            f"{path}: the {what} file is {info.st_size / 2**20:,.0f} MiB, above the limit of "
            f"{limit / 2**20:,.0f} MiB for {what} files"
        )
        raise InputError(msg)


def check_regular_file(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> None:
    """Fail unless ``path`` is a regular file of at most ``limit`` bytes.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, OSError
        As :func:`os.stat` (the caller words them).
    InputError
        A FIFO, device or socket, or a file above the limit.
    """
    _check(path, what, os.stat(path), limit)


def read_regular_file(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes.

    The file is opened without blocking (a FIFO with no writer does not hang the open) and
    checked on the open descriptor, so it cannot be swapped between the check and the read.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, OSError
        The path is missing, a folder or unreadable (the caller words them).
    InputError
        A FIFO, device or socket, or a file above the limit.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        _check(path, what, os.fstat(handle), limit)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(handle)
    if len(data) > limit:  # the file grew after the check
        msg = f"{path}: the {what} file is above the limit of {limit / 2**20:,.0f} MiB"
        raise InputError(msg)
    return data


@contextmanager
def file_errors(path: Path, what: str, missing_hint: str = "") -> Iterator[None]:
    """Word a missing, folder or unreadable ``path`` (the :class:`OSError` of
    :func:`read_regular_file` and :func:`check_regular_file`) as one line of bad input naming
    the file and what it should be: ``<path>: <what> file not found<missing_hint>``, ``the
    <what> path is a folder, expected a file`` or ``cannot read the <what> file (<reason>)``.
    """
    try:
        yield
    except FileNotFoundError:
        msg = f"{path}: {what} file not found{missing_hint}"
        raise InputError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: the {what} path is a folder, expected a file"
        raise InputError(msg) from None
    except OSError as err:
        msg = f"{path}: cannot read the {what} file ({err.strerror})"
        raise InputError(msg) from None


def read_text_file(path: Path, what: str, limit: int, missing_hint: str = "") -> str:
    """The text of a user's UTF-8 file (a byte-order mark, as Windows Notepad writes, is not
    part of it), read by :func:`read_regular_file`.

    Raises
    ------
    InputError
        One line: the path is missing, a folder or unreadable (:func:`file_errors`), not a
        regular file, above ``limit`` bytes, or not UTF-8 (the byte, and a hint when the text
        reads as GBK).
    """
    with file_errors(path, what, missing_hint):
        data = read_regular_file(path, what, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        hint = ""
        try:
            data.decode("gbk")
            hint = "; it looks like GBK: re-save it as UTF-8"
        except UnicodeDecodeError:
            pass
        msg = f"{path}: {what} file is not UTF-8 (byte {err.start}){hint}"
        raise InputError(msg) from None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks (the manifest's and the sweep's hash)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
