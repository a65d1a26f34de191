"""Where the relay listens for a given run, and which engines it can serve."""

from __future__ import annotations

import docker
import pytest

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.errors import EngineError, UsageError
from cloudshell_docker.relay.network import MANAGED_NETWORK, check_local_engine, placement_for


def spec(network_mode: str | None) -> dict[str, object]:
    """A create body with ``network_mode`` (what the relay reads of a run)."""
    host_config = {} if network_mode is None else {"NetworkMode": network_mode}
    return {"Image": "local/aws-cli", "HostConfig": host_config}


def test_host_network_listens_on_loopback_and_connects_nothing():
    placement = placement_for(spec("host"))
    assert placement.host == "127.0.0.1"
    assert placement.network is None


@pytest.mark.parametrize("mode", [None, "default", "bridge", "my-net", "csdt-user-network"])
def test_other_networks_listen_on_the_ecs_address_of_the_managed_network(mode):
    placement = placement_for(spec(mode))
    assert placement.host == "169.254.170.2"
    assert placement.network == MANAGED_NETWORK
    assert MANAGED_NETWORK.gateway == "169.254.170.2"


def test_a_container_the_user_put_on_the_managed_network_is_not_connected_again():
    placement = placement_for(spec(MANAGED_NETWORK.name))
    assert placement.host == MANAGED_NETWORK.gateway
    assert placement.join is False
    assert placement_for(spec("bridge")).join is True


@pytest.mark.parametrize(("mode", "words"), [
    ("none", "--network none"),
    ("container:abc", "--network container:"),
])
def test_networks_the_relay_cannot_reach_are_refused_before_anything_happens(mode, words):
    with pytest.raises(UsageError, match=words) as caught:
        placement_for(spec(mode))
    assert "--inject env" in str(caught.value)


@pytest.mark.parametrize("base_url", [
    "unix:///var/run/docker.sock", "tcp://127.0.0.1:2375", "tcp://localhost:2376", "tcp://[::1]:2375",
])
def test_an_engine_on_this_machine_is_accepted(base_url):
    check_local_engine(Engine(docker.APIClient(base_url=base_url, version="1.41")))


@pytest.mark.parametrize("base_url", ["tcp://10.1.2.3:2375", "tcp://build-host.example:2376"])
def test_an_engine_elsewhere_is_refused_with_its_address(base_url):
    with pytest.raises(EngineError, match="needs the Docker engine on this machine") as caught:
        check_local_engine(Engine(docker.APIClient(base_url=base_url, version="1.41")))
    assert base_url.split("//")[1] in str(caught.value)
