"""One exec's life as ``docker exec`` lives it: create, start on a hijacked stream, stream, exit code.

The order is the docker CLI's: the create (with the console size on a TTY; the TTY check is
made before, by the command), then ``-d`` starts it and returns, otherwise the start is the
attach (``POST /exec/ID/start`` upgraded), the terminal goes raw for ``-it``, its size follows
the terminal (``/exec/ID/resize``), and once the output has ended the exit code is read from
``GET /exec/ID/json``.

The attached conversation is a run's (``attach.session``). What is the exec's own: ``docker
exec`` relays no signal to the command; at the first INT or TERM it lets go of the stream and
exits 0 at once, leaving the command running in the container (docker CLI 28 does exactly
that); the signals Go's runtime ignores are ignored (``attach.signals.GO_IGNORED``); the rest
(HUP, QUIT, ...) take their default action, the terminal given back first. The detach keys are
an error ("read escape sequence", 1), and a reader of stdout that has gone is death by SIGPIPE.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import NoReturn

from cloudshell_docker.attach.detachkeys import configured_detach_keys
from cloudshell_docker.attach.session import AttachedSession, Ending
from cloudshell_docker.attach.signals import GO_IGNORED
from cloudshell_docker.attach.streams import Connection
from cloudshell_docker.attach.terminal import Terminal
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.apiversions import version_tuple
from cloudshell_docker.errors import EngineError, ExitCode
from cloudshell_docker.exec.spec import ExecSpec

__all__ = ["run_exec"]

# How long to look again for the exit code when the engine ends the stream a moment before it
# has recorded the exit (engines before 23.0 can).
_EXIT_CODE_PATIENCE = 2.0


def run_exec(spec: ExecSpec, engine: Engine, terminal: Terminal) -> int:
    """Create and run the exec; the exit status ``docker exec`` would return."""
    config = dict(spec.config)
    config["DetachKeys"] = configured_detach_keys(config.get("DetachKeys"), engine.general_config)
    console_size: list[int] | None = None
    if spec.tty and version_tuple(engine.api_version) >= (1, 42):
        # The console size in the create and start bodies is API 1.42's; the docker CLI leaves it out before.
        console_size = list(terminal.size())
        config["ConsoleSize"] = console_size
    exec_id = engine.exec_create(spec.container, config)
    if spec.detach:
        engine.exec_start_detached(exec_id, tty=spec.tty, console_size=console_size)
        return 0
    session = AttachedSession(
        terminal, tty=spec.tty, stdin=spec.attach_stdin, stdout=True, stderr=True,
        resize=lambda rows, cols: engine.exec_resize(exec_id, rows, cols),
        follow_size=spec.tty and terminal.stdin_is_terminal,  # the CLI watches the size when stdin is one
    )
    _follow(session, engine.exec_attach(exec_id, tty=spec.tty, console_size=console_size), config["DetachKeys"])
    return _exit_code(engine, exec_id)


def _follow(session: AttachedSession, conn: Connection, detach_keys: str) -> None:
    """Until the output ends; the detach keys and a copying error are raised, a gone reader is SIGPIPE."""
    terminal = session.terminal
    with contextlib.ExitStack() as held:
        held.callback(session.relay_signals(on_termination=lambda: _let_go(terminal), ignore=GO_IGNORED).stop)
        session.open(conn, detach_keys, held)
        session.started()
        ending: Ending[None] = session.follow()  # the exit code is asked for afterwards
    if ending.detached:
        # The command runs on; the docker CLI reports the detach as an error of its own.
        raise EngineError("read escape sequence", exit_code=ExitCode.ERROR)
    if ending.error is not None:
        if ending.error.broken_pipe:
            _die_of_sigpipe(terminal)
        raise ending.error


def _let_go(terminal: Terminal) -> NoReturn:
    """The first INT or TERM: give the terminal back and exit 0, the command left running."""
    terminal.restore()
    raise SystemExit(0)


def _die_of_sigpipe(terminal: Terminal) -> None:
    """stdout's reader has gone: the docker CLI (Go, asking for no SIGPIPE during an exec) dies of SIGPIPE,
    where a run's CLI, which asks for every signal, says "broken pipe" and exits 1."""
    terminal.restore()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGPIPE)


def _exit_code(engine: Engine, exec_id: str) -> int:
    deadline = time.monotonic() + _EXIT_CODE_PATIENCE
    while True:
        info = engine.exec_inspect(exec_id)
        code = info.get("ExitCode")
        if not info.get("Running") or time.monotonic() > deadline:
            return int(code) if isinstance(code, int) else 0
        time.sleep(0.05)
