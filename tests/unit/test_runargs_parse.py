"""parse_run_args: pflag's syntax as docker run uses it, with csdocker's own options mixed in.

What the flags *mean* is checked against the docker CLI in test_runargs_oracle; here
the shape of ParsedRun (order, canonical names, own values, docker_args) is pinned.
"""

from __future__ import annotations

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options import pflag
from cloudshell_docker.options.own import OWN_FLAGS
from cloudshell_docker.run.flags import RUN_FLAGS
from cloudshell_docker.run.parse import parse_run_args

IMAGE = "local/busybox"


@pytest.mark.parametrize(
    ("argv", "flags", "image", "command"),
    [
        (["-it", IMAGE], [("--interactive", True), ("--tty", True)], IMAGE, ()),
        (["-itd", IMAGE, "sh"], [("--interactive", True), ("--tty", True), ("--detach", True)], IMAGE, ("sh",)),
        (["-e=X", "-eY", "-e", "Z", IMAGE], [("--env", "X"), ("--env", "Y"), ("--env", "Z")], IMAGE, ()),
        (["--env=A=1", "--env", "B=2", IMAGE], [("--env", "A=1"), ("--env", "B=2")], IMAGE, ()),
        (["-p8080:80", IMAGE], [("--publish", "8080:80")], IMAGE, ()),
        (["-ie", "A=1", IMAGE], [("--interactive", True), ("--env", "A=1")], IMAGE, ()),
        (["-ieA=1", IMAGE], [("--interactive", True), ("--env", "A=1")], IMAGE, ()),
        (["--rm=false", "-i=true", IMAGE], [("--rm", "false"), ("--interactive", "true")], IMAGE, ()),
        (["-e", "--rm", IMAGE], [("--env", "--rm")], IMAGE, ()),
        (["-e", "--", IMAGE], [("--env", "--")], IMAGE, ()),
        (["-w", "-x", IMAGE], [("--workdir", "-x")], IMAGE, ()),
        (["--net", "host", "--net-alias", "a", "--dns-opt", "x", IMAGE],
         [("--network", "host"), ("--network-alias", "a"), ("--dns-option", "x")], IMAGE, ()),
        (["--rm", "--", IMAGE, "--rm"], [("--rm", True)], IMAGE, ("--rm",)),
        (["--", "-", "x"], [], "-", ("x",)),
        ([IMAGE, "echo", "--rm", "-e", "x"], [], IMAGE, ("echo", "--rm", "-e", "x")),
        (["--rm", IMAGE, "-it"], [("--rm", True)], IMAGE, ("-it",)),
        (["-", "x"], [], "-", ("x",)),
        (["", "x"], [], "", ("x",)),
        (["--rm", "true", IMAGE], [("--rm", True)], "true", (IMAGE,)),  # a bool flag never takes the next word
    ],
)
def test_pflag_syntax(argv, flags, image, command):
    parsed = parse_run_args(argv)
    assert [name for name, _ in parsed.converted.items] == [name for name, _ in flags]
    assert list(pflag.parse(argv, RUN_FLAGS, own=OWN_FLAGS).flags) == flags  # the values as typed
    assert (parsed.image, parsed.command) == (image, command)


def test_own_options_anywhere_before_image_and_not_in_docker_args():
    parsed = parse_run_args([
        "--role-arn", "arn:aws:iam::123456789012:role/x", "-it", "--policy-arn=arn:p1", "--rm",
        "--no-cache", "--policy-arn", "arn:p2", "--region=eu-west-1", "-e", "A=1", IMAGE, "--region", "x",
    ])
    assert parsed.own == {"role_arn": "arn:aws:iam::123456789012:role/x", "policy_arns": ("arn:p1", "arn:p2"),
                          "no_cache": True, "region": "eu-west-1"}
    assert parsed.docker_args == ("-it", "--rm", "-e", "A=1")
    assert parsed.command == ("--region", "x")  # after IMAGE everything is the container's


def test_own_options_by_their_aliases():
    parsed = parse_run_args(["--no-sts-cache", "--session-tag", "a=b", "--tag", "c=d", "--session-policy", "p.json",
                             IMAGE])
    assert parsed.own == {"no_cache": True, "tags": ("a=b", "c=d"), "policy_file": "p.json"}
    assert parsed.docker_args == ()


def test_own_option_as_a_docker_flag_value_is_the_value():
    parsed = parse_run_args(["-e", "--role-arn", IMAGE])
    assert parsed.own == {}
    assert parsed.converted.items == (("--env", "--role-arn"),)


def test_own_boolean_forms():
    assert parse_run_args(["--no-cache=false", "--dry-run", IMAGE]).own == {"no_cache": False, "dry_run": True}
    with pytest.raises(UsageError) as caught:
        parse_run_args(["--dry-run=maybe", IMAGE])
    assert caught.value.message == ('invalid argument "maybe" for "--dry-run" flag: '
                                    'strconv.ParseBool: parsing "maybe": invalid syntax')


def test_own_value_option_without_value():
    with pytest.raises(UsageError) as caught:
        parse_run_args(["--role-arn"])
    assert caught.value.message == "flag needs an argument: --role-arn"
    assert caught.value.exit_code == 125


def test_own_value_taken_even_when_it_looks_like_a_flag():
    assert parse_run_args(["--session-name", "-it", IMAGE]).own == {"session_name": "-it"}


def test_docker_args_keep_the_spelling_and_the_double_dash():
    argv = ["-itd", "--rm=false", "-e=X", "-eY", "--net", "host", "--tag", "k=v", "--", IMAGE, "sh"]
    parsed = parse_run_args(argv)
    assert parsed.docker_args == ("-itd", "--rm=false", "-e=X", "-eY", "--net", "host", "--")
    assert parsed.own == {"tags": ("k=v",)}


@pytest.mark.parametrize(
    ("argv", "requested", "image"),
    [(["--help"], True, ""), (["--help", IMAGE], True, IMAGE), (["--help=false", IMAGE], False, IMAGE),
     (["--help", "--help=0", IMAGE], False, IMAGE), ([IMAGE, "--help"], False, IMAGE)],
)
def test_help(argv, requested, image):
    parsed = parse_run_args(argv)
    assert (parsed.help_requested, parsed.image) == (requested, image)


@pytest.mark.parametrize(
    ("argv", "message", "code"),
    [
        ([], "'docker run' requires at least 1 argument", 1),
        (["--help=false"], "'docker run' requires at least 1 argument", 1),
        (["--rm", "--"], "'docker run' requires at least 1 argument", 1),
        (["--role-arn", "x"], "'docker run' requires at least 1 argument", 1),
        (["--help", "--nope"], "unknown flag: --nope", 125),
        (["--nope=1", IMAGE], "unknown flag: --nope", 125),
        (["-'"], "unknown shorthand flag: '\\'' in -'", 125),
        (["-i=x", IMAGE], 'invalid argument "x" for "-i, --interactive" flag: '
                          'strconv.ParseBool: parsing "x": invalid syntax', 125),
        (["--net", "name=x,bogus=1", IMAGE], 'invalid argument "name=x,bogus=1" for "--net" flag: '
                                             "invalid field key bogus", 125),
        (["--dns-opt"], "flag needs an argument: --dns-opt", 125),
        (["-it", "-e"], "flag needs an argument: 'e' in -e", 125),
    ],
)
def test_errors(argv, message, code):
    with pytest.raises(UsageError) as caught:
        parse_run_args(argv)
    assert (caught.value.message, int(caught.value.exit_code)) == (message, code)
