"""csdocker env's formats, pinned where the format tests left room (found by scripts/mutation.sh)."""

from __future__ import annotations

import pytest

from cloudshell_docker.commands.envformat import format_env
from cloudshell_docker.errors import UsageError


def test_json_is_indented_by_two_spaces():
    text = format_env({"AWS_ACCESS_KEY_ID": "ASIAX", "AWS_REGION": "eu-west-1"}, "json")
    assert text == '{\n  "AWS_ACCESS_KEY_ID": "ASIAX",\n  "AWS_REGION": "eu-west-1"\n}\n'


def test_unknown_format_names_every_format():
    with pytest.raises(UsageError) as caught:
        format_env({"A": "1"}, "yaml")
    assert str(caught.value) == "invalid value 'yaml' for --format: expected one of sh, fish, powershell, dotenv, json"


@pytest.mark.parametrize("fmt", ["sh", "fish", "powershell", "dotenv", "json"])
def test_a_paragraph_separator_is_refused_like_a_line_break(fmt):
    # U+2029 (Zp), like U+2028 (Zl), ends a line for some readers.
    with pytest.raises(UsageError) as caught:
        format_env({"X": "para\u2029graph"}, fmt)
    assert str(caught.value) == "the value of X cannot be exported: it holds a control character or line break"
