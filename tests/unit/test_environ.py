"""CSDOCKER_* variables as defaults for csdocker's own options: names, the precedence, lists, switches, errors."""

from __future__ import annotations

import subprocess

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.environ import attributed, merge_own, variable_for
from cloudshell_docker.options.own import OWN_FLAGS, run_own_options
from cloudshell_docker.run.helptext import run_help
from tests.support.proc import CSDOCKER, clean_env


def test_every_own_option_has_a_variable_named_after_it():
    names = {flag.name: variable_for(flag) for flag in OWN_FLAGS}
    assert names["--role-arn"] == "CSDOCKER_ROLE_ARN"
    assert names["--no-cache"] == "CSDOCKER_NO_CACHE"
    assert names["--policy-arn"] == "CSDOCKER_POLICY_ARN"
    assert names["--inject"] == "CSDOCKER_INJECT"
    assert len(set(names.values())) == len(OWN_FLAGS)


def test_a_flag_wins_over_its_variable_and_the_others_fill_in():
    merged = merge_own({"role_arn": "arn:flag"}, {"CSDOCKER_ROLE_ARN": "arn:var", "CSDOCKER_REGION": "eu-west-3",
                                                  "CSDOCKER_INJECT": "relay"})
    assert merged.values == {"role_arn": "arn:flag", "region": "eu-west-3", "inject": "relay"}
    assert merged.origins == {"region": "CSDOCKER_REGION", "inject": "CSDOCKER_INJECT"}
    own = run_own_options(merged.values)
    assert (own.inject, own.source.region, own.source.role_arn) == ("relay", "eu-west-3", "arn:flag")


def test_an_empty_variable_is_not_set():
    assert merge_own({}, {"CSDOCKER_INJECT": "", "CSDOCKER_TAG": ""}).values == {}


def test_a_list_variable_is_comma_separated_and_the_command_line_replaces_it():
    environ = {"CSDOCKER_TAG": "team=data, project=x y ,", "CSDOCKER_POLICY_ARN": "arn:a,arn:b"}
    assert merge_own({}, environ).values == {"tags": ("team=data", "project=x y"), "policy_arns": ("arn:a", "arn:b")}
    assert merge_own({"tags": ("only=this",)}, environ).values["tags"] == ("only=this",)


@pytest.mark.parametrize(("text", "value"), [("1", True), ("true", True), ("TRUE", True), ("t", True),
                                             ("0", False), ("false", False), ("F", False)])
def test_a_switch_takes_gos_booleans(text, value):
    assert merge_own({}, {"CSDOCKER_NO_CACHE": text}).values == {"no_cache": value}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CSDOCKER_NO_CACHE": "yes"}, "invalid value 'yes' for CSDOCKER_NO_CACHE: expected a boolean"),
        ({"CSDOCKER_SOURCE": "magic"}, "invalid value 'magic' for CSDOCKER_SOURCE: expected one of auto, endpoint"),
        ({"CSDOCKER_INJECT": "file"}, "invalid value 'file' for CSDOCKER_INJECT: expected one of env, relay"),
    ],
)
def test_a_bad_value_names_the_variable(environ, message):
    with pytest.raises(UsageError) as caught:
        merge_own({}, environ)
    assert caught.value.message.startswith(message)


def test_a_bad_value_on_the_command_line_hides_nothing_of_the_variable():
    # the flag is given: a bad variable of the same option is never read
    assert merge_own({"no_cache": True}, {"CSDOCKER_NO_CACHE": "yes"}).values == {"no_cache": True}


def test_later_checks_name_the_variable_a_value_came_from():
    with pytest.raises(UsageError) as caught, attributed({"duration": "CSDOCKER_DURATION"}):
        raise UsageError("invalid --duration 12: must be between 900 and 43200 seconds")
    assert caught.value.message.endswith("(from CSDOCKER_DURATION)")
    with pytest.raises(UsageError) as caught, attributed({"policy_arns": "CSDOCKER_POLICY_ARN"}):
        raise UsageError("invalid --policy 'x'")  # --policy is not --policy-arn
    assert "CSDOCKER" not in caught.value.message


def test_run_help_shows_each_variable():
    text = run_help()
    for flag in OWN_FLAGS:
        assert f"(env: {variable_for(flag)})" in text


@pytest.mark.parametrize("command", ["env", "whoami", "exec", "run"])
def test_every_commands_help_shows_the_variables(command):
    done = subprocess.run([*CSDOCKER, command, "--help"], env=clean_env({"COLUMNS": "300"}), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    for flag in OWN_FLAGS:
        if command in ("env", "whoami") and flag.run_only:
            continue
        assert f"(env: {variable_for(flag)})" in flat, flag.name


@pytest.mark.parametrize(
    ("command", "code"),
    [(["env"], 2), (["whoami"], 2), (["run", "--rm", "local/busybox", "true"], 125),
     (["exec", "some-box", "true"], 125)],
)
def test_a_bad_variable_is_one_line_naming_it_before_anything_is_done(command, code):
    done = subprocess.run([*CSDOCKER, *command], env=clean_env({"CSDOCKER_SOURCE": "magic"}), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == code
    assert done.stderr.startswith("csdocker: invalid value 'magic' for CSDOCKER_SOURCE")
    assert done.stderr.count("\n") == 1
