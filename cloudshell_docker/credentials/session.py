"""One command's credentials: the chosen source, the region, and the variables a process gets.

``run`` and ``exec`` both open one: the options are checked and the source chosen before the
engine is asked anything; nothing is fetched until ``environment()`` is called (the env
injection) or the relay primes itself from ``source`` (the relay injection).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cloudshell_docker.credentials import select_source
from cloudshell_docker.credentials.model import CredentialSource, credential_env
from cloudshell_docker.credentials.region import resolve_region
from cloudshell_docker.options.own import SourceOptions
from cloudshell_docker.redact import register_secret

__all__ = ["CredentialSession", "open_session", "session_region", "warn"]


def warn(message: str) -> None:
    print(f"csdocker: warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class CredentialSession:
    source: CredentialSource
    region: str | None

    def environment(self) -> dict[str, str]:
        """Fetch now; the AWS_* variables for a process (the secrets are registered for redaction)."""
        creds = self.source.fetch()
        register_secret(creds.secret_access_key)
        register_secret(creds.session_token)
        return credential_env(creds, self.region)

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
    return CredentialSession(select_source(options, environ, prompt=prompt), region)


def session_region(options: SourceOptions, environ: Mapping[str, str]) -> str | None:
    """--region > AWS_REGION > AWS_DEFAULT_REGION > the profile's (None: no region)."""
    return resolve_region(options.region, environ, options.profile)
