"""The two BuildKit secrets a build gets, as the bytes of AWS's own file formats. Pure.

``aws``: a shared-credentials file, which every AWS SDK and the aws CLI read from
``~/.aws/credentials`` (or ``AWS_SHARED_CREDENTIALS_FILE``);
``aws-config``: a config file with the region, for ``~/.aws/config``.
"""

from __future__ import annotations

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CredentialError

__all__ = ["CONFIG_SECRET_ID", "CREDENTIALS_SECRET_ID", "config_file", "credentials_file"]

CREDENTIALS_SECRET_ID = "aws"
CONFIG_SECRET_ID = "aws-config"


def _line(key: str, value: str) -> str:
    # The INI reader would end the value at a line break and start a new key there.
    if any(ch in value for ch in "\r\n\0"):
        raise CredentialError(f"the credentials' {key} holds a line break: it cannot be written as an AWS file")
    return f"{key} = {value}\n"


def credentials_file(creds: AwsCredentials) -> bytes:
    """``[default]`` with the key pair and, when there is one, the session token."""
    text = "[default]\n" + _line("aws_access_key_id", creds.access_key_id)
    text += _line("aws_secret_access_key", creds.secret_access_key)
    if creds.session_token:
        text += _line("aws_session_token", creds.session_token)
    return text.encode()


def config_file(region: str) -> bytes:
    """``[default]`` with the region."""
    return ("[default]\n" + _line("region", region)).encode()
