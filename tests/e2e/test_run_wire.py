"""The engine conversation of a run, as recorded on the wire: the same calls, in the same order, with
the same parameters as the docker CLI's (attach and wait before start, the wait condition, resize)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios

import pexpect
import pytest

from tests.support.compare import REPO, Runner, ours_command
from tests.support.proc import clean_env
from tests.support.recorder import EngineRecorder, RecordedRequest

pytestmark = pytest.mark.engine

# The version probe differs (HEAD or GET /_ping): what follows it is the run.
_PROBES = {"/_ping", "/version", "/info"}
_ID = re.compile(r"/containers/[0-9a-f]{64}/")


@pytest.fixture
def both(busybox, endpoint) -> Runner:
    return Runner.with_endpoint(endpoint)


def conversation(requests: list[RecordedRequest]) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    calls = []
    for request in requests:
        if request.path in _PROBES:
            continue
        query = tuple(sorted((k, v) for k, v in request.query.items() if k != "name"))
        calls.append((request.method, _ID.sub("/containers/ID/", request.path), query))
    return calls


def recorded(both: Runner, names, args: list[str], *, who: str, stdin: bytes = b"") -> list:
    full = ["--name", names.new(who), *args]
    with EngineRecorder() as recorder:
        command = ours_command(full) if who == "ours" else ["docker", "run", *full]
        env = clean_env({**(both.env if who == "ours" else {}), "DOCKER_HOST": recorder.docker_host})
        done = subprocess.run(command, env=env, input=stdin, capture_output=True, timeout=120, cwd=REPO)
        assert done.returncode in (0, 3), done.stderr
        return conversation(recorder.requests)


@pytest.mark.parametrize(
    "args",
    [
        ["--rm", "local/busybox", "sh", "-c", "exit 3"],
        ["-i", "local/busybox", "cat"],
        ["-a", "stdout", "local/busybox", "true"],
        ["-d", "local/busybox", "true"],
        ["-i", "--detach-keys", "ctrl-a,b", "local/busybox", "true"],
        ["-t", "local/busybox", "true"],
    ],
)
def test_same_calls_as_the_docker_cli(both, names, busybox, args):
    theirs = recorded(both, names, args, who="docker", stdin=b"x\n")
    ours = recorded(both, names, args, who="ours", stdin=b"x\n")
    assert ours == theirs
    assert [path.rsplit("/", 1)[-1] for _, path, _ in ours][:4] == ["create", "attach", "wait", "start"] or \
        "-d" in args


def test_tty_run_resizes_after_start(both, names, busybox):
    calls = {}
    for who in ("docker", "ours"):
        full = ["--name", names.new(who), "-it", busybox, "sh", "-c", "sleep 1; stty size"]
        with EngineRecorder() as recorder:
            command = ours_command(full) if who == "ours" else ["docker", "run", *full]
            env = clean_env({**(both.env if who == "ours" else {}), "DOCKER_HOST": recorder.docker_host})
            child = pexpect.spawn(command[0], command[1:], env=env, cwd=REPO, dimensions=(31, 97), timeout=30)
            child.expect(r"31 97\r\n")
            child.expect(pexpect.EOF)
            child.close()
            calls[who] = conversation(recorder.requests)
    assert calls["ours"] == calls["docker"]
    assert ("POST", "/containers/ID/resize", (("h", "31"), ("w", "97"))) in calls["ours"]
    assert [path.rsplit("/", 1)[-1] for _, path, _ in calls["ours"]][:5] == \
        ["create", "attach", "wait", "start", "resize"]


@pytest.mark.parametrize(("version", "platform"), [("1.41", "linux/amd64"), ("1.42", "linux/amd64"), ("1.41", None)])
def test_console_size_rule_on_the_wire(both, names, busybox, version, platform):
    """stdout on a terminal: the size goes in the create body, except with a linux --platform before API 1.42
    (an engine of that version faked: it answers the ping and the create, then refuses the start)."""
    sent = {}
    for who in ("docker", "ours"):
        options = ["--platform", platform] if platform else []
        full = ["-d", "--name", names.new(who), *options, busybox, "true"]
        with EngineRecorder(fake_api_version=version) as recorder:
            command = ours_command(full) if who == "ours" else ["docker", "run", *full]
            env = clean_env({**(both.env if who == "ours" else {}), "DOCKER_HOST": recorder.docker_host})
            controller, terminal = pty.openpty()
            try:
                fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
                subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.PIPE,
                               timeout=60, cwd=REPO)
            finally:
                os.close(terminal)
                os.close(controller)
            (create,) = recorder.creates()
            assert create.api_version == version
            sent[who] = create.json()["HostConfig"]["ConsoleSize"]
    expected = [0, 0] if platform and version == "1.41" else [33, 111]
    assert sent == {"docker": expected, "ours": expected}
