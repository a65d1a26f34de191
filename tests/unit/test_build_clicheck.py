"""A build's flags as a docker CLI with BuildKit built in (20.10) checks them: its flags, its values, its words.

The words are the 20.10 CLI's (tests/e2e/test_build_plain.py compares them with the real CLI)."""

from __future__ import annotations

import pytest

from cloudshell_docker.errors import DockerUsageError, UsageError
from cloudshell_docker.imagebuild.clicheck import check_builtin_buildkit_flags, validate_extra_host_2010, validate_tag
from cloudshell_docker.imagebuild.command import _without_own_options
from cloudshell_docker.options.values.gocompat import GoValueError

HEX = "0123456789abcdef" * 4


@pytest.mark.parametrize(("argv", "words"), [
    (["--load", "."], "unknown flag: --load\nSee 'docker build --help'."),
    (["--builder=x", "."], "unknown flag: --builder\nSee 'docker build --help'."),
    (["-D", "."], "unknown shorthand flag: 'D' in -D\nSee 'docker build --help'."),
    (["--tag=", "."], 'invalid argument "" for "-t, --tag" flag: invalid reference format\n'
                      "See 'docker build --help'."),
    (["-tApp", "."], 'invalid argument "App" for "-t, --tag" flag: invalid reference format: repository name must be '
                     "lowercase\nSee 'docker build --help'."),
    (["-t", HEX, "."], f'invalid argument "{HEX}" for "-t, --tag" flag: invalid repository name ({HEX}), cannot '
                       "specify 64-byte hexadecimal strings\nSee 'docker build --help'."),
    (["--add-host", "h=10.0.0.1", "."], 'invalid argument "h=10.0.0.1" for "--add-host" flag: bad format for '
                                        'add-host: "h=10.0.0.1"\nSee \'docker build --help\'.'),
    (["--cpu-shares=x", "."], 'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": '
                              "invalid syntax\nSee 'docker build --help'."),
    (["--build-arg", "=x", "."], 'invalid argument "=x" for "--build-arg" flag: invalid environment variable: =x\n'
                                 "See 'docker build --help'."),
])
def test_what_the_cli_refuses_at_its_parse(argv, words):
    with pytest.raises(DockerUsageError) as caught:
        check_builtin_buildkit_flags(argv, ["build"])
    assert caught.value.message == words


def test_the_help_line_names_the_command_as_typed():
    with pytest.raises(DockerUsageError, match=r"See 'docker image build --help'\.$"):
        check_builtin_buildkit_flags(["--push", "."], ["image", "build"])


def test_what_the_cli_takes_passes():
    check_builtin_buildkit_flags(
        ["-t", "registry.example:5000/team/app:1.0", "--tag=sha256:" + HEX, "--add-host", "h:10.0.0.1",
         "--add-host=g:host-gateway", "--add-host", "v6:::1", "--secret", "id=x,src=/x", "--ssh", "default",
         "--progress=plain", "-o", "type=local,dest=out", "--memory", "1g", "--memory-swap=-1", "--ulimit",
         "nofile=1024:2048", "--label", "a=b", "--build-arg", "A", "--stream", "--squash", "."], ["build"])


@pytest.mark.parametrize(("value", "error"), [("h", "bad format"), (":1.2.3.4", "bad format"),
                                               ("h:nowhere", "invalid IP address")])
def test_the_20_10_add_host(value, error):
    with pytest.raises(GoValueError, match=error):
        validate_extra_host_2010(value)


def test_a_tag_may_not_be_an_image_id_but_may_look_like_a_digest():
    with pytest.raises(GoValueError, match="64-byte hexadecimal"):
        validate_tag(HEX)
    assert validate_tag("sha256:" + HEX) == "sha256:" + HEX


def test_a_docker_usage_error_is_a_usage_error():
    assert issubclass(DockerUsageError, UsageError)


@pytest.mark.parametrize(("argv", "kept"), [
    (["--role-arn", "r", "--bogus", "."], ["--bogus", "."]),
    (["--role-arn=r", "-t", "x", "--no-sts-cache", "."], ["-t", "x", "."]),
    (["--bogus", "--", "--role-arn", "r"], ["--bogus", "--", "--role-arn", "r"]),
])
def test_a_refused_command_line_goes_to_the_cli_without_csdockers_options(argv, kept):
    assert _without_own_options(argv) == kept
