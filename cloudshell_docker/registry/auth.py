"""Whose registry credentials the engine gets for one pull or push.

For an ECR private registry, in this order:

1. a credential helper the user configured for it (``credHelpers``, or a ``credsStore``
   that holds it): the user chose it, so it wins;
2. otherwise a fresh ECR token, from the same AWS credentials the container gets. A
   static ``auths`` entry is passed over: a stored ECR token expires within 12 hours
   and is most often stale.

Any other registry gets None: the engine's usual configuration applies, unchanged.
The token is asked for only here, so only when a pull or push really happens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.credentials.session import CredentialSession

if TYPE_CHECKING:
    from cloudshell_docker.registry.ecr import RegistryLogin
    from cloudshell_docker.registry.ecrhost import EcrHost

__all__ = ["HelperLookup", "RegistryAuth", "TokenFetcher"]

TokenFetcher = Callable[..., "RegistryLogin"]  # (EcrHost, AwsCredentials, *, profile) -> RegistryLogin


def _ecr_login(registry: EcrHost, credentials: AwsCredentials, *, profile: str | None = None) -> RegistryLogin:
    # registry.ecr's ecr_login, its modules imported on first use: every run builds a RegistryAuth,
    # few pull from ECR (start-up time).
    from cloudshell_docker.registry.ecr import ecr_login

    return ecr_login(registry, credentials, profile=profile)


class HelperLookup(Protocol):
    def helper_credentials(self, registry: str) -> Mapping[str, str] | None:
        """Credentials from a helper configured for ``registry``; None when there is none (or it has none)."""
        ...


@dataclass
class RegistryAuth:
    """The run's (or pull's, or push's) registry credentials, worked out per registry when needed."""

    credentials: Callable[[], AwsCredentials]
    profile: str | None = None
    fetch_token: TokenFetcher = _ecr_login  # unit tests put a stand-in at the network edge

    @classmethod
    def from_session(cls, session: CredentialSession) -> RegistryAuth:
        """Credentials fetched from ``session`` (registered as secrets there) only when a token is needed."""
        return cls(session.fetch, profile=session.profile)

    def for_registry(self, domain: str, helpers: HelperLookup) -> dict[str, str] | None:
        """X-Registry-Auth fields for ``domain``, or None to leave the engine's configuration in charge."""
        from cloudshell_docker.registry.ecrhost import parse_ecr_host

        registry = parse_ecr_host(domain)
        if registry is None:
            return None
        chosen = helpers.helper_credentials(domain)
        if chosen is not None:
            return dict(chosen)
        return self.fetch_token(registry, self.credentials(), profile=self.profile).auth_config(domain)
