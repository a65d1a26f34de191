"""One attached session: a container's attach and an exec's start are the same conversation.

docker-py reads both through one ``_read_from_socket``, and the docker CLI streams both with one
hijacked-stream copier; this is csdocker's one. A session is the caller's terminal and the
standard streams it attaches; it gives

    relay_signals(...)  the signals while attached (a run relays them, an exec lets go at the first INT)
    open(conn, keys)    raw mode and the detach keys on a TTY's stdin, the copying threads started
    started()           the process runs: its TTY follows the terminal's size from now on
    follow(status)      until the output ends (and, given one, the exit status is in): an ``Ending``

What differs stays with the caller: what the connection is (``POST /containers/ID/attach`` before
the start, or ``POST /exec/ID/start``), what resizes the TTY, which signals go where, what a
detach or a broken pipe means, and where the exit status comes from.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cloudshell_docker.attach.detachkeys import EscapeFilter, detach_sequence
from cloudshell_docker.attach.signals import SignalRelay, quiet_thread
from cloudshell_docker.attach.streams import AttachStreams, Connection, StreamEvent, StreamFailure
from cloudshell_docker.attach.terminal import Terminal, size_tty
from cloudshell_docker.errors import EngineError

__all__ = ["AttachedSession", "Ending"]

T = TypeVar("T")


@dataclass(frozen=True)
class Ending(Generic[T]):
    """How a session ended: by the detach keys, by a copying error, or with the output over.
    ``status``: the exit status, when one was asked for and came before the end."""

    detached: bool = False
    error: StreamFailure | None = None
    status: T | None = None


@dataclass(frozen=True)
class _Status(Generic[T]):
    outcome: T


class AttachedSession:
    """The standard streams ``stdin``/``stdout``/``stderr`` of ``terminal`` attached to one process.

    ``resize(rows, cols)`` sizes the process's TTY; ``follow_size``: whether it follows the terminal
    (the docker CLI watches stdout's terminal for a run and stdin's for an exec).
    """

    def __init__(self, terminal: Terminal, *, tty: bool, stdin: bool, stdout: bool, stderr: bool,
                 resize: Callable[[int, int], None], follow_size: bool) -> None:
        self.terminal = terminal
        self.tty = tty
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.resize = resize
        self.follow_size = follow_size
        self.events: queue.SimpleQueue[Any] = queue.SimpleQueue()  # StreamEvent, or _Status
        self.resize_ready = threading.Event()  # SIGWINCH resizes only once the process has started
        self.exited = False  # the exit status came (a run: the engine said the container exited)
        self.streams: AttachStreams | None = None

    @property
    def attached(self) -> bool:
        return self.stdin or self.stdout or self.stderr

    def relay_signals(self, *, forward: Callable[[str], None] | None = None,
                      on_termination: Callable[[], None] | None = None,
                      ignore: frozenset[int] = frozenset()) -> SignalRelay:
        """The signal relay for the session's life, started (``stop()`` it); SIGWINCH resizes the TTY."""
        def on_winch() -> None:
            if self.resize_ready.is_set():
                with contextlib.suppress(EngineError):
                    self.resize_to_terminal()

        return SignalRelay(
            forward=forward,
            on_winch=on_winch if self.follow_size else None,
            on_fatal=self.terminal.restore,
            on_termination=on_termination,
            ignore=ignore,
            stderr_fd=self.terminal.stderr_fd,
        ).start()

    def open(self, conn: Connection, detach_keys: str, held: contextlib.ExitStack) -> AttachStreams:
        """Raw mode and the detach keys (``--detach-keys`` or config.json's) for a TTY's stdin, then the
        copying threads; ``held`` gives the terminal back and closes the connection."""
        terminal = self.terminal
        escape = None
        if self.stdin and self.tty:
            escape = EscapeFilter(detach_sequence(detach_keys))
            held.callback(terminal.make_raw())  # make_raw returns the restore
        # With a TTY there is one stream, and the docker CLI writes stderr's share to stdout too.
        err_fd = terminal.stdout_fd if self.tty else terminal.stderr_fd
        streams = AttachStreams(
            conn,
            self.events,
            stdin_fd=terminal.stdin_fd if self.stdin else None,
            stdout_fd=terminal.stdout_fd if self.stdout else None,
            stderr_fd=err_fd if self.stderr else None,
            tty=self.tty,
            escape=escape,
            restore_terminal=terminal.restore,
        )
        held.callback(streams.cancel)
        streams.start()
        self.streams = streams
        return streams

    def started(self) -> None:
        """The process runs: size its TTY to the terminal (retried a while, as the CLI does), then follow it."""
        if self.follow_size:
            self.resize_ready.set()
            size_tty(self.resize_to_terminal, self.terminal.say)

    def resize_to_terminal(self) -> None:
        rows, cols = self.terminal.size()
        if rows == 0 and cols == 0:
            return
        self.resize(rows, cols)

    def follow(self, exit_status: Callable[[], T] | None = None) -> Ending[T]:
        """Until the output ends (the docker CLI's select); with ``exit_status`` (called on a thread of its
        own), until that is in too. Output goes on after stdin's end until the engine ends it."""
        streams = self.streams
        assert streams is not None, "open() first"
        if exit_status is not None:
            quiet_thread(lambda: self.events.put(_Status(exit_status())), "csdocker-wait")
        status: T | None = None
        stream_over = False
        while True:
            event = self.events.get()
            if isinstance(event, _Status):
                status = event.outcome
                self.exited = True
                if stream_over:
                    break
                if not streams.has_output:
                    streams.cancel()  # only stdin is attached: nothing more to wait for
                    break
                continue
            assert isinstance(event, StreamEvent)
            if event.kind == "detached":
                return Ending(detached=True, status=status)
            if event.kind == "input" and streams.has_output:
                continue
            stream_over = True
            if status is not None or exit_status is None:
                break  # with the exit status in, whatever the stream says now is moot
            if event.error is not None:
                return Ending(error=event.error)
        return Ending(error=event.error if status is None else None, status=status)
