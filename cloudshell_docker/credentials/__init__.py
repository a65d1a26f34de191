"""Credential sources behind one interface, and the choice between them.

    select_source(options, environ) -> CredentialSource
        --role-arn (or --source sts)            -> STS AssumeRole
        container endpoint variables are set   -> the container credentials endpoint
        otherwise (or --source chain/--profile)-> boto3's default chain, frozen
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cloudshell_docker.credentials.model import AwsCredentials, CredentialSource, credential_env
from cloudshell_docker.options import SourceOptions

__all__ = ["AwsCredentials", "CredentialSource", "credential_env", "select_source"]


def select_source(
    options: SourceOptions,
    environ: Mapping[str, str],
    *,
    prompt: Callable[[str], str] | None = None,
) -> CredentialSource:
    """The source ``options`` and ``environ`` call for. ``prompt`` asks the person at
    the terminal for an MFA code (default: read from /dev/tty)."""
    raise NotImplementedError
