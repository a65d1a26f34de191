"""A build's command line: the command words, csdocker's options taken out, docker's flags kept as typed."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.imagebuild.args import BUILD_OWN_FLAGS, parse_build_args, split_build_command
from cloudshell_docker.imagebuild.command import build_argv
from cloudshell_docker.imagebuild.flags import BUILD_FLAGS, BUILD_TABLE
from cloudshell_docker.imagebuild.helptext import build_help_head
from cloudshell_docker.options.own import OWN_FLAGS

ROLE = "arn:aws:iam::123456789012:role/builder"


@pytest.mark.parametrize(("rest", "words", "args", "via_buildx"), [
    (["build", "."], ("build",), (".",), False),
    (["image", "build", "-t", "x", "."], ("image", "build"), ("-t", "x", "."), False),
    (["builder", "build", "."], ("builder", "build"), (".",), False),
    (["buildx", "build", "."], ("buildx", "build"), (".",), True),
    (["buildx", "b", "."], ("buildx", "b"), (".",), True),
    (["buildx", "--builder", "k", "-D", "build", "."], ("buildx", "--builder", "k", "-D", "build"), (".",), True),
    (["buildx", "--builder=k", "build", "."], ("buildx", "--builder=k", "build"), (".",), True),
    (["buildx", "--debug=false", "--builder", "build", "build", "."],
     ("buildx", "--debug=false", "--builder", "build", "build"), (".",), True),
])
def test_the_build_commands(rest, words, args, via_buildx):
    command = split_build_command(rest)
    assert command is not None
    assert (command.words, command.args, command.via_buildx) == (words, args, via_buildx)


@pytest.mark.parametrize("rest", [["image", "ls"], ["builder", "prune"], ["buildx", "ls"], ["buildx", "--x", "build"],
                                  ["buildx"], ["images"], ["run", "build"], ["buildx", "--builder"],
                                  ["buildx", "-Dx", "build"]])
def test_other_commands_are_not_builds(rest):
    assert split_build_command(rest) is None


@pytest.mark.parametrize(("argv", "positionals"), [([], ()), ([".", "-q"], (".",)), (["a", "b"], ("a", "b")),
                                                   (["-t", "x", "--", "-"], ("-",))])
def test_positionals(argv, positionals):
    assert parse_build_args(argv).positionals == positionals


def test_own_options_are_taken_out_anywhere_and_docker_flags_kept_as_typed():
    parsed = parse_build_args(["--role-arn", ROLE, "-t", "img:1", ".", "--session-name=s", "--no-cache",
                               "--region", "eu-west-1", "--build-arg", "A=1", "--no-sts-cache", "-qf", "Dfile"])
    assert parsed.kept == ("-t", "img:1", ".", "--no-cache", "--build-arg", "A=1", "-qf", "Dfile")
    assert parsed.own == {"role_arn": ROLE, "session_name": "s", "region": "eu-west-1", "no_cache": True}
    assert parsed.build_args == ("A=1",)


def test_the_names_docker_build_owns_mean_dockers_flag_and_the_aliases_mean_csdockers():
    parsed = parse_build_args(["--tag", "img", "--session-tag", "team=ml", "--policy", "p.json",
                               "--session-policy", "scope.json", "--no-cache=false", "--no-sts-cache=true", "."])
    assert parsed.kept == ("--tag", "img", "--policy", "p.json", "--no-cache=false", ".")
    assert parsed.own == {"tags": ("team=ml",), "policy_file": "scope.json", "no_cache": True}


def test_a_value_flag_takes_the_next_word_whatever_it_looks_like():
    parsed = parse_build_args(["-t", "--role-arn", "--label", "--region", "."])
    assert parsed.kept == ("-t", "--role-arn", "--label", "--region", ".")
    assert parsed.own == {}


def test_double_dash_ends_the_flags():
    parsed = parse_build_args(["--", "--role-arn", ROLE])
    assert parsed.kept == ("--", "--role-arn", ROLE)
    assert parsed.own == {}


@pytest.mark.parametrize(("argv", "kept"), [
    (["--check", "."], ("--check", ".")),  # --check takes a value only with "="
    (["--check=true", "."], ("--check=true", ".")),
    (["-t=x", "-tx", "-qtx", "-"], ("-t=x", "-tx", "-qtx", "-")),
    (["-qt", "x", "."], ("-qt", "x", ".")),
])
def test_pflag_spellings(argv, kept):
    assert parse_build_args(argv).kept == kept


def test_build_args_and_secrets_are_collected_in_every_spelling():
    parsed = parse_build_args(["--build-arg=A", "--build-arg", "B=2", "--secret", "id=x,src=y", "--secret=id=z", "."])
    assert parsed.build_args == ("A", "B=2")
    assert parsed.secrets == ("id=x,src=y", "id=z")


@pytest.mark.parametrize(("argv", "message"), [
    (["--bogus", "."], "unknown flag: --bogus"),
    (["-Z", "."], "unknown shorthand flag: 'Z' in -Z"),
    (["--inject", "relay", "."], "--inject is an option of csdocker run only"),
    (["--dry-run", "."], "--dry-run is an option of csdocker run only"),
    (["--role-arn"], "flag needs an argument: --role-arn"),
    (["-t"], "flag needs an argument: 't' in -t"),
    (["--no-sts-cache=maybe", "."], 'invalid argument "maybe" for "--no-sts-cache" flag'),
    (["---x"], "bad flag syntax: ---x"),
])
def test_bad_command_lines(argv, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_build_args(argv)


@pytest.mark.parametrize(("argv", "wanted"), [(["--help"], True), (["-h"], True), ([".", "-qh"], True),
                                               (["--help=false", "."], False), (["."], False)])
def test_help(argv, wanted):
    assert parse_build_args(argv).help_requested is wanted


def test_no_own_option_name_in_a_build_is_a_build_flag():
    for flag in BUILD_OWN_FLAGS:
        for name in flag.names:
            assert BUILD_TABLE.by_long(name) is None, name
            assert BUILD_TABLE.by_short(name[1:]) is None, name


def test_every_source_option_can_be_spelled_in_a_build_and_only_three_names_are_dockers():
    assert {flag.dest for flag in BUILD_OWN_FLAGS} == {flag.dest for flag in OWN_FLAGS}
    in_a_build = {name for flag in BUILD_OWN_FLAGS for name in flag.names}
    shadowed = {name for flag in OWN_FLAGS for name in flag.names} - in_a_build
    assert shadowed == {"--tag", "--no-cache", "--policy"}


def test_the_flag_table_has_one_entry_per_spelling():
    names = [flag.name for flag in BUILD_FLAGS]
    shorts = [flag.short for flag in BUILD_FLAGS if flag.short]
    assert len(names) == len(set(names))
    assert len(shorts) == len(set(shorts))


_HELP_LINE = re.compile(r"^\s+(?:-(\w), )?--([\w-]+)(?: (\w+))?\s{2,}")


def _help_flags(argv: list[str], env: dict[str, str]) -> dict[str, tuple[str, bool]]:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    flags = {}
    for line in done.stdout.splitlines():
        found = _HELP_LINE.match(line)
        if found:
            flags["--" + found.group(2)] = (found.group(1) or "", found.group(3) is not None)
    assert len(flags) > 10, done.stdout  # the help was read
    return flags


_HELPS = [
    (["/usr/bin/docker", "build", "--help"], "0"),  # Debian's 20.10 (the test bed's), the legacy builder's flags
    (["/usr/bin/docker", "build", "--help"], "1"),  # and its BuildKit flags
]
if os.path.exists("/usr/local/bin/docker"):  # a newer CLI, where the machine has one (28.x without buildx here)
    _HELPS.append((["/usr/local/bin/docker", "build", "--help"], "0"))


@pytest.mark.parametrize(("argv", "buildkit"), _HELPS)
def test_the_table_knows_every_flag_the_cli_shows_with_its_arity(argv, buildkit):
    """The docker CLI is the oracle: each flag of its help, its shorthand, and whether it takes a value."""
    for name, (short, takes_value) in _help_flags(argv, {**os.environ, "DOCKER_BUILDKIT": buildkit}).items():
        flag = BUILD_TABLE.by_long(name)
        assert flag is not None, name
        assert flag.short == (f"-{short}" if short else None), name
        assert flag.takes_value == takes_value, name


def test_the_help_head_lists_each_build_option_once_by_its_build_names():
    head = build_help_head()
    listed = re.findall(r"^  (--[\w-]+(?:, --[\w-]+)*)", head, flags=re.MULTILINE)
    assert len(listed) == len({flag.dest for flag in BUILD_OWN_FLAGS if not flag.run_only})
    assert "--no-sts-cache" in listed
    assert "--session-tag" in listed
    assert not any(name in {"--no-cache", "--tag", "--policy"} for names in listed for name in names.split(", "))


def test_the_clis_argv_has_the_secrets_right_after_the_command_words():
    command = split_build_command(["buildx", "--builder", "k", "build", "-t", "x", "--", "."])
    assert command is not None
    argv = build_argv(["-H", "unix:///s"], command, parse_build_args(command.args).kept,
                      {"aws": "/dev/fd/5", "aws-config": "/dev/fd/6"})
    assert argv == ["-H", "unix:///s", "buildx", "--builder", "k", "build", "--secret", "id=aws,src=/dev/fd/5",
                    "--secret", "id=aws-config,src=/dev/fd/6", "-t", "x", "--", "."]
