"""The scripts in examples/ run as written, on the test bed."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_mission import make_role, moto_client
from tests.support.engine import REPO
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
