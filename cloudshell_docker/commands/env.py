"""``csdocker env``: the credentials as export lines (or dotenv, json, ...), for other tools.

    eval "$(csdocker env)"                                  # sh, bash, zsh
    csdocker env --format fish | source                     # fish
    csdocker env --format powershell | Invoke-Expression    # PowerShell

Only the variables go to stdout, so the output can be evaluated or redirected as
it is; warnings (no region) go to stderr.
"""

from __future__ import annotations

import sys
from typing import TextIO

from cloudshell_docker.commands.envformat import FORMATS, format_env
from cloudshell_docker.credentials.model import CREDENTIAL_VARIABLES, EXPIRY_VARIABLE
from cloudshell_docker.credentials.session import CommandOptions
from cloudshell_docker.errors import UsageError

__all__ = ["CLEARED_WHEN_ABSENT", "env_command"]

# Evaluated over the output of an earlier run, a stale token or expiry would pair
# with the new key: the shell formats unset these when the credentials have none.
CLEARED_WHEN_ABSENT = (CREDENTIAL_VARIABLES[2], EXPIRY_VARIABLE)  # AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION


def env_command(
    options: CommandOptions,
    fmt: str,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Print the credential variables in format ``fmt``; return the exit status."""
    if fmt not in FORMATS:  # before any credentials are fetched
        raise UsageError(f"invalid value {fmt!r} for --format: expected one of {', '.join(FORMATS)}")
    out = sys.stdout if stdout is None else stdout
    session = options.open_session()
    text = format_env(session.environment(), fmt, clear=CLEARED_WHEN_ABSENT)  # STS sessions come through the cache
    session.warn_if_no_region("the output sets none", stream=stderr)
    out.write(text)
    out.flush()
    return 0
