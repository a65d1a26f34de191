"""``-d``: hand the relay over to a detached process that follows the container.

``csdocker run -d`` returns as soon as the container has started, but the container still
needs its credentials. The relay is forked: the child already holds everything it needs (the
listening socket, the token, the credential source with its own refresh ability), so nothing
passes through argv, the environment or a file. It detaches (new session, stdio on
/dev/null, so that ``$(csdocker run -d ...)`` does not wait for it), shows only
``csdocker relay <container id>`` as its command line (``proctitle``), serves on the same
socket, and exits once the container is removed; the port closes with it.

Why removed and not stopped: a stopped container can be started again (``docker start``, a
restart policy), with the same AWS_CONTAINER_CREDENTIALS_FULL_URI. Were the port free by
then, any local user could listen on it, collect the token and serve credentials of their
choosing. So the follower holds the port for the container's whole life. It waits with the
engine's own ``wait?condition=removed`` (one long request, no polling), and looks again with
an inspection whenever that wait ends (the engine restarted, the connection broke). What
the follower cannot survive is a host reboot (or being killed): see the README.

Forking a process that has threads is safe only while none of them holds a lock: the
refresher and the server are stopped, and answers in flight finished, before the fork.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable
from typing import Literal

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.errors import EngineError
from cloudshell_docker.relay.diagnostics import open_diagnostics
from cloudshell_docker.relay.keeper import CredentialKeeper
from cloudshell_docker.relay.proctitle import set_title
from cloudshell_docker.relay.server import RelayServer

__all__ = ["become_follower", "container_state", "detach_relay", "follow_container", "follower_title", "fork_follower",
           "read_ready",
           "release_inherited_fds"]

READY_SECONDS = 15.0
# An engine that cannot be asked for this long (restarting, gone) ends the follower.
ENGINE_PATIENCE_SECONDS = 300.0

State = Literal["running", "stopped", "gone", "unknown"]


def container_state(engine: Engine, container_id: str) -> State:
    """running (or restarting: it will need credentials again), stopped, gone, or unknown."""
    try:
        info = engine.inspect_container(container_id)
    except EngineError:
        return "unknown"
    if info is None:
        return "gone"
    state = info.get("State") or {}
    return "running" if state.get("Running") or state.get("Restarting") else "stopped"


def follower_title(container_id: str) -> str:
    """What ``ps`` shows for the follower of ``container_id``: no option of the run, no value."""
    return f"csdocker relay {container_id[:12]}"


def follow_container(engine: Engine, container_id: str, *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once the container has been removed (stopped is not enough: it may be started again)."""
    trouble_since: float | None = None
    while True:
        state = container_state(engine, container_id)
        if state == "gone":
            return
        if state == "unknown":
            now = time.monotonic()
            trouble_since = trouble_since or now
            if now - trouble_since > ENGINE_PATIENCE_SECONDS:
                return
            sleep(2.0)
            continue
        trouble_since = None
        outcome = engine.wait(container_id, "removed").result()
        # Removed, or the wait broke off (engine restart): the next look tells which.
        sleep(0.2 if outcome.error is None else 2.0)


def _detach_stdio() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def release_inherited_fds(keep: int) -> None:
    """Nothing but sockets (its listener, the engine's and the credential source's connections) and
    ``keep`` (the ready pipe): a file, directory, terminal or pipe the run had (a command server's
    lock, the caller's /dev/tty, a descriptor the caller passed down) is put on /dev/null, so that
    the follower does not hold it for the container's life. Put on /dev/null rather than closed:
    an object that still owns the number then closes /dev/null, not a reused descriptor."""
    import stat

    try:
        numbers = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    try:
        null = os.fstat(devnull)
        for fd in numbers:
            if fd <= 2 or fd in (keep, devnull):
                continue
            try:
                info = os.fstat(fd)
                if os.readlink(f"/proc/self/fd/{fd}").startswith("anon_inode:"):
                    continue  # an epoll or eventfd of a library's
            except OSError:
                continue  # the listing's own descriptor, gone
            mode = info.st_mode
            if stat.S_ISSOCK(mode) or (info.st_dev, info.st_ino) == (null.st_dev, null.st_ino):
                continue
            if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) \
                    or stat.S_ISBLK(mode):
                os.dup2(devnull, fd, inheritable=False)
    finally:
        os.close(devnull)


def _default_signals() -> None:
    # The parent's handlers (forwarding signals to the container) must not run here; no
    # terminal can hang up on a process without one, but be sure.
    for name in ("SIGINT", "SIGTERM", "SIGQUIT", "SIGWINCH", "SIGUSR1", "SIGUSR2", "SIGCHLD"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(number, signal.SIG_DFL)
    with contextlib.suppress(OSError, ValueError):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def become_follower(title: str) -> None:
    """First thing in a forked follower: its own title, /dev/null for its standard streams, default
    signal handlers and ``/`` as its directory (a run's or compose's follower alike)."""
    set_title(title)
    _detach_stdio()
    _default_signals()
    os.chdir("/")


def _follower(server: RelayServer, keeper: CredentialKeeper, engine: Engine, container_id: str,
              ready_fd: int) -> None:
    become_follower(follower_title(container_id))
    keeper.after_fork()
    server.after_fork()
    # Connections to the engine are shared with the parent: drop this copy, open new ones.
    engine.close()
    release_inherited_fds(keep=ready_fd)
    diagnostics = open_diagnostics(container_id)
    if diagnostics is not None:
        diagnostics.write(f"relay for container {container_id[:12]} serving on {server.host}:{server.port}")
        keeper.report = diagnostics.write
    keeper.start()
    server.serve()
    os.write(ready_fd, f"{os.getpid()}\n".encode())
    os.close(ready_fd)
    try:
        follow_container(engine, container_id)
    finally:
        server.close()
        if diagnostics is not None:
            diagnostics.close()


def read_ready(fd: int, timeout: float) -> int | None:
    """The follower's pid, once it writes it on its ready pipe (None: it did not, within ``timeout``)."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 64)
        if not chunk:
            return None
        data += chunk
    try:
        return int(data)
    except ValueError:
        return None


def fork_follower(follow: Callable[[int], None]) -> int | None:
    """Run ``follow(ready_fd)`` in a grandchild adopted by init, in a session of its own; return the pid
    it writes on its ready pipe once it serves (None: it did not, within READY_SECONDS)."""
    ready_read, ready_write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked processes, proved end to end
        try:
            os.close(ready_read)
            os.setsid()
            if os.fork() != 0:
                os._exit(0)  # the grandchild is adopted by init: nobody has to reap it
            follow(ready_write)
        except BaseException:
            pass
        finally:
            os._exit(0)
    os.close(ready_write)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(child, 0)
    try:
        return read_ready(ready_read, READY_SECONDS)
    finally:
        os.close(ready_read)


def detach_relay(server: RelayServer, keeper: CredentialKeeper, engine: Engine, container_id: str) -> int:
    """Fork the follower; return its pid once it serves. This process then no longer serves."""
    if not hasattr(os, "fork"):
        raise EngineError("credential relay: -d with --inject relay needs a system that can fork")
    keeper.stop()
    server.pause()
    pid = fork_follower(lambda ready_fd: _follower(server, keeper, engine, container_id, ready_fd))
    server.release()
    if pid is None:
        raise EngineError("credential relay: the detached relay did not start; the container has no credentials")
    return pid
