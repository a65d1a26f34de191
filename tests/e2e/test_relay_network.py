"""The relay's network on the real engine: created once even in a race, isolated, the user's networks kept."""

from __future__ import annotations

import json
import random
import subprocess
import threading
import uuid
from collections.abc import Iterator

import pytest

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.errors import EngineError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.network import MANAGED_NETWORK, ManagedNetwork, connect_container, ensure_network
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.fakests import FakeSts
from tests.support.relay_run import loop_script, parse_calls, relayed_argv, upstream_env

pytestmark = pytest.mark.engine


def new_engine() -> Engine:
    return Engine(connect(GlobalOptions(), {}))


@pytest.fixture
def test_network(engine) -> Iterator[ManagedNetwork]:
    """A managed-network definition of this test's own (name and a link-local /24 nobody else uses)."""
    third = random.randint(100, 169)
    network = ManagedNetwork(name=f"csdt-relaynet-{uuid.uuid4().hex[:10]}", subnet=f"169.254.{third}.0/24",
                             gateway=f"169.254.{third}.2")
    yield network
    docker("network", "rm", network.name)


def test_runs_starting_at_once_create_the_network_once_and_share_it(test_network):
    ids: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def one_run() -> None:
        engine = new_engine()
        barrier.wait()
        try:
            ids.append(ensure_network(engine, test_network))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=one_run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(set(ids)) == 1
    listed = docker("network", "ls", "-q", "--no-trunc", "--filter", f"name=^{test_network.name}$").stdout.split()
    assert listed == ids[:1]
    info = json.loads(docker("network", "inspect", test_network.name).stdout)[0]
    assert info["Internal"] is True
    assert info["Options"]["com.docker.network.bridge.enable_icc"] == "false"
    assert info["IPAM"]["Config"] == [{"Subnet": test_network.subnet, "Gateway": test_network.gateway}]
    assert info["Labels"] == {"csdocker.managed": "relay-network"}
    assert ensure_network(new_engine(), test_network) == ids[0]  # and later runs reuse it


def test_a_network_of_that_name_that_csdocker_did_not_make_is_not_used(test_network):
    docker("network", "create", test_network.name, check=True)
    with pytest.raises(EngineError, match="csdocker did not create") as caught:
        ensure_network(new_engine(), test_network)
    assert f"docker network rm {test_network.name}" in str(caught.value)


def test_another_network_on_the_subnet_is_named_in_the_error(test_network):
    foreign = f"csdt-foreign-{uuid.uuid4().hex[:10]}"
    docker("network", "create", "--subnet", test_network.subnet, foreign, check=True)
    try:
        with pytest.raises(EngineError, match=f"Docker network {foreign} already uses {test_network.subnet}"):
            ensure_network(new_engine(), test_network)
    finally:
        docker("network", "rm", foreign)


@pytest.mark.timeout(120)
def test_containers_of_different_runs_cannot_reach_each_other_through_the_relay_network(awscli, names):
    engine = new_engine()
    network_id = ensure_network(engine)
    server, probe = names.new("relay-icc-server"), names.new("relay-icc-probe")
    docker("create", "--name", server, "--entrypoint", "python3", awscli, "-m", "http.server", "8080", check=True)
    connect_container(engine, server, network_id)
    docker("start", server, check=True)
    networks = json.loads(docker("inspect", server).stdout)[0]["NetworkSettings"]["Networks"]
    relay_ip = networks[MANAGED_NETWORK.name]["IPAddress"]
    bridge_ip = networks["bridge"]["IPAddress"]
    code = (
        "import socket, sys, time\n"
        "def reach(ip):\n"
        "    for _ in range(20):\n"
        "        try:\n"
        "            socket.create_connection((ip, 8080), timeout=3).close(); return 'open'\n"
        "        except ConnectionRefusedError: time.sleep(0.5)\n"
        "        except OSError: return 'blocked'\n"
        "    return 'refused'\n"
        f"print(reach('{bridge_ip}'), reach('{relay_ip}'))\n"
    )
    docker("create", "--name", probe, "--entrypoint", "python3", awscli, "-c", code, check=True)
    connect_container(engine, probe, network_id)
    result = docker("start", "-a", probe, timeout=90)
    # The server is up (reached over the default bridge), but not over the relay's network.
    assert result.stdout.split() == ["open", "blocked"], result


@pytest.mark.parametrize("via", ["csdocker", "driver"])
@pytest.mark.timeout(150)
def test_a_container_on_an_internal_user_network_keeps_it_and_still_gets_credentials(awscli, names, via):
    user_network = f"csdt-usernet-{uuid.uuid4().hex[:10]}"
    docker("network", "create", "--internal", user_network, check=True)
    name = names.new("relay-usernet")
    try:
        ensure_network(new_engine())
        with CredentialsEndpoint(lifetime=900) as upstream, FakeSts(upstream, host=MANAGED_NETWORK.gateway) as sts:
            script = loop_script(sts.url, 0, 1)
            done = subprocess.run(
                relayed_argv(["--name", name, "--network", user_network, "--entrypoint", "sh", awscli, "-c", script],
                             via=via),
                env=upstream_env(upstream), capture_output=True, timeout=120)
            assert done.returncode == 0, done.stderr.decode()
            calls = parse_calls(docker("logs", name).stdout)
            assert [call.ok for call in calls] == [True]
            assert calls[0].key_id == upstream.issued[-1].access_key_id
            networks = json.loads(docker("inspect", name).stdout)[0]["NetworkSettings"]["Networks"]
            assert set(networks) == {user_network, MANAGED_NETWORK.name}
    finally:
        docker("rm", "-f", name)
        docker("network", "rm", user_network)


@pytest.mark.parametrize(("network", "words"), [
    (["--network", "none"], "--inject relay cannot reach a container with --network none"),
    (["--network", "container:csdt-nothing"], "--inject relay cannot be used with --network container:"),
])
def test_networks_the_relay_cannot_reach_fail_the_run_before_anything_is_created(busybox, names, network, words):
    name = names.new("relay-refused")
    with CredentialsEndpoint(lifetime=900) as upstream:
        done = subprocess.run(relayed_argv(["--name", name, *network, busybox, "true"]),
                              env=upstream_env(upstream), capture_output=True, timeout=60)
        assert upstream.requests == []  # refused before the source was even asked
    assert done.returncode == 125
    assert words in done.stderr.decode()
    assert docker("inspect", name).returncode != 0


def test_a_failing_source_fails_the_run_before_anything_is_created(busybox, names):
    name = names.new("relay-badsource")
    with CredentialsEndpoint(lifetime=900, mode="unauthorized") as upstream:
        done = subprocess.run(relayed_argv(["--name", name, "--network", "host", busybox, "true"]),
                              env=upstream_env(upstream), capture_output=True, timeout=60)
    assert done.returncode == 125
    assert "refused the authorization token (HTTP 401)" in done.stderr.decode()
    assert docker("inspect", name).returncode != 0
