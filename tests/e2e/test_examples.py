"""The scripts in examples/ run as written, on the test bed."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.awsenv import moto_client
from tests.support.awsenv import moto_role as make_role
from tests.support.engine import REPO, unique_name
from tests.support.proc import CSDOCKER, clean_env

pytestmark = pytest.mark.engine


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH entry whose `csdocker` is this checkout's, installed or not."""
    path = tmp_path / "bin"
    path.mkdir()
    wrapper = path / "csdocker"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.join(CSDOCKER)} "$@"\n')
    wrapper.chmod(0o755)
    return path


def run_example(name: str, env: dict[str, str], bin_dir: Path) -> subprocess.CompletedProcess[str]:
    full_env = clean_env({**env, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(REPO)})
    return subprocess.run(["bash", str(REPO / "examples" / name)], env=full_env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_cloudshell_example(awscli, moto, bin_dir):
    from tests.support.endpoint import CredentialsEndpoint

    moto_client(moto, "s3").create_bucket(Bucket="csdt-example-bucket")
    role = make_role(moto, "csdt-example-role")
    with CredentialsEndpoint() as endpoint:
        env = {**endpoint.environ(), "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_STS": moto.url, "IMAGE": awscli, "ROLE_ARN": role,
               "RUN_ARGS": "--network host", "AWS_CLI_ARGS": f"--endpoint-url {moto.url} --output json"}
        done = run_example("cloudshell.sh", env, bin_dir)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "csdt-example-bucket" in out
    identities = [json.loads(chunk) for chunk in _json_objects(out)]
    assert any(":assumed-role/csdt-example-role/" in ident["Arn"] for ident in identities)
    # the last part prints variable names only
    assert "export AWS_SECRET_ACCESS_KEY" in out
    assert endpoint.issued[-1].secret_access_key not in out


def _json_objects(text: str) -> list[str]:
    objects, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                objects.append(text[start:i + 1])
    return objects


def test_ci_job_example_same_with_docker_and_csdocker(busybox, endpoint, bin_dir):
    env = {**endpoint.environ(), "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "IMAGE": busybox}
    with_csdocker = run_example("ci-job.sh", {**env, "DOCKER": "csdocker"}, bin_dir)
    assert with_csdocker.returncode == 0, with_csdocker.stderr
    assert with_csdocker.stdout.splitlines() == [
        "HELLO FROM THE JOB",
        "1", "2", "3",
        "step failed with 3 as expected",
        "AWS credentials present",
        "image inspected",
    ]
    # The same job with plain docker fails only at the step that needs AWS credentials.
    with_docker = run_example("ci-job.sh", {**env, "DOCKER": "docker"}, bin_dir)
    assert with_docker.returncode == 1
    assert with_docker.stdout.splitlines() == with_csdocker.stdout.splitlines()[:5]


def test_dev_container_example_alias_docker_csdocker_mixes_run_exec_and_passthrough(busybox, endpoint, bin_dir):
    env = {**endpoint.environ(), "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "IMAGE": busybox}
    lines = {}
    for who, flag in (("csdocker", "1"), ("docker", "0")):
        done = run_example("dev-container.sh", {**env, "CSDOCKER": flag, "NAME": unique_name(f"dev-{who}")},
                           bin_dir)
        assert done.returncode == 0, done.stderr
        lines[who] = done.stdout.splitlines()
    expected = [
        "the container",
        "exec has credentials: yes",
        "a", "b",
        "exec failed with 4 as expected",
        "hello from /etc as uid 1000",
        "written in the background",
        "stopped",
        "removed",
    ]
    assert lines["csdocker"] == expected
    # The plain docker CLI: the same, except that its exec has no credentials.
    assert lines["docker"] == [line.replace(": yes", ": ") for line in expected]
    # csdocker asked the endpoint once for the run and once for each of the six execs; never for the passthrough
    assert len(endpoint.requests) == 7


def test_role_template_passes_cfn_lint():
    import shutil

    linter = shutil.which("cfn-lint")
    assert linter is not None, "cfn-lint is in the test extra (pip install -e '.[test]')"
    done = subprocess.run([linter, str(REPO / "examples" / "role.yaml")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_role_template_deployed_on_moto_then_run_with_its_output(awscli, moto, tmp_path):
    """examples/role.yaml on moto's CloudFormation, then its RunCommand output, run as printed:
    the container is the assumed role, and the role is as the parameters asked."""
    import shlex
    import uuid

    from tests.support.proc import run_csdocker

    stack = f"csdt-role-{uuid.uuid4().hex[:8]}"
    cloudformation = moto_client(moto, "cloudformation")
    cloudformation.create_stack(StackName=stack, TemplateBody=(REPO / "examples" / "role.yaml").read_text(),
                                Capabilities=["CAPABILITY_IAM"], Parameters=[
                                    {"ParameterKey": "AllowedActions",
                                     "ParameterValue": "sts:GetCallerIdentity,s3:ListAllMyBuckets"},
                                    {"ParameterKey": "MaxSessionDuration", "ParameterValue": "7200"}])
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    role_arn = outputs["RoleArn"]
    role_name = role_arn.rsplit("/", 1)[1]
    iam = moto_client(moto, "iam")
    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["MaxSessionDuration"] == 7200
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    inline = iam.get_role_policy(RoleName=role_name, PolicyName="csdocker-allowed-actions")["PolicyDocument"]
    if isinstance(inline, str):  # moto's server hands a template's policy back as Python's repr of it
        import ast
        from urllib.parse import unquote

        inline = ast.literal_eval(unquote(inline))
    assert inline["Statement"][0]["Action"] == ["sts:GetCallerIdentity", "s3:ListAllMyBuckets"]

    command = shlex.split(outputs["RunCommand"])
    assert command[:4] == ["csdocker", "run", "--role-arn", role_arn]
    at = command.index("IMAGE")
    argv = [*command[1:at], "--network", "host", awscli, "sts", "get-caller-identity",
            "--endpoint-url", moto.url, "--output", "json"]
    argv = [arg for arg in argv if arg != "-it"]  # no terminal here
    env = {"AWS_ACCESS_KEY_ID": "AKIDCSDTROLEEXAMPLE1", "AWS_SECRET_ACCESS_KEY": "csdt-role-example-secret-000000",
           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_STS": moto.url, "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    done = run_csdocker(argv, env)
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)
    assert f":assumed-role/{role_name}/" in identity["Arn"]


def test_role_template_takes_managed_policies(moto):
    """With ManagedPolicyArns given the stack still deploys (moto does not attach them: cfn-lint checks the wiring)."""
    import uuid

    iam = moto_client(moto, "iam")
    policy = iam.create_policy(PolicyName=f"csdt-managed-{uuid.uuid4().hex[:8]}", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    stack = f"csdt-role-{uuid.uuid4().hex[:8]}"
    cloudformation = moto_client(moto, "cloudformation")
    cloudformation.create_stack(StackName=stack, TemplateBody=(REPO / "examples" / "role.yaml").read_text(),
                                Capabilities=["CAPABILITY_IAM"], Parameters=[
                                    {"ParameterKey": "ManagedPolicyArns", "ParameterValue": policy["Policy"]["Arn"]},
                                    {"ParameterKey": "TrustedPrincipalArn",
                                     "ParameterValue": "arn:aws:iam::123456789012:role/csdt-someone"}])
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    role_name = described["Outputs"][0]["OutputValue"].rsplit("/", 1)[1]
    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:role/csdt-someone"}


def test_ecr_example_creates_builds_pushes_and_runs_without_login(awscli, ecr_registry, moto, bin_dir, tmp_path):
    import uuid

    from tests.support.ecrregistry import ECR_HOST, ECR_PASSWORD

    repository = f"csdt/example-{uuid.uuid4().hex[:8]}"
    image = f"{ECR_HOST}/{repository}:1"
    config = tmp_path / "docker-config"
    config.mkdir()
    env = {"AWS_ACCESS_KEY_ID": "AKIDCSDTECREXAMPLE01", "AWS_SECRET_ACCESS_KEY": "csdt-ecr-example-secret-0000000",
           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_ECR": moto.url, "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "DOCKER_CONFIG": str(config), "REPOSITORY": repository, "BASE_IMAGE": "local/busybox",
           "AWS_CLI": f"csdocker run --rm --network host {awscli}", "AWS_CLI_ARGS": f"--endpoint-url {moto.url}"}
    try:
        done = run_example("ecr.sh", env, bin_dir)
    finally:
        subprocess.run(["docker", "rmi", "-f", image], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert f"{ECR_HOST}/{repository}" in lines  # the repository's URI, from moto's ECR
    assert "1: digest: sha256:" in done.stdout  # pushed
    assert f"Unable to find image '{image}' locally" in done.stderr  # the run pulled it
    assert lines[-1] == "hello from a private ECR image"
    assert list(config.iterdir()) == []
    assert ECR_PASSWORD not in done.stdout + done.stderr
