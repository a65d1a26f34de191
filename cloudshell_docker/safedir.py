"""Reaching a directory of the user's without trusting the path twice.

``open_parents(path)`` walks from ``/`` one level at a time with O_NOFOLLOW, checks each
level by fstat and returns a descriptor: what is done relative to it cannot be redirected by
a symlink planted or a directory renamed afterwards. A level that another user owns, or can
write to, is refused (``Unsafe``): they could swap what lies below it. A sticky directory
(``/tmp``) is the exception, since others can only add their own names there, and the level
below must then be the user's own (checked in turn).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = ["DIR_FLAGS", "Unsafe", "open_parents"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Unsafe(Exception):
    """A directory on the way that another user could change; the message names it."""


def _check_level(path: str, st: os.stat_result) -> None:
    if st.st_uid not in (0, os.geteuid()):
        raise Unsafe(f"{path} belongs to another user")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX:
        raise Unsafe(f"other users can write to {path}")


def open_parents(path: str) -> int:
    """A descriptor of the directory ``path`` (absolute, symlinks already resolved by the caller),
    each level checked; missing levels are made 0700. OSError and Unsafe propagate."""
    fd = os.open("/", DIR_FLAGS)
    try:
        _check_level("/", os.fstat(fd))
        walked = "/"
        for name in Path(path).parts[1:]:
            walked = os.path.join(walked, name)
            try:
                child = os.open(name, DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                with contextlib.suppress(FileExistsError):  # a parallel run made it first
                    os.mkdir(name, 0o700, dir_fd=fd)
                child = os.open(name, DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
            _check_level(walked, os.fstat(fd))
        return fd
    except BaseException:
        os.close(fd)
        raise
