"""The command server: a call through it is the call a cold csdocker makes, side by side.

``csdocker -v`` goes to Python (the launcher does not decide ``-v``), which hands it to the docker
CLI: through the server, the forked child execs a stand-in docker that reports what it got
(argv, working directory, umask, environment, stdin, its parent), and reacts to signals. Every
case runs with the server on and with CSDOCKER_SERVER=0; the two must match, and the first must
really have gone through the server (the stand-in's parent is the server's waiter).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.launcher import install_launcher, stop_servers
from tests.support.proc import ignored_here

REPO = Path(__file__).resolve().parents[2]

FAKE_DOCKER = r"""#!/bin/sh
for arg in "$@"; do printf 'arg[%s]\n' "$arg"; done
printf 'cwd[%s]\n' "$(pwd)"
printf 'umask[%s]\n' "$(umask)"
printf 'nofile[%s]\n' "$(ulimit -n)"
printf 'probe[%s]\n' "${CSDT_PROBE-unset}"
case "$(tr '\0' ' ' < /proc/$PPID/cmdline)" in
  *"csdocker call "*) echo 'via[server]' >&2 ;;
  *) echo 'via[cold]' >&2 ;;
esac
case "$FAKE_MODE" in
  stdin) printf 'stdin[%s]\n' "$(cat)" ;;
  context) grep -E '^(Uid|Gid|Groups|NoNewPrivs|Seccomp|Cap[A-Za-z]+):' /proc/self/status ;;
  trap) trap 'echo got-TERM; exit 7' TERM; echo ready; echo $$ > "$PID_FILE"; while :; do sleep 0.1; done ;;
  die) echo ready; echo $$ > "$PID_FILE"; exec sleep 60 ;;
esac
exit "${FAKE_EXIT:-0}"
"""


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[dict[str, object]]:
    fake_dir = tmp_path / "fakebin"
    fake_dir.mkdir()
    (fake_dir / "docker").write_text(FAKE_DOCKER)
    (fake_dir / "docker").chmod(0o755)
    launcher = install_launcher(tmp_path / "bin")
    runtime = tmp_path / "run"
    env = {
        "PATH": f"{fake_dir}:/usr/bin:/bin",
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO)),
        "HOME": str(tmp_path),
        "CSDT_PROBE": "kept",
        "PID_FILE": str(tmp_path / "docker.pid"),
    }
    yield {"launcher": launcher, "env": env, "runtime": runtime / "csdocker", "tmp": tmp_path}
    stop_servers(runtime / "csdocker")


def call(setup: dict[str, object], *, server: bool, extra: dict[str, str] | None = None, **kwargs: object):
    env = {**setup["env"], "CSDOCKER_SERVER": "1" if server else "0", **(extra or {})}  # type: ignore[dict-item]
    return subprocess.run([str(setup["launcher"]), "-v", "two words", ""], env=env, capture_output=True,
                          timeout=60, **kwargs)  # type: ignore[call-overload]


def wait_for_server(setup: dict[str, object], timeout: float = 60) -> None:
    runtime = setup["runtime"]
    assert isinstance(runtime, Path)
    deadline = time.monotonic() + timeout
    while not list(runtime.glob("server-*.sock")):
        assert time.monotonic() < deadline, "no server came up"
        time.sleep(0.1)


def served(setup: dict[str, object], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """A call that went through the server (the first may start it and run cold)."""
    call(setup, server=True, **kwargs)  # type: ignore[arg-type]
    wait_for_server(setup)
    done = call(setup, server=True, **kwargs)  # type: ignore[arg-type]
    assert b"via[server]" in done.stderr, done.stderr
    return done


def lower_nofile() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (200, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


def server_pid(setup: dict[str, object]) -> int:
    runtime = setup["runtime"]
    assert isinstance(runtime, Path)
    return int(next(runtime.glob("server-*.sock.pid")).read_text().split()[0])


def test_a_served_call_is_the_cold_call(setup):
    tmp = setup["tmp"]
    work = tmp / "work dir"
    work.mkdir()
    kwargs = {"cwd": work, "input": b"from stdin", "extra": {"FAKE_MODE": "stdin", "FAKE_EXIT": "42"},
              "preexec_fn": lower_nofile}
    old = os.umask(0o027)
    try:
        warm = served(setup, **kwargs)
        cold = call(setup, server=False, **kwargs)
    finally:
        os.umask(old)
    assert b"via[cold]" in cold.stderr
    assert warm.returncode == cold.returncode == 42
    assert warm.stdout == cold.stdout
    assert b"arg[-v]\narg[two words]\narg[]\n" in warm.stdout
    assert f"cwd[{work}]".encode() in warm.stdout
    assert b"umask[0027]" in warm.stdout
    assert b"nofile[200]" in warm.stdout
    assert b"probe[kept]" in warm.stdout
    assert b"stdin[from stdin]" in warm.stdout


def signalled(setup: dict[str, object], *, server: bool, mode: str, sig: int, kill_client: bool = False):
    pid_file = Path(str(setup["env"]["PID_FILE"]))  # type: ignore[index]
    pid_file.unlink(missing_ok=True)
    env = {**setup["env"], "CSDOCKER_SERVER": "1" if server else "0", "FAKE_MODE": mode}  # type: ignore[dict-item]
    process = subprocess.Popen([str(setup["launcher"]), "-v"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert time.monotonic() < deadline
            assert process.poll() is None
            time.sleep(0.05)
        docker_pid = int(pid_file.read_text())
        time.sleep(0.3)
        process.send_signal(sig)
        if ignored_here(sig):
            # Started ignored (CI runs these tests so too): the stand-in docker keeps ignoring it, cold or
            # warm; a moment later SIGTERM ends the case.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1.0)
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    return process.returncode, out, err, docker_pid


@pytest.mark.parametrize(("mode", "sig"), [("trap", signal.SIGTERM), ("die", signal.SIGTERM),
                                           ("die", signal.SIGINT), ("die", signal.SIGUSR1)])
def test_signals_reach_the_child_and_its_death_is_reproduced(setup, mode, sig):
    served(setup)
    warm = signalled(setup, server=True, mode=mode, sig=sig)
    cold = signalled(setup, server=False, mode=mode, sig=sig)
    assert b"via[server]" in warm[2]
    assert warm[:2] == cold[:2]
    assert warm[0] == (7 if mode == "trap" else -signal.SIGTERM if ignored_here(sig) else -sig)


def process_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie is gone too: its parent has not reaped it yet.
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
                return True
        except (OSError, IndexError):
            return True
        time.sleep(0.05)
    return False


def test_a_child_whose_client_is_killed_is_killed(setup):
    served(setup)
    code, _out, err, docker_pid = signalled(setup, server=True, mode="die", sig=signal.SIGKILL)
    assert b"via[server]" in err
    assert code == -signal.SIGKILL
    assert process_gone(docker_pid)


def test_off_starts_no_server(setup):
    done = call(setup, server=False)
    assert done.returncode == 0
    time.sleep(1.0)
    assert not list(setup["runtime"].glob("server-*"))


def test_the_runtime_dir_is_private_and_a_loose_one_is_not_used(setup):
    served(setup)
    runtime = setup["runtime"]
    assert runtime.stat().st_mode & 0o777 == 0o700
    sock = next(runtime.glob("server-*.sock"))
    assert sock.stat().st_mode & 0o777 == 0o600
    stop_servers(runtime)
    shutil.rmtree(runtime)
    runtime.mkdir(mode=0o755)
    runtime.chmod(0o755)
    for _ in range(2):
        done = call(setup, server=True)
        assert done.returncode == 0
        assert b"via[cold]" in done.stderr
    time.sleep(1.0)
    assert not list(runtime.glob("server-*"))


def test_idle_server_exits(setup):
    served(setup, extra={"CSDOCKER_SERVER_IDLE": "1"})
    deadline = time.monotonic() + 30
    while list(setup["runtime"].glob("server-*.sock")):
        assert time.monotonic() < deadline, "the idle server did not exit"
        time.sleep(0.1)


def touch(path: Path) -> None:
    """A new modification time, the content and size unchanged (as an upgrade in place may leave them)."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def append(path: Path) -> None:
    path.write_text(path.read_text() + "\n# changed\n")


@pytest.mark.parametrize(("changed", "how"), [("cloudshell_docker/errors.py", append),
                                             ("requests/sessions.py", touch)], ids=["csdocker", "requests"])
def test_a_changed_installation_restarts_the_server(setup, tmp_path, changed, how):
    """csdocker's own files and those of every module the server preloaded (requests here, from a
    private copy ahead of site-packages): a change makes the next call run cold and a new server start."""
    import requests

    copy = tmp_path / "copy"
    shutil.copytree(REPO / "cloudshell_docker", copy / "cloudshell_docker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(Path(requests.__file__).parent, copy / "requests", ignore=shutil.ignore_patterns("__pycache__"))
    extra = {"PYTHONPATH": str(copy)}
    served(setup, extra=extra)
    runtime = setup["runtime"]
    first = next(runtime.glob("server-*.sock.pid")).read_text().split()[0]
    how(copy / changed)
    changed_call = call(setup, server=True, extra=extra)
    assert changed_call.returncode == 0
    assert b"via[cold]" in changed_call.stderr  # the stale server ran nothing
    deadline = time.monotonic() + 60
    while True:
        pids = [p.read_text().split()[0] for p in runtime.glob("server-*.sock.pid")]
        if pids and pids[0] != first:
            break
        assert time.monotonic() < deadline, "no new server"
        time.sleep(0.1)
    assert b"via[server]" in call(setup, server=True, extra=extra).stderr


def test_the_server_holds_no_credential(setup):
    secret = "csdt-secret-" + os.urandom(8).hex()
    served(setup, extra={"AWS_SECRET_ACCESS_KEY": secret, "AWS_CONTAINER_AUTHORIZATION_TOKEN": secret})
    pid = int(next(setup["runtime"].glob("server-*.sock.pid")).read_text().split()[0])
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    assert secret.encode() not in environ
    assert b"AWS_" not in environ
    assert sys.executable  # the server runs this interpreter


def served_child_of(text: str) -> bool:
    """Whether a process whose command line mentions ``text`` is a child of a command server."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            if text.encode() not in cmdline or b"_docker.server" in cmdline:
                continue
            parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            if b"csdocker call " in Path(f"/proc/{parent}/cmdline").read_bytes():
                return True
        except (OSError, IndexError):
            continue
    return False


@pytest.mark.parametrize("server", [True, False], ids=["server", "cold"])
def test_the_mfa_prompt_reaches_the_callers_terminal(setup, moto, server):
    """The child has no controlling terminal of its own: it asks on the caller's /dev/tty (handed over)."""
    import pexpect

    if server:
        served(setup)
    serial = f"arn:aws:iam::123456789012:mfa/csdt-{os.urandom(4).hex()}"
    env = {**setup["env"], "CSDOCKER_SERVER": "1" if server else "0", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_STS": moto.url,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent"}
    child = pexpect.spawn(str(setup["launcher"]), ["env", "--role-arn", "arn:aws:iam::123456789012:role/csdt-mfa",
                                                  "--mfa-serial", serial, "--no-cache"],
                          env=env, timeout=90)
    try:
        child.expect_exact(f"MFA code for {serial}: ")
        assert served_child_of(serial) == server
        child.sendline("123456")
        child.expect("AWS_ACCESS_KEY_ID=")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


# --- what the server guarantees: a served call has no more than the cold call (issue 16) ---


def test_a_caller_with_fewer_privileges_gets_no_more_through_the_server(setup):
    """setpriv's caller (no supplementary groups, no_new_privs) is not served by the server a full
    caller started: its call runs with its own context, as cold."""
    served(setup)
    lesser = ["setpriv", "--clear-groups", "--no-new-privs", str(setup["launcher"]), "-v"]
    outputs = []
    for server in (True, True, False):  # the second warm one may go to a server of its own context
        env = {**setup["env"], "CSDOCKER_SERVER": "1" if server else "0", "FAKE_MODE": "context"}  # type: ignore[dict-item]
        done = subprocess.run(lesser, env=env, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert b"NoNewPrivs:\t1" in outputs[2]
    assert outputs[0] == outputs[1] == outputs[2]


CONNECT_AS_PEER = r"""
import os, socket, sys
sys.path.insert(0, sys.argv[2])
from cloudshell_docker.server.client import encode_request
conn = socket.socket(socket.AF_UNIX)
conn.connect(sys.argv[1])
request = encode_request(["-v"], os.environb, 0o022, [], "csdocker", (os.getpid(), os.getppid()))
cwd = os.open(".", os.O_PATH | os.O_DIRECTORY)
conn.sendmsg([request[:8]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"".join(
    fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2, cwd)))])
conn.sendall(request[8:])
sys.stdout.write(repr(conn.recv(5)))
"""


def test_the_server_tells_a_peer_of_another_context_to_run_cold(setup):
    """A peer that reaches the server's socket with another context (no_new_privs here) is answered
    "C" and nothing of its call runs."""
    served(setup)
    sock = next(setup["runtime"].glob("server-*.sock"))
    base = [sys.executable, "-c", CONNECT_AS_PEER, str(sock), str(REPO)]
    env = {**setup["env"], "FAKE_MODE": "stdin"}  # type: ignore[dict-item]
    same = subprocess.run(base, env=env, capture_output=True, timeout=60, input=b"")
    lesser = subprocess.run(["setpriv", "--no-new-privs", *base], env=env, capture_output=True, timeout=60)
    assert same.stdout.startswith(b"arg[-v]"), same
    assert same.stdout.endswith(b"b'X\\x00\\x00\\x00\\x00'"), same
    assert lesser.stdout == b"b'C'", lesser


def test_a_silent_peer_stalls_no_other_call(setup):
    served(setup)
    sock = next(setup["runtime"].glob("server-*.sock"))
    silent = socket.socket(socket.AF_UNIX)
    silent.connect(str(sock))
    try:
        done = subprocess.run(["timeout", "30", str(setup["launcher"]), "-v"],
                              env={**setup["env"], "CSDOCKER_SERVER": "1"}, capture_output=True, timeout=60)  # type: ignore[dict-item]
    finally:
        silent.close()
    assert done.returncode == 0, done.stderr
    assert b"via[server]" in done.stderr


def memory_holds(pid: int, needle: bytes) -> bool:
    """Whether any readable mapping of ``pid`` holds ``needle`` (needs root: the server is not dumpable)."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(part, 16) for part in fields[0].split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    return True
            except OSError:
                continue
    return False


def test_the_server_keeps_nothing_of_a_callers_environment(setup):
    secret = "csdt-secret-" + os.urandom(8).hex()
    served(setup, extra={"AWS_SECRET_ACCESS_KEY": secret, "AWS_CONTAINER_AUTHORIZATION_TOKEN": secret})
    pid = server_pid(setup)
    assert os.geteuid() == 0, "reading the server's memory needs root (as CI runs)"
    assert not memory_holds(pid, secret.encode())
    assert memory_holds(pid, b"cloudshell_docker")  # the scan does see the server's memory


def test_a_removed_working_directory_is_the_callers(setup):
    """Called from a directory removed since: the call runs there (as cold), not in the server's."""
    served(setup)  # started from here: its own working directory is this one
    gone = setup["tmp"] / "gone"
    script = f'mkdir {gone} && cd {gone} && rmdir {gone} && exec "$@"'
    warm, cold = (subprocess.run(["sh", "-c", script, "sh", str(setup["launcher"]), "-v"], capture_output=True,
                                 env={**setup["env"], "CSDOCKER_SERVER": server}, timeout=60)  # type: ignore[dict-item]
                  for server in ("1", "0"))
    assert b"via[server]" in warm.stderr
    assert warm.returncode == cold.returncode == 0
    assert warm.stdout == cold.stdout
    assert b"cwd[]" in warm.stdout  # pwd cannot name a removed directory; the server's would be named


def test_a_killed_waiter_takes_its_worker_along(setup):
    served(setup)
    pid_file = Path(str(setup["env"]["PID_FILE"]))  # type: ignore[index]
    pid_file.unlink(missing_ok=True)
    env = {**setup["env"], "CSDOCKER_SERVER": "1", "FAKE_MODE": "die"}  # type: ignore[dict-item]
    client = subprocess.Popen([str(setup["launcher"]), "-v"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert time.monotonic() < deadline
            assert client.poll() is None
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        waiter = int(Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])
        title = Path(f"/proc/{waiter}/cmdline").read_bytes()
        assert title.startswith(b"csdocker call "), title
        assert b"cloudshell_docker.server" not in title
        # Neither holds the server's lock, listening socket or directory.
        servers = set(fd_targets(server_pid(setup)).values()) - {"/dev/null"}
        assert not servers & set(fd_targets(waiter).values())
        assert not servers & set(fd_targets(worker).values())
        os.kill(waiter, signal.SIGKILL)
        _out, err = client.communicate(timeout=30)
    finally:
        client.kill()
        client.wait()
    assert process_gone(worker)
    assert client.returncode == 125
    assert err.startswith(b"via[server]\n"), err
    assert err.count(b"\n") == 2, err
    assert err.split(b"\n")[1].startswith(b"csdocker: ")  # one line, no traceback
    assert server_pid(setup) > 0  # the server itself goes on


def fd_targets(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            found[int(entry.name)] = os.readlink(entry)
    return found


def test_a_detached_relay_through_the_server_holds_neither_lock_nor_terminal(setup, busybox, endpoint, names):
    """``run -d --inject relay`` through the server: its follower (a fork of the worker) keeps no
    lock, terminal or caller's descriptor, and a new server can start once the old one is gone."""
    import pexpect

    from tests.support.relay_run import followers_of

    env = {**setup["env"], "PATH": os.environ["PATH"], "CSDOCKER_SERVER": "1", **endpoint.environ()}  # type: ignore[dict-item]
    subprocess.run([str(setup["launcher"]), "env", "--region", "us-east-1"], env=env, capture_output=True,
                   timeout=60, check=True)
    wait_for_server(setup)
    first = server_pid(setup)
    name = names.new()
    child = pexpect.spawn(str(setup["launcher"]), ["run", "-d", "--inject", "relay", "--region", "us-east-1",
                                                   "--name", name, busybox, "sleep", "300"], env=env, timeout=90)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    container_id = child.before.decode().strip().splitlines()[-1]
    followers = followers_of(container_id)
    assert len(followers) == 1
    follower = followers[0]
    # A fork of the server's worker: its environment area is the server's, not the caller's.
    assert b"AWS_CONTAINER_CREDENTIALS_FULL_URI" not in Path(f"/proc/{follower}/environ").read_bytes()
    targets = fd_targets(follower)
    assert not [t for t in targets.values() if t.endswith(".lock") or t.startswith(("/dev/pts", "/dev/tty"))], targets
    stop_servers(setup["runtime"])  # type: ignore[arg-type]
    subprocess.run([str(setup["launcher"]), "env", "--region", "us-east-1"], env=env, capture_output=True, timeout=60)
    deadline = time.monotonic() + 30
    while not list(setup["runtime"].glob("server-*.sock")):  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "no new server could start: the old one's lock is held"
        time.sleep(0.1)
    assert server_pid(setup) != first


@pytest.mark.parametrize("option", [["-v", ".:/x"], ["--env-file", "e.env"]], ids=["volume", "env-file"])
def test_a_removed_working_directory_resolves_as_cold(setup, busybox, option):
    """A path option resolved in a removed working directory: the same answer warm and cold, and
    docker's exit status (its words differ: csdocker says it cannot name the directory)."""
    env = {**setup["env"], "PATH": os.environ["PATH"]}  # type: ignore[dict-item]
    subprocess.run([str(setup["launcher"]), "-v"], env={**env, "CSDOCKER_SERVER": "1"}, capture_output=True,
                   timeout=60)
    wait_for_server(setup)
    gone = setup["tmp"] / "gone"
    script = f'mkdir {gone} && cd {gone} && rmdir {gone} && exec "$@"'
    command = ["run", "--rm", *option, busybox, "true"]
    warm, cold = (subprocess.run(["sh", "-c", script, "sh", str(setup["launcher"]), *command], capture_output=True,
                                 env={**env, "CSDOCKER_SERVER": server}, timeout=120) for server in ("1", "0"))
    oracle = subprocess.run(["sh", "-c", script, "sh", "docker", *command], capture_output=True, env=env, timeout=120)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert warm.returncode == oracle.returncode == 125, (warm, oracle)


IMPOSTOR = r"""
import socket, sys
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
listener.listen(1)
print("ready", flush=True)
listener.settimeout(60)
conn, _ = listener.accept()
conn.settimeout(10)
received = b""
try:
    while chunk := conn.recv(65536):
        received += chunk
except OSError:
    pass
print(len(received), flush=True)
"""


def test_the_client_tells_nothing_to_a_lesser_process_posing_as_its_server(setup):
    """A process of the user's with fewer privileges (no_new_privs) listening under the server's name
    gets no call (no environment): the client checks its peer as the server checks its own."""
    from cloudshell_docker.server.client import open_private_dir

    runtime = setup["runtime"]
    assert isinstance(runtime, Path)
    env = {**setup["env"], "CSDOCKER_SERVER": "1", "CSDOCKER_SERVER_IDLE": "1"}  # type: ignore[dict-item]
    installation = os.path.realpath(Path(str(setup["launcher"])).parent / "csdocker-client")
    # The name the client computes, in a process started as it is (Python may coerce LC_CTYPE).
    code = ("import os, sys; from cloudshell_docker.server.client import process_context, socket_name; "
            "print(socket_name(os.environ, sys.argv[1], process_context()))")
    name = subprocess.run([sys.executable, "-c", code, installation], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()
    path = runtime / name
    fd = open_private_dir(str(runtime), create=True)
    assert fd is not None
    os.close(fd)
    impostor = subprocess.Popen(["setpriv", "--no-new-privs", sys.executable, "-c", IMPOSTOR, str(path)],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert impostor.stdout is not None
        assert impostor.stdout.readline() == "ready\n"
        done = call(setup, server=True, extra={"CSDOCKER_SERVER_IDLE": "1"})
        assert b"via[cold]" in done.stderr
        assert done.returncode == 0
        assert impostor.stdout.readline() == "0\n"  # connected, then left without a word
    finally:
        impostor.kill()
        impostor.wait()
