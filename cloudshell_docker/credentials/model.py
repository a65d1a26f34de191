"""The credentials csdocker hands to a container, and the interface of their sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["AwsCredentials", "CredentialSource", "credential_env"]


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
    env = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
    }
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    if creds.expiration is not None:
        env["AWS_CREDENTIAL_EXPIRATION"] = (
            creds.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    return env
