"""csdocker env's formats, pinned where the format tests left room (found by scripts/mutation.sh)."""

from __future__ import annotations

import pytest

from cloudshell_docker.commands.envformat import format_env
from cloudshell_docker.errors import UsageError


@pytest.mark.parametrize("value", ["nul\0inside", "\0", "ends in nul\0"])
def test_dotenv_refuses_a_nul(value):
    # docker's --env-file reads a C string per line: everything after a NUL would be lost.
    with pytest.raises(UsageError) as caught:
        format_env({"AWS_SESSION_TOKEN": value}, "dotenv")
    assert str(caught.value).startswith("the value of AWS_SESSION_TOKEN cannot be written as a dotenv line")
    assert "\0" not in str(caught.value)


@pytest.mark.parametrize("value", ["cr\rinside", "tab\tis fine"])
def test_dotenv_keeps_what_docker_reads_back_unchanged(value):
    # docker strips one trailing CR per line, so only a CR at the end is lost.
    assert format_env({"X": value}, "dotenv") == f"X={value}\n"


def test_json_is_indented_by_two_spaces():
    text = format_env({"AWS_ACCESS_KEY_ID": "ASIAX", "AWS_REGION": "eu-west-1"}, "json")
    assert text == '{\n  "AWS_ACCESS_KEY_ID": "ASIAX",\n  "AWS_REGION": "eu-west-1"\n}\n'


def test_unknown_format_names_every_format():
    with pytest.raises(UsageError) as caught:
        format_env({"A": "1"}, "yaml")
    assert str(caught.value) == "invalid value 'yaml' for --format: expected one of sh, fish, powershell, dotenv, json"
