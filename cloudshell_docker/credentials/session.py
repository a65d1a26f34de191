"""One command's credentials: the chosen source, the region, and the variables a process gets.

````run`` and ``exec`` both read their own options the same way (``command_options``: the command
line over the CSDOCKER_* variables) and open one session: the options are checked and the source chosen before the
engine is asked anything; nothing is fetched until ``environment()`` is called (the env
injection) or the relay primes itself from ``source`` (the relay injection).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cloudshell_docker.console import warn
from cloudshell_docker.credentials import select_source
from cloudshell_docker.credentials.model import AwsCredentials, CredentialSource, credential_env
from cloudshell_docker.credentials.region import resolve_region
from cloudshell_docker.options.environ import attributed, merge_own
from cloudshell_docker.options.own import OwnValues, RunOwnOptions, SourceOptions, run_own_options
from cloudshell_docker.redact import register_secret

__all__ = ["CommandOptions", "CredentialSession", "command_options", "open_session", "session_region"]


@dataclass(frozen=True)
class CredentialSession:
    source: CredentialSource
    region: str | None
    profile: str | None = None  # --profile: also for the registry's (ECR's) own calls

    def fetch(self) -> AwsCredentials:
        """Fetch now (the secrets are registered for redaction)."""
        creds = self.source.fetch()
        register_secret(creds.secret_access_key)
        register_secret(creds.session_token)
        return creds

    def variables(self, creds: AwsCredentials) -> dict[str, str]:
        """The AWS_* variables of ``creds`` for a process, with the region."""
        return credential_env(creds, self.region)

    def environment(self) -> dict[str, str]:
        """Fetch now; the AWS_* variables for a process."""
        return self.variables(self.fetch())

    def warn_if_no_region(self, receiver: str = "the container") -> None:
        if self.region is None:
            warn("no AWS region configured (--region, AWS_REGION, AWS_DEFAULT_REGION or the profile); "
                 f"{receiver} gets none")


def open_session(
    options: SourceOptions,
    environ: Mapping[str, str],
    region: str | None,
    *,
    prompt: Callable[[str], str] | None = None,
) -> CredentialSession:
    """Check the options and choose the source (no network call). ``region``: as ``session_region``
    resolved it; ``prompt``: how an MFA code is asked for (default: on /dev/tty)."""
    return CredentialSession(select_source(options, environ, prompt=prompt), region, options.profile)


def session_region(options: SourceOptions, environ: Mapping[str, str]) -> str | None:
    """--region > AWS_REGION > AWS_DEFAULT_REGION > the profile's (None: no region)."""
    return resolve_region(options.region, environ, options.profile)


@dataclass(frozen=True)
class CommandOptions:
    """``run``'s or ``exec``'s own options: the command line's over the CSDOCKER_* variables, which
    came from a variable (dest -> its name, so that a complaint names it), and the region."""

    own: RunOwnOptions
    origins: Mapping[str, str]
    region: str | None
    environ: Mapping[str, str]

    def open_session(self, prompt: Callable[[str], str] | None = None) -> CredentialSession:
        """Check the source options and choose the source (nothing fetched yet)."""
        with attributed(self.origins):
            return open_session(self.own.source, self.environ, self.region, prompt=prompt)


def command_options(given: OwnValues, environ: Mapping[str, str]) -> CommandOptions:
    """The own options typed (``given``) over their variables; UsageError naming a bad one."""
    merged = merge_own(given, environ)
    with attributed(merged.origins):
        own = run_own_options(merged.values)
    return CommandOptions(own, merged.origins, session_region(own.source, environ), environ)
