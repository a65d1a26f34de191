"""``csdocker compose`` in env mode, side by side with ``docker compose`` on the real engine.

One project, brought up once for the module (``csdocker compose up -d``, with a sampler over every
host process's argv and environment running meanwhile):

* ``app`` (the project's default network) and ``hostsvc`` (``network_mode: host``), both the real
  aws CLI: they see the endpoint's identity (moto's STS) and the region;
* ``own`` sets its own ``AWS_REGION``: kept, and no region from csdocker;
* ``out`` is opted out by ``x-csdocker``: nothing;
* ``roled`` has its own ``role-arn`` in ``x-csdocker``: the assumed role's identity (moto's STS).

The credentials come from a CloudShell-like container endpoint serving credentials moto issued.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from tests.support.awsenv import ACCOUNT, moto_role
from tests.support.endpoint import CredentialsEndpoint, IssuedCredentials
from tests.support.engine import docker, unique_name
from tests.support.moto import MotoServer
from tests.support.proc import run_csdocker, run_docker
from tests.support.procscan import ProcSampler, files_holding

pytestmark = pytest.mark.engine

SLEEP = ["sleep", "600"]


@dataclass
class Project:
    name: str
    directory: Path
    env: dict[str, str]  # csdocker's (and docker compose's) environment
    endpoint: CredentialsEndpoint
    operator_arn: str
    role_arn: str
    moto: MotoServer
    up_stderr: str
    sampler: ProcSampler
    started: float

    def csdocker(self, *args: str, env: dict[str, str] | None = None):
        return run_csdocker(["compose", "-p", self.name, *args], env={**self.env, **(env or {})},
                            cwd=str(self.directory))

    def compose(self, *args: str, env: dict[str, str] | None = None):
        return run_docker(["compose", "-p", self.name, *args], env={**self.env, **(env or {})},
                          cwd=str(self.directory))

    def env_of(self, service: str) -> dict[str, str]:
        lines = docker("exec", f"{self.name}-{service}-1", "env").stdout.splitlines()
        return dict(line.split("=", 1) for line in lines if line.startswith("AWS_"))

    def container_ids(self) -> list[str]:
        return docker("ps", "-aq", "--no-trunc", "--filter", f"label=com.docker.compose.project={self.name}"
                      ).stdout.split()


def _issue(moto: MotoServer, endpoint: CredentialsEndpoint) -> str:
    sts = boto3.client("sts", endpoint_url=moto.url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    issued = sts.assume_role(RoleArn=moto_role(moto, "csdt-compose-operator"), RoleSessionName="operator")
    creds = issued["Credentials"]
    endpoint.issued.append(IssuedCredentials(
        access_key_id=creds["AccessKeyId"], secret_access_key=creds["SecretAccessKey"], token=creds["SessionToken"],
        expiration=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)))
    return str(issued["AssumedRoleUser"]["Arn"])


@pytest.fixture(scope="module")
def project(compose_env, awscli, busybox, moto, tmp_path_factory) -> Iterator[Project]:
    directory = tmp_path_factory.mktemp("compose-env")
    role_arn = moto_role(moto, "csdt-compose-roled")
    (directory / "compose.yaml").write_text(json.dumps({
        "services": {
            "app": {"image": awscli, "entrypoint": SLEEP},
            "hostsvc": {"image": awscli, "entrypoint": SLEEP, "network_mode": "host"},
            "own": {"image": busybox, "command": SLEEP, "environment": {"AWS_REGION": "ap-south-1"}},
            "out": {"image": busybox, "command": SLEEP},
            "roled": {"image": awscli, "entrypoint": SLEEP, "network_mode": "host"},
        },
        "x-csdocker": {"services": {"out": {"inject": "none"}, "roled": {"role-arn": role_arn}}},
    }))
    with CredentialsEndpoint() as endpoint:
        operator_arn = _issue(moto, endpoint)
        env = {**compose_env, **endpoint.environ(), "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_STS": moto.url, "HOME": str(directory), "XDG_CACHE_HOME": str(directory / "cache")}
        made = Project(unique_name("proj"), directory, env, endpoint, operator_arn, role_arn, moto, "",
                       ProcSampler(), time.time())
        try:
            with made.sampler:
                done = made.csdocker("up", "-d")
            assert done.returncode == 0, done.stderr.decode()
            made.up_stderr = done.stderr.decode()
            yield made
        finally:
            made.compose("down", "-t", "0")


def identity(project: Project, *argv: str) -> str:
    done = run_docker(["exec", *argv, "sts", "get-caller-identity", "--endpoint-url", project.moto.url,
                       "--output", "json"])
    assert done.returncode == 0, done.stderr.decode()
    return str(json.loads(done.stdout)["Arn"])


def test_services_see_the_endpoints_identity_and_region(project):
    issued = project.endpoint.issued[0]
    assert identity(project, f"{project.name}-hostsvc-1", "aws") == project.operator_arn
    seen = project.env_of("app")
    assert seen["AWS_ACCESS_KEY_ID"] == issued.access_key_id
    assert seen["AWS_SECRET_ACCESS_KEY"] == issued.secret_access_key
    assert seen["AWS_SESSION_TOKEN"] == issued.token
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert project.env_of("hostsvc")["AWS_REGION"] == "eu-west-1"


def test_a_services_own_region_is_kept_and_it_gets_none(project):
    seen = project.env_of("own")
    assert seen["AWS_REGION"] == "ap-south-1"
    assert "AWS_DEFAULT_REGION" not in seen
    assert seen["AWS_ACCESS_KEY_ID"] == project.endpoint.issued[0].access_key_id


def test_an_opted_out_service_gets_nothing(project):
    assert project.env_of("out") == {}


def test_a_services_own_role_arn_is_assumed(project):
    assert identity(project, f"{project.name}-roled-1", "aws").startswith(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/csdt-compose-roled/")


def test_run_rm_sees_the_identity_and_exit_statuses_are_composes(project):
    done = project.csdocker("run", "--rm", "-T", "--entrypoint", "aws", "hostsvc", "sts", "get-caller-identity",
                            "--endpoint-url", project.moto.url, "--output", "json")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["Arn"] == project.operator_arn
    ours = project.csdocker("run", "--rm", "-T", "own", "sh", "-c", "exit 3")
    theirs = project.compose("run", "--rm", "-T", "own", "sh", "-c", "exit 3")
    assert ours.returncode == theirs.returncode == 3


def test_a_credential_variable_given_to_run_wins(project):
    done = project.csdocker("run", "--rm", "-T", "-e", "AWS_PROFILE=theirs", "own", "env")
    assert done.returncode == 0, done.stderr.decode()
    seen = dict(line.split("=", 1) for line in done.stdout.decode().splitlines() if line.startswith("AWS_"))
    assert seen == {"AWS_PROFILE": "theirs", "AWS_REGION": "ap-south-1"}


def test_exec_gets_fresh_credentials_and_an_opted_out_service_none(project):
    fresh = project.endpoint.rotate()
    try:
        done = project.csdocker("exec", "-T", "app", "env")
        assert done.returncode == 0, done.stderr.decode()
        assert f"AWS_SECRET_ACCESS_KEY={fresh.secret_access_key}" in done.stdout.decode().splitlines()
        out = project.csdocker("exec", "-T", "out", "env")
        assert out.returncode == 0, out.stderr.decode()
        assert "AWS_" not in out.stdout.decode()
    finally:
        project.endpoint.issued.pop()


@pytest.mark.parametrize("args", [["ps", "--format", "{{.Name}} {{.Service}} {{.Image}}"], ["config"],
                                  ["config", "--format", "json"], ["logs", "--no-color", "out"], ["ps", "-q"]],
                         ids=" ".join)
def test_other_subcommands_are_composes_own(project, args):
    ours, theirs = project.csdocker(*args), project.compose(*args)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


def test_composes_refusal_is_said_in_its_words_and_status(project):
    ours = project.csdocker("-f", "missing.yml", "up", "-d")
    theirs = project.compose("-f", "missing.yml", "up", "-d")
    assert ours.returncode == theirs.returncode != 0
    assert ours.stderr == theirs.stderr


def test_no_secret_in_any_argv_environment_or_file(project):
    assert project.sampler.samples > 3
    issued = project.endpoint.issued[0]
    ids = project.container_ids()
    for secret in (issued.secret_access_key, issued.token):
        assert project.sampler.holding(secret, except_containers=ids) == []
        assert files_holding(secret, [project.directory, Path("/tmp"), Path("/dev/shm")], project.started) == []
    assert issued.secret_access_key not in project.up_stderr
    # Not vacuous: the containers' own processes do show it.
    project.sampler.sample()
    assert project.sampler.holding(issued.secret_access_key) != []


def test_build_gets_the_aws_secrets_and_the_image_keeps_none(project):
    context = project.directory / "built"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM local/busybox\n"
        "RUN --mount=type=secret,id=aws,target=/root/.aws/credentials "
        "--mount=type=secret,id=aws-config,target=/root/.aws/config "
        "sh -c 'grep -c aws_secret_access_key /root/.aws/credentials > /seen; cat /root/.aws/config >> /seen'\n")
    image = f"{unique_name('img')}:test"
    (project.directory / "build.yaml").write_text(json.dumps(
        {"services": {"built": {"build": "built", "image": image, "command": ["cat", "/seen"]}}}))
    name = unique_name("proj")
    try:
        done = run_csdocker(["compose", "-p", name, "-f", "build.yaml", "build", "--no-cache"], env=project.env,
                            cwd=str(project.directory))
        assert done.returncode == 0, done.stderr.decode()
        seen = docker("run", "--rm", image, "cat", "/seen").stdout
        assert seen == "1\n[default]\nregion = eu-west-1\n"
        history = docker("history", "--no-trunc", image).stdout + docker("image", "inspect", image).stdout
        assert project.endpoint.issued[0].secret_access_key not in history
    finally:
        docker("image", "rm", "-f", image)


def test_the_example_projects_one_off_of_an_inactive_profile_gets_credentials(project):
    example = Path(__file__).resolve().parents[2] / "examples" / "compose" / "compose.yaml"
    env = {**project.env, "AWS_CLI_IMAGE": "local/aws-cli", "MOCK_IMAGE": "local/busybox"}
    name = unique_name("proj")
    try:
        done = run_csdocker(["compose", "-p", name, "-f", str(example), "run", "--rm", "--no-deps", "cli", "sts",
                             "get-caller-identity", "--endpoint-url", project.moto.url, "--output", "json"],
                            env=env, cwd=str(project.directory))
        assert done.returncode == 0, done.stderr.decode()
        assert json.loads(done.stdout)["Arn"] == project.operator_arn
    finally:
        run_docker(["compose", "-p", name, "-f", str(example), "down", "-v"], env=env)


def test_a_bad_x_csdocker_is_one_line_exit_125_and_nothing_made(project):
    (project.directory / "bad.yaml").write_text(json.dumps({
        "services": {"s": {"image": "local/busybox"}}, "x-csdocker": {"services": {"s": {"inject": "sometimes"}}}}))
    name = unique_name("proj")
    done = run_csdocker(["compose", "-p", name, "-f", "bad.yaml", "up", "-d"], env=project.env,
                        cwd=str(project.directory))
    assert done.returncode == 125
    assert done.stderr.decode() == ("csdocker: x-csdocker.services.s.inject: invalid value 'sometimes': "
                                    "expected env, relay or none\n")
    assert docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={name}").stdout == ""


@pytest.mark.parametrize("args", [["up", "--help"], ["run", "--bogus", "own"], ["exec"]], ids=" ".join)
def test_help_and_usage_errors_are_composes_even_without_a_project(project, tmp_path, args):
    ours = run_csdocker(["compose", *args], env=project.env, cwd=str(tmp_path))
    theirs = run_docker(["compose", *args], env=project.env, cwd=str(tmp_path))
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
