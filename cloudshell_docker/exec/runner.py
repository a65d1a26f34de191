"""One exec's life as ``docker exec`` lives it: create, start on a hijacked stream, stream, exit code.

The order is the docker CLI's: the TTY check, the create (with the console size on a TTY), then
``-d`` starts it and returns, otherwise the start is the attach (``POST /exec/ID/start`` upgraded),
the terminal goes raw for ``-it``, its size follows the terminal (``/exec/ID/resize``), and once
the output has ended the exit code is read from ``GET /exec/ID/json``.

Streams, raw mode, detach keys and the signal handling are attach/'s (attach.streams, attach.terminal,
attach.detachkeys, attach.signals). Signals differ from a run's: ``docker exec`` relays none to the
command; at the first INT or TERM it lets go of the stream and exits 0 at once, leaving the
command running in the container (docker CLI 28 does exactly that); the signals Go's runtime
ignores (USR1, USR2, ALRM, the real-time ones, ...) are ignored; the rest (HUP, QUIT, ...) take
their default action, the terminal given back first.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
from collections.abc import Mapping
from typing import Any, NoReturn

from cloudshell_docker.attach.detachkeys import DEFAULT_DETACH_KEYS, EscapeFilter, parse_detach_keys
from cloudshell_docker.attach.signals import SignalRelay
from cloudshell_docker.attach.streams import AttachStreams, StreamEvent
from cloudshell_docker.attach.terminal import Terminal, size_tty
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.apiversions import version_tuple
from cloudshell_docker.errors import EngineError, ExitCode, UsageError
from cloudshell_docker.exec.spec import ExecSpec

__all__ = ["check_tty", "run_exec"]

# Signals the docker CLI (a Go program that asks for none of these during an exec) ignores: Go's
# runtime drops them unless told otherwise. The others (HUP, QUIT, ABRT, ...) still end the client.
_GO_IGNORES = frozenset({
    signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGVTALRM,
    signal.SIGPROF, signal.SIGIO, signal.SIGPWR, *range(signal.SIGRTMIN, signal.SIGRTMAX + 1),
})

# How long to look again for the exit code when the engine ends the stream a moment before it
# has recorded the exit (engines before 23.0 can).
_EXIT_CODE_PATIENCE = 2.0


def check_tty(spec: ExecSpec, terminal: Terminal) -> None:
    """The docker CLI's CheckTty: ``-it`` needs a terminal on stdin (exit 1 otherwise)."""
    if not spec.detach and spec.attach_stdin and spec.tty and not terminal.stdin_is_terminal:
        raise UsageError("the input device is not a TTY", exit_code=ExitCode.ERROR)


def run_exec(spec: ExecSpec, engine: Engine, terminal: Terminal) -> int:
    """Create and run the exec; the exit status ``docker exec`` would return."""
    check_tty(spec, terminal)
    config = dict(spec.config)
    if not config.get("DetachKeys"):
        config["DetachKeys"] = str(engine.general_config.get("detachKeys") or "")
    console_size: list[int] | None = None
    if spec.tty and version_tuple(engine.api_version) >= (1, 42):
        # The console size in the create and start bodies is API 1.42's; the docker CLI leaves it out before.
        console_size = list(terminal.size())
        config["ConsoleSize"] = console_size
    exec_id = engine.exec_create(spec.container, config)
    if spec.detach:
        engine.exec_start_detached(exec_id, tty=spec.tty, console_size=console_size)
        return 0
    return _Session(spec, engine, terminal, exec_id, str(config["DetachKeys"]), console_size).follow()


class _Session:
    def __init__(self, spec: ExecSpec, engine: Engine, terminal: Terminal, exec_id: str, detach_keys: str,
                 console_size: list[int] | None) -> None:
        self.console_size = console_size
        self.spec = spec
        self.engine = engine
        self.terminal = terminal
        self.exec_id = exec_id
        self.detach_keys = detach_keys

    def follow(self) -> int:
        spec, terminal = self.spec, self.terminal
        events: queue.SimpleQueue[StreamEvent] = queue.SimpleQueue()
        conn = self.engine.exec_attach(self.exec_id, tty=spec.tty, console_size=self.console_size)
        follow_size = spec.tty and terminal.stdin_is_terminal  # the CLI watches the size when stdin is one
        resize_ready = threading.Event()

        def on_winch() -> None:
            if resize_ready.is_set():
                with contextlib.suppress(EngineError):
                    self.resize()

        ignored = _ignore(_GO_IGNORES)  # before the relay, which leaves a signal that is not SIG_DFL alone
        relay = SignalRelay(forward=None, on_winch=on_winch if follow_size else None,
                            on_fatal=terminal.restore, on_termination=self.let_go,
                            stderr_fd=terminal.stderr_fd).start()
        escape = None
        if spec.attach_stdin and spec.tty:
            escape = EscapeFilter(_detach_keys(self.detach_keys))
            terminal.make_raw()
        # With a TTY there is one stream, and the docker CLI writes stderr's share to stdout too.
        streams = AttachStreams(
            conn,
            events,
            stdin_fd=terminal.stdin_fd if spec.attach_stdin else None,
            stdout_fd=terminal.stdout_fd,
            stderr_fd=terminal.stdout_fd if spec.tty else terminal.stderr_fd,
            tty=spec.tty,
            escape=escape,
            restore_terminal=terminal.restore,
        )
        try:
            streams.start()
            if follow_size:
                resize_ready.set()
                size_tty(self.resize, self.say)
            if self.wait_for_stream(events):
                # The command runs on; the docker CLI reports the detach as an error of its own.
                raise EngineError("read escape sequence", exit_code=ExitCode.ERROR)
        finally:
            relay.stop()
            _restore(ignored)
            streams.cancel()
            terminal.restore()
        return self.exit_code()

    def let_go(self) -> NoReturn:
        """The first INT or TERM: give the terminal back and exit 0, the command left running."""
        self.terminal.restore()
        raise SystemExit(0)

    def wait_for_stream(self, events: queue.SimpleQueue[StreamEvent]) -> bool:
        """Until the output ends (True: the detach keys came first). A copying error is raised."""
        while True:
            event = events.get()
            if event.kind == "detached":
                return True
            if event.kind == "input":
                continue  # stdin ended (the command saw EOF); its output goes on
            if event.error is not None:
                if event.error.broken_pipe:
                    self.die_of_sigpipe()
                raise event.error
            return False

    def die_of_sigpipe(self) -> None:
        """stdout's reader has gone: the docker CLI (Go, asking for no SIGPIPE during an exec) dies of SIGPIPE,
        where a run's CLI, which asks for every signal, says "broken pipe" and exits 1."""
        self.terminal.restore()
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)

    def exit_code(self) -> int:
        deadline = time.monotonic() + _EXIT_CODE_PATIENCE
        while True:
            info = self.engine.exec_inspect(self.exec_id)
            code = info.get("ExitCode")
            if not _running(info) or time.monotonic() > deadline:
                return int(code) if isinstance(code, int) else 0
            time.sleep(0.05)

    def say(self, text: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self.terminal.stderr_fd, text.encode())

    def resize(self) -> None:
        rows, cols = self.terminal.size()
        if rows == 0 and cols == 0:
            return
        self.engine.exec_resize(self.exec_id, rows, cols)


def _running(info: Mapping[str, Any]) -> bool:
    return bool(info.get("Running"))


def _detach_keys(keys: str) -> bytes:
    if not keys:
        return DEFAULT_DETACH_KEYS
    try:
        return parse_detach_keys(keys)
    except ValueError:
        return DEFAULT_DETACH_KEYS  # the engine refuses such keys at create, before this


def _ignore(signums: frozenset[int]) -> dict[int, Any]:
    """Ignore ``signums`` (main thread only); the handlers they had, for ``_restore``."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for signum in signums:
        with contextlib.suppress(OSError, ValueError):
            previous[signum] = signal.signal(signum, signal.SIG_IGN)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(signum, handler)
