"""The per-user command server: csdocker's modules loaded once, one forked child per call.

    python -m cloudshell_docker.server SOCKET_PATH     (started by csdocker-client, in its own session)

A call it serves has no more than the same call run cold would have. It never holds credentials
nor anything of a caller's (each call is read by a child of its own; each child fetches its own
credentials, as a cold csdocker would) and is not dumpable. Its runtime directory is reached with
``client.open_private_dir`` and everything in it is done relative to that descriptor (no name
followed twice, no symlink followed). It serves a peer only when the peer's whole process
context (``client.process_context``: credentials, groups, no_new_privs, seccomp, capabilities,
namespaces, cgroup, LSM label, read race-free through a pidfd) is its own, else it answers "C"
and the client runs the call cold. It forks only while single-threaded; it exits after
IDLE_SECONDS without a call, and when what its code came from changed (``watch``: every
preloaded module's file, csdocker's files and directories, the interpreter, the site
directories; inotify, else a stat of each per call) it answers "R" to the calls still queued, so
that their clients run them cold, and exits.

Per call it forks at once (a peer that says nothing stalls only its own child, which gives up
after READ_SECONDS). That child, the waiter (titled ``csdocker call PID``), reads and checks the
call, forks the worker (the csdocker call: cloudshell_docker.server.worker; it dies with the
waiter, PR_SET_PDEATHSIG), forwards the client's signals to it, kills it when the client goes
away (as a csdocker killed at that moment), and sends the client its wait status. Neither keeps
the server's lock, listening socket or directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

from cloudshell_docker.server.client import MAGIC, in_dir, open_private_dir, peer_context, process_context
from cloudshell_docker.server.request import Request, decode_request
from cloudshell_docker.server.watch import Watch, watched_files

__all__ = ["IDLE_SECONDS", "IDLE_VARIABLE", "READ_SECONDS", "preload", "serve", "set_dumpable"]

IDLE_SECONDS = 600.0
IDLE_VARIABLE = "CSDOCKER_SERVER_IDLE"  # seconds without a call before the server exits
READ_SECONDS = 10.0  # a peer that has not sent its whole call by then is dropped
_MAX_REQUEST = 16 << 20
_MAX_FDS = 5  # stdin, stdout, stderr, the working directory, the terminal
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4


def preload() -> None:
    """Everything a call imports, so that a child starts with it loaded: what the command table
    names for each command a child may run (credential sources that pull in boto3 stay lazy: most
    calls never need them)."""
    import ctypes  # the child's process title (relay.proctitle)
    import importlib
    import resource  # the child sets the caller's limits

    import cloudshell_docker.commands.passthrough
    import cloudshell_docker.server.worker
    from cloudshell_docker.cli.table import COMMANDS

    for command in COMMANDS:
        for module in () if command.cold else command.preload:
            importlib.import_module(module)
    del cloudshell_docker, ctypes, resource
    import requests

    # docker-py and requests import these on first use; a child would pay it on every call.
    requests.Session().close()


def _prctl(option: int, value: int) -> bool:
    import ctypes

    return int(ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)) == 0


def set_dumpable(dumpable: bool) -> bool:
    """PR_SET_DUMPABLE: a server that is not cannot be read (/proc/PID/mem, environ) or traced by
    the user's other processes; a worker is again, as a cold csdocker is."""
    return _prctl(_PR_SET_DUMPABLE, int(dumpable))


def _receive(conn: socket.socket, deadline: float) -> tuple[Request, list[int]] | None:
    """The call, read by a deadline (a silent or trickling peer gets the socket's timeout)."""
    fds: list[int] = []
    conn.settimeout(max(deadline - time.monotonic(), 0.001))
    head, ancillary, _flags, _addr = conn.recvmsg(8, socket.CMSG_SPACE(_MAX_FDS * 4))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack(f"{len(data) // 4}i", data[: len(data) - len(data) % 4]))
    if len(head) < 8 or head[:4] != MAGIC:
        _drop(fds)
        return None
    size = struct.unpack("!I", head[4:8])[0]
    if size > _MAX_REQUEST or len(fds) < 4:
        _drop(fds)
        return None
    body = bytearray()
    try:
        while len(body) < size:
            conn.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = conn.recv(size - len(body))
            if not chunk:
                _drop(fds)
                return None
            body += chunk
        request = decode_request(bytes(body))
    except BaseException:
        _drop(fds)
        raise
    conn.settimeout(None)
    return request, fds


def _drop(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _send_status(conn: socket.socket, status: int) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(b"X" + struct.pack("!i", status))


def _waiter(conn: socket.socket, request: Request, fds: list[int]) -> None:
    """In the forked waiter: run the call in a worker, relay signals, report its status."""
    waiter = os.getpid()
    pid = os.fork()
    if pid == 0:
        conn.close()
        # The worker dies with its waiter (killed, or out of memory): nothing runs on unwatched.
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != waiter:
            os._exit(255)
        set_dumpable(True)
        from cloudshell_docker.server.worker import run_call

        run_call(request, fds)  # never returns
    _drop(fds)
    done = threading.Event()

    def relay() -> None:
        while not done.is_set():
            try:
                data = conn.recv(64)
            except OSError:
                data = b""
            if not data:
                # The client is gone: csdocker would have died with it.
                if not done.is_set():
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                return
            for number in data:
                if not done.is_set():
                    with contextlib.suppress(OSError):
                        os.kill(pid, number)

    threading.Thread(target=relay, daemon=True).start()
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            status = 255 << 8
            break
    done.set()
    _send_status(conn, status)
    os._exit(0)


def _answer(conn: socket.socket, verdict: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(verdict)


def _call(conn: socket.socket, context: bytes, watch: Watch, server: int, *, stale: bool = False) -> None:
    """In the call's own child, forked right after accept: read the call by a deadline, serve it
    only to a peer of the server's own context ("C": run cold), and only while the code is the
    one loaded ("R": run cold and start a new server; without inotify, this child finds that
    out and tells the server to exit)."""
    from cloudshell_docker.relay.proctitle import set_title

    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGUSR1):  # the server's, not the call's
        signal.signal(number, signal.SIG_DFL)
    set_title(f"csdocker call {os.getpid()}")
    try:
        received = _receive(conn, time.monotonic() + READ_SECONDS)
    except (OSError, ValueError):
        return
    if received is None:
        return
    request, fds = received
    try:
        # The request is read first: a close with it unread would reset the connection.
        same = peer_context(conn) == context
    except OSError:
        same = False
    if not same:
        _drop(fds)
        _answer(conn, b"C")
        return
    if stale or watch.stale_by_stat():
        _drop(fds)
        _answer(conn, b"R")
        if not stale:  # (a stale server knows: it is answering what is left in its queue)
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGUSR1)
        return
    _waiter(conn, request, fds)


def _reap(*_args: object) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _lock(fd: int, dir_fd: int, name: str, patience: float = 5.0) -> bool:
    """The key's lock. A holder whose socket is gone is a predecessor winding down (its installation
    changed): it gets ``patience`` seconds. A holder with its socket is a live server."""
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            if time.monotonic() >= deadline or _exists(dir_fd, name):
                return False
            time.sleep(0.05)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _stop(*_args: object) -> None:
    raise SystemExit(0)


def _listen(dir_fd: int, name: str) -> socket.socket:
    """The socket, bound 0600 under a temporary name (umask around bind: no chmod by path) and
    renamed into place within the directory."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temporary = f"{name}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary, dir_fd=dir_fd)
    old = os.umask(0o177)
    try:
        listener.bind(in_dir(dir_fd, temporary))
    finally:
        os.umask(old)
    listener.listen(64)
    os.rename(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    return listener


def _write_pid_file(dir_fd: int, name: str, path: str) -> None:
    """NAME.pid ("PID PATH"): written under a new name (O_EXCL, no symlink followed), renamed into place."""
    temporary = f"{name}.pid.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary, dir_fd=dir_fd)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                 dir_fd=dir_fd)
    with open(fd, "w") as pid_file:
        pid_file.write(f"{os.getpid()} {path}\n")
    os.rename(temporary, name + ".pid", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def serve(path: str, idle_seconds: float = IDLE_SECONDS) -> int:
    os.closerange(3, 1 << 16)
    try:
        context = process_context()  # while dumpable: a process that is not cannot list its own /proc/self/ns
    except OSError:
        return 1
    set_dumpable(False)
    directory, name = os.path.split(path)
    dir_fd = open_private_dir(directory, create=True)
    if dir_fd is None:
        return 1
    lock = os.open(name + ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
    if not _lock(lock, dir_fd, name):
        return 0  # another server for this key is up
    preload()
    # What the preload loaded lives as long as the server: out of the collector's passes, in the
    # server and in every call's child (which also keeps those pages shared, copy-on-write).
    gc.freeze()
    # After the preload: its first import may write a __pycache__ (a directory's mtime changes).
    watch = Watch(watched_files())
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGUSR1, _stop)  # a call's child found the code changed
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = _listen(dir_fd, name)
    bound = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_ino
    server = os.getpid()
    try:
        _write_pid_file(dir_fd, name, path)
        watching: list[socket.socket | int] = [listener] if watch.fd is None else [listener, watch.fd]
        stale = False
        while True:
            try:
                ready, _, _ = select.select(watching, [], [], idle_seconds)
            except InterruptedError:  # pragma: no cover (PEP 475 retries)
                continue
            if not ready:
                return 0
            if watch.fd in ready and watch.changed():
                # No new call: the name goes (a new server takes it), calls already queued are
                # answered "R" (before the event: served; after it: cold).
                stale = True
                with contextlib.suppress(OSError):
                    if os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_ino == bound:
                        os.unlink(name, dir_fd=dir_fd)
                listener.setblocking(False)
            if listener not in ready and not stale:
                continue
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                return 0  # stale, and no call left in the queue
            except OSError:
                continue
            conn.setblocking(True)
            with conn:
                if threading.active_count() != 1:
                    return 0  # forking now could copy another thread's held lock: start afresh
                if os.fork() == 0:
                    try:
                        listener.close()
                        os.close(lock)
                        os.close(dir_fd)
                        watch.close()
                        _call(conn, context, watch, server, stale=stale)
                    finally:
                        os._exit(255)
    finally:
        with contextlib.suppress(OSError):
            if os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_ino == bound:
                os.unlink(name, dir_fd=dir_fd)
                os.unlink(name + ".pid", dir_fd=dir_fd)
        listener.close()
        watch.close()
        os.close(lock)  # a successor may start now, before this interpreter has wound down
        os.close(dir_fd)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):  # the second: room for the children's command lines (client.TITLE_ROOM)
        sys.stderr.write("usage: python -m cloudshell_docker.server SOCKET_PATH [ROOM]\n")
        return 2
    try:
        idle = float(os.environ.get(IDLE_VARIABLE, IDLE_SECONDS))
    except ValueError:
        idle = IDLE_SECONDS
    return serve(args[0], idle)
