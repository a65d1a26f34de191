"""Alias-safety: every command that is not csdocker's goes to the docker CLI unchanged.

Side by side on the real engine: the same stdout, stderr and exit code as the
docker CLI; stdin reaches docker; signals reach docker (csdocker's process *is*
docker after the exec). A stand-in ``docker`` on PATH shows argv, stdin,
environment and signal dispositions arrive untouched. ``alias docker=csdocker``
in a bash script gives the same output as the script without it. csdocker
installed as ``docker`` on PATH does not loop.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.engine import docker, remove_containers, unique_name
from tests.support.proc import CSDOCKER, clean_env, run_csdocker, run_docker

REAL_DOCKER = shutil.which("docker", path=clean_env()["PATH"]) or "/usr/local/bin/docker"


@pytest.fixture(scope="module")
def box(busybox: str) -> Iterator[str]:
    """A running container with something in its logs (stdout and stderr)."""
    name = unique_name("pass")
    docker("run", "-d", "--name", name, "--label", "csdt.passthrough=1", busybox, "sh", "-c",
           "echo to-stdout; echo to-stderr >&2; exec sleep 600", check=True)
    for _ in range(100):  # the echo lines are in the log once the sleep is running
        if "to-stderr" in docker("logs", name).stderr:
            break
        time.sleep(0.05)
    yield name
    remove_containers(name)


def same_as_docker(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    ours = run_csdocker(args, **kwargs)  # type: ignore[arg-type]
    theirs = run_docker(args, **kwargs)  # type: ignore[arg-type]
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    return ours


COMMANDS = [
    ["ps", "--filter", "name={box}", "--format", "{{.Names}} {{.Image}} {{.Command}}"],
    # Not ps's default table: its CREATED and STATUS columns ("Less than a second ago") move between two calls.
    ["ps", "-a", "--no-trunc", "--filter", "label=csdt.passthrough=1", "--filter", "name={box}",
     "--format", "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Ports}}\t{{.Names}}"],
    ["container", "ls", "--filter", "name={box}", "--format", "{{.ID}} {{.Names}}"],
    ["images", "local/busybox", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"],
    ["image", "inspect", "local/busybox"],
    ["inspect", "{box}"],
    ["inspect", "--format", "{{.State.Running}} {{json .Config.Cmd}}", "{box}"],
    ["logs", "{box}"],  # stdout and stderr kept apart, as docker keeps them
    ["logs", "--tail", "1", "{box}"],
    ["version"],
    ["--version"],
    ["-v"],
    ["-H", "unix:///var/run/docker.sock", "ps", "--filter", "name={box}", "--format", "{{.Names}}"],
    ["--host=unix:///var/run/docker.sock", "-D", "inspect", "--format", "{{.Name}}", "{box}"],
    ["--log-level", "error", "container", "inspect", "--format", "{{.Id}}", "{box}"],
    ["top", "{box}", "-o", "pid,ppid,args"],  # not ps's default C column: CPU use moves between two calls
    ["help", "ps"],
    ["ps", "--help"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_same_output_as_docker(box, args):
    done = same_as_docker([arg.replace("{box}", box) for arg in args])
    assert done.returncode == 0
    assert done.stdout or done.stderr  # something was compared


FAILURES = [
    (["inspect", "csdt-no-such-container-x"], 1),
    (["logs", "csdt-no-such-container-x"], 1),
    (["logs"], 1),  # docker's usage error
    (["ps", "--bogus"], 125),
    (["no-such-command"], 1),
    (["container", "rm", "csdt-no-such-container-x"], 1),
    (["-H", "unix:///nonexistent/csdt.sock", "ps"], 1),
    (["--context", "csdt-no-such-context", "images"], 1),
]


@pytest.mark.parametrize(("args", "code"), FAILURES, ids=lambda a: " ".join(a) if isinstance(a, list) else str(a))
def test_failing_command_same_stderr_and_exit_code(engine, args, code):
    done = same_as_docker(args)
    assert done.returncode == code
    assert done.stderr


@pytest.fixture
def two_created(busybox: str) -> Iterator[Callable[[str], tuple[str, str]]]:
    """Two containers created alike (one for csdocker's ``start``, one for docker's); removed afterwards."""
    made: list[str] = []

    def create(script: str) -> tuple[str, str]:
        pair = (unique_name("pass-start"), unique_name("pass-start"))
        for name in pair:
            docker("create", "-i", "--name", name, busybox, "sh", "-c", script, check=True)
            made.append(name)
        return pair

    yield create
    remove_containers(*made)


def test_stdin_is_piped_through_start_ai(two_created):
    # (exec is csdocker's own now: ``docker start -ai`` is the passthrough command that takes stdin)
    data = b"line one\nline two \xe2\x9c\x93\n" * 1000
    mine, cli = two_created("cat; echo done >&2")
    ours = run_csdocker(["start", "-a", "-i", mine], input=data)
    theirs = run_docker(["start", "-a", "-i", cli], input=data)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert ours.stdout == data
    assert ours.stderr == b"done\n"


def test_exit_code_of_the_command_comes_through(two_created):
    mine, cli = two_created("exit 7")
    assert run_csdocker(["start", "-a", mine]).returncode == run_docker(["start", "-a", cli]).returncode == 7


def running_docker(pid: int, timeout: float = 20) -> None:
    """Wait until ``pid`` is the docker CLI (csdocker has exec'd it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.readlink(f"/proc/{pid}/exe") == os.path.realpath(REAL_DOCKER):
                time.sleep(0.3)  # let docker install its signal handlers
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError("csdocker never became docker")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_reach_docker(engine, sig):
    """The process the caller started is docker itself: its signals and exit status are docker's."""
    args = ["events", "--filter", f"label=csdt.none={unique_name('sig')}"]
    codes = []
    for command in ([*CSDOCKER, *args], ["docker", *args]):
        process = subprocess.Popen(command, env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            running_docker(process.pid)
            process.send_signal(sig)
            process.wait(timeout=20)
        finally:
            process.kill()
            process.wait()
        codes.append(process.returncode)
    assert codes[0] == codes[1] == 128 + sig


# ---- a stand-in docker on PATH: what exactly arrives ----------------------------------------------

FAKE_DOCKER = """#!/bin/sh
# Reports what it was given: argv, stdin, signal dispositions, marker, then exits with $FAKE_EXIT.
for arg in "$@"; do printf 'arg[%s]\\n' "$arg"; done
printf 'stdin[%s]\\n' "$(cat)"
# the shell's own read (no fork, which would block signals for a moment)
while IFS= read -r line; do case "$line" in SigIgn:*|SigBlk:*) printf '%s\\n' "$line";; esac; done < /proc/$$/status
printf 'probe[%s]\\n' "$CSDT_PROBE"
exit "${FAKE_EXIT:-0}"
"""


@pytest.fixture
def fake_docker(tmp_path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)
    return bin_dir


TRICKY = ["-H", "unix:///x.sock", "ps", "--format", "{{.Names}}\t{{.ID}}", "", "two words", "--", "-x",
          "ünïcödé", "$HOME", "*", "a=b", "\\n"]


def test_argv_stdin_exit_code_and_signal_dispositions_arrive_untouched(fake_docker):
    env = {"PATH": f"{fake_docker}:/usr/bin:/bin", "FAKE_EXIT": "42", "CSDT_PROBE": "kept"}
    ours = subprocess.run([*CSDOCKER, *TRICKY], env=clean_env(env), input=b"from stdin", capture_output=True,
                          timeout=60)
    # The same stand-in started directly, as a shell would start it.
    direct = subprocess.run([str(fake_docker / "docker"), *TRICKY], env=clean_env(env), input=b"from stdin",
                            capture_output=True, timeout=60)
    assert ours.returncode == direct.returncode == 42
    assert ours.stdout == direct.stdout
    assert ours.stderr == direct.stderr == b""
    assert b"arg[]\narg[two words]\n" in ours.stdout
    assert b"stdin[from stdin]" in ours.stdout
    assert b"probe[kept]" in ours.stdout
    assert b"SigIgn:" in ours.stdout


def test_no_docker_cli_is_one_line_and_127(tmp_path):
    done = subprocess.run([*CSDOCKER, "ps"], env=clean_env({"PATH": str(tmp_path)}), capture_output=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 127
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("csdocker: no docker CLI found on PATH")


def write_script(path: Path, body: str) -> Path:
    path.write_text(body)
    path.chmod(0o755)
    return path


def test_csdocker_installed_as_docker_is_skipped(box, tmp_path):
    """A ``docker`` on PATH that is csdocker (a script starting cloudshell_docker) is passed over."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "docker", f"#!/bin/sh\nexec {shlex.join(CSDOCKER)} \"$@\"\n")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    args = ["ps", "--filter", f"name={box}", "--format", "{{.Names}}"]
    via_wrapper = subprocess.run([str(bin_dir / "docker"), *args], env=clean_env(env), capture_output=True,
                                 timeout=60, stdin=subprocess.DEVNULL)
    assert via_wrapper.returncode == 0, via_wrapper.stderr
    assert via_wrapper.stdout.decode().split() == [box]


def test_console_script_symlinked_as_docker_is_skipped(box, tmp_path):
    """``ln -s $(command -v csdocker) ~/bin/docker``: that docker is csdocker itself and is passed over."""
    script = Path(sys.executable).parent / "csdocker"
    if not script.exists():
        pytest.skip("csdocker's console script is not installed next to this interpreter")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(script)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    args = ["ps", "--filter", f"name={box}", "--format", "{{.Names}}"]
    done = subprocess.run([str(bin_dir / "docker"), *args], env=clean_env(env), capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == [box]


def test_an_unrecognisable_wrapper_loop_ends_at_the_real_docker(box, tmp_path):
    """docker -> (a script not naming csdocker) -> csdocker: the exec-chain marker breaks the loop."""
    bin_dir, hidden = tmp_path / "bin", tmp_path / "hidden"
    bin_dir.mkdir()
    hidden.mkdir()
    write_script(hidden / "launch", f"#!/bin/sh\nexec {shlex.join(CSDOCKER)} \"$@\"\n")
    write_script(bin_dir / "docker", f"#!/bin/sh\nexec {hidden / 'launch'} \"$@\"\n")
    args = ["ps", "--filter", f"name={box}", "--format", "{{.Names}}"]
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run([*CSDOCKER, *args], env=clean_env(env), capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == [box]
    # And with no real docker at all: one line, 127, not an endless exec loop.
    alone = subprocess.run([*CSDOCKER, *args], env=clean_env({"PATH": str(bin_dir)}), capture_output=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert alone.returncode == 127
    assert alone.stderr.decode().startswith("csdocker: no docker CLI found on PATH")


def test_a_marker_inherited_from_elsewhere_is_ignored(box):
    """A csdocker started by some other process that carries the marker still finds docker."""
    env = {"CSDOCKER_EXEC_CHAIN": f"1:{REAL_DOCKER}:/usr/bin/docker"}
    done = run_csdocker(["ps", "--filter", f"name={box}", "--format", "{{.Names}}"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == [box]


# ---- alias docker=csdocker in a script ---------------------------------------------------------------

SCRIPT = """\
set -u
shopt -s expand_aliases
if [ "$USE_ALIAS" = 1 ]; then alias docker="$CSDOCKER_CMD"; fi
type docker | head -1 | sed 's/is aliased to.*/is an alias/; s/is .*docker$/is the docker CLI/'
docker ps --filter "name=$BOX" --format '{{.Names}} {{.Status}}' | sed 's/Up .*/Up/'
docker inspect -f '{{.Config.Image}} {{.State.Running}}' "$BOX"
docker logs "$BOX" 2>&1 | sort
echo 'from the script' | docker exec -i "$BOX" cat
docker exec "$BOX" sh -c 'exit 3'; echo "exit $?"
if docker inspect csdt-no-such-container-x >/dev/null 2>"$ERR"; then echo found; else echo "missing $?"; fi
cat "$ERR"
docker -H unix:///var/run/docker.sock image ls local/busybox --format '{{.Repository}}'
docker --version | cut -d, -f1
"""


def test_alias_docker_csdocker_in_a_bash_script(box, tmp_path, endpoint):
    script = tmp_path / "script.sh"
    script.write_text(SCRIPT)
    outputs = []
    for use_alias in ("1", "0"):
        # (credentials for csdocker's own exec; the docker CLI ignores them)
        env = clean_env({"USE_ALIAS": use_alias, "BOX": box, "ERR": str(tmp_path / f"err{use_alias}"),
                         "CSDOCKER_CMD": shlex.join(CSDOCKER), "AWS_REGION": "eu-west-1", **endpoint.environ()})
        done = subprocess.run(["bash", str(script)], env=env, capture_output=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        outputs.append((done.returncode, done.stdout.decode().splitlines(), done.stderr.decode()))
    (code_alias, out_alias, err_alias), (code_plain, out_plain, err_plain) = outputs
    assert out_alias[0] == "docker is an alias"
    assert out_plain[0] == "docker is the docker CLI"
    assert (code_alias, out_alias[1:], err_alias) == (code_plain, out_plain[1:], err_plain)
    assert "exit 3" in out_alias
    assert "from the script" in out_alias
    assert "missing 1" in out_alias


RUN_SCRIPT = """\
set -eu
shopt -s expand_aliases
alias docker="$CSDOCKER_CMD"
name="$NAME"
docker run -d --name "$name" --label "$LABEL" local/busybox sh -c 'echo "key=$AWS_ACCESS_KEY_ID"; sleep 600' >/dev/null
docker ps --filter "name=$name" --format '{{.Names}}'
until docker logs "$name" | grep -q key=; do sleep 0.1; done
docker logs "$name"
docker container run --rm -i local/busybox sh -c 'read line; echo "$line / ${AWS_REGION}"' <<< 'piped in'
docker rm -f "$name" >/dev/null
docker ps -a --filter "label=$LABEL" --format '{{.Names}}' | wc -l
"""


def test_alias_script_mixes_run_with_credentials_and_passthrough(busybox, endpoint, names, case_label, tmp_path):
    script = tmp_path / "run.sh"
    script.write_text(RUN_SCRIPT)
    env = clean_env({**endpoint.environ(), "AWS_REGION": "eu-west-1", "NAME": names.new("alias"),
                     "LABEL": case_label, "CSDOCKER_CMD": shlex.join(CSDOCKER)})
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, timeout=180, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    key = endpoint.current().access_key_id
    assert done.stdout.decode().splitlines() == [names[0], f"key={key}", "piped in / eu-west-1", "0"]
