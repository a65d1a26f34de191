"""``csdocker exec`` with the run's credential sources and options: an assumed role (--role-arn, or its
CSDOCKER_* variables) seen by the aws CLI inside a container that docker started; and the engine's
failures as ``docker exec`` reports them (exit 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.awsenv import ACCOUNT
from tests.support.awsenv import moto_role as make_role
from tests.support.engine import docker, remove_containers, unique_name
from tests.support.proc import run_csdocker, run_docker

pytestmark = pytest.mark.engine


@pytest.fixture
def awsbox(awscli: str) -> Iterator[str]:
    name = unique_name("exec-aws")
    docker("run", "-d", "--network", "host", "--entrypoint", "sleep", "--name", name, awscli, "300", check=True)
    yield name
    remove_containers(name)


@pytest.mark.parametrize("how", ["flags", "variables"])
def test_exec_assumes_the_role_as_run_does(moto, cloudshell, awsbox, how):
    _endpoint, env, _operator = cloudshell
    target = make_role(moto, "csdt-exec-target")
    env = {**env, "AWS_ENDPOINT_URL_STS": moto.url}
    if how == "flags":
        own = ["--role-arn", target, "--session-name", "exec-flags"]
    else:
        own, env = [], {**env, "CSDOCKER_ROLE_ARN": target, "CSDOCKER_SESSION_NAME": "exec-variables"}
    done = run_csdocker(["exec", *own, awsbox, "aws", "sts", "get-caller-identity", "--endpoint-url", moto.url,
                         "--output", "json"], env=env)
    assert done.returncode == 0, done.stderr.decode()
    identity = json.loads(done.stdout)
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/csdt-exec-target/exec-{how}"


@pytest.mark.parametrize(
    ("global_options", "prefix"),
    [
        (["-H", "unix:///nonexistent/docker.sock"], ""),  # the engine unreachable: its words, bare, as docker exec
        (["--context", "csdt-none"], "csdocker: "),  # csdocker's reading of docker's options: in its own name
        (["-l", "bogus"], "csdocker: "),
    ],
    ids=["dead-socket", "unknown-context", "log-level"],
)
def test_the_engines_failures_are_exit_1_with_the_clis_line(endpoint, global_options, prefix):
    args = [*global_options, "exec", "some-box", "true"]
    ours = run_csdocker(args, env={**endpoint.environ(), "AWS_REGION": "eu-west-1"})
    theirs = run_docker(args)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.decode().splitlines() == [f"{prefix}{theirs.stderr.decode().splitlines()[0]}"]
    assert endpoint.issued == []  # no engine, no credentials fetched
