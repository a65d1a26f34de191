"""csdocker env's formats: each shell's output, evaluated by that shell, sets exactly the values given.

The shells that are installed here evaluate the output for real (bash and dash
always; fish and pwsh where present); PowerShell and fish also have a quoting
table, checked against the rules of their single-quoted strings.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from cloudshell_docker.commands.envformat import FORMATS, ONE_LINERS, format_env
from cloudshell_docker.errors import UsageError

# Values chosen to break a naive quoting: every quote kind, expansions, escapes, globs, comments,
# line breaks, leading dashes, non-ASCII (PowerShell also ends a string at curly single quotes).
NASTY = [
    "plain",
    "",
    "it's",
    "'",
    "''",
    '"double"',
    "$HOME",
    "${HOME}",
    "$(touch /tmp/csdt-pwned)",
    "`touch /tmp/csdt-pwned`",
    "back\\slash",
    "trailing\\",
    "\\'",
    "\\\\'\\",
    "!event",
    "*",
    "~",
    "a;b&c|d",
    "# not a comment",
    "-n",
    "--",
    "%PATH%",
    "{a,b}",
    "set -gx X y",
    "\u2018curly\u2019 \u201asingle\u201b",
    "\u201cdouble curly\u201d",
    "é ünïcödé 雪 🎉",
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+/=",
    " leading and trailing spaces ",
]

VARIABLES = {f"CSDT_V{i}": value for i, value in enumerate(NASTY)}

# Refused in every format, whatever the quoting: line breaks, NUL and the other control characters,
# alone or with the quotes and expansions that would turn a line break into a second command.
CONTROL = [
    "a\nb",
    "ends with newline\n",
    "\n\n",
    "tab\there",
    "cr\rmid",
    "ends\r",
    "nul\0byte",
    "x\nStart-Process calc.exe #",
    "x'\n$(touch /tmp/csdt-pwned)\n'",
    "`touch /tmp/csdt-pwned`\n",
    "\"quoted\"\r\n",
    "del\x7f",
    "c1\x85next-line",
    "u2028\u2028line",
    "esc\x1b[31m",
]


def run_shell(argv: list[str], script: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Run ``script`` (which ends by printing ``env -0``) and return the environment it printed."""
    done = subprocess.run([*argv, script], capture_output=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    pairs = [item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item]
    return dict(pairs)  # type: ignore[arg-type]


SH_SHELLS = [name for name in ("bash", "dash", "sh", "zsh", "ksh") if shutil.which(name)]


@pytest.mark.parametrize("shell", SH_SHELLS)
def test_sh_output_evaluated_by_eval_sets_exact_values(shell, tmp_path):
    out = tmp_path / "out"
    out.write_text(format_env(VARIABLES, "sh"))
    # Exactly the documented one-liner: eval "$(csdocker env)" (command substitution drops trailing newlines).
    seen = run_shell([shell, "-c"], f'eval "$(cat {out})" && exec env -0', env={"PATH": "/usr/bin:/bin"})
    for name, value in VARIABLES.items():
        assert seen.get(name) == value, (name, value)
    assert not (tmp_path / "csdt-pwned").exists()


@pytest.mark.parametrize("shell", SH_SHELLS)
def test_sh_output_unsets_a_stale_token(shell, tmp_path):
    out = tmp_path / "out"
    out.write_text(format_env({"AWS_ACCESS_KEY_ID": "AKIDNEW"}, "sh",
                              clear=("AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")))
    env = {"PATH": "/usr/bin:/bin", "AWS_SESSION_TOKEN": "stale", "AWS_CREDENTIAL_EXPIRATION": "then"}
    seen = run_shell([shell, "-c"], f'eval "$(cat {out})" && exec env -0', env=env)
    assert seen["AWS_ACCESS_KEY_ID"] == "AKIDNEW"
    assert "AWS_SESSION_TOKEN" not in seen
    assert "AWS_CREDENTIAL_EXPIRATION" not in seen


# fish and pwsh are evaluated only where installed; the quoting tables below always run.
def test_fish_output_sourced_by_fish_sets_exact_values(fish, tmp_path):
    out = tmp_path / "out.fish"
    out.write_text(format_env(VARIABLES, "fish", clear=("AWS_SESSION_TOKEN",)))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_SESSION_TOKEN": "stale"}
    seen = run_shell([fish, "--no-config", "-c"], f"cat {out} | source; and exec env -0", env=env)
    for name, value in VARIABLES.items():
        assert seen.get(name) == value, (name, value)
    assert "AWS_SESSION_TOKEN" not in seen


@pytest.mark.parametrize("pwsh", [p for p in [shutil.which("pwsh")] if p])
def test_powershell_output_evaluated_by_pwsh_sets_exact_values(pwsh, tmp_path):
    out = tmp_path / "out.ps1"
    out.write_text(format_env(VARIABLES, "powershell"), encoding="utf-8")
    script = f"Get-Content -Raw -Encoding utf8 '{out}' | Invoke-Expression; & env -0"
    seen = run_shell([pwsh, "-NoProfile", "-NonInteractive", "-Command"], script,
                     env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    for name, value in VARIABLES.items():
        assert seen.get(name) == value, (name, value)


@pytest.mark.parametrize(
    ("value", "fish_line"),
    [
        ("plain", "set -gx X 'plain';"),
        ("it's", "set -gx X 'it\\'s';"),
        ("back\\slash", "set -gx X 'back\\\\slash';"),
        ("trailing\\", "set -gx X 'trailing\\\\';"),
        ("$HOME (echo x)", "set -gx X '$HOME (echo x)';"),  # no expansion inside single quotes
        ('"', "set -gx X '\"';"),
    ],
)
def test_fish_quoting_table(value, fish_line):
    assert format_env({"X": value}, "fish") == fish_line + "\n"


@pytest.mark.parametrize(
    ("value", "ps_line"),
    [
        ("plain", "$Env:X = 'plain'"),
        ("it's", "$Env:X = 'it''s'"),
        ("$HOME $(whoami) `n", "$Env:X = '$HOME $(whoami) `n'"),  # no expansion, no escapes in single quotes
        ("back\\slash", "$Env:X = 'back\\slash'"),
        ("\u2018a\u2019b\u201ac\u201b", "$Env:X = '\u2018\u2018a\u2019\u2019b\u201a\u201ac\u201b\u201b'"),
        ("\u201cq\u201d", "$Env:X = '\u201cq\u201d'"),  # curly double quotes need nothing
    ],
)
def test_powershell_quoting_table(value, ps_line):
    assert format_env({"X": value}, "powershell") == ps_line + "\n"


def test_powershell_and_fish_clear_lines():
    clear = ("AWS_SESSION_TOKEN",)
    assert format_env({}, "powershell", clear) == "Remove-Item -ErrorAction SilentlyContinue Env:AWS_SESSION_TOKEN\n"
    assert format_env({}, "fish", clear) == "set -e AWS_SESSION_TOKEN;\n"
    assert format_env({"AWS_SESSION_TOKEN": "t"}, "sh", clear) == "export AWS_SESSION_TOKEN=t\n"


def test_sh_lines_are_the_export_lines():
    text = format_env({"AWS_ACCESS_KEY_ID": "ASIAX", "AWS_SECRET_ACCESS_KEY": "a/b+c="}, "sh")
    assert text == "export AWS_ACCESS_KEY_ID=ASIAX\nexport AWS_SECRET_ACCESS_KEY=a/b+c=\n"


def test_json_round_trips_exactly():
    assert json.loads(format_env(VARIABLES, "json")) == VARIABLES


def test_json_and_dotenv_never_carry_clear_lines():
    clear = ("AWS_SESSION_TOKEN",)
    assert json.loads(format_env({"A": "1"}, "json", clear)) == {"A": "1"}
    assert format_env({"A": "1"}, "dotenv", clear) == "A=1\n"


def test_dotenv_lines_are_literal():
    text = format_env({"A": "it's \"$x\" # here ", "B": "", "C": "a=b"}, "dotenv")
    assert text == "A=it's \"$x\" # here \nB=\nC=a=b\n"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", CONTROL)
def test_every_format_refuses_control_characters(fmt, value):
    with pytest.raises(UsageError) as info:
        format_env({"A": "fine", "X": value}, fmt)
    message = str(info.value)
    assert message == "the value of X cannot be exported: it holds a control character or line break"
    assert value not in message


def test_unknown_format_is_a_usage_error():
    with pytest.raises(UsageError, match="yaml"):
        format_env({"A": "1"}, "yaml")


def test_every_format_has_a_documented_one_liner():
    assert set(ONE_LINERS) == set(FORMATS)
    assert ONE_LINERS["sh"] == 'eval "$(csdocker env)"'


# Pinned where the tests above left room (found by scripts/mutation.sh):


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
