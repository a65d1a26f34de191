"""A relay lives as long as its container: stopped and started again, the container still gets
its credentials from the same port; removed, its relay is gone."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import pytest

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.network import MANAGED_NETWORK, ensure_network
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.moto import MotoServer
from tests.support.relay_run import (
    container_env,
    followers_of,
    port_refuses,
    processes_mentioning,
    relayed_argv,
    upstream_env,
)

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


@pytest.fixture(scope="module")
def gateway_moto() -> Iterator[MotoServer]:
    """moto's STS where a container on the relay's network reaches it: the network's gateway."""
    ensure_network(Engine(connect(GlobalOptions(), {})))
    server = MotoServer(host=MANAGED_NETWORK.gateway).start()
    yield server
    server.stop()


def caller_identity(name: str, sts_url: str) -> subprocess.CompletedProcess[str]:
    return docker("exec", name, "aws", "sts", "get-caller-identity", "--endpoint-url", sts_url,
                  "--query", "Account", "--output", "text", timeout=90)


@pytest.mark.timeout(240)
def test_an_attached_runs_container_started_again_still_gets_its_credentials(awscli, names, gateway_moto):
    """No --rm: the container outlives the attached run (as the Dev Containers CLI leaves it), and its
    relay follows it: stopped and started again, the SDK inside gets credentials; removed, nothing stays."""
    name = names.new("relay-attached")
    with CredentialsEndpoint(lifetime=900) as upstream:
        process = subprocess.Popen(
            relayed_argv(["--name", name, "--entrypoint", "sh", awscli, "-c", "sleep 600"]),
            env=upstream_env(upstream), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
                assert process.poll() is None, "the run ended before its container started"
                assert time.monotonic() < deadline, "the container did not start"
                time.sleep(0.2)
            first = caller_identity(name, gateway_moto.url)
            assert first.returncode == 0, first.stderr
            assert first.stdout.strip() == "123456789012"
            container_id = docker("inspect", "-f", "{{.Id}}", name, check=True).stdout.strip()

            assert docker("stop", "-t", "1", name, timeout=60).returncode == 0
            _, stderr = process.communicate(timeout=60)  # the attached run ends with its container
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 137, stderr.decode()
        assert stderr == b""
        [follower] = followers_of(container_id)

        assert docker("start", name, timeout=60).returncode == 0
        again = caller_identity(name, gateway_moto.url)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == "123456789012"
        assert followers_of(container_id) == [follower]

        url = container_env(name)["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        assert docker("rm", "-f", name, timeout=60).returncode == 0
        deadline = time.monotonic() + 30
        while (followers_of(container_id) or processes_mentioning(container_id[:12])) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert followers_of(container_id) == []
        assert processes_mentioning(container_id[:12]) == []  # no csdocker process of it is left
        assert port_refuses(url)
