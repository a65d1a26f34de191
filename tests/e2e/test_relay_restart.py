"""A relay lives as long as its container: stopped and started again, the container still gets
its credentials from the same port; removed, its relay is gone."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.relay_run import container_env, followers_of, port_refuses, relayed_argv, upstream_env

pytestmark = pytest.mark.engine

# Python inside the container (the aws CLI image has it) asks the relay as an SDK does.
FETCH = (
    "import json, os, urllib.request\n"
    "request = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'],\n"
    "    headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']})\n"
    "with urllib.request.urlopen(request, timeout=5) as answer:\n"
    "    print(json.dumps([answer.status, json.loads(answer.read())['AccessKeyId']]))\n"
)


def fetch_inside(name: str) -> list:
    done = docker("exec", name, "python3", "-c", FETCH, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("network", [["--network", "host"], []], ids=["host", "bridge"])
@pytest.mark.timeout(240)
def test_a_stopped_and_started_container_still_gets_its_credentials(awscli, names, network):
    name = names.new("relay-restart")
    with CredentialsEndpoint(lifetime=900) as upstream:
        argv = relayed_argv(["--name", name, *network, "--entrypoint", "sh", awscli, "-c", "sleep 600"], detach=True)
        done = subprocess.run(argv, env=upstream_env(upstream), capture_output=True, timeout=90)
        assert done.returncode == 0, done.stderr.decode()
        container_id = done.stdout.decode().strip()
        url = container_env(name)["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        assert fetch_inside(name) == [200, upstream.issued[-1].access_key_id]
        [follower] = followers_of(container_id)

        assert docker("stop", "-t", "1", name, timeout=60).returncode == 0
        time.sleep(1)
        # The port stays held while the container is stopped: nobody else can take it.
        assert followers_of(container_id) == [follower]
        assert not port_refuses(url)

        assert docker("start", name, timeout=60).returncode == 0
        assert container_env(name)["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == url
        assert fetch_inside(name) == [200, upstream.issued[-1].access_key_id]
        assert followers_of(container_id) == [follower]

        assert docker("rm", "-f", name, timeout=60).returncode == 0
        deadline = time.monotonic() + 30
        while followers_of(container_id) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert followers_of(container_id) == []
        assert port_refuses(url)
