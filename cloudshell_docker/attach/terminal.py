"""The caller's terminal: is it one, raw mode, window size. Replaceable in tests.

A Terminal is three file descriptors (stdin, stdout, stderr). ``from_stdio()`` is
the process's own; tests hand in pipes or the ends of a pseudo-terminal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cloudshell_docker.attach.signals import quiet_thread
from cloudshell_docker.errors import EngineError, ExitCode, UsageError

__all__ = ["Terminal", "make_raw_attributes", "size_tty"]

# termios attribute list indices (see termios.tcgetattr)
_IFLAG, _OFLAG, _CFLAG, _LFLAG, _CC = 0, 1, 2, 3, 6


def make_raw_attributes(attributes: list[Any]) -> list[Any]:
    """``attributes`` made raw the way the docker CLI does it (cfmakeraw)."""
    raw = [*attributes[:_CC], list(attributes[_CC])]
    raw[_IFLAG] &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP
                     | termios.INLCR | termios.IGNCR | termios.ICRNL | termios.IXON)
    raw[_OFLAG] &= ~termios.OPOST
    raw[_LFLAG] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    raw[_CFLAG] &= ~(termios.CSIZE | termios.PARENB)
    raw[_CFLAG] |= termios.CS8
    raw[_CC][termios.VMIN] = 1
    raw[_CC][termios.VTIME] = 0
    return raw


class Terminal:
    """stdin, stdout and stderr of a run or an exec, and what the terminal behind them can do."""

    def __init__(self, stdin_fd: int = 0, stdout_fd: int = 1, stderr_fd: int = 2, *, allow_raw: bool = True) -> None:
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd
        self.allow_raw = allow_raw  # the docker CLI's NORAW=1 turns raw mode off
        self._lock = threading.RLock()  # restore may run in a signal handler
        self._saved: list[Any] | None = None

    @classmethod
    def from_stdio(cls, environ: Mapping[str, str] | None = None) -> Terminal:
        env = os.environ if environ is None else environ
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()  # what Python buffered goes out before raw writes to the fds
        return cls(0, 1, 2, allow_raw=not env.get("NORAW"))

    @property
    def stdin_is_terminal(self) -> bool:
        return _isatty(self.stdin_fd)

    @property
    def stdout_is_terminal(self) -> bool:
        return _isatty(self.stdout_fd)

    @property
    def stderr_is_terminal(self) -> bool:
        return _isatty(self.stderr_fd)

    def size(self) -> tuple[int, int]:
        """(rows, columns) of the terminal on stdout; (0, 0) when stdout is not one."""
        if not self.stdout_is_terminal:
            return 0, 0
        try:
            packed = fcntl.ioctl(self.stdout_fd, termios.TIOCGWINSZ, b"\0" * 8)
        except OSError:
            return 0, 0
        rows, cols, _, _ = struct.unpack("HHHH", packed)
        return rows, cols

    def make_raw(self) -> Callable[[], None]:
        """Put stdin's terminal in raw mode; return the (idempotent, thread-safe) restore."""
        if not self.allow_raw or not self.stdin_is_terminal:
            return _nothing
        with self._lock:
            if self._saved is None:
                saved = termios.tcgetattr(self.stdin_fd)
                termios.tcsetattr(self.stdin_fd, termios.TCSANOW, make_raw_attributes(saved))
                self._saved = saved
        return self.restore

    def restore(self) -> None:
        """Give the terminal back as it was before ``make_raw`` (no-op when it was not raw)."""
        with self._lock:
            saved, self._saved = self._saved, None
            if saved is not None:
                with contextlib.suppress(OSError, termios.error):
                    termios.tcsetattr(self.stdin_fd, termios.TCSANOW, saved)

    @property
    def is_raw(self) -> bool:
        return self._saved is not None

    def check_tty(self, attach_stdin: bool, tty: bool) -> None:
        """The docker CLI's CheckTty: a TTY with stdin attached needs a terminal on stdin (exit 1 otherwise)."""
        if attach_stdin and tty and not self.stdin_is_terminal:
            raise UsageError("the input device is not a TTY", exit_code=ExitCode.ERROR)

    def say(self, text: str, fd: int | None = None) -> None:
        """A line for the person at the terminal (stderr unless told), as the docker CLI prints it: written
        whole (a write a signal cuts short goes on), nothing said when the stream has gone."""
        data = memoryview(text.encode())
        with contextlib.suppress(OSError):
            while data:
                data = data[os.write(self.stderr_fd if fd is None else fd, data):]


def size_tty(resize: Callable[[], None], say: Callable[[str], None]) -> None:
    """Size a container's or an exec's TTY to the terminal with ``resize``; when the engine refuses
    (the process may not be up yet), retry a few times in the background and then ``say`` that it
    gave up, as the docker CLI does."""
    try:
        resize()
        return
    except EngineError:
        pass

    def retry() -> None:
        for attempt in range(10):
            time.sleep((attempt + 1) * 0.01)
            try:
                resize()
                return
            except EngineError:
                continue
        say("failed to resize tty, using default size\n")

    quiet_thread(retry, "csdocker-resize")


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _nothing() -> None:
    return None
