"""Remove a directory when the last holder of a pipe has exited, however it ended.

For the fallback secret files (no memfd_create): csdocker still execs the docker
CLI, so no csdocker process is left to clean up after it. Instead a small
detached process waits on a pipe whose only write end csdocker passes on to the
CLI across exec. The kernel closes that end when the CLI and everything it
started have exited (normally, by a signal, or by SIGKILL), the janitor reads
end-of-file and removes the directory.
"""

from __future__ import annotations

import os
import shutil
import signal

__all__ = ["start_janitor"]

# A terminal's signals go to the foreground process group; the janitor has its own session.
_IGNORED = ("SIGINT", "SIGQUIT", "SIGHUP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGPIPE")


def _janitor(read_end: int, directory: str) -> None:
    """The detached process's whole life (never returns)."""
    try:
        os.setsid()
        for name in _IGNORED:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        def stop(_signum: int, _frame: object) -> None:
            # Asked to stop: clean up first.
            shutil.rmtree(directory, ignore_errors=True)
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)  # a pipeline reading csdocker's output must not wait for the janitor
        os.closerange(3, read_end)
        os.closerange(read_end + 1, 1 << 16)
        while True:
            try:
                if not os.read(read_end, 4096):
                    break
            except InterruptedError:
                continue
        shutil.rmtree(directory, ignore_errors=True)
    finally:
        os._exit(0)


def start_janitor(directory: str) -> int:
    """Start the janitor for ``directory``; return the pipe's write end (inheritable).

    Keep it open until exec: the directory is removed once every process holding
    it has exited (or at once, should this process die first).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child is checked by what it does, end to end
        os.close(write_end)
        if os.fork() == 0:
            _janitor(read_end, directory)
        os._exit(0)  # the middle process: the janitor is nobody's child but init's
    os.close(read_end)
    os.waitpid(pid, 0)
    os.set_inheritable(write_end, True)
    return write_end
