"""The command server as a security boundary: its runtime directory reached by descriptor, the peer's
whole process context compared, the follower's inherited descriptors (issue 16). Pure or in-process:
the attacker is a forked child (another uid where it must be one)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cloudshell_docker.server import serve as serve_module
from cloudshell_docker.server.client import (
    encode_request,
    open_private_dir,
    peer_context,
    process_context,
    socket_name,
)
from cloudshell_docker.server.request import decode_request
from cloudshell_docker.server.watch import Watch, installation_fingerprint, watched_files

OTHER_UID = 65534  # nobody: the other user
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="another user's files need root to make (CI runs as root)")


# --- the runtime directory ---------------------------------------------------------------


def test_missing_levels_are_made_private_and_the_descriptor_is_the_directory(tmp_path):
    target = tmp_path / "a" / "b" / "csdocker"
    fd = open_private_dir(str(target), create=True)
    assert fd is not None
    try:
        assert os.path.samestat(os.fstat(fd), target.stat())
    finally:
        os.close(fd)
    assert target.stat().st_mode & 0o777 == 0o700
    assert open_private_dir(str(tmp_path / "missing")) is None  # without create: nothing made


def test_a_symlink_on_the_way_is_not_followed(tmp_path, monkeypatch):
    """realpath resolves the links there are when asked; one planted after that is refused by the walk."""
    real = tmp_path / "real"
    (real / "csdocker").mkdir(parents=True, mode=0o700)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setattr(os.path, "realpath", lambda path: path)  # the link appeared after realpath
    assert open_private_dir(str(tmp_path / "link" / "csdocker")) is None
    fd = open_private_dir(str(real / "csdocker"))
    assert fd is not None
    os.close(fd)


@pytest.mark.parametrize("mode", [0o770, 0o777, 0o755])
def test_a_level_others_can_write_or_a_loose_last_level_is_refused(tmp_path, mode):
    loose = tmp_path / "loose"
    loose.mkdir()
    if mode == 0o755:  # the last level itself must be 0700
        loose.chmod(mode)
        assert open_private_dir(str(loose)) is None
        return
    (loose / "csdocker").mkdir(mode=0o700)
    loose.chmod(mode)
    assert open_private_dir(str(loose / "csdocker")) is None
    loose.chmod(mode | 0o1000)  # sticky: others may only add names of their own
    fd = open_private_dir(str(loose / "csdocker"))
    assert fd is not None
    os.close(fd)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory under /tmp another user can reach (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="csdt-squat-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def as_other_user(action: Callable[[], None]) -> None:
    """Run ``action`` in a forked child with another uid (the attacker); wait for it."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(OTHER_UID, OTHER_UID, OTHER_UID)
            os.setgroups([])
            os.setresuid(OTHER_UID, OTHER_UID, OTHER_UID)
            action()
            os._exit(0)
        except BaseException:
            os._exit(1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def run_server(path: Path, during_preload: Callable[[], None]) -> int:
    """serve(path) in a forked child whose preload is ``during_preload`` (the attacker's moment: the
    server has checked its directory and taken its lock); it exits after a short idle time."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            serve_module.preload = during_preload  # type: ignore[assignment]
            code = serve_module.serve(str(path), idle_seconds=0.3)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def victim_file(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.write_text("the victim's own\n")
    victim.chmod(0o600)
    return victim


@needs_root
def test_a_runtime_dir_under_another_users_directory_is_refused(tmp_path, shared_tmp):
    """The issue's attack: XDG_RUNTIME_DIR in a directory another user owns (a squatted
    /tmp/runtime-USER). During the preload they swap the runtime directory for one of theirs with
    SOCKET.pid -> the victim's file: the victim's file must stay untouched."""
    victim = victim_file(tmp_path)
    squat = shared_tmp / "runtime-victim"
    squat.mkdir()
    os.chown(squat, OTHER_UID, OTHER_UID)
    runtime = squat / "csdocker"
    runtime.mkdir(mode=0o700)
    name = socket_name({}, "installation")

    def swap() -> None:
        os.rename(runtime, squat / "old")
        runtime.mkdir(mode=0o777)
        for suffix in (".pid", ".lock", ""):
            (runtime / (name + suffix)).symlink_to(victim)

    code = run_server(runtime / name, lambda: as_other_user(swap))
    assert victim.read_text() == "the victim's own\n"
    assert code == 1  # refused before anything was made
    assert not list(runtime.iterdir())  # not even its lock


def test_a_swap_after_the_check_cannot_redirect_the_servers_files(tmp_path):
    """Everything is done relative to the directory's descriptor: a directory swapped in under the
    same name, with symlinks planted, is never written through."""
    victim = victim_file(tmp_path)
    runtime = tmp_path / "run" / "csdocker"
    name = socket_name({}, "installation")

    def swap() -> None:
        os.rename(runtime, tmp_path / "run" / "moved")
        runtime.mkdir(mode=0o700)
        for suffix in (".pid", ".pid.tmp", ""):
            (runtime / (name + suffix)).symlink_to(victim)

    assert run_server(runtime / name, swap) == 0
    assert victim.read_text() == "the victim's own\n"
    assert (tmp_path / "run" / "moved" / (name + ".lock")).exists()  # its lock stayed where it was taken


@needs_root
def test_a_plain_users_server_starts(shared_tmp):
    """Not dumpable, a process cannot list its own /proc/self/ns: the server reads its context first."""
    import ctypes  # noqa: F401 (imported here: the other user may not reach the standard library's files)
    import site  # noqa: F401
    runtime = shared_tmp / "run"
    runtime.mkdir()
    os.chown(runtime, OTHER_UID, OTHER_UID)
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            os.setresgid(OTHER_UID, OTHER_UID, OTHER_UID)
            os.setgroups([])
            os.setresuid(OTHER_UID, OTHER_UID, OTHER_UID)
            serve_module.set_dumpable(True)  # as after the exec that starts a server (a uid change clears it)
            serve_module.preload = lambda: None  # type: ignore[assignment]
            code = serve_module.serve(str(runtime / "csdocker" / "server-x.sock"), idle_seconds=0.2)
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert (runtime / "csdocker" / "server-x.sock.lock").stat().st_uid == OTHER_UID


# --- the peer's context ------------------------------------------------------------------


def fake_proc(tmp_path: Path) -> Path:
    """A copy of /proc/self's context files: status, cgroup, the ns links (as symlinks), no LSM label."""
    proc = tmp_path / "proc"
    (proc / "ns").mkdir(parents=True)
    (proc / "status").write_bytes(Path("/proc/self/status").read_bytes())
    (proc / "cgroup").write_bytes(Path("/proc/self/cgroup").read_bytes())
    for name in os.listdir("/proc/self/ns"):
        (proc / "ns" / name).symlink_to(os.readlink(f"/proc/self/ns/{name}"))
    try:
        (proc / "attr").mkdir()
        (proc / "attr" / "current").write_bytes(Path("/proc/self/attr/current").read_bytes())
    except OSError:
        shutil.rmtree(proc / "attr")
    return proc


def set_status(proc: Path, field: str, value: str) -> None:
    lines = (proc / "status").read_text().splitlines()
    (proc / "status").write_text("".join(f"{field}:\t{value}\n" if line.startswith(field + ":") else line + "\n"
                                         for line in lines))


STATUS_FIELDS = {"Uid": "1000\t1000\t1000\t1000", "Gid": "1000\t1000\t1000\t1000", "Groups": "",
                 "NoNewPrivs": "1", "Seccomp": "2", "Seccomp_filters": "1", "CapInh": "0000000000000400",
                 "CapPrm": "0000000000000000", "CapEff": "0000000000000000", "CapBnd": "0000000000000000",
                 "CapAmb": "0000000000000400"}


def test_a_copy_of_this_process_has_its_context(tmp_path):
    proc = fake_proc(tmp_path)
    assert process_context(str(proc)) == process_context()
    set_status(proc, "VmRSS", "1 kB")  # not part of what a process may do
    assert process_context(str(proc)) == process_context()


@pytest.mark.parametrize("field", sorted(STATUS_FIELDS))
def test_each_status_field_is_part_of_the_context(tmp_path, field):
    proc = fake_proc(tmp_path)
    status = (proc / "status").read_text()
    assert f"\n{field}:\t" in status
    current = status.split(f"\n{field}:\t", 1)[1].split("\n", 1)[0]
    set_status(proc, field, STATUS_FIELDS[field] if STATUS_FIELDS[field] != current else current + " 9")
    assert process_context(str(proc)) != process_context()


@pytest.mark.parametrize("namespace", sorted(os.listdir("/proc/self/ns")))
def test_each_namespace_is_part_of_the_context(tmp_path, namespace):
    proc = fake_proc(tmp_path)
    (proc / "ns" / namespace).unlink()
    (proc / "ns" / namespace).symlink_to(f"{namespace}:[1]")
    assert process_context(str(proc)) != process_context()


def test_the_cgroup_and_the_lsm_label_are_part_of_the_context(tmp_path):
    proc = fake_proc(tmp_path)
    (proc / "cgroup").write_text("0::/sandbox.scope\n")
    assert process_context(str(proc)) != process_context()
    proc = fake_proc(tmp_path / "again")
    (proc / "attr").mkdir(exist_ok=True)
    (proc / "attr" / "current").write_text("sandboxed (enforce)\n")
    assert process_context(str(proc)) != process_context()


def test_the_peer_is_read_through_its_pidfd(tmp_path):
    """A connected peer that is this process has its context; one that has gone is not trusted."""
    mine, theirs = socket.socketpair()
    with mine, theirs:
        assert peer_context(mine) == process_context()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "s"))
    listener.listen(1)
    pid = os.fork()
    if pid == 0:
        client = socket.socket(socket.AF_UNIX)
        client.connect(str(tmp_path / "s"))
        os._exit(0)
    conn, _ = listener.accept()
    os.waitpid(pid, 0)  # gone and reaped: its pid may name another process by now
    with conn, listener, pytest.raises((ProcessLookupError, FileNotFoundError)):
        peer_context(conn)


def test_the_key_differs_for_another_context():
    assert socket_name({}, "i", b"a") != socket_name({}, "i", b"b")
    assert socket_name({}, "i", b"a") == socket_name({}, "i", b"a")


def test_a_request_goes_without_a_working_directory_path():
    body = encode_request(["run", "x"], {b"A": b"1"}, 0o027, [1], "csdocker", (5, 4), [(7, 1, 2)])[8:]
    request = decode_request(body)
    assert request.argv == ("run", "x")
    assert request.umask == 0o027
    assert request.environ == {b"A": b"1"}
    assert request.client_pids == (5, 4)
    assert request.ignored_signals == (1,)
    assert request.limits == ((7, 1, 2),)


# --- the preload's watch list --------------------------------------------------------------


def test_every_loaded_module_and_the_interpreter_are_watched():
    import sys

    import requests
    import urllib3

    files = watched_files()
    for module in (requests, urllib3, os, serve_module):
        assert module.__file__ in files
    assert sys.executable in files


def test_a_touched_file_changes_the_fingerprint(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("x = 1\n")
    before = installation_fingerprint((str(path),))
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1))
    assert installation_fingerprint((str(path),)) != before


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Watch, Path]]:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "other.py").write_text("y = 1\n")
    watch = Watch((str(tmp_path / "pkg" / "mod.py"),))
    assert watch.fd is not None  # inotify on this machine: nothing per call
    yield watch, tmp_path / "pkg"
    watch.close()


def test_inotify_sees_a_touch_or_a_replacement_of_a_watched_file(watched):
    watch, pkg = watched
    assert not watch.changed()
    (pkg / "__pycache__").mkdir()  # an import's byte code
    (pkg / "other.py").write_text("y = 2\n")  # not a file the server loaded
    assert not watch.changed()
    info = (pkg / "mod.py").stat()
    os.utime(pkg / "mod.py", ns=(info.st_atime_ns, info.st_mtime_ns + 1))
    assert watch.changed()
    assert not watch.changed()  # read once
    (pkg / "new.py").write_text("x = 2\n")
    os.replace(pkg / "new.py", pkg / "mod.py")  # as an installer replaces it
    assert watch.changed()


def test_without_inotify_each_call_stats(watched):
    watch, pkg = watched
    watch.close()  # a call's child: the server's loop reads the events, the child stats nothing
    (pkg / "mod.py").write_text("x = 22\n")
    assert not watch.stale_by_stat()
    without = Watch(watch.files, inotify=False)  # as where inotify cannot watch them all
    assert without.fd is None
    assert not without.stale_by_stat()
    (pkg / "mod.py").write_text("x = 222\n")
    assert without.stale_by_stat()


# --- the follower's descriptors ------------------------------------------------------------


def test_the_follower_keeps_only_sockets_and_its_ready_pipe(tmp_path):
    from cloudshell_docker.relay.follower import release_inherited_fds

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            lock = os.open(str(tmp_path / "server.lock"), os.O_RDWR | os.O_CREAT)
            other_read, _other_write = os.pipe()
            sock = socket.socket(socket.AF_INET)
            release_inherited_fds(keep=write_end)
            verdict = [os.readlink(f"/proc/self/fd/{fd}") for fd in (lock, other_read, sock.fileno(), write_end)]
            os.write(write_end, "\n".join(verdict).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as handle:
        lock, pipe, sock, ready = handle.read().decode().split("\n")
    assert lock == pipe == "/dev/null"
    assert sock.startswith("socket:")
    assert ready.startswith("pipe:")


def test_the_server_is_not_dumpable_and_its_worker_is_again():
    import ctypes

    pid = os.fork()
    if pid == 0:
        get = ctypes.CDLL(None).prctl
        code = 0
        try:
            serve_module.set_dumpable(False)
            code |= 1 if get(3, 0, 0, 0, 0) != 0 else 0  # PR_GET_DUMPABLE
            serve_module.set_dumpable(True)
            code |= 2 if get(3, 0, 0, 0, 0) != 1 else 0
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
