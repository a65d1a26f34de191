"""``csdocker run --inject relay`` as a script uses it: what the container gets, what it does not, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.relay_run import REGION, port_refuses, relayed_argv, upstream_env

pytestmark = pytest.mark.engine

RELAY_VARS = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_REGION",
              "AWS_DEFAULT_REGION"}


def run(argv: list[str], endpoint: CredentialsEndpoint) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, env=upstream_env(endpoint), capture_output=True, timeout=90)


def aws_env(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if line.startswith("AWS_"))


@pytest.mark.parametrize("network", [["--network", "host"], []], ids=["host", "bridge"])
def test_the_container_gets_the_relay_and_the_region_and_no_aws_secret(busybox, names, network):
    name = names.new("relay-env")
    with CredentialsEndpoint() as upstream:
        done = run(relayed_argv(["--name", name, *network, busybox, "env"]), upstream)
        issued = upstream.issued[-1]
    assert done.returncode == 0, done.stderr.decode()
    seen = aws_env(done.stdout.decode())
    assert set(seen) == RELAY_VARS
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == REGION
    host = "127.0.0.1" if network else "169.254.170.2"
    assert re.fullmatch(rf"http://{re.escape(host)}:\d+/v1/credentials", seen["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    assert len(seen["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) >= 40
    inspected = docker("inspect", name).stdout
    for secret in (issued.access_key_id, issued.secret_access_key, issued.token, upstream.token):
        assert secret not in inspected
        assert secret.encode() not in done.stdout + done.stderr
    # The run is over, the container stays (no --rm: it may be started again): its relay follows it
    # until it is removed.
    url = seen["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert not port_refuses(url)
    assert docker("rm", name).returncode == 0
    deadline = time.monotonic() + 30
    while not port_refuses(url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert port_refuses(url)


def test_each_run_gets_its_own_token_and_port(busybox, names):
    with CredentialsEndpoint() as upstream:
        first = aws_env(run(relayed_argv(["--rm", "--network", "host", busybox, "env"]), upstream).stdout.decode())
        second = aws_env(run(relayed_argv(["--rm", "--network", "host", busybox, "env"]), upstream).stdout.decode())
    assert first["AWS_CONTAINER_AUTHORIZATION_TOKEN"] != second["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    # A --rm run's container is gone with the run: so is its relay (no follower).
    assert port_refuses(first["AWS_CONTAINER_CREDENTIALS_FULL_URI"])


def test_the_containers_exit_status_comes_through(busybox, names):
    with CredentialsEndpoint() as upstream:
        done = run(relayed_argv(["--rm", "--network", "host", busybox, "sh", "-c", "exit 7"]), upstream)
    assert done.returncode == 7


def test_the_relay_answers_only_its_token_from_inside_the_container(awscli, names):
    # Python inside the container (the aws CLI image has it) asks the relay as an SDK would, and as an
    # intruder would: no token, a wrong token, another path, another method.
    code = (
        "import json, os, urllib.request, urllib.error\n"
        "url = os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']\n"
        "token = os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']\n"
        "def ask(u, headers, method='GET'):\n"
        "    try:\n"
        "        r = urllib.request.urlopen(urllib.request.Request(u, headers=headers, method=method), timeout=5)\n"
        "        return r.status, sorted(json.loads(r.read()))\n"
        "    except urllib.error.HTTPError as e:\n"
        "        return e.code, None\n"
        "print(json.dumps([ask(url, {'Authorization': token}), ask(url, {}), ask(url, {'Authorization': 'x'}),\n"
        "    ask(url + 'x', {'Authorization': token}), ask(url, {'Authorization': token}, 'POST')]))\n"
    )
    with CredentialsEndpoint() as upstream:
        done = run(relayed_argv(["--rm", "--entrypoint", "python3", awscli, "-c", code]), upstream)
    assert done.returncode == 0, done.stderr.decode()
    answers = json.loads(done.stdout)
    assert answers == [
        [200, ["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]],
        [401, None], [401, None], [404, None], [404, None],
    ]
