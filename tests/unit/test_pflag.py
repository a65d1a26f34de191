"""options.pflag: the one parser of docker's flag syntax, on a small table of its own.

run's and the global options' use of it are pinned in test_runargs_parse and test_globalopts;
here are the parts only other commands use: interspersed positionals, ``kept``, ``stop_before``.
"""

from __future__ import annotations

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import OWN_FLAGS
from cloudshell_docker.options.pflag import Flag, FlagTable, parse

TABLE = FlagTable([
    Flag("--label", "-t"),
    Flag("--quiet", "-q", takes_value=False),
    Flag("--file", "-f"),
    Flag("--network", aliases=("--net",)),
    Flag("--help", takes_value=False),
])


@pytest.mark.parametrize(("argv", "flags", "positionals"), [
    (["-t", "x", ".", "-q"], [("--label", "x"), ("--quiet", True)], ["."]),
    ([".", "--file=Dockerfile.x", "--net", "host"], [("--file", "Dockerfile.x"), ("--network", "host")], ["."]),
    (["-qtx", "ctx", "more"], [("--quiet", True), ("--label", "x")], ["ctx", "more"]),
    (["-q", "--", "-t", "x"], [("--quiet", True)], ["-t", "x"]),
    (["-", "-q"], [("--quiet", True)], ["-"]),
    (["--quiet=false", "ctx"], [("--quiet", "false")], ["ctx"]),
])
def test_interspersed_flags_go_on_after_a_positional(argv, flags, positionals):
    parsed = parse(argv, TABLE, interspersed=True)
    assert list(parsed.flags) == flags
    assert list(parsed.positionals) == positionals
    assert list(parsed.kept) == argv  # nothing of csdocker's: everything is kept, in order


def test_not_interspersed_options_end_at_the_first_positional():
    parsed = parse(["-q", "ctx", "-t", "x"], TABLE, interspersed=False)
    assert parsed.flags == (("--quiet", True),)
    assert parsed.positionals == ("ctx", "-t", "x")


def test_own_options_are_taken_out_of_kept_wherever_they_stand():
    argv = ["--role-arn", "arn:aws:iam::123456789012:role/r", "-t", "x", ".", "--region=eu-west-1",
            "--label", "y", "--policy-arn", "p1", "--policy-arn=p2"]
    parsed = parse(argv, TABLE, own=OWN_FLAGS, interspersed=True)
    assert parsed.own == {"role_arn": "arn:aws:iam::123456789012:role/r", "region": "eu-west-1",
                          "policy_arns": ("p1", "p2")}
    assert parsed.kept == ("-t", "x", ".", "--label", "y")
    assert parsed.values("--label") == ["x", "y"]


def test_a_value_flag_takes_the_next_word_even_an_own_option():
    parsed = parse(["-t", "--role-arn", "."], TABLE, own=OWN_FLAGS, interspersed=True)
    assert parsed.flags == (("--label", "--role-arn"),)
    assert parsed.own == {}


@pytest.mark.parametrize(("argv", "message"), [
    (["--nope"], "unknown flag: --nope"),
    (["-z"], "unknown shorthand flag: 'z' in -z"),
    (["-qz"], "unknown shorthand flag: 'z' in -z"),
    (["--label"], "flag needs an argument: --label"),
    (["-t"], "flag needs an argument: 't' in -t"),
    (["---x"], "bad flag syntax: ---x"),
    (["--=x"], "bad flag syntax: --=x"),
    (["--quiet=maybe"], 'invalid argument "maybe" for "-q, --quiet" flag: strconv.ParseBool: parsing "maybe": '
                        "invalid syntax"),
    (["--no-cache=maybe"], 'invalid argument "maybe" for "--no-cache" flag: strconv.ParseBool: parsing "maybe": '
                           "invalid syntax"),
])
def test_errors_are_the_clis_words(argv, message):
    with pytest.raises(UsageError) as caught:
        parse(argv, TABLE, own=OWN_FLAGS, interspersed=True)
    assert caught.value.message == message


@pytest.mark.parametrize(("argv", "flags", "positionals"), [
    (["-q", "--help", "x"], [("--quiet", True)], ["--help", "x"]),
    (["-h", "x"], [], ["-h", "x"]),
    (["--help=true"], [], ["--help=true"]),
])
def test_stop_before_leaves_the_word_to_the_caller(argv, flags, positionals):
    table = FlagTable([Flag("--quiet", "-q", takes_value=False), Flag("--help", "-h", takes_value=False)])
    parsed = parse(argv, table, stop_before=("--help", "-h"))
    assert list(parsed.flags) == flags
    assert list(parsed.positionals) == positionals


def test_an_own_option_that_shadows_a_command_flag_is_a_programming_error():
    # docker build has --tag and --no-cache: a command whose table has them must not be given
    # csdocker's options of the same names (it spells them differently).
    with pytest.raises(ValueError, match="--tag"):
        parse(["x"], FlagTable([Flag("--tag", "-t")]), own=OWN_FLAGS)


def test_own_options_are_known_by_their_aliases_too():
    parsed = parse(["--no-sts-cache", "--session-tag", "a=b", "."], TABLE, own=OWN_FLAGS, interspersed=True)
    assert parsed.own == {"no_cache": True, "tags": ("a=b",)}
    assert parsed.kept == (".",)


def test_an_own_alias_that_shadows_a_command_flag_is_a_programming_error_too():
    with pytest.raises(ValueError, match="--session-tag"):
        parse(["x"], FlagTable([Flag("--session-tag")]), own=OWN_FLAGS)


def test_the_converted_values_are_kept_last_all_and_switch():
    table = FlagTable((Flag("--rm", takes_value=False), Flag("--count", convert=lambda text: int(text, 0)),
                       Flag("--env", "-e")))
    parsed = parse(["--rm=false", "--count", "7", "-e", "A=1", "--rm", "--count=0x10", "-eB"], table)
    assert parsed.switch("--rm") is True
    assert parsed.last("--count") == 16  # converted once, by the flag's own check
    assert parsed.all("--env") == ["A=1", "B"]
    assert parsed.last("--missing") is None
    assert parsed.switch("--missing") is False
    assert parsed.values("--rm") == ["false", True]  # as typed, still


def test_the_typed_readers_are_the_ones_every_command_uses_and_refuse_the_wrong_type():
    table = FlagTable((Flag("--rm", takes_value=False), Flag("--count", convert=lambda text: int(text, 0)),
                       Flag("--user", "-u"), Flag("--env", "-e")))
    parsed = parse(["-u", "root", "--count=3", "-e", "A", "-eB", "--rm=0"], table)
    assert parsed.text("--user") == "root"
    assert parsed.text("--missing", "dflt") == "dflt"
    assert parsed.switch("--rm", default=True) is False  # given false: the default does not apply
    assert parsed.converted.number("--count") == 3
    assert parsed.converted.number("--missing", -1) == -1
    assert parsed.converted.texts("--env") == ["A", "B"]
    with pytest.raises(TypeError, match="--count converts to int, not str"):
        parsed.text("--count")  # a reader of the wrong type is a bug, not a silent str()
    with pytest.raises(TypeError, match="--user converts to str, not bool"):
        parsed.switch("--user")
    with pytest.raises(TypeError, match="--count does not convert to strings"):
        parsed.converted.texts("--count")
