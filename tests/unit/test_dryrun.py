"""--dry-run's command: docker's argv as typed, credentials as -e NAME, shell-quoted, and a way to set them."""

from __future__ import annotations

import io
import shlex

import pytest

from cloudshell_docker.options.globalopts import GlobalOptions, split_global_options
from cloudshell_docker.options.own import RunOwnOptions, SourceOptions
from cloudshell_docker.options.pflag import FlagValues
from cloudshell_docker.run.dryrun import dry_run, env_hint, global_args, render_docker_command
from cloudshell_docker.run.spec import ParsedRun

OWN = RunOwnOptions(source=SourceOptions())
REFS = ["-e", "AWS_ACCESS_KEY_ID", "-e", "AWS_SECRET_ACCESS_KEY", "-e", "AWS_SESSION_TOKEN"]
REGION_REFS = ["-e", "AWS_REGION", "-e", "AWS_DEFAULT_REGION"]
EXPIRY_REF = ["-e", "AWS_CREDENTIAL_EXPIRATION"]


def parsed(*docker_args: str, image: str = "amazon/aws-cli", command: tuple[str, ...] = ("s3", "ls"),
           flags: tuple[tuple[str, str | bool], ...] = ()) -> ParsedRun:
    return ParsedRun(image=image, command=command, docker_args=docker_args,
                     converted=FlagValues(flags))  # run's string flags convert to themselves


def test_the_command_with_a_region():
    text = render_docker_command(parsed("--rm", "-it"), OWN, "eu-west-1")
    assert text == ("docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN "
                    "-e AWS_REGION -e AWS_DEFAULT_REGION -e AWS_CREDENTIAL_EXPIRATION --rm -it amazon/aws-cli s3 ls")


def test_no_region_no_region_references():
    argv = shlex.split(render_docker_command(parsed(), OWN, None))
    assert argv == ["docker", "run", *REFS, *EXPIRY_REF, "amazon/aws-cli", "s3", "ls"]


def test_everything_is_shell_quoted_and_round_trips():
    args = ("-e", "GREETING=it's a \"test\" $HOME", "-v", "/tmp/a dir:/data", "--label", "x=`id`")
    command = ("sh", "-c", "echo $AWS_REGION; exit 3", "", "*")
    text = render_docker_command(parsed(*args, image="local/busybox", command=command), OWN, "us-east-1")
    assert shlex.split(text) == ["docker", "run", *REFS, *REGION_REFS, *EXPIRY_REF, *args, "local/busybox",
                                 *command]


def test_references_never_carry_values():
    argv = shlex.split(render_docker_command(parsed(), OWN, "eu-west-1"))
    refs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-e"]
    assert refs
    assert all("=" not in ref for ref in refs)


@pytest.mark.parametrize(
    ("flags", "user_env", "missing"),
    [
        ((("--env", "AWS_REGION=ap-south-1"),), (), "AWS_REGION"),
        ((("--env", "AWS_SESSION_TOKEN"),), (), "AWS_SESSION_TOKEN"),
        ((), ("AWS_ACCESS_KEY_ID=from-env-file",), "AWS_ACCESS_KEY_ID"),
        ((), ("AWS_CREDENTIAL_EXPIRATION",), "AWS_CREDENTIAL_EXPIRATION"),
    ],
)
def test_variables_the_user_set_are_not_repeated(flags, user_env, missing):
    argv = shlex.split(render_docker_command(parsed(flags=flags), OWN, "eu-west-1", user_env=user_env))
    refs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-e"]
    assert missing not in refs
    assert len(refs) == 5


def test_references_come_before_a_double_dash_and_flag_values():
    # "--" ends docker's options, and "--entrypoint" would swallow the next word: -e must come first.
    argv = shlex.split(render_docker_command(parsed("--entrypoint", "--", image="img", command=()), OWN, None))
    assert argv[:2] == ["docker", "run"]
    assert argv[2:2 + len(REFS)] == REFS
    assert argv[-3:] == ["--entrypoint", "--", "img"]


@pytest.mark.parametrize(
    ("options", "args"),
    [
        (GlobalOptions(hosts=("unix:///tmp/d.sock",)), ["-H", "unix:///tmp/d.sock"]),
        (GlobalOptions(context="remote", config="/tmp/cfg"), ["--config", "/tmp/cfg", "--context", "remote"]),
        (GlobalOptions(debug=True, log_level="debug"), ["-D", "--log-level", "debug"]),
        (GlobalOptions(tls=True, tlsverify=False, tlscacert="/c a", tlscert="/c", tlskey="/k"),
         ["--tls", "--tlsverify=false", "--tlscacert", "/c a", "--tlscert", "/c", "--tlskey", "/k"]),
        (GlobalOptions(), []),
    ],
)
def test_global_options_come_before_run(options, args):
    assert global_args(options) == args
    argv = shlex.split(render_docker_command(parsed(), OWN, None, options))
    assert argv[: argv.index("run")] == ["docker", *args]


def test_global_options_round_trip_through_their_parser():
    typed = ["-H", "tcp://127.0.0.1:2375", "--context=default", "-D", "--tlsverify=false", "run"]
    options, rest = split_global_options(typed)
    assert rest == ["run"]
    assert split_global_options([*global_args(options), "run"]) == (options, ["run"])


def test_env_hint_has_the_same_source_options_but_no_one_time_code():
    own = RunOwnOptions(source=SourceOptions(role_arn="arn:aws:iam::123456789012:role/x y", tags=("a=b", "c=d"),
                                             mfa_serial="arn:aws:iam::1:mfa/me", mfa_token="654321", no_cache=True,
                                             region="eu-west-1"))
    hint = env_hint(own)
    assert hint.startswith('eval "$(csdocker env ')
    assert hint.endswith(')"')
    inner = shlex.split(hint[len('eval "$('):-2])
    assert inner == ["csdocker", "env", "--role-arn", "arn:aws:iam::123456789012:role/x y",
                     "--mfa-serial", "arn:aws:iam::1:mfa/me", "--tag", "a=b", "--tag", "c=d",
                     "--region", "eu-west-1", "--no-cache"]
    assert "654321" not in hint


def test_plain_hint():
    assert env_hint(OWN) == 'eval "$(csdocker env)"'
    assert env_hint(RunOwnOptions(source=SourceOptions(source="endpoint"))) == \
        'eval "$(csdocker env --source endpoint)"'


def test_dry_run_prints_the_command_alone_on_stdout():
    out, err = io.StringIO(), io.StringIO()
    assert dry_run(parsed("--rm"), RunOwnOptions(source=SourceOptions(), inject="relay"), None,
                   stdout=out, stderr=err) == 0
    assert out.getvalue().count("\n") == 1
    assert out.getvalue().startswith("docker run ")
    assert 'eval "$(csdocker env)"' in err.getvalue()
    assert "relay" in err.getvalue()
