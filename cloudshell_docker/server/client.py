#!python
"""csdocker's command client (installed as bin/csdocker-client, run by bin/csdocker with ``python -S``).

It hands one csdocker call to the per-user command server, which keeps csdocker's modules
loaded and forks a child per call: the client sends its argv, environment, working directory,
umask, stdin/stdout/stderr and an fd of /dev/tty (SCM_RIGHTS), forwards the signals it
receives to that child, and exits as the child did (a signal death is reproduced). Without a
server (or a stale one) it starts one in the background and runs csdocker in this process
instead (the cold path). This file is run as a script without ``site``: the standard library only.
"""

from __future__ import annotations

# The low-level modules only: socket, signal and struct would bring enum along, and the client's
# whole budget is a few milliseconds.
import _socket as socket
import binascii
import os
import sys

TYPE_CHECKING = False  # typing itself costs an import; mypy takes any TYPE_CHECKING as true
if TYPE_CHECKING:
    import signal
    from collections.abc import Mapping, Sequence
else:
    import _signal as signal

__all__ = [
    "FORWARDED_SIGNALS",
    "MAGIC",
    "SERVER_VARIABLE",
    "encode_request",
    "forwarded_signals",
    "main",
    "runtime_dir",
    "server_enabled",
    "server_environ",
    "socket_path",
]

MAGIC = b"CSD1"
SERVER_VARIABLE = "CSDOCKER_SERVER"
# What a csdocker killed by the signal would have seen: the child gets each one.
FORWARDED_SIGNALS = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGALRM",
                     "SIGCONT", "SIGTSTP", "SIGPWR", "SIGVTALRM", "SIGPROF", "SIGXCPU")
_LIMITS = ("RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_NPROC", "RLIMIT_STACK", "RLIMIT_AS", "RLIMIT_DATA",
           "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
           "RLIMIT_SIGPENDING", "RLIMIT_RSS", "RLIMIT_LOCKS")
# The server's last argument: room in its argv area for each call's child to show its caller's argv.
TITLE_ROOM = " " * 4096
# Variables that change how an interpreter starts or what it imports: a server started under
# other values is another server (a PYTHONPATH of a work tree must not get main's modules).
_KEY_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONUTF8", "PYTHONIOENCODING",
                  "PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONDONTWRITEBYTECODE", "LANG", "LC_ALL", "LC_CTYPE")


def server_enabled(environ: Mapping[str, str]) -> bool:
    return environ.get(SERVER_VARIABLE, "").lower() not in ("0", "false", "no", "off")


def runtime_dir(environ: Mapping[str, str]) -> str:
    """A 0700 directory of this user's: $XDG_RUNTIME_DIR/csdocker, or /tmp/csdocker-UID."""
    base = environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base):
        return os.path.join(base, "csdocker")
    return f"/tmp/csdocker-{os.getuid()}"


def server_key(environ: Mapping[str, str], installation: str) -> str:
    """One server per installation, interpreter and start-up environment."""
    parts = [installation, sys.executable, *(f"{name}={environ.get(name, '')}" for name in _KEY_VARIABLES)]
    return f"{binascii.crc32(chr(0).join(parts).encode('utf-8', 'surrogateescape')):08x}"


def socket_path(environ: Mapping[str, str], installation: str) -> str:
    return os.path.join(runtime_dir(environ), f"server-{server_key(environ, installation)}.sock")


def private_dir(path: str) -> bool:
    """Whether ``path`` is a directory of this user's that nobody else can enter."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return info.st_uid == os.getuid() and (info.st_mode & 0o7077) == 0 and os.path.isdir(path)


def encode_request(argv: Sequence[str], environ: Mapping[bytes, bytes], cwd: bytes, umask: int,
                   ignored: Sequence[int], launcher: str, pids: tuple[int, int],
                   limits: Sequence[tuple[int, int, int]] = ()) -> bytes:
    """The call, as NUL-separated fields: counts first, then argv, then ``NAME=VALUE`` items.
    ``pids``: the client's pid and parent pid (csdocker's exec-chain marker names the process);
    ``ignored``: the signals the client was started with ignored;
    ``limits``: (resource, soft, hard) of the client's resource limits."""
    fields = [b"%d,%d" % pids, b"%d" % umask, cwd, launcher.encode("utf-8", "surrogateescape"),
              b",".join(b"%d" % sig for sig in ignored),
              b";".join(b"%d,%d,%d" % limit for limit in limits), b"%d" % len(argv),
              *(arg.encode("utf-8", "surrogateescape") for arg in argv),
              *(name + b"=" + value for name, value in environ.items())]
    body = b"\0".join(fields)
    return MAGIC + len(body).to_bytes(4, "big") + body


def _limits() -> list[tuple[int, int, int]]:
    """This process's resource limits (the caller's): a csdocker started here would have had them."""
    import resource

    found = []
    for name in _LIMITS:
        number = getattr(resource, name, None)
        if number is not None:
            soft, hard = resource.getrlimit(number)
            found.append((int(number), soft, hard))
    return found


def _terminal_fd() -> int | None:
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None


def _ignored_signals() -> list[int]:
    """Signals this process was started with ignored (Python leaves those as they were); csdocker
    started directly would have kept them ignored. SIGPIPE and SIGXFSZ Python ignores itself."""
    found = []
    for number in signal.valid_signals():
        if number in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            if signal.getsignal(number) == signal.SIG_IGN:
                found.append(int(number))
        except (OSError, ValueError):
            continue
    return found


def open_closed_standard_fds() -> None:
    """/dev/null (read-write, inheritable) on each of fds 0, 1, 2 this process was started without,
    before it opens anything (its socket would take a closed stdin's 0 and be handed over as
    stdin): what csdocker does at its start (cloudshell_docker.stdfds), as the docker CLI's Go
    runtime does at its own."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                os.set_inheritable(os.open(os.devnull, os.O_RDWR), True)  # the lowest free number: fd
            except OSError:
                return  # no /dev/null: left closed


def _cold(launcher: str, args: Sequence[str]) -> None:
    """csdocker in this process: a whole interpreter start-up, with site."""
    code = "import sys; sys.argv[0] = sys.argv.pop(1); from cloudshell_docker.cli import main; main()"
    os.execv(sys.executable, [sys.executable, "-P", "-c", code, launcher, *args])


def server_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """What the server starts with: how Python starts and where things are, never a credential
    (each call's child gets its caller's whole environment)."""
    keep = ("PATH", "HOME", "TMPDIR", "XDG_RUNTIME_DIR", "CSDOCKER_SERVER_IDLE", *_KEY_VARIABLES)
    return {name: environ[name] for name in keep if name in environ}


def _start_server(path: str) -> None:
    """A server for the next calls, in its own session, its stdio on /dev/null."""
    try:
        directory = os.path.dirname(path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not private_dir(directory):
            return
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.posix_spawn(sys.executable, [sys.executable, "-P", "-m", "cloudshell_docker.server", path, TITLE_ROOM],
                           server_environ(os.environ), setsid=True,
                           file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1),
                                         (os.POSIX_SPAWN_DUP2, null, 2)])
        finally:
            os.close(null)
    except OSError:
        pass  # the cold path works without it


def _connect(path: str) -> socket.socket | None:
    if not private_dir(os.path.dirname(path)):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        # struct ucred: pid, uid, gid (native ints)
        uid = int.from_bytes(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[4:8], sys.byteorder)
        if uid != os.getuid():
            raise OSError("the server is another user's")
    except OSError:
        conn.close()
        return None
    return conn


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data))
        except InterruptedError:  # pragma: no cover (PEP 475 retries)
            continue
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk
    return data


def forwarded_signals() -> list[int]:
    """FORWARDED_SIGNALS and every real-time signal: what a csdocker in this process would have
    received (``csdocker exec`` ignores the real-time ones as the docker CLI's Go runtime does;
    left to their default they would kill the client instead)."""
    numbers = [number for name in FORWARDED_SIGNALS if (number := getattr(signal, name, None)) is not None]
    low, high = getattr(signal, "SIGRTMIN", 0), getattr(signal, "SIGRTMAX", -1)
    return numbers + list(range(low, high + 1))


def _forward(conn: socket.socket, ignored: Sequence[int]) -> None:
    """Every signal csdocker could have received goes to the child, including those this process
    was started with ignored: the child starts with them ignored too, and csdocker's own code takes
    one back (or not) exactly as it would cold (a run's --sig-proxy takes them all, as docker's
    signal.Notify does; SIGINT is taken back by every run and exec)."""
    def handler(number: int, _frame: object) -> None:
        try:
            conn.send(bytes([number]))
        except OSError:
            return
        if number == signal.SIGTSTP and number not in ignored:
            os.kill(os.getpid(), signal.SIGSTOP)  # stopped, as a csdocker at the terminal would be

    for number in _caught(ignored):
        signal.signal(number, handler)


def _caught(ignored: Sequence[int]) -> list[int]:
    """The signals the client catches: every forwarded one and every other one it was started with
    ignored (it cannot die of those; csdocker's run with --sig-proxy takes them back) but SIGCHLD."""
    forwarded = forwarded_signals()
    return forwarded + [number for number in ignored if number not in forwarded and number != signal.SIGCHLD]


def _unforward(ignored: Sequence[int]) -> None:
    """The dispositions this process started with again (before a cold run in its place)."""
    for number in _caught(ignored):
        if number in ignored:
            signal.signal(number, signal.SIG_IGN)
        elif signal.getsignal(number) not in (signal.SIG_IGN, signal.SIG_DFL, None):
            signal.signal(number, signal.SIG_DFL if number != signal.SIGINT else signal.default_int_handler)


def _exit_as(status: int) -> None:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [number])
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if not os.WIFSIGNALED(status) else 128 + os.WTERMSIG(status))


def main(argv: Sequence[str] | None = None) -> None:
    open_closed_standard_fds()  # first: nothing opened yet
    args = list(sys.argv[1:] if argv is None else argv)
    launcher, args = (args[0], args[1:]) if args else ("csdocker", [])
    installation = os.path.realpath(__file__)
    if not server_enabled(os.environ):
        _cold(launcher, args)
    path = socket_path(os.environ, installation)
    conn = _connect(path)
    if conn is None:
        _start_server(path)
        _cold(launcher, args)
        return
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        cwd = os.getcwdb()
    except OSError:
        cwd = b""
    ignored = _ignored_signals()
    request = encode_request(args, os.environb, cwd, umask, ignored, launcher,
                             (os.getpid(), os.getppid()), _limits())
    tty = _terminal_fd()
    fds = [0, 1, 2, *([tty] if tty is not None else [])]
    try:
        rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
        conn.sendmsg([request[:8]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)])
        conn.sendall(request[8:])
    except OSError:
        conn.close()
        _cold(launcher, args)
        return
    finally:
        if tty is not None:
            os.close(tty)
    _forward(conn, ignored)
    answer = _recv_exact(conn, 5)
    if answer[:1] == b"X" and len(answer) == 5:
        _exit_as(int.from_bytes(answer[1:], "big", signed=True))
    if answer[:1] == b"R" or not answer:
        # A server that found its installation changed (or died before starting the call):
        # nothing of the call has run yet.
        conn.close()
        _unforward(ignored)
        if not answer:
            import contextlib  # only here: the client's budget

            with contextlib.suppress(OSError):
                os.write(2, b"csdocker: the command server ended the call without an exit status\n")
            os._exit(125)
        _start_server(path)
        _cold(launcher, args)
    os._exit(125)


if __name__ == "__main__":
    main()
