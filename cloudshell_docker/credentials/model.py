"""The credentials csdocker hands to a container, and the interface of their sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

__all__ = [
    "CREDENTIAL_BEARING_PREFIXES",
    "CREDENTIAL_BEARING_VARIABLES",
    "CREDENTIAL_VARIABLES",
    "EXPIRY_VARIABLE",
    "REGION_VARIABLES",
    "AwsCredentials",
    "CredentialSource",
    "credential_env",
    "credential_names",
    "env_names",
    "is_credential_bearing",
    "under_users_env",
]

# The variables a process gets, listed once: the key pair and token, the region, the expiry.
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
EXPIRY_VARIABLE = "AWS_CREDENTIAL_EXPIRATION"
# Every variable the AWS SDKs take credentials from, or where to fetch them (botocore's
# providers): a build argument of one lands in the image's history.
CREDENTIAL_BEARING_VARIABLES = (
    *CREDENTIAL_VARIABLES,
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CREDENTIAL_FILE",
    "AWS_LOGIN_CACHE_DIRECTORY",
)
CREDENTIAL_BEARING_PREFIXES = ("AWS_BEARER_TOKEN_",)


@dataclass(frozen=True)
class AwsCredentials:
    """Temporary (or, from the default chain, possibly long-lived) AWS credentials.

    The secret parts are kept out of ``repr`` so that a traceback or a log line
    that shows this object never shows them.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None  # timezone-aware, UTC

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.expiration is None:
            return None
        return (self.expiration - (now or datetime.now(UTC))).total_seconds()

    def is_expired(self, now: datetime | None = None) -> bool:
        left = self.seconds_left(now)
        return left is not None and left <= 0


class CredentialSource(Protocol):
    """Where credentials come from. ``fetch`` may be called again to refresh them."""

    @property
    def description(self) -> str:
        """A short human name for messages, e.g. ``container endpoint``; never a secret."""
        ...

    def fetch(self) -> AwsCredentials:
        """Fresh (or still valid) credentials, or ``CredentialError``."""
        ...


def credential_env(creds: AwsCredentials, region: str | None) -> dict[str, str]:
    """The variables a container gets: the key pair, the session token, the region, the expiry."""
    key_id, secret_key, token = CREDENTIAL_VARIABLES
    env = {key_id: creds.access_key_id, secret_key: creds.secret_access_key}
    if creds.session_token:
        env[token] = creds.session_token
    if region:
        env.update(dict.fromkeys(REGION_VARIABLES, region))
    if creds.expiration is not None:
        env[EXPIRY_VARIABLE] = creds.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return env


def credential_names(region: bool) -> list[str]:
    """The names ``credential_env`` may set, in its order (a dry run's ``-e NAME`` list)."""
    return [*CREDENTIAL_VARIABLES, *(REGION_VARIABLES if region else ()), EXPIRY_VARIABLE]


def env_names(env: Iterable[str]) -> set[str]:
    """The names a docker ``Env`` list (``NAME=value`` or a bare ``NAME``) sets."""
    return {entry.split("=", 1)[0] for entry in env}


def under_users_env(env: Iterable[str], variables: Mapping[str, str]) -> list[str]:
    """``env`` (the user's ``-e``/``--env-file`` entries), then those of ``variables`` whose names it does
    not set: a variable the user set explicitly wins, left as the user gave it."""
    entries = list(env)
    given = env_names(entries)
    return entries + [f"{name}={value}" for name, value in variables.items() if name not in given]


def is_credential_bearing(name: str) -> bool:
    """``name`` is a variable the AWS SDKs take credentials (or where to fetch them) from."""
    return name in CREDENTIAL_BEARING_VARIABLES or name.startswith(CREDENTIAL_BEARING_PREFIXES)
