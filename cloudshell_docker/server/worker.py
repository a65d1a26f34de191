"""A forked child of the command server made into the caller's csdocker, then run.

It takes over what a csdocker started by the caller would have had: argv, environment, working
directory (a descriptor: fchdir), umask, stdin/stdout/stderr (the client's own descriptors), the signals that were
ignored, and the terminal for an MFA prompt (the client's /dev/tty: this process has no
controlling terminal of its own). Python's own start-up state is rebuilt as it would have been
(SIGINT raises KeyboardInterrupt, SIGPIPE/SIGXFSZ ignored, stdio line-buffered on a terminal).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import signal
import sys
import time
import traceback
from typing import NoReturn, TextIO

from cloudshell_docker.commands.passthrough import CHAIN_VARIABLE as CHAIN_NAME
from cloudshell_docker.relay.proctitle import set_title
from cloudshell_docker.server.request import Request

CHAIN_VARIABLE = CHAIN_NAME.encode()  # the environment is bytes here

__all__ = ["run_call"]


def _reset_signals(ignored: tuple[int, ...]) -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        if number in ignored or number in (signal.SIGPIPE, signal.SIGXFSZ):
            handler: signal.Handlers | object = signal.SIG_IGN
        elif number == signal.SIGINT:
            handler = signal.default_int_handler
        else:
            handler = signal.SIG_DFL
        with contextlib.suppress(OSError, ValueError):
            signal.signal(number, handler)  # type: ignore[arg-type]


def _stream(fd: int, like: TextIO, *, write: bool) -> TextIO:
    raw = io.FileIO(fd, "w" if write else "r", closefd=False)
    buffered: io.BufferedWriter | io.BufferedReader = io.BufferedWriter(raw) if write else io.BufferedReader(raw)
    interactive = os.isatty(fd)
    return io.TextIOWrapper(buffered, encoding=like.encoding, errors=like.errors,
                            line_buffering=write and (interactive or fd == 2))


def _take_stdio(fds: list[int]) -> None:
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in fds[:3]:
        if fd > 2:
            os.close(fd)
    streams = [_stream(fd, like, write=fd > 0) for fd, like in enumerate((sys.stdin, sys.stdout, sys.stderr))]
    sys.stdin, sys.stdout, sys.stderr = streams
    # The originals too: code that restores sys.stdout from sys.__stdout__ must get the caller's.
    for name, stream in zip(("__stdin__", "__stdout__", "__stderr__"), streams, strict=True):
        setattr(sys, name, stream)


def _exit(code: int) -> NoReturn:
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _exit_code(err: SystemExit) -> int:
    if err.code is None:
        return 0
    if isinstance(err.code, int):
        return err.code & 0xFF
    sys.stderr.write(f"{err.code}\n")
    return 1


def _adopt_exec_chain(environ: dict[bytes, bytes], client_pids: tuple[int, int]) -> None:
    """csdocker's exec-chain marker ("PID:PATH...") counts in the process that set it and its child:
    one set by the client's process (or its parent) is this process's now, which runs in its place."""
    marker = environ.get(CHAIN_VARIABLE)
    if marker is None:
        return
    pid, sep, paths = marker.partition(b":")
    if pid in (b"%d" % client_pids[0], b"%d" % client_pids[1]):
        environ[CHAIN_VARIABLE] = b"%d" % os.getpid() + sep + paths


def _take_limits(limits: tuple[tuple[int, int, int], ...]) -> None:
    """The caller's resource limits; one this process cannot take (a hard limit above the server's,
    without the privilege to raise it) stays the server's."""
    import resource

    for number, soft, hard in limits:
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(number, (soft, hard))


def _take_cwd(fd: int) -> None:
    """The caller's working directory, as the descriptor it sent (an O_PATH of "."): the very
    directory, even one removed since (where a cold csdocker would be too), never a path resolved again."""
    try:
        os.fchdir(fd)
    finally:
        os.close(fd)


def run_call(request: Request, fds: list[int]) -> NoReturn:
    """Become the caller's csdocker and run its command line; never returns."""
    try:
        _reset_signals(request.ignored_signals)
        os.umask(request.umask)
        _take_limits(request.limits)
        _take_cwd(fds[3])
        environ = dict(request.environ)
        _adopt_exec_chain(environ, request.client_pids)
        os.environ.clear()
        for name, value in environ.items():
            os.environb[name] = value
        time.tzset()  # TZ is the caller's now
        _take_stdio(fds)
        if len(fds) > 4:
            from cloudshell_docker.credentials.mfa import use_terminal

            use_terminal(fds[4])
        sys.argv = [request.launcher, *request.argv]
        # ps shows the caller's command line, not the server's (as far as the server's argv area
        # holds it: the client gives the server room, client.TITLE_ROOM).
        set_title(" ".join(sys.argv))
    except Exception as err:  # the call cannot be set up: say so as csdocker would, one line
        with contextlib.suppress(OSError):
            os.write(fds[2] if len(fds) > 2 else 2, f"csdocker: cannot start the call: {err}\n".encode())
        os._exit(125)
    from cloudshell_docker.cli import main

    try:
        main(list(request.argv))
    except SystemExit as err:
        _exit(_exit_code(err))
    except KeyboardInterrupt:
        # As Python does for an uncaught KeyboardInterrupt: die of SIGINT.
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        traceback.print_exc()
        _exit(1)
    _exit(0)
