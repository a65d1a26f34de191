"""``csdocker env``: the credentials as export lines (or dotenv, json, ...), for other tools.

    eval "$(csdocker env)"                                  # sh, bash, zsh
    csdocker env --format fish | source                     # fish
    csdocker env --format powershell | Invoke-Expression    # PowerShell

Only the variables go to stdout, so the output can be evaluated or redirected as
it is; warnings (no region) go to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from cloudshell_docker.commands.envformat import FORMATS, format_env
from cloudshell_docker.console import warn
from cloudshell_docker.credentials import credential_env, select_source
from cloudshell_docker.credentials.region import resolve_region
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import SourceOptions
from cloudshell_docker.redact import register_secret

__all__ = ["CLEARED_WHEN_ABSENT", "env_command"]

# Evaluated over the output of an earlier run, a stale token or expiry would pair
# with the new key: the shell formats unset these when the credentials have none.
CLEARED_WHEN_ABSENT = ("AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")


def env_command(
    options: SourceOptions,
    fmt: str,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Print the credential variables in format ``fmt``; return the exit status."""
    if fmt not in FORMATS:  # before any credentials are fetched
        raise UsageError(f"invalid value {fmt!r} for --format: expected one of {', '.join(FORMATS)}")
    environ = dict(os.environ) if environ is None else environ
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr

    region = resolve_region(options.region, environ, options.profile)
    creds = select_source(options, environ).fetch()  # assumed-role sessions come through the cache
    register_secret(creds.secret_access_key)
    register_secret(creds.session_token)
    text = format_env(credential_env(creds, region), fmt, clear=CLEARED_WHEN_ABSENT)
    if region is None:
        warn("no AWS region configured (--region, AWS_REGION, AWS_DEFAULT_REGION or the profile); "
             "the output sets none", stream=err)
    out.write(text)
    out.flush()
    return 0
