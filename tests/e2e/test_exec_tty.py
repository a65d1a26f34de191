"""``csdocker exec -it`` and ``docker exec -it`` through a real pseudo-terminal, the same keystrokes to each:
the console size, a resize, the detach keys (default and --detach-keys), the exit code, -t without -i,
and the terminal given back."""

from __future__ import annotations

import signal
import termios
import time
from collections.abc import Callable, Iterator

import pexpect
import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import REPO, docker, remove_containers, unique_name
from tests.support.proc import CSDOCKER, clean_env
from tests.support.ptyrun import Ended, finish

pytestmark = pytest.mark.engine

COOKED = termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN


@pytest.fixture(scope="module")
def box(busybox: str) -> Iterator[str]:
    name = unique_name("exec-tty")
    docker("run", "-d", "--name", name, busybox, "sleep", "3600", check=True)
    yield name
    remove_containers(name)


def spawn(endpoint: CredentialsEndpoint, args: list[str], *, ours: bool, rows: int = 24, cols: int = 80,
          ) -> pexpect.spawn:
    if ours:
        command = [*CSDOCKER, "exec", *args]
        env = clean_env({"AWS_REGION": "eu-west-1", **endpoint.environ()})
    else:
        command, env = ["docker", "exec", *args], clean_env()
    return pexpect.spawn(command[0], command[1:], env=env, cwd=REPO, dimensions=(rows, cols), timeout=20)


Script = Callable[[pexpect.spawn], bytes]


def both(endpoint: CredentialsEndpoint, args: list[str], script: Script, **kwargs: int,
         ) -> dict[str, tuple[bytes, Ended]]:
    """{"ours"|"docker": (what the script collected, how the client ended)}."""
    ended = {}
    for who in ("docker", "ours"):
        child = spawn(endpoint, args, ours=who == "ours", **kwargs)
        try:
            seen = script(child)
            ended[who] = (seen, finish(child))
        finally:
            if child.isalive():
                child.kill(signal.SIGKILL)
    return ended


def ask(child: pexpect.spawn, command: str, marker: str) -> bytes:
    """Type ``command`` at the shell once it is raw; what it printed up to ``marker`` (typed split: the
    echo of the typed line does not match)."""
    child.sendline(f"{command}; echo {marker[:2]}''{marker[2:]}")
    child.expect_exact(marker + "\r\n")
    text: bytes = child.before
    return text.rsplit(b"\r\n", 1)[0].split(b"\r\n")[-1] if b"\r\n" in text else text


def shell_ready(child: pexpect.spawn) -> None:
    child.expect_exact("# ")  # the prompt: the client is attached and the terminal raw


def test_console_size_resize_region_and_exit_code(endpoint, box):
    def script(child: pexpect.spawn) -> bytes:
        shell_ready(child)
        size = ask(child, "stty size", "MARK1")
        child.setwinsize(40, 120)  # SIGWINCH to the client: the exec's TTY follows
        time.sleep(0.5)
        resized = ask(child, "stty size", "MARK2")
        child.sendline("exit 5")
        return size + b"|" + resized

    ended = both(endpoint, ["-it", box, "sh"], script, rows=30, cols=100)
    for seen, how in ended.values():
        assert seen == b"30 100|40 120"
        assert how.exit_status == 5
        assert how.lflag & COOKED == COOKED  # the terminal is given back cooked


@pytest.mark.parametrize("keys", [None, "ctrl-x"], ids=["default", "custom"])
def test_detach_keys_leave_the_command_running(endpoint, box, keys):
    tags = {}

    def script(child: pexpect.spawn) -> bytes:
        shell_ready(child)
        child.send("\x18" if keys else "\x10\x11")
        return b""

    ended = {}
    for who in ("docker", "ours"):
        tag = unique_name(who)
        tags[who] = tag
        flags = ["--detach-keys", keys] if keys else []
        child = spawn(endpoint, ["-it", *flags, box, "sh", "-c", f"PS1='# ' sh; echo {tag}"], ours=who == "ours")
        try:
            script(child)
            ended[who] = finish(child)
        finally:
            if child.isalive():
                child.kill(signal.SIGKILL)
    running = docker("exec", box, "ps", "-o", "args").stdout
    for who, how in ended.items():
        assert how.exit_status == 1, who
        assert how.output.replace(b"csdocker: ", b"").endswith(b"read escape sequence\r\n"), how.output
        assert tags[who] in running  # detached, not ended
        assert how.lflag & COOKED == COOKED


def test_t_without_i_merges_stderr_into_the_tty(endpoint, box):
    def script(child: pexpect.spawn) -> bytes:
        return b""  # nothing typed: -t without -i reads no stdin

    ended = both(endpoint, ["-t", box, "sh", "-c", "echo out; echo err >&2; exit 2"], script)
    assert ended["ours"][1].output == ended["docker"][1].output == b"out\r\r\nerr\r\r\n"
    assert ended["ours"][1].exit_status == ended["docker"][1].exit_status == 2


def test_stdin_through_the_tty(endpoint, box):
    def script(child: pexpect.spawn) -> bytes:
        shell_ready(child)
        child.sendline("read x; echo got:$x; exit 3")
        child.sendline("hello")
        child.expect_exact("got:hello\r\n")
        return b"ok"

    ended = both(endpoint, ["-it", box, "sh"], script)
    for seen, how in ended.values():
        assert seen == b"ok"
        assert how.exit_status == 3
