"""A registry token from ECR (``ecr:GetAuthorizationToken``), asked with the run's own AWS credentials.

The call is made in the registry's region with boto3's standard configuration, so an
endpoint set with ``AWS_ENDPOINT_URL_ECR`` / ``AWS_ENDPOINT_URL`` (or a profile's
``services``) is honoured. boto3 is imported only here and only when a token is needed:
a run that pulls nothing from ECR never loads it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.redact import register_secret
from cloudshell_docker.registry.ecrhost import EcrHost

__all__ = ["EcrError", "RegistryLogin", "ecr_login"]

_DENIED = ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException",
           "InvalidSignatureException", "ExpiredTokenException")


class EcrError(CsDockerError):
    """No registry token from ECR: denied, unreachable, or a region ECR does not have."""


@dataclass(frozen=True)
class RegistryLogin:
    """What ``docker login`` would have stored; here it lives for one request."""

    username: str
    password: str = field(repr=False)

    def auth_config(self, server: str) -> dict[str, str]:
        """The engine's X-Registry-Auth fields (docker-py encodes them)."""
        return {"username": self.username, "password": self.password, "serveraddress": server}


def _where(registry: EcrHost) -> str:
    return f"registry {registry.host} (account {registry.account}, region {registry.region})"


def _decode(token: str, registry: EcrHost) -> RegistryLogin:
    try:
        user, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        sep, user, password = "", "", ""
    if not sep or not user or not password:
        raise EcrError(f"ECR answered no usable token for {_where(registry)}")
    return RegistryLogin(user, password)


def ecr_login(registry: EcrHost, credentials: AwsCredentials, *, profile: str | None = None) -> RegistryLogin:
    """A fresh token for ``registry``; EcrError (one line, no secret) when ECR gives none."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    from cloudshell_docker.credentials.boto import one_line, profile_not_found

    try:
        session = boto3.session.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            region_name=registry.region,
            profile_name=profile,  # for its endpoint settings; the credentials above win
        )
        known = {region for partition in session.get_available_partitions()
                 for region in session.get_available_regions("ecr", partition_name=partition)}
        if registry.region not in known:
            # Checked before any call: the API host would be made up from the name.
            raise EcrError(f"unknown AWS region {registry.region!r} in {registry.host}: ECR has no such region "
                           "(as far as this boto3 knows)")
        # None leaves the setting to boto3's own configuration (AWS_USE_FIPS_ENDPOINT, the profile, ...).
        kind = Config(use_fips_endpoint=registry.fips or None, use_dualstack_endpoint=registry.dual_stack or None)
        client = session.client("ecr", config=kind)
        answer = client.get_authorization_token(registryIds=[registry.account])
    except ProfileNotFound as err:
        raise EcrError(profile_not_found(err, profile)) from None
    except ClientError as err:
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "error")
        detail = one_line(str(error.get("Message") or ""))
        if code in _DENIED:
            raise EcrError(f"ECR refused a token for {_where(registry)}: these AWS credentials may not call "
                           f"ecr:GetAuthorizationToken ({code}: {detail})") from None
        raise EcrError(f"ECR GetAuthorizationToken failed for {_where(registry)}: {code}: {detail}") from None
    except BotoCoreError as err:
        raise EcrError(f"cannot get an ECR token for {_where(registry)}: {one_line(str(err))}") from None
    data = answer.get("authorizationData") or []
    token = str(data[0].get("authorizationToken") or "") if data else ""
    register_secret(token)
    login = _decode(token, registry)
    register_secret(login.password)
    return login
