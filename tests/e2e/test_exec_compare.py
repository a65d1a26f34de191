"""``csdocker exec`` side by side with ``docker exec`` on the same running container: stdout and stderr
bytes, exit statuses, error messages, -d, -u/-w/-e/--env-file, --privileged, signals; what the command
gets (fresh credentials in its own Env, the user's -e winning) and what the container keeps (nothing)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import REPO, docker, remove_containers, unique_name
from tests.support.proc import CSDOCKER, clean_env, ignored_here

pytestmark = pytest.mark.engine

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def box(busybox: str) -> Iterator[str]:
    """A running container that both CLIs exec into (started by docker, so nothing of csdocker's is in it)."""
    name = unique_name("exec")
    docker("run", "-d", "--name", name, busybox, "sleep", "3600", check=True)
    yield name
    remove_containers(name)


def ours(endpoint: CredentialsEndpoint, args: Sequence[str], *, input: bytes | None = None,
         extra_env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    env = clean_env({"AWS_REGION": REGION, **endpoint.environ(), **(extra_env or {})})
    return subprocess.run([*CSDOCKER, "exec", *args], env=env, input=input, capture_output=True, timeout=60,
                          stdin=None if input is not None else subprocess.DEVNULL, cwd=REPO)


def theirs(args: Sequence[str], *, input: bytes | None = None, extra_env: Mapping[str, str] | None = None,
           ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["docker", "exec", *args], env=clean_env(extra_env), input=input, capture_output=True,
                          timeout=60, stdin=None if input is not None else subprocess.DEVNULL, cwd=REPO)


def first_line(stderr: bytes) -> str:
    """The error itself: without the program's name and the CLI's usage lines."""
    line = stderr.decode(errors="replace").split("\n", 1)[0]
    for prefix in ("docker: ", "csdocker: "):
        line = line.removeprefix(prefix)
    return line


def same(endpoint, args: list[str], **kwargs) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    mine, cli = ours(endpoint, args, **kwargs), theirs(args, **kwargs)
    assert mine.returncode == cli.returncode, (mine.stderr, cli.stderr)
    assert mine.stdout == cli.stdout
    assert first_line(mine.stderr) == first_line(cli.stderr)
    return mine, cli


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["true"], 0),
        (["sh", "-c", "echo out; echo err >&2; exit 3"], 3),
        (["nosuchcmd"], 126),  # docker exec says 126 for a missing command too (docker run: 127)
        (["/etc"], 126),
        (["/etc/passwd"], 126),
        (["sh", "-c", "kill -KILL $$"], 137),
    ],
)
def test_exit_status_and_the_runtimes_words(endpoint, box, command, code):
    mine, _ = same(endpoint, [box, *command])
    assert mine.returncode == code


@pytest.mark.parametrize(("flags", "code"), [(["-u", "nosuchuser"], 126), (["-w", "/nonexist"], 126)])
def test_a_command_that_cannot_start_is_126_with_the_engines_message_on_stdout(endpoint, box, flags, code):
    mine, cli = same(endpoint, [*flags, box, "pwd"])
    assert mine.returncode == code
    assert cli.stdout  # the engine's explanation comes in the stream, as stdout


def test_stdout_and_stderr_apart_byte_exact(endpoint, box):
    script = "cat /bin/busybox; head -c 70000 /bin/busybox >&2; printf 'a\\0b' >&2; echo; cat /bin/busybox"
    mine, cli = same(endpoint, [box, "sh", "-c", script])
    assert mine.stderr == cli.stderr
    assert len(mine.stdout) > 2 * 70000


def test_stdin_to_the_command_and_its_end(endpoint, box):
    data = bytes(range(256)) * 4000
    mine, cli = same(endpoint, ["-i", box, "sh", "-c", "cat; echo after-eof >&2"], input=data)
    assert mine.stdout == data
    assert mine.stderr == cli.stderr == b"after-eof\n"


def test_without_i_stdin_is_not_passed(endpoint, box):
    mine, _ = same(endpoint, [box, "sh", "-c", "cat; echo done"], input=b"not for it\n")
    assert mine.stdout == b"done\n"


def test_user_workdir_env_and_env_file(endpoint, box, tmp_path: Path):
    env_file = tmp_path / "vars"
    env_file.write_text("A=from-file\nFOO\n# a comment\nB=2\n")
    args = ["-u", "1000:1000", "-w", "/etc", "--env-file", str(env_file), "-e", "A=from-flag", "-e", "FOO",
            "-e", "UNSET_ONE", box, "sh", "-c", "id; pwd; env | grep -v '^AWS_' | sort"]
    mine, _ = same(endpoint, args, extra_env={"FOO": "from-host"})
    out = mine.stdout.decode()
    assert "uid=1000 gid=1000" in out
    assert "\n/etc\n" in out
    assert "A=from-flag" in out
    assert "FOO=from-host" in out
    assert "B=2" in out
    assert "UNSET_ONE" not in out


def test_privileged(endpoint, box):
    plain, _ = same(endpoint, [box, "grep", "CapEff", "/proc/self/status"])
    privileged, _ = same(endpoint, ["--privileged", box, "grep", "CapEff", "/proc/self/status"])
    assert plain.stdout != privileged.stdout


def test_detached(endpoint, box):
    marker = f"/{unique_name('mark')}"
    for who in ("ours", "theirs"):
        args = ["-d", box, "sh", "-c", f"sleep 0.3; echo {who} > {marker}.{who}"]
        done = ours(endpoint, args) if who == "ours" else theirs(args)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    time.sleep(1.5)
    shown = docker("exec", box, "sh", "-c", f"cat {marker}.ours {marker}.theirs").stdout
    assert shown == "ours\ntheirs\n"


@pytest.mark.parametrize(
    "args",
    [
        ["-d", "{box}", "nosuchcmd"],  # the start fails: the daemon's words, exit 1
        ["csdt-no-such-container-x", "true"],
        ["{box}"],
        [],
        ["--bogus", "{box}", "true"],
        ["-e", "=x", "{box}", "true"],
        ["--env-file", "/nonexistent/vars", "{box}", "true"],
        ["-it", "{box}", "true"],  # stdin is not a terminal
        ["--detach-keys", "bogus", "{box}", "true"],
        ["-u"],
    ],
    ids=["start-fails-detached", "no-such-container", "no-command", "no-args", "unknown-flag", "bad-env",
         "missing-env-file", "not-a-tty", "bad-detach-keys", "flag-needs-value"],
)
def test_errors_as_docker_exec(endpoint, box, args):
    args = [arg.format(box=box) for arg in args]
    mine, _ = same(endpoint, args)
    assert mine.returncode in (1, 125)
    assert mine.stdout == b""


@pytest.fixture
def refusing(busybox, names) -> dict[str, str]:
    """Containers the engine refuses an exec into: stopped, paused."""
    stopped, paused = names.new("stopped"), names.new("paused")
    docker("create", "--name", stopped, busybox, "true", check=True)
    docker("run", "-d", "--name", paused, busybox, "sleep", "60", check=True)
    docker("pause", paused, check=True)
    return {"stopped": stopped, "paused": paused}


@pytest.mark.parametrize(
    "args",
    [["csdt-no-such-container-y", "true"], ["{stopped}", "true"], ["{paused}", "true"], ["-d", "{box}", "nosuchcmd"],
     ["{box}", "nosuchcmd"], ["-u", "nosuchuser", "{box}", "true"]],
    ids=["no-such-container", "stopped", "paused", "start-fails-detached", "oci-126", "no-such-user"],
)
def test_the_engines_words_byte_for_byte(endpoint, box, refusing, args):
    # docker exec prints the engine's refusals bare ("Error response from daemon: ..."), not in its own
    # name: so does csdocker exec, so that a script matching them keeps working.
    args = [arg.format(box=box, **refusing) for arg in args]
    mine, cli = ours(endpoint, args), theirs(args)
    assert (mine.returncode, mine.stdout, mine.stderr) == (cli.returncode, cli.stdout, cli.stderr)
    assert mine.returncode in (1, 126)


@pytest.mark.parametrize(
    "reference",
    ["/{box}", "{box}/", "./{box}", "x/../{box}", "//{box}/.", "..", "x/..", "../{box}", "/", "", "/csdt-no-such-z/"],
)
def test_container_references_as_the_clis_client_cleans_them(endpoint, box, reference):
    # The docker CLI's client cleans the API path: /name (as docker inspect prints it), name/, ./name
    # and x/../name reach the container; the rest lands where the CLI's request lands, with its words.
    args = [reference.format(box=box), "echo", "ran"]
    mine, cli = ours(endpoint, args), theirs(args)
    assert (mine.returncode, mine.stdout, mine.stderr) == (cli.returncode, cli.stdout, cli.stderr)
    assert mine.returncode in (0, 1)


@pytest.mark.parametrize("container", ["stopped", "paused"])
def test_the_tty_check_comes_before_the_engines_refusal(endpoint, refusing, container):
    # The CLI checks the TTY after the inspect and before the create, whatever the container's state.
    mine, _ = same(endpoint, ["-it", refusing[container], "true"])
    assert (mine.returncode, first_line(mine.stderr)) == (1, "the input device is not a TTY")
    assert endpoint.issued == []


def test_a_stopped_container(endpoint, busybox, names):
    name = names.new("stopped")
    docker("create", "--name", name, busybox, "true", check=True)
    mine, _ = same(endpoint, [name, "true"])
    assert mine.returncode == 1
    assert endpoint.issued == []  # no credentials fetched for a command that cannot run


def test_a_paused_container(endpoint, busybox, names):
    name = names.new("paused")
    docker("run", "-d", "--name", name, busybox, "sleep", "60", check=True)
    docker("pause", name, check=True)
    mine, _ = same(endpoint, [name, "true"])
    assert mine.returncode == 1
    assert "is paused" in mine.stderr.decode()
    assert endpoint.issued == []


def test_the_command_gets_fresh_credentials_and_the_container_keeps_none(endpoint, box):
    done = ours(endpoint, [box, "env"])
    assert done.returncode == 0, done.stderr
    seen = dict(line.split("=", 1) for line in done.stdout.decode().splitlines() if line.startswith("AWS_"))
    issued = endpoint.issued[-1]
    assert seen["AWS_ACCESS_KEY_ID"] == issued.access_key_id
    assert seen["AWS_SECRET_ACCESS_KEY"] == issued.secret_access_key
    assert seen["AWS_SESSION_TOKEN"] == issued.token
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == REGION
    inspected = docker("inspect", box).stdout
    assert "AWS_" not in inspected
    assert issued.secret_access_key not in inspected
    env = json.loads(inspected)[0]["Config"]["Env"]
    assert not [entry for entry in env if entry.startswith("AWS_")]


def test_the_users_own_aws_variables_win(endpoint, box):
    done = ours(endpoint, ["-e", "AWS_REGION=us-west-2", box, "sh", "-c", "echo $AWS_REGION $AWS_DEFAULT_REGION"])
    assert done.stdout == f"us-west-2 {REGION}\n".encode()


def test_no_credentials_is_csdockers_own_failure_125(box):
    env = clean_env({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/creds",
                     "AWS_REGION": REGION})
    done = subprocess.run([*CSDOCKER, "exec", box, "true"], env=env, capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 125
    assert done.stderr.count(b"\n") == 1
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_int_and_term_end_the_client_at_once_with_0_and_leave_the_command_running(endpoint, box, sig):
    # docker CLI 28 relays no signal to an exec: at the first INT or TERM it lets go and exits 0.
    results = {}
    for who in ("ours", "theirs"):
        tag = unique_name(who)
        argv = [*CSDOCKER, "exec"] if who == "ours" else ["docker", "exec"]
        env = clean_env({"AWS_REGION": REGION, **endpoint.environ()}) if who == "ours" else clean_env()
        child = subprocess.Popen([*argv, box, "sh", "-c", f"echo started; sleep 20; echo {tag}"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert child.stdout is not None
        assert child.stdout.readline() == b"started\n"
        child.send_signal(sig)
        out, err = child.communicate(timeout=10)
        still = docker("exec", box, "ps", "-o", "args").stdout
        results[who] = (child.returncode, out, err, tag in still)
    assert results["ours"] == results["theirs"]
    assert results["ours"] == (0, b"", b"", True)


@pytest.mark.parametrize("sig", [signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGRTMIN + 3, signal.SIGHUP],
                         ids=["USR1", "USR2", "ALRM", "RTMIN+3", "HUP"])
def test_other_signals_as_the_go_runtime_of_the_cli_takes_them(endpoint, box, sig):
    # Go ignores USR1, USR2, ALRM and the real-time signals when not asked for them; HUP ends the client,
    # unless it was started with HUP ignored (nohup): exec never asks for HUP, so it stays ignored.
    results = {}
    for who in ("ours", "theirs"):
        argv = [*CSDOCKER, "exec"] if who == "ours" else ["docker", "exec"]
        env = clean_env({"AWS_REGION": REGION, **endpoint.environ()}) if who == "ours" else clean_env()
        child = subprocess.Popen([*argv, box, "sh", "-c", "echo started; sleep 1; echo done"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert child.stdout is not None
        assert child.stdout.readline() == b"started\n"
        child.send_signal(sig)
        out, err = child.communicate(timeout=10)
        results[who] = (child.returncode, out, err)
    assert results["ours"] == results["theirs"]
    ends = sig == signal.SIGHUP and not ignored_here(signal.SIGHUP)
    assert results["ours"] == ((-signal.SIGHUP, b"", b"") if ends else (0, b"done\n", b""))


def test_a_reader_that_goes_away_ends_the_client_by_sigpipe(endpoint, box):
    # docker exec (Go, no SIGPIPE asked for) dies of SIGPIPE; docker run says "broken pipe" and exits 1.
    results = {}
    for who in ("ours", "theirs"):
        argv = [*CSDOCKER, "exec"] if who == "ours" else ["docker", "exec"]
        env = clean_env({"AWS_REGION": REGION, **endpoint.environ()}) if who == "ours" else clean_env()
        child = subprocess.Popen([*argv, box, "yes"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL)
        assert child.stdout is not None
        assert child.stdout.readline() == b"y\n"
        child.stdout.close()
        _, err = child.communicate(timeout=20)
        results[who] = (child.returncode, err)
    docker("exec", box, "killall", "yes")
    assert results["ours"] == results["theirs"] == (-signal.SIGPIPE, b"")
