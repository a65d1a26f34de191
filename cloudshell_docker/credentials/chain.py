"""boto3's default credential chain (``--profile``, environment, shared files, SSO, IMDS...), frozen.

The container gets a static copy; ``fetch`` asks the chain again, which refreshes
credentials that expire (SSO, instance metadata, assumed-role profiles) when they are due.
"""

from __future__ import annotations

import threading
from datetime import UTC
from typing import Any

from cloudshell_docker.credentials.boto import SessionFactory, boto_session, default_session_factory, one_line
from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.credentials.validate import check_credentials
from cloudshell_docker.errors import CredentialError

__all__ = ["DefaultChainSource"]


class DefaultChainSource:
    def __init__(
        self, profile: str | None = None, *, session_factory: SessionFactory = default_session_factory
    ) -> None:
        self._profile = profile
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._credentials: Any = None  # botocore Credentials, kept: refreshable ones refresh themselves

    @property
    def description(self) -> str:
        return f"default chain (profile {self._profile})" if self._profile else "default chain"

    def fetch(self) -> AwsCredentials:
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        from cloudshell_docker.credentials.boto import credentials_expiry, profile_not_found

        with self._lock:
            try:
                if self._credentials is None:
                    session = boto_session(self._session_factory, self._profile)
                    self._credentials = session.get_credentials()
                    if self._credentials is None:
                        raise CredentialError(self._none_found())
                frozen = self._credentials.get_frozen_credentials()
            except ProfileNotFound as err:
                raise CredentialError(profile_not_found(err, self._profile)) from None
            except BotoCoreError as err:
                raise CredentialError(f"{self.description}: {one_line(str(err))}") from None
            expiry = credentials_expiry(self._credentials)
        if not frozen.access_key or not frozen.secret_key:
            raise CredentialError(self._none_found())
        return check_credentials(AwsCredentials(
            access_key_id=frozen.access_key,
            secret_access_key=frozen.secret_key,
            session_token=frozen.token or None,
            expiration=expiry.astimezone(UTC) if expiry is not None else None,
        ), self.description)

    def _none_found(self) -> str:
        where = f" for profile {self._profile!r}" if self._profile else ""
        return (
            f"no AWS credentials found{where}: boto3's default chain (environment, shared files, SSO, "
            "container endpoint, instance metadata) has none"
        )
