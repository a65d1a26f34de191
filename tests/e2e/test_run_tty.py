"""Interactive runs through a real pseudo-terminal, each done by csdocker's runner and by the docker CLI
with the same keystrokes and signals: TTY output, resize, detach keys, Ctrl-C, signal forwarding, the
terminal given back, and --rm surviving a killed client."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import termios
import time
from collections.abc import Callable

import pexpect
import pytest

from tests.support.compare import Runner, ours_command
from tests.support.engine import docker
from tests.support.proc import clean_env
from tests.support.ptyrun import Ended, container_state, finish, spawn_run, wait_until

pytestmark = pytest.mark.engine

COOKED = termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN
TRAPS = ("trap 'echo got INT; exit 5' INT; trap 'echo got TERM; exit 7' TERM; trap 'echo got HUP; exit 9' HUP; "
         "trap 'echo got USR1' USR1; trap 'echo got WINCH' WINCH; echo ready; while :; do sleep 0.1; done")


@pytest.fixture
def both(busybox, endpoint) -> Runner:
    return Runner.with_endpoint(endpoint)


Script = Callable[[pexpect.spawn], None]


def session(both: Runner, names, args: list[str], script: Script, *, rows: int = 24, cols: int = 80,
            ) -> dict[str, tuple[Ended, str]]:
    """The same keystrokes and signals to a run of each; {"ours"|"docker": (how it ended, container name)}."""
    ended = {}
    for who in ("docker", "ours"):
        name = names.new(who)
        full = ["--name", name, *args]
        child = spawn_run(both, full, ours=who == "ours", rows=rows, cols=cols)
        try:
            script(child)
            ended[who] = (finish(child), name)
        finally:
            if child.isalive():
                child.kill(signal.SIGKILL)
    return ended


def without_winch(output: bytes) -> bytes:
    """The output without the trap's WINCH lines: the first resize races the container's start."""
    return re.sub(rb"got WINCH\r?\r?\n", b"", output)


def without_prompt_redraws(output: bytes) -> bytes:
    """The output without the shell's prompt redraws and terminal queries: a resize that reaches the
    shell late (a loaded machine) makes busybox sh draw its prompt again, for either client."""
    output = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", output)
    return re.sub(rb"[\r\n]|/ # ", b"", output)


def shell_session(child: pexpect.spawn) -> None:
    child.expect("# ")
    child.sendline("echo hi-$((1+2)); tty")
    child.expect("hi-3")
    child.expect("/dev/pts/0")
    child.expect("# ")
    child.sendline("exit 3")


def test_tty_shell(both, names, busybox):
    ended = session(both, names, ["-it", busybox, "sh"], shell_session)
    for result, _ in ended.values():
        assert result.exit_status == 3
        assert result.lflag & COOKED == COOKED  # the terminal is cooked again
    assert ended["ours"][0].output == ended["docker"][0].output


def resize_session(child: pexpect.spawn) -> None:
    child.expect(r"24 80\r\n")
    for rows, cols in ((40, 132), (30, 100)):
        child.setwinsize(rows, cols)  # the kernel sends SIGWINCH to the program on the terminal
        time.sleep(0.7)
        child.sendline("")
        child.expect(f"{rows} {cols}\r\n")


def test_resize_follows_the_terminal(both, names, busybox):
    # The engine here (API 1.41) sizes the TTY only at the resize after start: give that a moment.
    script = "sleep 1; stty size; read x; stty size; read x; stty size"
    ended = session(both, names, ["-it", busybox, "sh", "-c", script], resize_session)
    for result, name in ended.values():
        assert result.exit_status == 0
        host_config = json.loads(docker("inspect", name).stdout)[0]["HostConfig"]
        assert host_config["ConsoleSize"] == [24, 80]  # sent in the create body, as the CLI sends it


def test_console_size_is_sent_even_without_tty(both, names, busybox):
    def quiet(child: pexpect.spawn) -> None:
        child.expect("done")

    ended = session(both, names, [busybox, "echo", "done"], quiet, rows=33, cols=99)
    for _, name in ended.values():
        assert json.loads(docker("inspect", name).stdout)[0]["HostConfig"]["ConsoleSize"] == [33, 99]


def test_console_size_with_a_linux_platform_follows_the_api_version(both, names, busybox):
    # The engine's own platform, so that the run works; the CLI sends [0, 0] for it below API 1.42.
    server = docker("version", "--format", "{{.Server.Os}}/{{.Server.Arch}} {{.Server.APIVersion}}").stdout.split()
    platform, version = server[0], tuple(int(part) for part in server[1].split("."))

    def quiet(child: pexpect.spawn) -> None:
        child.expect("done")

    ended = session(both, names, ["--platform", platform, "--pull", "never", busybox, "echo", "done"], quiet,
                    rows=33, cols=99)
    for result, name in ended.values():
        assert result.exit_status == 0
        expected = [0, 0] if version < (1, 42) else [33, 99]
        assert json.loads(docker("inspect", name).stdout)[0]["HostConfig"]["ConsoleSize"] == expected


@pytest.mark.parametrize(("flags", "keys"), [([], b"\x10\x11"), (["--detach-keys", "ctrl-x,x"], b"\x18x")])
def test_detach_keys_leave_it_running(both, names, busybox, flags, keys):
    def detach(child: pexpect.spawn) -> None:
        child.expect("# ")
        child.sendline("echo before")
        child.expect("before")
        child.expect("# ")
        time.sleep(0.3)
        child.send(keys)

    ended = session(both, names, ["-it", *flags, busybox, "sh"], detach)
    for result, name in ended.values():
        assert result.exit_status == 0
        assert result.lflag & COOKED == COOKED
        assert without_prompt_redraws(result.output) == b""  # nothing is printed on detach
        assert container_state(name) == "running 0"


def test_detach_keys_in_the_middle_of_input_pass_through(both, names, busybox):
    def typed(child: pexpect.spawn) -> None:
        child.expect("# ")
        child.send(b"echo a\x10b\r")  # ctrl-p followed by something else is typed, not a detach
        child.expect("# ")
        child.sendline("exit 4")

    ended = session(both, names, ["-it", busybox, "sh"], typed)
    assert ended["ours"][0].exit_status == ended["docker"][0].exit_status == 4


@pytest.mark.parametrize("flags", [["-it"], ["-t"], []])
def test_ctrl_c(both, names, busybox, flags):
    def interrupt(child: pexpect.spawn) -> None:
        child.expect("ready")
        time.sleep(0.5)
        child.send(b"\x03")

    ended = session(both, names, [*flags, busybox, "sh", "-c", TRAPS], interrupt)
    for result, name in ended.values():
        assert result.exit_status == 5
        assert b"got INT" in result.output
        assert container_state(name) == "exited 5"
    assert without_winch(ended["ours"][0].output) == without_winch(ended["docker"][0].output)


@pytest.mark.parametrize(
    ("flags", "signum", "says", "status"),
    [
        ([], signal.SIGTERM, b"got TERM", 7),
        ([], signal.SIGHUP, b"got HUP", 9),
        ([], signal.SIGINT, b"got INT", 5),
        (["-it"], signal.SIGTERM, b"got TERM", 7),
        (["-t"], signal.SIGINT, b"got INT", 5),
    ],
)
def test_signals_go_to_the_container(both, names, busybox, flags, signum, says, status):
    def send(child: pexpect.spawn) -> None:
        child.expect("ready")
        time.sleep(0.5)
        os.kill(child.pid, signum)

    ended = session(both, names, [*flags, busybox, "sh", "-c", TRAPS], send)
    for result, _ in ended.values():
        assert result.exit_status == status
        assert says in result.output
        assert result.lflag & COOKED == COOKED
    assert without_winch(ended["ours"][0].output) == without_winch(ended["docker"][0].output)


def test_harmless_signals_are_forwarded_and_the_run_goes_on(both, names, busybox):
    def send(child: pexpect.spawn) -> None:
        child.expect("ready")
        time.sleep(0.5)
        os.kill(child.pid, signal.SIGUSR1)
        child.expect("got USR1")
        os.kill(child.pid, signal.SIGWINCH)  # without a TTY, WINCH is just another signal to forward
        child.expect("got WINCH")
        os.kill(child.pid, signal.SIGTERM)

    ended = session(both, names, [busybox, "sh", "-c", TRAPS], send)
    assert ended["ours"][0].exit_status == ended["docker"][0].exit_status == 7


@pytest.mark.parametrize("flags", [["--sig-proxy=false", "-it"], []])
def test_third_term_or_int_forces_the_client_out(both, names, busybox, flags):
    def thrice(child: pexpect.spawn) -> None:
        child.expect("ready")
        time.sleep(0.5)
        for signum in (signal.SIGTERM, signal.SIGINT):
            os.kill(child.pid, signum)
            time.sleep(1.0)
            assert child.isalive()  # the container ignores them (or never gets them): the client waits
        os.kill(child.pid, signal.SIGTERM)

    # PID 1 ignores signals it has no handler for: sleep never dies of them.
    ended = session(both, names, [*flags, busybox, "sh", "-c", "echo ready; exec sleep 60"], thrice)
    for result, name in ended.values():
        assert result.exit_status == 1
        assert b"\ngot 3 SIGTERM/SIGINTs, forcefully exiting" in result.output
        assert result.lflag & COOKED == COOKED
        assert container_state(name) == "running 0"
    assert ended["ours"][0].output == ended["docker"][0].output  # raw or cooked line ends alike


def test_terminal_given_back_after_a_start_failure(both, names, busybox):
    def nothing(child: pexpect.spawn) -> None:
        pass

    ended = session(both, names, ["-it", busybox, "nosuchcmd"], nothing)
    for result, _ in ended.values():
        assert result.exit_status == 127
        assert result.lflag & COOKED == COOKED
    assert b"executable file not found" in ended["ours"][0].output


@pytest.mark.slow
def test_killed_client_leaves_removal_to_the_engine(both, names, busybox):
    for who in ("docker", "ours"):
        name = names.new(who)
        args = ["--name", name, "--rm", busybox, "sh", "-c", "echo ready; sleep 3"]
        command = ours_command(args) if who == "ours" else ["docker", "run", *args]
        client = subprocess.Popen(command, env=clean_env(both.env if who == "ours" else None),
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=os.getcwd())
        try:
            assert client.stdout is not None
            assert client.stdout.readline() == b"ready\n"
            client.kill()
            client.wait(timeout=10)
            assert container_state(name).startswith("running")  # the container outlives its client
            assert wait_until(lambda name=name: container_state(name) == "gone", timeout=30)
        finally:
            if client.poll() is None:
                client.kill()
