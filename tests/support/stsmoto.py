"""Environments for running csdocker against moto: base credentials, a role to assume, a private cache."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

__all__ = ["BASE_ACCESS_KEY_ID", "create_role", "parse_sh_exports", "sts_env"]

BASE_ACCESS_KEY_ID = "AKIDCSDTBASE0001"

_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                   "Action": "sts:AssumeRole"}],
})


def create_role(moto_url: str, prefix: str = "csdt-role") -> str:
    """A new role in moto's IAM; its ARN."""
    import boto3

    iam = boto3.client("iam", endpoint_url=moto_url, region_name="us-east-1",
                       aws_access_key_id=BASE_ACCESS_KEY_ID, aws_secret_access_key="csdt-base-secret")
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"])


def sts_env(home: Path, sts_url: str, region: str | None = "us-east-1") -> dict[str, str]:
    """Base credentials from the environment, STS at ``sts_url``, HOME and the cache under ``home``."""
    env = {
        "AWS_ACCESS_KEY_ID": BASE_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": "csdt-base-secret",
        "AWS_ENDPOINT_URL_STS": sts_url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    if region:
        env["AWS_REGION"] = region
    return env


_EXPORT = re.compile(r"export ([A-Z_][A-Z0-9_]*)=(.*)")


def parse_sh_exports(text: str) -> dict[str, str]:
    """NAME -> value of ``export NAME=value`` lines whose values need no unquoting (credentials never do)."""
    found = {}
    for line in text.splitlines():
        match = _EXPORT.fullmatch(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found
