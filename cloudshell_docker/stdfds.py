"""fds 0, 1, 2 as the docker CLI has them: never closed.

The docker CLI's Go runtime opens /dev/null (read-write) on each of fds 0, 1, 2 it was started
without, before anything else; so ``docker run -i IMAGE cat <&-`` reads an empty stdin and
``docker run IMAGE echo hi >&-`` writes into /dev/null, exit 0. A Python left with a closed
fd 1 would give that number to its first socket (the engine's connection) and copy the
container's output into it. csdocker does what Go does, first thing in ``cli.main``; the
command server's client does the same before it opens its socket (server/client.py).
"""

from __future__ import annotations

import io
import os
import sys

__all__ = ["open_closed_standard_fds"]

_NAMES = ("stdin", "stdout", "stderr")


def open_closed_standard_fds() -> tuple[int, ...]:
    """/dev/null on each closed fd of 0, 1, 2 (inheritable, as Go leaves it for the programs it
    execs), and a sys stream for it where Python, finding the fd closed, set None; the fds opened."""
    opened: list[int] = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                new = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return tuple(opened)  # no /dev/null: as Python left them
            if new != fd:  # not the lowest free number after all: leave it as it was
                os.close(new)
                return tuple(opened)
            os.set_inheritable(fd, True)
            opened.append(fd)
    for fd in opened:
        name = _NAMES[fd]
        if getattr(sys, name) is None:
            stream = _stream(fd)
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)
    return tuple(opened)


def _stream(fd: int) -> io.TextIOWrapper:
    """A text stream on ``fd`` as Python's start-up would have made it for /dev/null."""
    if fd == 0:
        return io.TextIOWrapper(open(fd, "rb", closefd=False), encoding="locale", errors="surrogateescape")
    return io.TextIOWrapper(open(fd, "wb", closefd=False), encoding="locale", errors="backslashreplace",
                            line_buffering=fd == 2)
