"""CSDOCKER_* defaults end to end: CSDOCKER_INJECT chooses the run's injection unless the command line
says otherwise; --dry-run shows what the variables chose; ``csdocker container exec`` is exec."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.proc import CSDOCKER, clean_env

pytestmark = pytest.mark.engine

ROLE = "arn:aws:iam::123456789012:role/from-variable"


def csdocker(endpoint: CredentialsEndpoint, args: Sequence[str], extra: Mapping[str, str],
             ) -> subprocess.CompletedProcess[str]:
    env = clean_env({"AWS_REGION": "eu-west-1", **endpoint.environ(), **extra})
    return subprocess.run([*CSDOCKER, *args], env=env, capture_output=True, text=True, timeout=90,
                          stdin=subprocess.DEVNULL)


def aws_names(output: str) -> set[str]:
    return {line.split("=", 1)[0] for line in output.splitlines() if line.startswith("AWS_")}


def test_csdocker_inject_relay_makes_runs_relayed_and_the_flag_wins(busybox, endpoint, names):
    relayed = csdocker(endpoint, ["run", "--rm", busybox, "env"], {"CSDOCKER_INJECT": "relay"})
    assert relayed.returncode == 0, relayed.stderr
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in aws_names(relayed.stdout)
    assert "AWS_SECRET_ACCESS_KEY" not in aws_names(relayed.stdout)
    told = csdocker(endpoint, ["run", "--rm", "--inject", "env", busybox, "env"], {"CSDOCKER_INJECT": "relay"})
    assert told.returncode == 0, told.stderr
    assert "AWS_SECRET_ACCESS_KEY" in aws_names(told.stdout)
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in aws_names(told.stdout)


def test_dry_run_shows_what_the_variables_chose(busybox, endpoint):
    extra = {"CSDOCKER_ROLE_ARN": ROLE, "CSDOCKER_TAG": "team=data,project=x", "CSDOCKER_NO_CACHE": "true",
             "CSDOCKER_INJECT": "relay"}
    done = csdocker(endpoint, ["run", "--dry-run", "--rm", busybox, "true"], extra)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("docker run -e AWS_ACCESS_KEY_ID")
    assert f"csdocker env --role-arn {ROLE} --tag team=data --tag project=x --no-cache" in done.stderr
    assert "--inject relay has no docker CLI equivalent" in done.stderr
    replaced = csdocker(endpoint, ["exec", "--dry-run", "--tag", "only=this", "box", "true"], extra)
    assert replaced.stdout == ("docker exec -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN "
                               "-e AWS_REGION -e AWS_DEFAULT_REGION -e AWS_CREDENTIAL_EXPIRATION box true\n")
    assert f"--role-arn {ROLE} --tag only=this --no-cache" in replaced.stderr
    assert "team=data" not in replaced.stderr
    assert endpoint.requests == []  # a dry run fetches nothing


def test_container_exec_is_exec(busybox, endpoint, names):
    name = names.new("container-exec")
    docker("run", "-d", "--name", name, busybox, "sleep", "60", check=True)
    done = csdocker(endpoint, ["container", "exec", name, "sh", "-c", "echo ${AWS_SECRET_ACCESS_KEY:+yes}"], {})
    assert (done.returncode, done.stdout) == (0, "yes\n")
