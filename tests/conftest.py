"""Fixtures shared by every test: the engine, the images, moto, the credentials endpoint."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.awsenv import moto_client, moto_role
from tests.support.ecrregistry import EcrRegistry
from tests.support.endpoint import CredentialsEndpoint, IssuedCredentials
from tests.support.engine import (
    AWSCLI_IMAGE,
    BUSYBOX_IMAGE,
    containers_labelled,
    ensure_testbed,
    in_ci,
    remove_containers,
    unique_name,
)
from tests.support.moto import MotoServer


@pytest.fixture(scope="session")
def engine() -> None:
    """A running Docker engine (brought up as root; skipped without one; CI=true fails)."""
    ensure_testbed("engine")


@pytest.fixture(scope="session")
def busybox(engine: None) -> str:
    ensure_testbed("busybox")
    return BUSYBOX_IMAGE


@pytest.fixture(scope="session")
def awscli(engine: None) -> str:
    ensure_testbed("awscli")
    return AWSCLI_IMAGE


@pytest.fixture(scope="session")
def compose_env(engine: None) -> dict[str, str]:
    """The environment that gives the docker CLI Docker Compose v2 (``scripts/testbed.sh compose``):
    a private DOCKER_CONFIG, for the compose tests only."""
    ensure_testbed("compose")
    from tests.support.compose import COMPOSE_DOCKER_CONFIG

    return {"DOCKER_CONFIG": str(COMPOSE_DOCKER_CONFIG)}


@pytest.fixture(scope="session")
def fish() -> str:
    """The fish shell, which scripts/testbed.sh installs: the env-format tests evaluate output in it."""
    path = shutil.which("fish")
    if path is None:
        message = "fish is not installed (scripts/testbed.sh installs it)"
        if in_ci():
            pytest.fail(message + " (CI=true: the test bed is incomplete)", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def ecr_registry(busybox: str) -> Iterator[EcrRegistry]:
    """The real registry under an ECR host name on 127.0.0.1:443 (scripts/testbed.sh registry).

    Per module: port 443 is one per machine, so another test session waits for it only while a
    module that needs it runs."""
    ensure_testbed("registry")
    with EcrRegistry() as registry:
        yield registry


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint() -> Iterator[CredentialsEndpoint]:
    """A well-behaved container credentials endpoint on 127.0.0.1 (set ``.mode`` to misbehave)."""
    with CredentialsEndpoint() as server:
        yield server


@pytest.fixture
def names() -> Iterator[list[str]]:
    """Hand out unique container names; every container so named is removed afterwards."""
    made: list[str] = []

    class Names(list[str]):
        def new(self, kind: str = "c") -> str:
            name = unique_name(kind)
            self.append(name)
            return name

    handed = Names()
    yield handed
    remove_containers(*handed, *made)


@pytest.fixture
def case_label() -> Iterator[str]:
    """A unique ``key=value`` label for one test's containers; they are removed afterwards.

    Use it to prove that an error left nothing behind without counting other
    people's containers: ``assert containers_labelled(case_label) == []``.
    """
    label = f"csdt.case={unique_name('case')}"
    yield label
    remove_containers(*containers_labelled(label))


@pytest.fixture
def cloudshell(moto: MotoServer) -> Iterator[tuple[CredentialsEndpoint, dict[str, str], str]]:
    """A CloudShell-like host: its container endpoint serves credentials moto issued for a role."""
    role_arn = moto_role(moto, "cloudshell-operator")
    issued = moto_client(moto, "sts").assume_role(RoleArn=role_arn, RoleSessionName="operator")
    creds = issued["Credentials"]
    with CredentialsEndpoint() as endpoint:
        endpoint.issued.append(IssuedCredentials(
            access_key_id=creds["AccessKeyId"], secret_access_key=creds["SecretAccessKey"],
            token=creds["SessionToken"],
            expiration=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1),
        ))
        env = {
            **endpoint.environ(),
            "AWS_REGION": "eu-west-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": os.environ.get("HOME", "/root"),
        }
        yield endpoint, env, issued["AssumedRoleUser"]["Arn"]
