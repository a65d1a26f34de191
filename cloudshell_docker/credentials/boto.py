"""What the boto3-backed sources share: making a session, and saying what went wrong in one line.

Imported only by the STS and default-chain sources; boto3 itself is imported only when a
session is made, so that importing this module costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cloudshell_docker.errors import CredentialError

if TYPE_CHECKING:
    import boto3

__all__ = ["SessionFactory", "boto_session", "credentials_expiry", "default_session_factory", "one_line",
           "profile_not_found"]

SessionFactory = Callable[[str | None], "boto3.session.Session"]

_MAX_MESSAGE = 300


def default_session_factory(profile: str | None) -> boto3.session.Session:
    """A boto3 session with its standard configuration (environment, profiles, endpoints).

    botocore reads AWS_DEFAULT_REGION and the profile but not AWS_REGION, which the other
    SDKs, the aws CLI v2 and CloudShell use: it fills the gap only where botocore found no region.
    """
    import boto3

    session = boto3.session.Session(profile_name=profile)
    if session.region_name is None and os.environ.get("AWS_REGION"):
        session = boto3.session.Session(profile_name=profile, region_name=os.environ["AWS_REGION"])
    return session


def one_line(text: str) -> str:
    """``text`` on one line, cut short: service messages can be long, and may quote a response body."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 3] + "..."


def profile_not_found(err: Exception, profile: str | None) -> str:
    """The message for botocore's ProfileNotFound (the profile may come from AWS_PROFILE)."""
    name = getattr(err, "kwargs", {}).get("profile", profile)
    return f"AWS profile {name!r} not found"


def boto_session(factory: SessionFactory, profile: str | None) -> boto3.session.Session:
    """``factory(profile)``, with an unknown profile turned into a CredentialError."""
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    try:
        return factory(profile)
    except ProfileNotFound as err:
        raise CredentialError(profile_not_found(err, profile)) from None
    except BotoCoreError as err:
        raise CredentialError(f"cannot set up boto3: {one_line(str(err))}") from None


def credentials_expiry(credentials: Any) -> datetime | None:
    """When botocore's ``credentials`` expire; None for static ones.

    botocore's one private attribute csdocker uses (its docker-py ones are in engine.dockerpy):
    RefreshableCredentials keep their expiry only in ``_expiry_time`` (a datetime, set by every
    refresh since botocore 1.x); static Credentials have none.
    """
    expiry = getattr(credentials, "_expiry_time", None)
    return expiry if isinstance(expiry, datetime) else None
