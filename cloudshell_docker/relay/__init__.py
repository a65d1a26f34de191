"""``--inject relay``: a per-run credentials endpoint that keeps a container's credentials fresh."""

from __future__ import annotations

from dataclasses import dataclass

from cloudshell_docker.credentials.model import CredentialSource
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.runargs.spec import RunSpec
from cloudshell_docker.runner import RunHooks

__all__ = ["PreparedRelay", "prepare_relay"]


@dataclass
class PreparedRelay:
    env: dict[str, str]  # AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN, region
    hooks: RunHooks


def prepare_relay(source: CredentialSource, region: str | None, spec: RunSpec, engine: Engine) -> PreparedRelay:
    raise NotImplementedError
