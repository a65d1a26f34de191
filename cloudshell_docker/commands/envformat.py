"""Credential variables as text another tool reads: shell export lines, a dotenv file, JSON. Pure.

Every shell format quotes each value so that evaluating the output sets exactly
that value. A value with a control character (a line break above all) is refused in
every format: the sources already refuse such credentials, and this is the second line
of defence, because a line break is where a quoting rule most often has a gap (PowerShell's
single quotes let one through to Invoke-Expression's next statement). Variables in ``clear`` (the session
token and expiry when the credentials have none) are unset instead, so that
evaluating the output over an earlier one leaves no stale value behind.
"""

from __future__ import annotations

import json
import shlex
import unicodedata
from collections.abc import Collection, Mapping

from cloudshell_docker.errors import UsageError

__all__ = ["FORMATS", "ONE_LINERS", "format_env"]

FORMATS = ("sh", "fish", "powershell", "dotenv", "json")

# How each format is meant to be consumed; shown in `csdocker env --help` and the README.
ONE_LINERS = {
    "sh": 'eval "$(csdocker env)"',
    "fish": "csdocker env --format fish | source",
    "powershell": "csdocker env --format powershell | Invoke-Expression",
    "dotenv": "docker run --env-file <(csdocker env --format dotenv) ...",
    "json": "csdocker env --format json | jq .",
}

# PowerShell's single-quoted strings end at any of these, and each is escaped by doubling it.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def _sh(name: str, value: str) -> str:
    return f"export {name}={shlex.quote(value)}"


def _fish_quote(value: str) -> str:
    # Inside fish's single quotes only \\ and \' are escapes; everything else, newlines too, is literal.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(value: str) -> str:
    return "'" + "".join(ch * 2 if ch in _PS_QUOTES else ch for ch in value) + "'"


def _dotenv_line(name: str, value: str) -> str:
    # docker's --env-file takes everything after the first "=" literally, one line per
    # variable, with no quoting at all (control characters are refused before this).
    return f"{name}={value}"


def _check_value(name: str, value: str) -> None:
    # Cc: C0 and C1 controls, DEL, NUL; Zl/Zp: U+2028/U+2029, which some readers take as line ends.
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise UsageError(f"the value of {name} cannot be exported: it holds a control character or line break")


def format_env(variables: Mapping[str, str], fmt: str, clear: Collection[str] = ()) -> str:
    """``variables`` in format ``fmt`` (one of FORMATS), ending with a newline."""
    for name, value in variables.items():
        _check_value(name, value)
    if fmt == "sh":
        lines = [_sh(name, value) for name, value in variables.items()]
        lines += [f"unset {name}" for name in clear if name not in variables]
    elif fmt == "fish":
        lines = [f"set -gx {name} {_fish_quote(value)};" for name, value in variables.items()]
        lines += [f"set -e {name};" for name in clear if name not in variables]
    elif fmt == "powershell":
        lines = [f"$Env:{name} = {_ps_quote(value)}" for name, value in variables.items()]
        lines += [f"Remove-Item -ErrorAction SilentlyContinue Env:{name}" for name in clear if name not in variables]
    elif fmt == "dotenv":
        lines = [_dotenv_line(name, value) for name, value in variables.items()]
    elif fmt == "json":
        lines = [json.dumps(dict(variables), indent=2)]
    else:
        raise UsageError(f"invalid value {fmt!r} for --format: expected one of {', '.join(FORMATS)}")
    return "".join(line + "\n" for line in lines)
