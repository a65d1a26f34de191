"""The README's CI example, as a CI job would run it: ``export CSDOCKER_ROLE_ARN=...`` and
``alias docker=csdocker``, then plain ``docker run``, ``docker exec``, ``docker build`` and an ECR
``docker push``: every one of them works as the assumed role (moto's STS), none as the job's own keys.

The job's own identity is static keys (the default chain); AssumeRole and ECR's GetAuthorizationToken
go through a counting proxy in front of moto (AWS_ENDPOINT_URL), so the order of what csdocker asked
is on record; the containers ask moto who they are themselves.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.awsenv import ACCOUNT, moto_role
from tests.support.countproxy import CountingProxy
from tests.support.ecrregistry import EcrRegistry
from tests.support.engine import docker, unique_name
from tests.support.moto import MotoServer
from tests.support.proc import CSDOCKER, clean_env

pytestmark = pytest.mark.engine

DEBIAN_DOCKER_DIR = "/usr/bin"  # Debian's docker CLI 20.10, with BuildKit (as in test_build)
SESSION = "ci-job"
SECRET = "csdt-ci-example-secret-00000000000000000"
CALLER = "sts get-caller-identity --endpoint-url {moto} --output json"


def job_script(moto: str, container: str, image: str, pushed: str, context: Path) -> str:
    caller = CALLER.format(moto=moto)
    return "\n".join([
        "set -e",
        "shopt -s expand_aliases",
        "alias docker=csdocker",
        f"docker run --rm --network host local/aws-cli {caller} > run.json",
        f"docker exec {container} aws {caller} > exec.json",
        f"docker build --network host --no-cache --build-arg MOTO={moto} -t {image} {context}",
        f"docker tag local/busybox {pushed}",
        f"docker push {pushed}",
        "",
    ])


def test_the_readme_ci_example_assumes_the_role_for_run_exec_build_and_push(
        awscli: str, busybox: str, moto: MotoServer, ecr_registry: EcrRegistry, tmp_path: Path) -> None:
    role = moto_role(moto, "csdt-ci-example")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "csdocker").write_text(f'#!/bin/sh\nexec {shlex.join(CSDOCKER)} "$@"\n')
    (bin_dir / "csdocker").chmod(0o755)
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM local/aws-cli\nARG MOTO\n"
        "RUN --mount=type=secret,id=aws,target=/root/.aws/credentials "
        "--mount=type=secret,id=aws-config,target=/root/.aws/config "
        f"aws {CALLER.format(moto='$MOTO')} > /identity.json\n")
    (tmp_path / "docker-config").mkdir()  # no docker login anywhere: the push needs csdocker's ECR token
    container, image = unique_name("ci-exec"), unique_name("ci-img")
    pushed = ecr_registry.image("csdt/ci")
    docker("run", "-d", "--name", container, "--network", "host", "--entrypoint", "sleep", awscli, "300",
           check=True)
    try:
        with CountingProxy(moto.url) as proxy:
            env = clean_env({
                "CSDOCKER_ROLE_ARN": role, "CSDOCKER_SESSION_NAME": SESSION,
                "CSDOCKER_NO_CACHE": "true",  # every command asks STS itself: the proxy sees each one
                "AWS_ACCESS_KEY_ID": "AKIDCSDTCIEXAMPLE001", "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": proxy.url,
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(tmp_path),
                "DOCKER_CONFIG": str(tmp_path / "docker-config"), "DOCKER_BUILDKIT": "1",
                "PATH": f"{bin_dir}:{DEBIAN_DOCKER_DIR}:/usr/local/bin:/bin",
            })
            done = subprocess.run(["bash", "-c", job_script(moto.url, container, image, pushed, context)],
                                  env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                                  stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr[-3000:]
        assumed = f"arn:aws:sts::{ACCOUNT}:assumed-role/csdt-ci-example/{SESSION}"
        built = docker("run", "--rm", "--entrypoint", "cat", image, "/identity.json", check=True).stdout
        for step, output in (("run", (tmp_path / "run.json").read_text()),
                             ("exec", (tmp_path / "exec.json").read_text()), ("build", built)):
            assert json.loads(output)["Arn"] == assumed, step
        # run, exec, build: one AssumeRole each; the push: AssumeRole, then the ECR token with the role's keys.
        assert proxy.actions == ["AssumeRole"] * 4 + ["GetAuthorizationToken"]
        assert "1: digest: sha256:" in done.stdout  # the registry took it
        assert SECRET not in done.stdout + done.stderr
    finally:
        docker("rm", "-f", container)
        docker("rmi", "-f", image, pushed)
