"""The terminal: raw mode as the docker CLI sets it, given back exactly; the window size of stdout."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import termios
import threading
from collections.abc import Iterator

import pytest

from cloudshell_docker.attach.terminal import Terminal, size_tty
from cloudshell_docker.errors import EngineError, UsageError


@pytest.fixture
def tty() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (controller, the terminal end a program would have as stdin/stdout)."""
    controller, terminal = pty.openpty()
    yield controller, terminal
    os.close(controller)
    os.close(terminal)


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_raw_mode_is_cfmakeraw_and_restore_gives_back_everything(tty):
    _, fd = tty
    before = termios.tcgetattr(fd)
    terminal = Terminal(fd, fd, fd)
    restore = terminal.make_raw()
    iflag, oflag, cflag, lflag, _, _, cc = termios.tcgetattr(fd)
    for flag in (termios.IGNBRK, termios.BRKINT, termios.PARMRK, termios.ISTRIP, termios.INLCR, termios.IGNCR,
                 termios.ICRNL, termios.IXON):
        assert not iflag & flag
    assert not oflag & termios.OPOST
    for flag in (termios.ECHO, termios.ECHONL, termios.ICANON, termios.ISIG, termios.IEXTEN):
        assert not lflag & flag
    assert cflag & termios.CSIZE == termios.CS8
    assert not cflag & termios.PARENB
    assert (cc[termios.VMIN], cc[termios.VTIME]) in ((1, 0), (b"\x01", b"\x00"))
    assert terminal.is_raw
    restore()
    restore()  # twice is harmless: both copying threads restore when they end
    assert termios.tcgetattr(fd) == before
    assert not terminal.is_raw


def test_size_is_that_of_stdout(tty):
    _, fd = tty
    set_size(fd, 33, 101)
    read_end, write_end = os.pipe()
    try:
        assert Terminal(read_end, fd, fd).size() == (33, 101)
        assert Terminal(fd, write_end, fd).size() == (0, 0)  # stdout is a pipe: no size, as the CLI says
    finally:
        os.close(read_end)
        os.close(write_end)


def test_not_a_terminal_is_never_made_raw():
    read_end, write_end = os.pipe()
    try:
        terminal = Terminal(read_end, write_end, write_end)
        assert not terminal.stdin_is_terminal
        assert not terminal.stdout_is_terminal
        terminal.make_raw()()
        assert not terminal.is_raw
    finally:
        os.close(read_end)
        os.close(write_end)


def test_noraw_keeps_the_terminal_as_it_is(tty):
    _, fd = tty
    before = termios.tcgetattr(fd)
    terminal = Terminal.from_stdio({"NORAW": "1"})
    assert terminal.allow_raw is False
    Terminal(fd, fd, fd, allow_raw=False).make_raw()
    assert termios.tcgetattr(fd) == before


def test_from_stdio_is_the_process_streams():
    terminal = Terminal.from_stdio({})
    assert (terminal.stdin_fd, terminal.stdout_fd, terminal.stderr_fd, terminal.allow_raw) == (0, 1, 2, True)


class _Resizes:
    """A resize call that the engine refuses ``refusals`` times, then accepts."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0
        self.said: list[str] = []
        self.done = threading.Event()

    def resize(self) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            if self.calls == 11:
                self.done.set()
            raise EngineError("no such process")
        self.done.set()

    def say(self, text: str) -> None:
        self.said.append(text)
        self.done.set()


def test_size_tty_sizes_at_once_when_the_engine_accepts():
    calls = _Resizes(0)
    size_tty(calls.resize, calls.say)
    assert calls.calls == 1
    assert calls.said == []


def test_size_tty_retries_in_the_background_until_the_engine_accepts():
    calls = _Resizes(3)
    size_tty(calls.resize, calls.say)
    assert calls.done.wait(10)
    assert calls.calls == 4
    assert calls.said == []


def test_size_tty_gives_up_after_ten_retries_and_says_so_once():
    calls = _Resizes(1000)
    size_tty(calls.resize, calls.say)
    assert calls.done.wait(10)
    for _ in range(100):  # the thread says it right after the last refusal
        if calls.said:
            break
        threading.Event().wait(0.05)
    assert calls.calls == 11
    assert calls.said == ["failed to resize tty, using default size\n"]


@pytest.mark.parametrize(("attach_stdin", "tty"), [(True, True), (True, False), (False, True), (False, False)])
def test_check_tty_refuses_a_tty_for_an_attached_stdin_that_is_not_a_terminal(attach_stdin, tty):
    read_end, write_end = os.pipe()
    try:
        terminal = Terminal(read_end, write_end, write_end)
        if attach_stdin and tty:
            with pytest.raises(UsageError) as refused:
                terminal.check_tty(attach_stdin, tty)
            assert (refused.value.message, refused.value.exit_code) == ("the input device is not a TTY", 1)
        else:
            terminal.check_tty(attach_stdin, tty)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_check_tty_takes_a_terminal_on_stdin(tty):
    _, fd = tty
    Terminal(fd, fd, fd).check_tty(True, True)


def test_say_writes_all_of_it_when_signals_cut_its_writes_short():
    # A write to a full pipe that a signal interrupts returns what it wrote so far: the rest must follow.
    # (exec's own say wrote once and dropped the rest.)
    read_end, write_end = os.pipe()
    text = "".join(f"line {n:06d} of what csdocker says\n" for n in range(40000))  # ~1.3 MB, the pipe holds 64 KiB
    received = bytearray()
    done = threading.Event()

    def read_slowly() -> None:
        while chunk := os.read(read_end, 4096):
            received.extend(chunk)
            done.wait(0.0002)

    def interrupt(main: int) -> None:
        while not done.wait(0.001):
            signal.pthread_kill(main, signal.SIGUSR1)

    previous = signal.signal(signal.SIGUSR1, lambda *_: None)
    reader = threading.Thread(target=read_slowly)
    interrupter = threading.Thread(target=interrupt, args=(threading.get_ident(),))
    try:
        reader.start()
        interrupter.start()
        Terminal(0, 1, write_end).say(text)
    finally:
        done.set()
        interrupter.join()
        signal.signal(signal.SIGUSR1, previous)
        os.close(write_end)
        reader.join()
        os.close(read_end)
    assert received.decode() == text


def test_say_keeps_quiet_when_the_stream_has_gone():
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        Terminal(0, 1, write_end).say("nobody reads this\n")  # EPIPE (SIGPIPE is ignored): no error
    finally:
        os.close(write_end)
