"""The mission, end to end: a real aws CLI container sees the host's credentials.

    csdocker run amazon/aws-cli s3 ls
    csdocker run --role-arn arn:aws:iam::123456789012:role/x IMAGE CMD...

Real engine, real aws CLI (local/aws-cli), real STS API (moto on 127.0.0.1), and a
container credentials endpoint that serves credentials moto issued.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tests.support.awsenv import ACCOUNT
from tests.support.awsenv import moto_role as make_role
from tests.support.engine import docker
from tests.support.proc import CSDOCKER, clean_env, run_csdocker

pytestmark = pytest.mark.engine

def test_aws_cli_sees_the_endpoints_identity(awscli, moto, cloudshell):
    _endpoint, env, operator_arn = cloudshell
    done = run_csdocker(
        ["run", "--rm", "--network", "host", awscli, "sts", "get-caller-identity",
         "--endpoint-url", moto.url, "--output", "json"],
        env=env,
    )
    assert done.returncode == 0, done.stderr.decode()
    identity = json.loads(done.stdout)
    assert identity["Arn"] == operator_arn
    assert identity["Account"] == ACCOUNT


def test_role_arn_gives_the_assumed_roles_identity(awscli, moto, cloudshell):
    _endpoint, env, _operator = cloudshell
    target = make_role(moto, "csdt-target")
    env = {**env, "AWS_ENDPOINT_URL_STS": moto.url}  # AssumeRole's own call goes to moto
    done = run_csdocker(
        ["run", "--rm", "--role-arn", target, "--session-name", "mission-test", "--network", "host", awscli,
         "sts", "get-caller-identity", "--endpoint-url", moto.url, "--output", "json"],
        env=env,
    )
    assert done.returncode == 0, done.stderr.decode()
    identity = json.loads(done.stdout)
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/csdt-target/mission-test"


def test_container_env_holds_exactly_the_injected_values(busybox, endpoint):
    env = {**endpoint.environ(), "AWS_REGION": "eu-central-1", "AWS_EC2_METADATA_DISABLED": "true"}
    done = run_csdocker(["run", "--rm", busybox, "env"], env=env)
    assert done.returncode == 0, done.stderr.decode()
    issued = endpoint.issued[-1]
    seen = dict(line.split("=", 1) for line in done.stdout.decode().splitlines() if line.startswith("AWS_"))
    assert seen == {
        "AWS_ACCESS_KEY_ID": issued.access_key_id,
        "AWS_SECRET_ACCESS_KEY": issued.secret_access_key,
        "AWS_SESSION_TOKEN": issued.token,
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_CREDENTIAL_EXPIRATION": issued.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    # The endpoint's token never reaches the container.
    assert endpoint.token.encode() not in done.stdout


def test_explicit_env_wins_over_injected(busybox, endpoint):
    env = {**endpoint.environ(), "AWS_REGION": "eu-central-1", "AWS_EC2_METADATA_DISABLED": "true"}
    done = run_csdocker(["run", "--rm", "-e", "AWS_REGION=ap-south-1", busybox, "env"], env=env)
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert "AWS_REGION=ap-south-1" in lines
    assert "AWS_DEFAULT_REGION=eu-central-1" in lines
    assert sum(line.startswith("AWS_REGION=") for line in lines) == 1


def test_no_region_warns_and_injects_none(busybox, endpoint, tmp_path):
    env = {**endpoint.environ(), "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(tmp_path),
           "AWS_CONFIG_FILE": str(tmp_path / "none")}
    done = run_csdocker(["run", "--rm", busybox, "env"], env=env)
    assert done.returncode == 0, done.stderr.decode()
    stderr = done.stderr.decode().splitlines()
    assert len(stderr) == 1
    assert "region" in stderr[0]
    out = done.stdout.decode()
    assert "AWS_REGION=" not in out
    assert "AWS_DEFAULT_REGION=" not in out
    assert "AWS_ACCESS_KEY_ID=" in out


def _process_texts(container_id: str) -> bytes:
    """Every host process's argv and environment (as far as readable), concatenated;
    the container's own processes (whose environment is the point) left out."""
    blobs = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cgroup") as fh:
                if container_id in fh.read():
                    continue
        except OSError:
            continue
        for part in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{part}", "rb") as fh:
                    blobs.append(fh.read())
            except OSError:
                pass
    return b"\n".join(blobs)


def test_secrets_reach_no_argv_and_no_environment_but_the_containers(busybox, endpoint, names):
    """While the container runs, no process on the host (csdocker included) holds the
    secret key or session token in its argv or environment; only the engine's
    container configuration does."""
    name = names.new()
    env = {**endpoint.environ(), "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true"}
    proc = subprocess.Popen([*CSDOCKER, "run", "--name", name, busybox, "sleep", "30"], env=clean_env(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
            assert time.monotonic() < deadline, "container did not start"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        issued = endpoint.issued[-1]
        container_id = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
        texts = _process_texts(container_id)
        assert issued.secret_access_key.encode() not in texts
        assert issued.token.encode() not in texts
        # ...and the container does hold them (the check above is not vacuous).
        inside = docker("exec", name, "env").stdout
        assert f"AWS_SECRET_ACCESS_KEY={issued.secret_access_key}" in inside
    finally:
        docker("kill", name)
        proc.wait(timeout=30)
