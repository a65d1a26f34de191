"""The per-user command server: csdocker's modules loaded once, one forked child per call.

    python -m cloudshell_docker.server SOCKET_PATH     (started by csdocker-client, in its own session)

It never holds credentials (each child fetches its own, as a cold csdocker would); its socket
lives in a 0700 directory of the user's and every peer's uid is checked (SO_PEERCRED); it forks
only while single-threaded; it exits after IDLE_SECONDS without a call, and when it finds its
installation changed (the package's files' mtimes and sizes) it answers "R" so that the client
runs the call cold, and exits. Per call it forks a waiter, which forks the worker (the csdocker
call: cloudshell_docker.server.worker), forwards the client's signals to it, kills it when the
client goes away (as a csdocker killed at that moment), and sends the client its wait status.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path

from cloudshell_docker.server.client import MAGIC, private_dir
from cloudshell_docker.server.request import Request, decode_request

__all__ = ["IDLE_SECONDS", "IDLE_VARIABLE", "installation_files", "installation_fingerprint", "preload", "serve"]

IDLE_SECONDS = 600.0
IDLE_VARIABLE = "CSDOCKER_SERVER_IDLE"  # seconds without a call before the server exits
_MAX_REQUEST = 16 << 20
_MAX_FDS = 4


def installation_files() -> tuple[str, ...]:
    """The package's directories and source files (listed once, at the server's start)."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        found.append(directory)
        found.extend(os.path.join(directory, name) for name in sorted(files) if not name.endswith(".pyc"))
    return tuple(found)


def installation_fingerprint(files: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """(mtime_ns, size) of each: an edit or a reinstall changes a file's, an added or removed
    module its directory's. Checked on every call, so stat calls only (well under a millisecond)."""
    found = []
    for path in files:
        try:
            info = os.stat(path)
        except OSError:
            found.append((-1, -1))
            continue
        found.append((info.st_mtime_ns, info.st_size))
    return tuple(found)


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


def _peer_uid(conn: socket.socket) -> int:
    return int(struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                   struct.calcsize("3i")))[1])


def _receive(conn: socket.socket) -> tuple[Request, list[int]] | None:
    fds: list[int] = []
    head, ancillary, _flags, _addr = conn.recvmsg(8, socket.CMSG_SPACE(_MAX_FDS * 4))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack(f"{len(data) // 4}i", data[: len(data) - len(data) % 4]))
    if len(head) < 8 or head[:4] != MAGIC:
        _drop(fds)
        return None
    size = struct.unpack("!I", head[4:8])[0]
    if size > _MAX_REQUEST or len(fds) < 3:
        _drop(fds)
        return None
    body = bytearray()
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            _drop(fds)
            return None
        body += chunk
    return decode_request(bytes(body)), fds


def _drop(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _send_status(conn: socket.socket, status: int) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(b"X" + struct.pack("!i", status))


def _waiter(conn: socket.socket, request: Request, fds: list[int]) -> None:
    """In the forked waiter: run the call in a worker, relay signals, report its status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the server's reaper must not take the worker's status
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        conn.close()
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


def _serve_one(listener: socket.socket, conn: socket.socket, files: tuple[str, ...], fingerprint: object) -> bool:
    """Handle one connection; False when the server should stop (its installation changed)."""
    with conn:
        if _peer_uid(conn) != os.getuid():
            return True
        try:
            received = _receive(conn)
        except (OSError, ValueError):
            return True
        if received is None:
            return True
        request, fds = received
        if installation_fingerprint(files) != fingerprint:
            # Read before answering: a close with the request unread would reset the connection.
            _drop(fds)
            with contextlib.suppress(OSError):
                conn.sendall(b"R")
            return False
        if threading.active_count() != 1:
            _drop(fds)
            return False  # forking now could copy another thread's held lock: start afresh
        pid = os.fork()
        if pid == 0:
            listener.close()
            try:
                _waiter(conn, request, fds)
            finally:
                os._exit(255)
        _drop(fds)
    return True


def _reap(*_args: object) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _lock(fd: int, path: str, patience: float = 5.0) -> bool:
    """The key's lock. A holder whose socket is gone is a predecessor winding down (its installation
    changed): it gets ``patience`` seconds. A holder with its socket is a live server."""
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            if time.monotonic() >= deadline or os.path.exists(path):
                return False
            time.sleep(0.05)


def _stop(*_args: object) -> None:
    raise SystemExit(0)


def serve(path: str, idle_seconds: float = IDLE_SECONDS) -> int:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if not private_dir(directory):
        return 1
    os.closerange(3, 1 << 16)
    lock = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    if not _lock(lock, path):
        return 0  # another server for this key is up
    preload()
    # After the preload: its first import may write a __pycache__ (a directory's mtime changes).
    files = installation_files()
    fingerprint = installation_fingerprint(files)
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temporary = f"{path}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    listener.bind(temporary)
    os.chmod(temporary, 0o600)
    listener.listen(64)
    os.rename(temporary, path)
    bound = os.stat(path).st_ino
    with open(os.open(path + ".pid", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as pid_file:
        pid_file.write(f"{os.getpid()} {path}\n")
    try:
        while True:
            try:
                ready, _, _ = select.select([listener], [], [], idle_seconds)
            except InterruptedError:  # pragma: no cover (PEP 475 retries)
                continue
            if not ready:
                return 0
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            if not _serve_one(listener, conn, files, fingerprint):
                return 0
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == bound:
                os.unlink(path)
                os.unlink(path + ".pid")
        listener.close()
        os.close(lock)  # a successor may start now, before this interpreter has wound down


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
