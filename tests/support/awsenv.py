"""An AWS environment for in-process tests of the credential sources: nothing of the
developer's own setup leaks in, and nothing is ever asked of instance metadata."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto import MotoServer

__all__ = ["ACCOUNT", "TRUST", "isolate_aws", "moto_client", "moto_data", "moto_role"]

ACCOUNT = "123456789012"
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                   "Action": "sts:AssumeRole"}],
})


def isolate_aws(monkeypatch: pytest.MonkeyPatch, home: Path, **variables: str) -> dict[str, str]:
    """os.environ without AWS_*, with config files under ``home`` and IMDS off, plus ``variables``.

    Returns the resulting environment (what a source is given as ``environ``).
    """
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home.mkdir(parents=True, exist_ok=True)
    base = {
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        # The default chain would otherwise ask 169.254.169.254: tests talk only to loopback.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name, value in {**base, **variables}.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


def moto_client(moto: MotoServer, service: str, **creds: str) -> Any:
    """A boto3 client of ``service`` at moto (moto's own test keys unless ``key``/``secret``/``token``)."""
    import boto3

    return boto3.client(
        service, endpoint_url=moto.url, region_name="us-east-1",
        aws_access_key_id=creds.get("key", "testing"), aws_secret_access_key=creds.get("secret", "testing"),
        aws_session_token=creds.get("token"),
    )


def moto_role(moto: MotoServer, name: str) -> str:
    """The ARN of IAM role ``name`` in moto (created when missing)."""
    iam = moto_client(moto, "iam")
    try:
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"])
    except iam.exceptions.EntityAlreadyExistsException:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])


def moto_data(moto: MotoServer) -> dict[str, Any]:
    """moto's record of every model instance (``/moto-api/data.json``)."""
    with urllib.request.urlopen(moto.url + "/moto-api/data.json", timeout=10) as response:
        return dict(json.load(response))
