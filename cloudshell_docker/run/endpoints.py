"""--network and the container-wide network flags -> the create body's EndpointsConfig, as the docker CLI builds it.

Three steps, each with the CLI's words: ``endpoint_options`` merges the container-wide
flags (``--network-alias``, ``--link``, ``--ip``, ``--ip6``, ``--mac-address``,
``--link-local-ip``) into the first network (parse), ``check_endpoint`` refuses what
the engine would not take (validate), ``endpoint_settings`` writes the API object
(serialise). ``endpoints_config`` runs them over every ``--network``, in the CLI's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.values.gocompat import go_parse_mac, go_quote
from cloudshell_docker.options.values.network import NetworkAttachment, container_mode_target

__all__ = [
    "ContainerNetworkFlags",
    "EndpointOptions",
    "check_endpoint",
    "endpoint_options",
    "endpoint_settings",
    "endpoints_config",
    "is_user_defined",
    "main_endpoint_name",
]

# What the CLI sends for an endpoint nothing was asked of (a lone plain --network sends none at all).
_EMPTY_ENDPOINT: dict[str, Any] = {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "",
                                  "DriverOpts": None, "GwPriority": 0}
# The fields of EndpointSettings the engine fills in; the CLI sends them zero.
_ENDPOINT_STATE: dict[str, Any] = {"NetworkID": "", "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0,
                                  "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                                  "DNSNames": None}


def is_user_defined(mode: str) -> bool:
    return mode not in ("default", "bridge", "host", "none") and container_mode_target(mode) is None


def main_endpoint_name(mode: str) -> str:
    """The EndpointsConfig key of the network mode's endpoint (a container: mode has one named "container")."""
    return mode if container_mode_target(mode) is None else "container"


@dataclass(frozen=True)
class EndpointOptions:
    """One network's endpoint as asked for: a --network value, with the container-wide flags for the first."""

    target: str
    aliases: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    ipv4: str = ""
    ipv6: str = ""
    mac: str = ""
    link_local: tuple[str, ...] = ()
    driver_opts: tuple[tuple[str, str], ...] = ()
    gw_priority: int = 0

    @classmethod
    def of(cls, attachment: NetworkAttachment) -> EndpointOptions:
        """The endpoint of a --network value alone (the second and later networks)."""
        return cls(target=attachment.target, aliases=attachment.aliases or (), ipv4=attachment.ipv4_address,
                   ipv6=attachment.ipv6_address, mac=attachment.mac_address,
                   link_local=attachment.link_local_ips or (), driver_opts=attachment.driver_opts or (),
                   gw_priority=attachment.gw_priority)


@dataclass(frozen=True)
class ContainerNetworkFlags:
    """The container-wide network flags: they apply to the first network only."""

    aliases: tuple[str, ...] = ()  # --network-alias
    links: tuple[str, ...] = ()  # --link
    ipv4: str = ""  # --ip
    ipv6: str = ""  # --ip6
    mac: str = ""  # --mac-address
    link_local: tuple[str, ...] = ()  # --link-local-ip


def endpoint_options(attachment: NetworkAttachment, flags: ContainerNetworkFlags) -> EndpointOptions:
    """The first network's endpoint: its --network value with the container-wide flags (not both for one field)."""
    conflicts = (
        (attachment.aliases, flags.aliases, "--network-alias and per-network alias"),
        (None, flags.links, "--link and per-network links"),
        (attachment.ipv4_address, flags.ipv4, "--ip and per-network IPv4 address"),
        (attachment.ipv6_address, flags.ipv6, "--ip6 and per-network IPv6 address"),
        (attachment.mac_address, flags.mac, "--mac-address and per-network MAC address"),
        (attachment.link_local_ips, flags.link_local, "--link-local-ip and per-network link-local IP addresses"),
    )
    for per_network, container_wide, what in conflicts:
        if per_network and container_wide:
            raise UsageError(f"conflicting options: cannot specify both {what}")
    plain = EndpointOptions.of(attachment)
    return EndpointOptions(
        target=attachment.target,
        aliases=flags.aliases or plain.aliases,
        links=flags.links if is_user_defined(attachment.target) else (),
        ipv4=flags.ipv4 or plain.ipv4,
        ipv6=flags.ipv6 or plain.ipv6,
        mac=flags.mac or plain.mac,
        link_local=flags.link_local or plain.link_local,
        driver_opts=plain.driver_opts,
        gw_priority=plain.gw_priority,
    )


def check_endpoint(options: EndpointOptions) -> None:
    if not options.target.strip():
        raise UsageError("no name set for network")
    if not is_user_defined(options.target):
        if options.aliases:
            raise UsageError("network-scoped aliases are only supported for user-defined networks")
        if options.links:
            raise UsageError("links are only supported for user-defined networks")
    if options.mac and not go_parse_mac(options.mac.strip()):
        raise UsageError(f"{options.mac} is not a valid mac address")


def endpoint_settings(options: EndpointOptions) -> dict[str, Any]:
    """The EndpointSettings the CLI sends for ``options`` (before the engine-filled fields)."""
    settings = dict(_EMPTY_ENDPOINT, GwPriority=options.gw_priority)
    settings["Aliases"] = list(options.aliases) or None
    settings["DriverOpts"] = dict(options.driver_opts) or None
    settings["Links"] = list(options.links) or None
    if options.ipv4 or options.ipv6 or options.link_local:
        ipam: dict[str, Any] = {}
        if options.ipv4:
            ipam["IPv4Address"] = options.ipv4
        if options.ipv6:
            ipam["IPv6Address"] = options.ipv6
        if options.link_local:
            ipam["LinkLocalIPs"] = list(options.link_local)
        settings["IPAMConfig"] = ipam
    if options.mac:
        settings["MacAddress"] = options.mac
    return settings


def endpoints_config(attachments: list[NetworkAttachment], flags: ContainerNetworkFlags) -> dict[str, dict[str, Any]]:
    """EndpointsConfig: every endpoint by network name, checked in the CLI's order (no --network: "default")."""
    if not attachments:
        default = endpoint_options(NetworkAttachment(target="default"), flags)
        check_endpoint(default)
        return {"default": {**endpoint_settings(default), **_ENDPOINT_STATE}}
    endpoints: dict[str, dict[str, Any]] = {}
    for index, attachment in enumerate(attachments):
        options = endpoint_options(attachment, flags) if index == 0 else EndpointOptions.of(attachment)
        check_endpoint(options)
        settings = endpoint_settings(options)
        if attachment.target in endpoints:
            raise UsageError(f"network {go_quote(attachment.target)} is specified multiple times")
        if len(attachments) == 1 and settings == _EMPTY_ENDPOINT:
            continue  # a lone plain --network sends no endpoint settings
        endpoints[attachment.target] = {**settings, **_ENDPOINT_STATE}
    if len({is_user_defined(attachment.target) for attachment in attachments}) > 1:
        raise UsageError("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
    return endpoints
