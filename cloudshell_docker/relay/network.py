"""Where the relay listens, and the csdocker-managed network through which a container reaches it.

The AWS SDKs fetch container credentials over plain http only from a loopback address or
from the ECS address 169.254.170.2. A container on the host's network reaches the relay on
127.0.0.1. Any other container is also connected to ``csdocker-relay``, a bridge network
whose gateway (an address of this host) is 169.254.170.2, and the relay listens there; the
container's own networks stay as the user gave them. That network is

* internal: it never becomes the container's way out (its default route stays the user's);
* without inter-container traffic (``enable_icc=false``): the containers of different runs
  that share it cannot reach each other through it;
* created once and kept, like docker's own ``bridge``: removing it would race with a run that
  has just made sure it exists, and a stopped container that was connected to it could not be
  started again without it. ``docker network rm csdocker-relay`` removes it when nothing uses it.

Creating it is race-safe: two runs that find it missing both try; the engine lets only one
have the name and the subnet; the other finds the winner's network and uses it.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudshell_docker.engine.api import DaemonError, Engine, NoAnswer
from cloudshell_docker.errors import EngineError, UsageError

__all__ = [
    "LOOPBACK",
    "MANAGED_NETWORK",
    "OWNER_LABEL",
    "ManagedNetwork",
    "Placement",
    "check_local_engine",
    "connect_container",
    "ensure_network",
    "placement_for",
]

LOOPBACK = "127.0.0.1"
# How long a run that lost the race to create the network waits for the winner's to appear.
RACE_PATIENCE_SECONDS = 20.0
OWNER_LABEL = "csdocker.managed"
OWNER_VALUE = "relay-network"


@dataclass(frozen=True)
class ManagedNetwork:
    """A network csdocker creates for the relay (tests make their own on other addresses)."""

    name: str = "csdocker-relay"
    subnet: str = "169.254.170.0/24"
    gateway: str = "169.254.170.2"


MANAGED_NETWORK = ManagedNetwork()


@dataclass(frozen=True)
class Placement:
    """The address the relay listens on (the container uses it too), and the network to connect."""

    host: str
    network: ManagedNetwork | None
    join: bool = True  # False: the container is on the managed network already (the user named it)


def _network_mode(config: Mapping[str, Any]) -> str:
    host_config = config.get("HostConfig") or {}
    mode = host_config.get("NetworkMode") if isinstance(host_config, Mapping) else None
    return str(mode or "default")


def placement_for(config: Mapping[str, Any], network: ManagedNetwork = MANAGED_NETWORK) -> Placement:
    """Where the relay for the container of create body ``config`` listens; UsageError where it cannot be reached."""
    mode = _network_mode(config)
    if mode == "host":
        return Placement(LOOPBACK, None)
    if mode == "none":
        raise UsageError("--inject relay cannot reach a container with --network none (use --inject env)")
    if mode.startswith("container:"):
        raise UsageError(
            "--inject relay cannot be used with --network container:...: that container's network "
            "is not csdocker's to change (use --inject env)"
        )
    endpoints = (config.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}
    already = mode == network.name or network.name in endpoints
    return Placement(network.gateway, network, join=not already)


def check_local_engine(engine: Engine) -> None:
    """EngineError unless the engine runs on this machine: the container must reach this process."""
    if engine.is_local:
        return
    raise EngineError(
        f"--inject relay needs the Docker engine on this machine, and {engine.host} is not (use --inject env)"
    )


def _is_ours(info: Mapping[str, Any], network: ManagedNetwork) -> bool:
    labels = info.get("Labels") or {}
    configs = (info.get("IPAM") or {}).get("Config") or []
    gateways = {str(c.get("Gateway")) for c in configs if isinstance(c, Mapping)}
    return labels.get(OWNER_LABEL) == OWNER_VALUE and network.gateway in gateways


def _inspect(engine: Engine, network: ManagedNetwork) -> Mapping[str, Any] | None:
    try:
        info = engine.inspect_network(network.name)  # a refusal other than 404 is the daemon's own words
    except NoAnswer as err:
        raise EngineError(f"credential relay: cannot ask the engine about its networks ({err.cause})") from None
    if info is None:
        return None
    if not _is_ours(info, network):
        raise EngineError(
            f"a Docker network named {network.name} exists that csdocker did not create for its relay "
            f"(gateway {network.gateway}): remove it with `docker network rm {network.name}`"
        )
    return info


def _holder_of_subnet(engine: Engine, network: ManagedNetwork) -> str | None:
    """The name of the network that already uses ``network``'s subnet, for the error message."""
    wanted = ipaddress.ip_network(network.subnet)
    try:
        listed = engine.networks()
    except EngineError:
        return None
    for info in listed:
        for config in (info.get("IPAM") or {}).get("Config") or []:
            try:
                if ipaddress.ip_network(str(config.get("Subnet")), strict=False).overlaps(wanted):
                    return str(info.get("Name"))
            except ValueError:
                continue
    return None


def _foreign_holder(engine: Engine, network: ManagedNetwork) -> str | None:
    holder = _holder_of_subnet(engine, network)
    return holder if holder and holder != network.name else None


def ensure_network(engine: Engine, network: ManagedNetwork = MANAGED_NETWORK,
                   *, sleep: Callable[[float], None] = time.sleep) -> str:
    """The ID of the managed network, created if missing. Safe when several runs do it at once."""
    lost_race: DaemonError | None = None
    pause = 0.05
    deadline = time.monotonic() + RACE_PATIENCE_SECONDS
    while True:
        info = _inspect(engine, network)
        if info is not None:
            return str(info["Id"])
        try:
            return engine.create_network(
                network.name,
                driver="bridge",
                internal=True,
                check_duplicate=True,
                ipam={"Driver": "default", "Config": [{"Subnet": network.subnet, "Gateway": network.gateway}]},
                options={"com.docker.network.bridge.enable_icc": "false"},
                labels={OWNER_LABEL: OWNER_VALUE},
            )
        except DaemonError as err:
            lost_race = err
        except NoAnswer as err:
            raise EngineError(f"credential relay: cannot create network {network.name} ({err.cause})") from None
        # The name or the subnet is taken. By another run that is still creating the network
        # (the engine holds both before the network can be looked up): look again shortly.
        # By a network of another name: that will not change.
        holder = _foreign_holder(engine, network)
        if holder is not None:
            raise EngineError(
                f"credential relay: Docker network {holder} already uses {network.subnet}, which csdocker's "
                f"{network.name} network needs (for {network.gateway}): remove it, or use --inject env"
            )
        if time.monotonic() > deadline:
            raise lost_race from None
        sleep(pause)
        pause = min(pause * 2, 1.0)


def connect_container(engine: Engine, container_id: str, network_id: str) -> None:
    """Connect the created (not yet started) container to the managed network."""
    try:
        engine.connect_network(container_id, network_id)  # a refusal is the daemon's own words
    except NoAnswer as err:
        raise EngineError(f"credential relay: cannot connect the container to its network ({err.cause})") from None
