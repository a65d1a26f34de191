"""Credential sources behind one interface, and the choice between them.

    select_source(options, environ) -> CredentialSource
        --role-arn (or --source sts)             -> STS AssumeRole (roleopts + sts), behind the cache
        container endpoint variables are set    -> the container credentials endpoint (container)
        otherwise (or --source chain/--profile) -> boto3's default chain, frozen (chain)

Each source module is imported only when chosen: the endpoint path never imports boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from cloudshell_docker.credentials.model import AwsCredentials, CredentialSource, credential_env
from cloudshell_docker.errors import CredentialError, UsageError
from cloudshell_docker.options.own import SourceOptions

__all__ = ["AwsCredentials", "CredentialSource", "choose_source", "credential_env", "select_source"]

SourceKind = Literal["endpoint", "sts", "chain"]

# Options that only mean something to AssumeRole, by SourceOptions field, with their flag.
_STS_ONLY = (
    ("session_name", "--session-name"),
    ("duration", "--duration"),
    ("external_id", "--external-id"),
    ("mfa_serial", "--mfa-serial"),
    ("mfa_token", "--mfa-token"),
    ("policy_arns", "--policy-arn"),
    ("policy_file", "--policy"),
    ("source_identity", "--source-identity"),
    ("tags", "--tag"),
)


def choose_source(options: SourceOptions, environ: Mapping[str, str]) -> SourceKind:
    """Which source ``options`` and ``environ`` call for; UsageError for options that contradict."""
    from cloudshell_docker.credentials.container import FULL_URI_VAR, RELATIVE_URI_VAR, endpoint_configured

    forced = options.source
    if options.role_arn:
        if forced in ("endpoint", "chain"):
            raise UsageError(f"--role-arn cannot be used with --source {forced}")
        return "sts"
    if forced == "sts":
        raise UsageError("--source sts needs --role-arn")
    for name, flag in _STS_ONLY:
        if getattr(options, name):
            raise UsageError(f"{flag} needs --role-arn")
    if forced == "endpoint":
        if options.profile:
            raise UsageError("--profile cannot be used with --source endpoint")
        if not endpoint_configured(environ):
            raise CredentialError(
                f"--source endpoint: neither {FULL_URI_VAR} nor {RELATIVE_URI_VAR} is set"
            )
        return "endpoint"
    if forced == "chain" or options.profile:
        return "chain"
    return "endpoint" if endpoint_configured(environ) else "chain"


def select_source(
    options: SourceOptions,
    environ: Mapping[str, str],
    *,
    prompt: Callable[[str], str] | None = None,
) -> CredentialSource:
    """The source ``options`` and ``environ`` call for. ``prompt`` asks the person at
    the terminal for an MFA code (default: read from /dev/tty), inside ``fetch``.

    Every option is checked here, before any network call; nothing is fetched yet.
    """
    kind = choose_source(options, environ)
    if kind == "sts":
        from cloudshell_docker.credentials.cache import with_cache
        from cloudshell_docker.credentials.roleopts import assume_role_settings
        from cloudshell_docker.credentials.sts import StsAssumeRoleSource

        # Assumed-role sessions are reused across runs (unless --no-cache): scripts
        # that start many containers would otherwise be throttled by STS.
        return with_cache(StsAssumeRoleSource(assume_role_settings(options), prompt=prompt), options)
    if kind == "endpoint":
        from cloudshell_docker.credentials.container import ContainerEndpointSource

        return ContainerEndpointSource(environ)
    from cloudshell_docker.credentials.chain import DefaultChainSource

    return DefaultChainSource(options.profile)
