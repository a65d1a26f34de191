"""The attached session run and exec share, over a real socket and real pipes: how each conversation ends.

The engine's side of the hijacked connection is one end of a socket pair; the caller's terminal is
pipes (not a terminal: raw mode is a no-op, the detach keys are still watched on a TTY's stdin).
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cloudshell_docker.attach.session import AttachedSession
from cloudshell_docker.attach.terminal import Terminal
from cloudshell_docker.engine.api import Hijacked


def frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


def read_all(fd: int) -> bytes:
    data = bytearray()
    while chunk := os.read(fd, 65536):
        data += chunk
    return bytes(data)


@dataclass
class Side:
    """The caller's three standard streams as pipes (our ends to write stdin and read the output)."""

    stdin_w: int
    stdout_r: int
    stderr_r: int
    terminal: Terminal


@pytest.fixture
def side() -> Iterator[Side]:
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    yield Side(stdin_w, stdout_r, stderr_r, Terminal(stdin_r, stdout_w, stderr_w))
    for fd in (stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w):
        with contextlib.suppress(OSError):
            os.close(fd)


@pytest.fixture
def engine_pair() -> Iterator[tuple[Hijacked, socket.socket]]:
    ours, engine_side = socket.socketpair()
    yield Hijacked(ours), engine_side
    ours.close()
    engine_side.close()


def session(side: Side, *, tty: bool = False, stdin: bool = False, output: bool = True) -> AttachedSession:
    return AttachedSession(side.terminal, tty=tty, stdin=stdin, stdout=output, stderr=output,
                           resize=lambda rows, cols: None, follow_size=False)


def close_output_ends(side: Side) -> tuple[bytes, bytes]:
    """What reached stdout and stderr, once the session is over (its write ends closed)."""
    os.close(side.terminal.stdout_fd)
    os.close(side.terminal.stderr_fd)
    return read_all(side.stdout_r), read_all(side.stderr_r)


def test_an_exec_ends_with_the_output_and_the_streams_stay_apart(side, engine_pair):
    conn, engine_side = engine_pair
    attached = session(side)
    engine_side.sendall(frame(1, b"out\n") + frame(2, b"err\n") + frame(1, b"more\n"))
    engine_side.shutdown(socket.SHUT_WR)
    with contextlib.ExitStack() as held:
        attached.open(conn, "", held)
        ending = attached.follow()
    assert (ending.detached, ending.error, ending.status) == (False, None, None)
    assert close_output_ends(side) == (b"out\nmore\n", b"err\n")


def test_a_run_whose_status_comes_first_still_gets_all_of_its_output(side, engine_pair):
    conn, engine_side = engine_pair
    attached = session(side)
    status_in = threading.Event()

    def exit_status() -> int:
        status_in.set()
        return 7

    def engine() -> None:  # the output ends only after the exit status is in
        status_in.wait(60)
        engine_side.sendall(frame(1, b"late output\n"))
        engine_side.shutdown(socket.SHUT_WR)

    threading.Thread(target=engine, daemon=True).start()
    with contextlib.ExitStack() as held:
        attached.open(conn, "", held)
        ending = attached.follow(exit_status)
    assert (ending.detached, ending.error, ending.status) == (False, None, 7)
    assert attached.exited
    assert close_output_ends(side)[0] == b"late output\n"


def test_with_only_stdin_attached_the_exit_status_ends_it(side, engine_pair):
    conn, _engine_side = engine_pair  # the engine never ends the stream, and stdin stays open
    attached = session(side, stdin=True, output=False)
    with contextlib.ExitStack() as held:
        attached.open(conn, "", held)
        ending = attached.follow(lambda: 0)
    assert (ending.detached, ending.error, ending.status) == (False, None, 0)


@pytest.mark.parametrize(("keys", "typed", "sent"), [("", b"ab\x10\x11", b"ab"), ("ctrl-x,x", b"a\x18xz", b"a")])
def test_the_detach_keys_on_a_ttys_stdin_end_it_before_the_output(side, engine_pair, keys, typed, sent):
    conn, engine_side = engine_pair
    attached = session(side, tty=True, stdin=True)
    os.write(side.stdin_w, typed)
    with contextlib.ExitStack() as held:
        attached.open(conn, keys, held)
        ending = attached.follow()
    assert ending.detached
    assert ending.status is None
    assert not attached.exited
    engine_side.settimeout(60)
    assert engine_side.recv(100) == sent  # the keys themselves never reach the process


def test_a_gone_reader_of_stdout_is_a_broken_pipe_error(side, engine_pair):
    conn, engine_side = engine_pair
    attached = session(side)
    os.close(side.stdout_r)
    engine_side.sendall(frame(1, b"nobody reads this\n"))
    container_exits = threading.Event()  # not before the stream has failed
    with contextlib.ExitStack() as held:
        attached.open(conn, "", held)
        ending = attached.follow(lambda: int(not container_exits.wait(60)))
    container_exits.set()
    assert ending.error is not None
    assert ending.error.broken_pipe
    assert ending.error.message == "write /dev/stdout: broken pipe"
    assert ending.status is None
