"""``docker run`` behaviour, side by side with the docker CLI on the same engine: stdout bytes, stderr
bytes, exit status, and what is left on the engine afterwards."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re

import pytest

from tests.support.compare import Runner, error_text
from tests.support.engine import containers_labelled, docker
from tests.support.moto import free_port

pytestmark = pytest.mark.engine

ID_LINE = re.compile(rb"^[0-9a-f]{64}\n$")


@pytest.fixture
def both(busybox, endpoint) -> Runner:
    return Runner.with_endpoint(endpoint)


def pair(both: Runner, names, args: list[str], *, named: bool = True, **kwargs) -> tuple:
    """Run ``docker run ARGS`` both ways (each with its own --name); (ours, theirs)."""
    ours_args = ["--name", names.new("ours"), *args] if named else list(args)
    theirs_args = ["--name", names.new("docker"), *args] if named else list(args)
    ours = both.ours(ours_args, **kwargs)
    theirs = both.theirs(theirs_args, **kwargs)
    return ours, theirs


def same(ours, theirs) -> None:
    assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout
    assert error_text(ours.stderr) == error_text(theirs.stderr)


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["true"], 0),
        (["sh", "-c", "exit 1"], 1),
        (["sh", "-c", "echo out; echo err >&2; exit 3"], 3),
        # what a shell says of a killed child; busybox sh's "Killed" job notice is racy (seen in CI:
        # printed for one run of the pair, not the other), so the shell's own stderr is closed
        (["sh", "-c", "exec 2>/dev/null; sleep 30 & kill -KILL $!; wait $!"], 137),
        (["nosuchcmd"], 127),
        (["/etc"], 126),
        (["/etc/passwd"], 127),
    ],
)
def test_exit_status(both, names, busybox, command, code):
    ours, theirs = pair(both, names, [busybox, *command])
    same(ours, theirs)
    assert ours.returncode == code


def test_start_failure_leaves_what_docker_leaves(both, names, busybox):
    # The engine refuses the start (no such network): docker keeps the created container.
    ours, theirs = pair(both, names, ["--network", "csdt-no-such-net", busybox, "true"])
    same(ours, theirs)
    assert ours.returncode == 125
    ours_name, theirs_name = names[-2:]
    for name in (ours_name, theirs_name):
        assert docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "created"


def test_rm_start_failure_leaves_nothing(both, names, busybox):
    ours, theirs = pair(both, names, ["--rm", busybox, "nosuchcmd"])
    same(ours, theirs)
    for name in names[-2:]:
        assert docker("inspect", name).returncode == 1  # gone when the run returns


def test_stdout_and_stderr_apart_byte_exact(both, names, busybox):
    script = "cat /bin/busybox; head -c 70000 /bin/busybox >&2; echo; printf 'a\\0b' >&2; cat /bin/busybox"
    ours, theirs = pair(both, names, [busybox, "sh", "-c", script])
    same(ours, theirs)
    half = len(ours.stdout) // 2  # stdout is the busybox binary, a newline, the binary again
    assert half > 1_000_000
    assert ours.stdout[:half] == ours.stdout[half + 1:]
    assert ours.stdout[:4] == b"\x7fELF"
    assert ours.stdout[half:half + 1] == b"\n"
    assert ours.stderr == ours.stdout[:70000] + b"a\0b"


def test_stdin_to_eof(both, names, busybox):
    data = random.Random(7).randbytes(3 << 20)
    ours, theirs = pair(both, names, ["-i", busybox, "sh", "-c", "md5sum; echo after eof"], input=data)
    same(ours, theirs)
    assert ours.stdout == f"{hashlib.md5(data).hexdigest()}  -\nafter eof\n".encode()


def test_stdin_echoed_back_byte_exact(both, names, busybox):
    data = bytes(range(256)) * 4096
    ours, theirs = pair(both, names, ["-i", "--rm", busybox, "sh", "-c", "cat; cat /etc/hostname >/dev/null"],
                        input=data)
    same(ours, theirs)
    assert ours.stdout == data


def test_stdin_empty_and_closed(both, names, busybox):
    ours, theirs = pair(both, names, ["-i", busybox, "wc", "-c"], input=b"")
    same(ours, theirs)
    assert ours.stdout.strip() == b"0"


def test_stdin_not_attached_without_i(both, names, busybox):
    ours, theirs = pair(both, names, [busybox, "sh", "-c", "cat; echo nothing read"], input=b"ignored\n")
    same(ours, theirs)
    assert ours.stdout == b"nothing read\n"


SCRIPT = "read line; echo \"out:$line\"; echo \"err:$line\" >&2; exit 4"


@pytest.mark.parametrize(
    "attach",
    [
        ["-a", "stdout"],
        ["-a", "stderr"],
        ["-a", "stdout", "-a", "stderr"],
        ["-a", "stdin", "-a", "stdout"],
        ["-a", "stdin", "-a", "stderr"],
        ["-i", "-a", "stderr"],
        ["-a", "stdin"],
    ],
)
def test_attach_subsets(both, names, busybox, attach):
    ours, theirs = pair(both, names, [*attach, busybox, "sh", "-c", SCRIPT], input=b"hello\n")
    same(ours, theirs)
    assert ours.returncode == 4


def test_tty_output_without_a_terminal(both, names, busybox):
    ours, theirs = pair(both, names, ["-t", busybox, "sh", "-c", "echo a; echo b >&2; printf 'c\\n'"])
    same(ours, theirs)
    assert ours.stdout == b"a\r\nb\r\nc\r\n"


def test_interactive_tty_needs_a_terminal(both, names, busybox, case_label):
    for flags in (["-it"], ["-t", "-a", "stdin"]):
        ours, theirs = pair(both, names, [*flags, "-l", case_label, busybox, "true"], input=b"")
        same(ours, theirs)
        assert ours.returncode == 1
        assert error_text(ours.stderr) == "the input device is not a TTY\n"
    assert containers_labelled(case_label) == []


def test_detach_prints_the_id_and_leaves_it_running(both, names, busybox):
    ours, theirs = pair(both, names, ["-d", busybox, "sleep", "30"])
    same_shape = [(r.returncode, bool(ID_LINE.match(r.stdout)), r.stderr) for r in (ours, theirs)]
    assert same_shape[0] == same_shape[1] == (0, True, b"")
    inspected = json.loads(docker("inspect", ours.stdout.decode().strip()).stdout)[0]
    assert inspected["State"]["Running"] is True
    assert inspected["Name"] == "/" + names[-2]


def test_detach_start_failure_prints_the_id_then_fails(both, names, busybox):
    ours, theirs = pair(both, names, ["-d", busybox, "nosuchcmd"])
    assert ours.returncode == theirs.returncode == 127
    assert ID_LINE.match(ours.stdout)
    assert ID_LINE.match(theirs.stdout)
    assert error_text(ours.stderr) == error_text(theirs.stderr)


def test_rm_removes_after_exit(both, names, busybox):
    ours, theirs = pair(both, names, ["--rm", busybox, "sh", "-c", "echo bye; exit 2"])
    same(ours, theirs)
    for name in names[-2:]:
        assert docker("inspect", name).returncode == 1


def test_rm_uses_the_engine_auto_remove(both, names, busybox):
    ours, theirs = pair(both, names, ["-d", "--rm", busybox, "sleep", "30"])
    assert ours.returncode == theirs.returncode == 0
    config = json.loads(docker("inspect", names[-2]).stdout)[0]["HostConfig"]
    assert config["AutoRemove"] is True


def test_cidfile(both, names, busybox, tmp_path):
    ours_args = ["--name", names.new("ours"), "--cidfile", str(tmp_path / "ours"), busybox, "true"]
    theirs_args = ["--name", names.new("docker"), "--cidfile", str(tmp_path / "theirs"), busybox, "true"]
    ours, theirs = both.ours(ours_args), both.theirs(theirs_args)
    same(ours, theirs)
    for name, path in ((names[-2], tmp_path / "ours"), (names[-1], tmp_path / "theirs")):
        assert path.read_text() == docker("inspect", "-f", "{{.Id}}", name).stdout.strip()


def test_cidfile_that_exists(both, names, busybox, tmp_path, case_label):
    path = tmp_path / "cid"
    path.write_text("taken")
    ours, theirs = pair(both, names, ["--cidfile", str(path), "-l", case_label, busybox, "true"])
    same(ours, theirs)
    assert ours.returncode == 125
    assert path.read_text() == "taken"
    assert containers_labelled(case_label) == []


def test_cidfile_removed_when_create_fails(both, names, busybox, tmp_path):
    taken = names.new("taken")
    docker("create", "--name", taken, busybox, "true", check=True)
    results = []
    for who in ("ours", "theirs"):
        path = tmp_path / who
        args = ["--name", taken, "--cidfile", str(path), busybox, "true"]
        results.append(both.ours(args) if who == "ours" else both.theirs(args))
        assert not path.exists()
    same(*results)
    assert results[0].returncode == 125


def test_cidfile_in_a_missing_directory(both, names, busybox, tmp_path):
    ours, theirs = pair(both, names, ["--cidfile", str(tmp_path / "no" / "cid"), busybox, "true"])
    same(ours, theirs)
    assert ours.returncode == 127  # the CLI reads "no such file or directory" as "not found"


def test_name_conflict(both, names, busybox, case_label):
    taken = names.new("taken")
    docker("create", "--name", taken, busybox, "true", check=True)
    args = ["--name", taken, "-l", case_label, busybox, "true"]
    ours, theirs = both.ours(args), both.theirs(args)
    same(ours, theirs)
    assert ours.returncode == 125
    assert len(ours.stderr.splitlines()) == 1
    assert "Conflict. The container name" in ours.stderr.decode()
    assert containers_labelled(case_label) == []


def test_create_warnings(both, names, busybox):
    ours, theirs = pair(both, names, ["--rm", "--oom-kill-disable", "--dns", "127.0.0.1", busybox, "true"])
    same(ours, theirs)
    assert ours.stderr.decode().splitlines() == [
        "WARNING: OOM killer is disabled for the container, but no memory limit is set, "
        "this can result in the system running out of resources.",
        "WARNING: Localhost DNS (127.0.0.1) may fail in containers.",
    ]


def missing_image() -> str:
    # A registry on a closed loopback port: every pull fails at once, nothing leaves the machine.
    return f"127.0.0.1:{free_port()}/csdt/nothing:1"


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ([], ["Unable to find image '{image}' locally", "Error response from daemon: Get \"http"]),
        (["-q"], ["Error response from daemon: Get \"http"]),
        (["--pull", "missing"], ["Unable to find image '{image}' locally", "Error response from daemon: Get"]),
        (["--pull", "never"], ["Error response from daemon: No such image: {image}"]),
        (["--pull", "always"], ["Error response from daemon: Get \"http"]),
    ],
)
def test_pull_of_a_missing_image(both, names, case_label, flags, says):
    image = missing_image()
    ours, theirs = pair(both, names, [*flags, "--rm", "-l", case_label, image, "true"])
    same(ours, theirs)
    assert ours.returncode == 125
    lines = error_text(ours.stderr).splitlines()
    assert len(lines) == len(says)
    for line, start in zip(lines, says, strict=True):
        assert line.startswith(start.format(image=image)), lines
    assert containers_labelled(case_label) == []


def test_pull_always_of_a_local_only_image(both, names, busybox, case_label):
    ours, theirs = pair(both, names, ["--pull", "always", "-l", case_label, busybox, "true"])
    same(ours, theirs)
    assert ours.returncode == 125
    assert containers_labelled(case_label) == []


@pytest.mark.parametrize("image", ["Bad^", "up/Per", "Upper/x", "a__b.c-d/e", "x:" + "t" * 129])
def test_unreadable_image_names(both, names, case_label, image):
    ours, theirs = pair(both, names, ["--pull", "never", "-l", case_label, image, "true"])
    same(ours, theirs)
    assert ours.returncode == 125
    assert containers_labelled(case_label) == []


def test_closed_stdout(both, names, busybox):
    results = []
    for who in ("ours", "theirs"):
        args = ["--name", names.new(who), busybox, "sh", "-c", "while :; do echo y; done"]
        read_end, write_end = os.pipe()
        os.close(read_end)  # nobody will ever read: the first write fails
        try:
            run = both.ours if who == "ours" else both.theirs
            results.append(run(args, stdout=write_end))
        finally:
            os.close(write_end)
    ours, theirs = results
    assert ours.returncode == theirs.returncode == 1
    assert error_text(ours.stderr) == error_text(theirs.stderr) == "write /dev/stdout: broken pipe\n"


def test_detach_keys_the_engine_refuses(both, names, busybox):
    ours, theirs = pair(both, names, ["--detach-keys=foo", busybox, "echo", "hi"])
    same(ours, theirs)
    assert ours.returncode == 1
    assert error_text(ours.stderr) == "unable to upgrade to tcp, received 400\n"
    for name in names[-2:]:
        assert docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "created"


@pytest.mark.parametrize(("platform", "code"), [("linux/amd64", 0), ("linux/arm64", 125)])
def test_platform(both, names, busybox, platform, code):
    ours, theirs = pair(both, names, ["--platform", platform, "--pull", "never", "--rm", busybox, "echo", "ran"])
    same(ours, theirs)
    assert ours.returncode == code
