"""``csdocker whoami``: the identity behind the credentials, their source, region and time left.

The identity is STS GetCallerIdentity, called with the very credentials a container
would get. The STS endpoint is boto3's standard configuration (AWS_ENDPOINT_URL_STS,
AWS_ENDPOINT_URL, the profile's ``endpoint_url``): csdocker never overrides it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from cloudshell_docker.credentials import AwsCredentials
from cloudshell_docker.credentials.session import CommandOptions
from cloudshell_docker.errors import CredentialError

__all__ = ["STS_FALLBACK_REGION", "CallerIdentity", "caller_identity", "format_time_left", "whoami_command"]

STS_FALLBACK_REGION = "us-east-1"


@dataclass(frozen=True)
class CallerIdentity:
    arn: str
    account: str
    user_id: str


def caller_identity(creds: AwsCredentials, region: str | None, profile: str | None = None) -> CallerIdentity:
    """GetCallerIdentity with ``creds``; CredentialError (one line, no secret) when it fails."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cloudshell_docker.credentials.boto import one_line

    try:
        # The profile only for its configuration (endpoint, retries): the credentials are given.
        # Without a region STS is asked in us-east-1, where its global endpoint lives: a
        # custom endpoint (AWS_ENDPOINT_URL_STS) cannot be signed for without one.
        session = boto3.session.Session(profile_name=profile, region_name=region or STS_FALLBACK_REGION)
        client = session.client(
            "sts",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        )
        answer = client.get_caller_identity()
    except ClientError as err:
        error = err.response.get("Error", {})
        raise CredentialError(
            f"sts get-caller-identity failed: {error.get('Code', 'Unknown')}: {one_line(str(error.get('Message', '')))}"
        ) from None
    except (BotoCoreError, ValueError) as err:
        raise CredentialError(f"sts get-caller-identity failed: {one_line(str(err))}") from None
    return CallerIdentity(arn=str(answer["Arn"]), account=str(answer["Account"]), user_id=str(answer["UserId"]))


def format_time_left(seconds: float) -> str:
    """``59m 58s``, ``11h 59m``, ``2d 03h``: precise where it matters, short where it does not."""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def _expiry_line(creds: AwsCredentials, now: datetime) -> str:
    if creds.expiration is None:
        return "does not expire"
    left = creds.seconds_left(now)
    assert left is not None
    stamp = creds.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{stamp} (expired)" if left <= 0 else f"{stamp} (in {format_time_left(left)})"


def whoami_command(
    options: CommandOptions,
    *,
    stdout: TextIO | None = None,
) -> int:
    """Print who the credentials are; return the exit status."""
    out = sys.stdout if stdout is None else stdout
    session = options.open_session()
    region, source = session.region, session.source
    creds = session.fetch()  # assumed-role sessions come through the cache
    identity = caller_identity(creds, region, session.profile)
    rows = (
        ("Arn", identity.arn),
        ("Account", identity.account),
        ("UserId", identity.user_id),
        ("Source", source.description),
        ("Region", region or f"none configured (STS asked in {STS_FALLBACK_REGION})"),
        ("Expires", _expiry_line(creds, datetime.now(UTC))),
    )
    out.write("".join(f"{name + ':':<9} {value}\n" for name, value in rows))
    out.flush()
    return 0
