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
  *_docker.server*) echo 'via[server]' >&2 ;;
  *) echo 'via[cold]' >&2 ;;
esac
case "$FAKE_MODE" in
  stdin) printf 'stdin[%s]\n' "$(cat)" ;;
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


def test_a_changed_installation_restarts_the_server(setup, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "cloudshell_docker", copy / "cloudshell_docker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    extra = {"PYTHONPATH": str(copy)}
    served(setup, extra=extra)
    runtime = setup["runtime"]
    first = next(runtime.glob("server-*.sock.pid")).read_text().split()[0]
    edited = copy / "cloudshell_docker" / "errors.py"
    edited.write_text(edited.read_text() + "\n# changed\n")
    changed = call(setup, server=True, extra=extra)
    assert changed.returncode == 0
    assert b"via[cold]" in changed.stderr  # the stale server ran nothing
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
            if b"cloudshell_docker.server" in Path(f"/proc/{parent}/cmdline").read_bytes():
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
