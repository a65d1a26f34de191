"""``csdocker exec``'s command line: the flag table is what ``docker exec --help`` lists, pflag's grammar reads
it, csdocker's own options mix in, and the exec create body is put together as the CLI's parseExec does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.exec.flags import EXEC_FLAGS, EXEC_HELP
from cloudshell_docker.exec.spec import exec_spec, parse_exec_args
from cloudshell_docker.options.own import OWN_FLAGS
from tests.support.clihelp import docker_help_flags
from tests.support.proc import CSDOCKER, clean_env

CSDOCKER_IMPORTTIME = [CSDOCKER[0], "-X", "importtime", *CSDOCKER[1:]]


def test_table_is_what_docker_exec_help_lists():
    listed = docker_help_flags("exec", "1.41")
    table = {flag.name: (flag.short, flag.takes_value) for flag in EXEC_FLAGS.flags if flag.name != "--help"}
    assert {name: (short, bool(kind)) for name, (short, kind) in listed.items()} == table
    assert len(listed) == 9
    # csdocker exec --help shows the same lines
    shown = {text.split("--", 1)[1].split()[0] for text, _ in EXEC_HELP}
    assert {f"--{name}" for name in shown} == set(listed)


def test_no_own_option_shadows_an_exec_flag():
    assert not EXEC_FLAGS.names() & {flag.name for flag in OWN_FLAGS}


@pytest.mark.parametrize(
    ("argv", "container", "command", "flags"),
    [
        (["box", "sh"], "box", ("sh",), ()),
        (["-it", "box", "sh", "-c", "echo --rm -e x"], "box", ("sh", "-c", "echo --rm -e x"),
         (("--interactive", True), ("--tty", True))),
        (["-e=A=1", "-eB=2", "--env", "C", "box", "env"], "box", ("env",),
         (("--env", "A=1"), ("--env", "B=2"), ("--env", "C"))),
        (["-u0", "-w", "/etc", "--privileged=false", "box", "id"], "box", ("id",),
         (("--user", "0"), ("--workdir", "/etc"), ("--privileged", False))),
        (["-dti", "box", "top"], "box", ("top",), (("--detach", True), ("--tty", True), ("--interactive", True))),
        (["--", "box", "-x"], "box", ("-x",), ()),
        (["-e", "--rm", "box", "env"], "box", ("env",), (("--env", "--rm"),)),  # a value flag takes the next word
        (["box", "-it", "sh"], "box", ("-it", "sh"), ()),  # not interspersed: after CONTAINER, all is the command's
    ],
)
def test_parse(argv, container, command, flags):
    parsed = parse_exec_args(argv)
    assert (parsed.container, parsed.command, parsed.converted.items) == (container, command, flags)


def test_own_options_are_taken_out_of_what_docker_would_see():
    parsed = parse_exec_args(["--role-arn", "arn:aws:iam::123456789012:role/r", "-i", "--inject=relay",
                              "--tag", "a=1", "--tag", "b=2", "box", "sh"])
    assert parsed.own == {"role_arn": "arn:aws:iam::123456789012:role/r", "inject": "relay", "tags": ("a=1", "b=2")}
    assert parsed.docker_args == ("-i",)


@pytest.mark.parametrize(
    ("argv", "message", "code"),
    [
        ([], "'docker exec' requires at least 2 arguments", ExitCode.ERROR),
        (["box"], "'docker exec' requires at least 2 arguments", ExitCode.ERROR),
        (["--bogus", "box", "sh"], "unknown flag: --bogus", ExitCode.DOCKER),
        (["-x", "box", "sh"], "unknown shorthand flag: 'x' in -x", ExitCode.DOCKER),
        (["-e", "=x", "box", "sh"], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x',
         ExitCode.DOCKER),
        (["-t=maybe", "box", "sh"], 'invalid argument "maybe" for "-t, --tty" flag: strconv.ParseBool: '
                                    'parsing "maybe": invalid syntax', ExitCode.DOCKER),
        (["box", "sh", "-u"], None, None),
        (["-u"], "flag needs an argument: 'u' in -u", ExitCode.DOCKER),
    ],
)
def test_bad_command_lines(argv, message, code):
    if message is None:
        parse_exec_args(argv)  # "-u" after CONTAINER is the command's
        return
    with pytest.raises(UsageError) as caught:
        parse_exec_args(argv)
    assert (caught.value.message, caught.value.exit_code) == (message, code)


def test_help_wins_over_missing_arguments():
    assert parse_exec_args(["--help"]).help_requested
    assert parse_exec_args(["-h"]).help_requested


def test_the_create_body(tmp_path: Path):
    env_file = tmp_path / "vars"
    env_file.write_text("A=file\nHOSTVAR\nMISSING\n")
    parsed = parse_exec_args(["-i", "-t", "-u", "1:2", "-w", "/w", "--privileged", "--detach-keys", "ctrl-a",
                              "-e", "A=flag", "-e", "HOSTVAR", "-e", "NOPE", "--env-file", str(env_file),
                              "box", "sh", "-c", "x"])
    spec = exec_spec(parsed, {"HOSTVAR": "h"}, str(tmp_path))
    assert spec.config == {
        "User": "1:2", "Privileged": True, "Tty": True, "AttachStdin": True, "AttachStdout": True,
        "AttachStderr": True, "Detach": False, "DetachKeys": "ctrl-a",
        # the files' lines first, then -e's (the later wins inside the container); bare names looked up
        "Env": ["A=file", "HOSTVAR=h", "A=flag", "HOSTVAR=h", "NOPE"],
        "WorkingDir": "/w", "Cmd": ["sh", "-c", "x"],
    }
    assert (spec.tty, spec.attach_stdin, spec.detach) == (True, True, False)


def test_detached_attaches_nothing():
    spec = exec_spec(parse_exec_args(["-d", "-i", "box", "sh"]), {}, "/")
    assert (spec.config["AttachStdin"], spec.config["AttachStdout"], spec.config["AttachStderr"]) == (False,) * 3
    assert spec.config["Detach"] is True
    assert spec.config["Env"] is None


def test_an_env_file_that_cannot_be_read_is_exit_1(tmp_path: Path):
    with pytest.raises(UsageError) as caught:
        exec_spec(parse_exec_args(["--env-file", "nope", "box", "sh"]), {}, str(tmp_path))
    assert caught.value.message == "open nope: no such file or directory"
    assert caught.value.exit_code == ExitCode.ERROR


@pytest.mark.parametrize("args", [["exec", "--help"], ["exec", "--dry-run", "box", "true"], ["exec", "box"],
                                  ["run", "--help"], ["run", "--dry-run", "local/busybox", "true"]])
def test_help_dry_run_and_usage_errors_start_without_the_heavy_libraries(args):
    # (with the region in the environment: finding a profile's region takes botocore, by design)
    done = subprocess.run([*CSDOCKER_IMPORTTIME, *args], env=clean_env({"AWS_REGION": "eu-west-1"}),
                          capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    loaded = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "cloudshell_docker.cli" in loaded  # the measurement saw csdocker start
    assert not loaded & {"docker", "boto3", "botocore", "typer", "requests"}
