"""The attach stream of a run or an exec: stdin to the process, its output to stdout and stderr, byte-exact.

Without a TTY the engine multiplexes stdout and stderr into frames (an 8-byte
header: stream number, three zero bytes, payload length big-endian); they are
taken apart here and each payload written to its own descriptor as it arrives.
With a TTY there is one raw stream. stdin is copied as read; at its end the
write side of the connection is shut (the container sees EOF), and output keeps
flowing until the engine closes the stream.

Copying uses big buffers, memoryviews and os.write/readv: no per-byte Python work
except for the detach keys, which are only looked for on a terminal.
"""

from __future__ import annotations

import errno
import os
import queue
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cloudshell_docker.attach.detachkeys import EscapeFilter
from cloudshell_docker.attach.signals import quiet_thread
from cloudshell_docker.errors import EngineError, ExitCode

__all__ = [
    "BUFFER_SIZE",
    "AttachStreams",
    "Connection",
    "StreamEvent",
    "StreamFailure",
    "copy_frames",
    "copy_raw",
    "copy_stdin",
]

BUFFER_SIZE = 1 << 20
_HEADER = 8
_STDIN, _STDOUT, _STDERR, _SYSTEMERR = 0, 1, 2, 3


class Connection(Protocol):
    def recv_into(self, buffer: memoryview) -> int: ...
    def sendall(self, data: bytes | memoryview) -> None: ...
    def close_write(self) -> None: ...
    def close(self) -> None: ...


class StreamFailure(EngineError):
    """Copying failed (e.g. stdout is a closed pipe): the docker CLI's words, exit status 1."""

    def __init__(self, message: str, *, broken_pipe: bool = False) -> None:
        super().__init__(message, exit_code=ExitCode.ERROR)
        self.broken_pipe = broken_pipe  # a write to a reader that has gone (EPIPE)


@dataclass(frozen=True)
class StreamEvent:
    """What a copying thread reports: ``output`` ended (``error`` or None), ``input`` ended, or ``detached``."""

    kind: str
    error: StreamFailure | None = None


def _describe(err: OSError) -> str:
    # Go spells system errors in lower case ("broken pipe").
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]


def write_all(fd: int, data: memoryview, name: str) -> None:
    while data:
        try:
            written = os.write(fd, data)
        except OSError as err:
            raise StreamFailure(f"write {name}: {_describe(err)}", broken_pipe=err.errno == errno.EPIPE) from None
        data = data[written:]


def _receive(conn: Connection, buffer: memoryview) -> int:
    try:
        return conn.recv_into(buffer)
    except OSError as err:
        if err.errno in (errno.EBADF, errno.ENOTCONN):  # we closed it: the run is over
            return 0
        raise StreamFailure(f"read from the engine: {_describe(err)}") from None


def copy_raw(conn: Connection, out_fd: int | None, out_name: str = "/dev/stdout") -> None:
    """A TTY's output: one stream, copied as is until the engine closes it."""
    buffer = memoryview(bytearray(BUFFER_SIZE))
    while True:
        n = _receive(conn, buffer)
        if n == 0:
            return
        if out_fd is not None:
            write_all(out_fd, buffer[:n], out_name)


def copy_frames(conn: Connection, out_fd: int | None, err_fd: int | None) -> None:
    """Demultiplex the engine's frames: stdout's payloads to ``out_fd``, stderr's to ``err_fd``."""
    buf = bytearray(BUFFER_SIZE)
    view = memoryview(buf)
    start = end = 0  # unconsumed bytes are buf[start:end]
    remaining = 0  # payload bytes of the current frame still to come
    target: int | None = None
    target_name = "/dev/stdout"
    while True:
        if remaining == 0:
            while end - start < _HEADER:
                if start:  # move the (at most 7) bytes of a torn header to the front
                    buf[: end - start] = buf[start:end]
                    start, end = 0, end - start
                n = _receive(conn, view[end:])
                if n == 0:
                    return  # the end (a torn header at the end is dropped, as the docker CLI drops it)
                end += n
            kind = buf[start]
            size = int.from_bytes(buf[start + 4 : start + 8], "big")
            start += _HEADER
            if kind in (_STDIN, _STDOUT):
                target, target_name = out_fd, "/dev/stdout"
            elif kind == _STDERR:
                target, target_name = err_fd, "/dev/stderr"
            elif kind == _SYSTEMERR:
                message = _read_exactly(conn, view, start, end, size)
                raise StreamFailure(f"error from daemon in stream: {message.decode(errors='replace')}")
            else:
                raise StreamFailure(f"Unrecognized input header: {kind}")
            remaining = size
            if remaining == 0:
                continue
        if start == end:
            start = end = 0
            n = _receive(conn, view)
            if n == 0:
                return
            end = n
        take = min(end - start, remaining)
        if target is not None:
            write_all(target, view[start : start + take], target_name)
        start += take
        remaining -= take


def _read_exactly(conn: Connection, view: memoryview, start: int, end: int, size: int) -> bytes:
    data = bytearray(view[start:end][:size])
    while len(data) < size:
        chunk = bytearray(min(size - len(data), BUFFER_SIZE))
        n = _receive(conn, memoryview(chunk))
        if n == 0:
            break
        data += chunk[:n]
    return bytes(data)


def _kernel_copy(conn: Connection, in_fd: int) -> bool | None:
    """stdin to the engine's socket inside the kernel (sendfile from a file, splice from a pipe), no
    copy through Python: True at the end, None when it cannot be done (nothing was sent then)."""
    out_fd = conn.socket_fd() if hasattr(conn, "socket_fd") else None
    if out_fd is None:
        return None
    try:
        mode = os.fstat(in_fd).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        move: Callable[[], int] = lambda: os.sendfile(out_fd, in_fd, None, BUFFER_SIZE)  # noqa: E731
    elif stat.S_ISFIFO(mode) and hasattr(os, "splice"):
        move = lambda: os.splice(in_fd, out_fd, BUFFER_SIZE)  # noqa: E731
    else:
        return None
    first = True
    while True:
        try:
            moved = move()
        except OSError as err:
            if first and err.errno in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF):
                return None  # not for this pair of descriptors: copy the ordinary way
            return True  # the engine went away, or stdin failed: the docker CLI ends stdin quietly
        if moved == 0:
            return True
        first = False


def copy_stdin(conn: Connection, in_fd: int, escape: EscapeFilter | None) -> bool:
    """Copy stdin to the container until EOF (or a read error); True when the detach keys came."""
    if escape is None and _kernel_copy(conn, in_fd) is not None:
        return False
    buffer = memoryview(bytearray(BUFFER_SIZE if escape is None else 4096))
    while True:
        try:
            n = os.readv(in_fd, [buffer])
        except OSError:
            return False  # the docker CLI ends stdin quietly on a read error
        if n == 0:
            return False
        data: bytes | memoryview = buffer[:n]
        detached = False
        if escape is not None:
            data, detached = escape.feed(bytes(data))
        try:
            if data:
                conn.sendall(data)
        except OSError:
            return False
        if detached:
            return True


class AttachStreams:
    """The copying threads of one attach; each reports a StreamEvent on ``events``."""

    def __init__(
        self,
        conn: Connection,
        events: queue.SimpleQueue[StreamEvent],
        *,
        stdin_fd: int | None,
        stdout_fd: int | None,
        stderr_fd: int | None,
        tty: bool,
        escape: EscapeFilter | None,
        restore_terminal: Callable[[], None],
    ) -> None:
        self.conn = conn
        self.events = events
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd
        self.tty = tty
        self.escape = escape
        self.restore_terminal = restore_terminal
        self.threads: list[threading.Thread] = []

    @property
    def has_output(self) -> bool:
        return self.stdout_fd is not None or self.stderr_fd is not None

    def start(self) -> None:
        if self.has_output:
            self.threads.append(quiet_thread(self._output, "csdocker-output"))
        if self.stdin_fd is not None:
            self.threads.append(quiet_thread(self._input, "csdocker-input"))

    def _output(self) -> None:
        error: StreamFailure | None = None
        try:
            if self.tty:
                # With a TTY the engine sends one stream, and the docker CLI writes it to stdout.
                copy_raw(self.conn, self.stdout_fd if self.stdout_fd is not None else self.stderr_fd)
            else:
                copy_frames(self.conn, self.stdout_fd, self.stderr_fd)
        except StreamFailure as err:
            error = err
        finally:
            if self.tty:
                self.restore_terminal()  # at once, so that what follows prints normally
        self.events.put(StreamEvent("output", error))

    def _input(self) -> None:
        assert self.stdin_fd is not None
        detached = copy_stdin(self.conn, self.stdin_fd, self.escape)
        self.restore_terminal()
        if detached:
            self.events.put(StreamEvent("detached"))
            return
        self.conn.close_write()
        self.events.put(StreamEvent("input"))

    def cancel(self) -> None:
        self.conn.close()
