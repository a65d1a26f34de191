"""STS AssumeRole (``--role-arn``), called with the credentials of boto3's default chain.

The STS endpoint and region are boto3's standard configuration (AWS_ENDPOINT_URL_STS,
AWS_ENDPOINT_URL, AWS_REGION, profiles): csdocker never overrides them. In CloudShell the
default chain's credentials are the container endpoint's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from cloudshell_docker.credentials.boto import (
    SessionFactory,
    boto_session,
    default_session_factory,
    one_line,
    profile_not_found,
)
from cloudshell_docker.credentials.clock import Clock, utc_now
from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.credentials.roleopts import (
    AssumeRoleSettings,
    assume_role_params,
    check_mfa_code,
    default_session_name,
)
from cloudshell_docker.credentials.validate import check_credentials
from cloudshell_docker.errors import CredentialError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_sts import STSClient

__all__ = ["StsAssumeRoleSource"]

Prompt = Callable[[str], str]


class StsAssumeRoleSource:
    """Credentials of an assumed role. Each ``fetch`` is a new AssumeRole call.

    An MFA code given with ``--mfa-token`` is used once: codes do not survive their
    30 seconds, so a later refresh asks the terminal for a new one.
    """

    def __init__(
        self,
        settings: AssumeRoleSettings,
        *,
        session_factory: SessionFactory = default_session_factory,
        prompt: Prompt | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._prompt = prompt
        self._clock = clock
        self._given_code = settings.mfa_token
        self._lock = threading.Lock()
        self._session: boto3.session.Session | None = None
        self._client: STSClient | None = None

    @property
    def description(self) -> str:
        return f"sts assume-role {self._settings.role_arn}"

    @property
    def settings(self) -> AssumeRoleSettings:
        return self._settings

    def cache_identity(self) -> dict[str, str]:
        """What makes this session differ from another: the request, who asks, and which STS.

        Asks boto3's chain for the base credentials (their access key ID says who is asking),
        but never calls STS and never prompts for an MFA code.
        """
        settings = self._settings
        session, client = self._sts()
        base_key = self._base_access_key(session)
        identity = {
            "role_arn": settings.role_arn,
            "base_access_key_id": base_key,
            "sts_endpoint": str(client.meta.endpoint_url),
            "sts_region": str(client.meta.region_name or ""),
        }
        optional: dict[str, str | None] = {
            "session_name": settings.session_name,
            "duration": str(settings.duration) if settings.duration is not None else None,
            "external_id": settings.external_id,
            "mfa_serial": settings.mfa_serial,
            "source_identity": settings.source_identity,
            "profile": settings.profile,
            "policy_sha256": settings.policy_digest,
            "policy_arns": json.dumps(sorted(settings.policy_arns)) if settings.policy_arns else None,
            "tags": json.dumps(sorted(settings.tags)) if settings.tags else None,
        }
        identity.update({key: value for key, value in optional.items() if value is not None})
        return identity

    def fetch(self) -> AwsCredentials:
        _session, client = self._sts()
        settings = self._settings
        session_name = settings.session_name or default_session_name(self._clock())
        params = assume_role_params(settings, session_name, self._mfa_code())
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = client.assume_role(**params)
        except ClientError as err:
            raise CredentialError(self._client_error(err)) from None
        except BotoCoreError as err:
            raise CredentialError(self._botocore_error(err)) from None
        creds = response["Credentials"]
        return check_credentials(AwsCredentials(
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=creds["Expiration"].astimezone(UTC),
        ), self.description)

    def _sts(self) -> tuple[boto3.session.Session, STSClient]:
        with self._lock:
            if self._session is None or self._client is None:
                session = boto_session(self._session_factory, self._settings.profile)
                from botocore.exceptions import BotoCoreError

                try:
                    client = session.client("sts")
                except BotoCoreError as err:
                    raise CredentialError(self._botocore_error(err)) from None
                except ValueError as err:  # e.g. a malformed AWS_ENDPOINT_URL_STS
                    raise CredentialError(
                        f"{self.description}: cannot set up the STS client: {one_line(str(err))}"
                    ) from None
                self._session, self._client = session, client
            return self._session, self._client

    def _base_access_key(self, session: boto3.session.Session) -> str:
        from botocore.exceptions import BotoCoreError

        try:
            creds = session.get_credentials()
            frozen = creds.get_frozen_credentials() if creds is not None else None
        except BotoCoreError as err:
            raise CredentialError(self._botocore_error(err)) from None
        if frozen is None or not frozen.access_key:
            raise CredentialError(self._no_base_credentials())
        return str(frozen.access_key)

    def _mfa_code(self) -> str | None:
        serial = self._settings.mfa_serial
        if serial is None:
            return None
        if self._given_code is not None:
            code, self._given_code = self._given_code, None
            return code
        if self._prompt is None:
            from cloudshell_docker.credentials.mfa import tty_prompt

            self._prompt = tty_prompt
        entered = check_mfa_code(self._prompt(f"MFA code for {serial}: "))
        if entered is None:
            raise CredentialError(f"the MFA code entered for {serial} is not 6 digits")
        return entered

    def _no_base_credentials(self) -> str:
        return (
            f"{self.description}: no AWS credentials to call STS with "
            "(boto3's default chain found none: environment, shared files, SSO, container endpoint, instance metadata)"
        )

    def _client_error(self, err: Any) -> str:
        error = err.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = one_line(str(error.get("Message", "")))
        serial = self._settings.mfa_serial
        if serial is not None and "MultiFactorAuthentication" in message:
            return f"{self.description}: the MFA code for {serial} was refused ({message})"
        if code in ("AccessDenied", "AccessDeniedException"):
            return f"{self.description}: access denied: {message}"
        return f"{self.description} failed: {code}: {message}"

    def _botocore_error(self, err: Exception) -> str:
        from botocore.exceptions import NoCredentialsError, ProfileNotFound

        if isinstance(err, NoCredentialsError):
            return self._no_base_credentials()
        if isinstance(err, ProfileNotFound):
            return profile_not_found(err, self._settings.profile)
        return f"{self.description} failed: {one_line(str(err))}"
