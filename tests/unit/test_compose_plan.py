"""csdocker compose's pure parts: its command line, which services get what, the override's text."""

from __future__ import annotations

import json

import pytest

from cloudshell_docker.compose.argv import parse_compose_args
from cloudshell_docker.compose.override import Override
from cloudshell_docker.compose.policy import plan_services
from cloudshell_docker.errors import UsageError


def test_compose_globals_and_csdocker_options_are_told_apart():
    args = parse_compose_args(["-f", "a.yml", "--role-arn", "arn:x", "--profile", "web", "--aws-profile", "dev",
                               "--dry-run", "-p", "proj", "up", "-d", "--role-arn", "stays"])
    assert args.globals_kept == ("-f", "a.yml", "--profile", "web", "--dry-run", "-p", "proj")
    assert args.own == {"role_arn": "arn:x", "profile": "dev"}
    assert args.subcommand == "up"
    assert args.args == ("-d", "--role-arn", "stays")  # the subcommand's words are compose's
    assert args.files == ["a.yml"]


def test_an_unknown_flag_is_refused_in_pflags_words():
    with pytest.raises(UsageError, match="unknown flag: --bogus"):
        parse_compose_args(["--bogus", "up"])


MODEL = {
    "name": "p",
    "services": {
        "plain": {"image": "x"},
        "keys": {"image": "x", "environment": {"AWS_ACCESS_KEY_ID": "mine"}},
        "keys_and_region": {"image": "x", "environment": {"AWS_PROFILE": "p", "AWS_DEFAULT_REGION": "r"}},
        "region": {"image": "x", "environment": {"AWS_REGION": "mine"}},
        "off": {"image": "x"},
        "roled": {"image": "x", "network_mode": "host"},
    },
    "x-csdocker": {"services": {"off": {"inject": "none"}, "roled": {"role-arn": "arn:r", "region": "eu-west-3"},
                                "not-in-the-model": {"inject": "relay"}}},
}


def test_each_service_gets_what_it_does_not_set_itself():
    plans = plan_services(MODEL, "env", "us-east-1")
    got = {name: (plan.inject, plan.credentials, plan.region, plan.role_arn) for name, plan in plans.items()}
    assert got == {
        "plain": ("env", True, "us-east-1", None),
        "keys": ("env", False, "us-east-1", None),
        "keys_and_region": (None, False, None, None),
        "region": ("env", True, None, None),
        "off": (None, True, "us-east-1", None),
        "roled": ("env", True, "eu-west-3", "arn:r"),
    }


def test_a_one_offs_own_variables_count_for_its_service_only():
    plans = plan_services(MODEL, "relay", None, "plain", {"AWS_SESSION_TOKEN"})
    assert plans["plain"].credentials is False
    assert plans["roled"].credentials is True
    assert plans["roled"].inject == "relay"


@pytest.mark.parametrize(("extension", "words"), [
    ({"services": {"a": {"inject": "sometimes"}}}, "inject: invalid value 'sometimes'"),
    ({"services": {"a": {"role_arn": "x"}}}, "unknown key 'role_arn'"),
    ({"services": {"a": {"region": ""}}}, "expected a non-empty string"),
    ({"inject": "relay"}, "expected a mapping with one key, services"),
])
def test_a_bad_extension_is_one_clear_line(extension, words):
    with pytest.raises(UsageError, match=words):
        plan_services({"services": {"a": {}}, "x-csdocker": extension}, "env", None)


def test_the_override_escapes_dollars_and_keeps_a_services_networks():
    override = Override()
    override.add_environment("a", {"AWS_SECRET_ACCESS_KEY": "a$b$$c"})
    override.add_network("a", None, "relaynet", {"priority": -1000000}, external_name="csdocker-relay")
    override.add_network("b", {"front": None, "back": {"aliases": ["x"]}}, "relaynet", {}, external_name="n")
    override.add_build_secrets("a", {"aws": "/dev/fd/5"})
    document = json.loads(override.render())
    assert document["services"]["a"]["environment"] == {"AWS_SECRET_ACCESS_KEY": "a$$b$$$$c"}
    assert document["services"]["a"]["networks"] == {"default": {}, "relaynet": {"priority": -1000000}}
    assert document["services"]["b"]["networks"] == {"front": {}, "back": {"aliases": ["x"]}, "relaynet": {}}
    assert document["networks"]["relaynet"] == {"name": "n", "external": True}
    assert document["services"]["a"]["build"] == {"secrets": [{"source": "csdocker-aws", "target": "aws"}]}
    assert document["secrets"] == {"csdocker-aws": {"file": "/dev/fd/5"}}


@pytest.mark.parametrize(("argv", "left"), [
    (["up", "-d"], False),
    (["up", "--help"], True),
    (["-f", "x.yml", "build", "-h"], True),
    (["ps"], True),
    (["--help"], True),
    (["run", "--rm", "app", "sh", "-h"], False),  # the container's command's -h
    (["run", "--help"], True),
    (["run", "--bogus", "app"], True),  # compose says what is wrong, in its words
    (["run"], True),
    (["exec", "-T", "app", "env"], False),
    (["up", "--", "-h"], False),
])
def test_what_compose_answers_by_itself_goes_to_it_unchanged(argv, left):
    from cloudshell_docker.compose.command import left_to_compose

    assert left_to_compose(parse_compose_args(argv)) is left
