"""-p / --expose: go-connections' nat rules (ranges, protocols, bracketed IPv6) and the CLI's long syntax."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_ip, go_parse_uint

__all__ = ["expose_ports", "parse_port_range", "publish_ports", "split_proto_port"]


def parse_port_range(ports: str) -> tuple[int, int]:
    if ports == "":
        raise GoValueError("empty string specified for ports")
    if "-" not in ports:
        port = go_parse_uint(ports, 10, 16)
        return port, port
    parts = ports.split("-")
    start = go_parse_uint(parts[0], 10, 16)
    end = go_parse_uint(parts[1], 10, 16)
    if end < start:
        raise GoValueError(f"invalid range specified for port: {ports}")
    return start, end


def split_proto_port(raw: str) -> tuple[str, str]:
    parts = raw.split("/")
    if raw == "" or parts[0] == "":
        return "", ""
    if len(parts) == 1:
        return "tcp", raw
    if parts[1] == "":
        return "tcp", parts[0]
    return parts[1], parts[0]


def _split_parts(raw: str) -> tuple[str, str, str]:
    parts = raw.split(":")
    count = len(parts)
    container = parts[-1]
    if count == 1:
        return "", "", container
    if count == 2:
        return "", parts[0], container
    if count == 3:
        return parts[0], parts[1], container
    return ":".join(parts[: count - 2]), parts[count - 2], container


def _unbracket(ip: str) -> str:
    """net.SplitHostPort(ip + ":") for a ``[v6]`` host part, with Go's error texts."""
    hostport = ip + ":"

    def fail(why: str) -> GoValueError:
        return GoValueError(f"invalid IP address {ip}: address {hostport}: {why}")

    end = hostport.find("]")
    if end < 0:
        raise fail("missing ']' in address")
    last_colon = len(hostport) - 1
    if end + 1 == len(hostport):
        raise fail("missing port in address")
    if end + 1 != last_colon:
        raise fail("too many colons in address" if hostport[end + 1] == ":" else "missing port in address")
    if "[" in hostport[1:]:
        raise fail("unexpected '[' in address")
    if "]" in hostport[end + 1 :]:
        raise fail("unexpected ']' in address")
    return hostport[1:end]


def _port_spec(raw: str) -> list[tuple[str, dict[str, str]]]:
    ip, host_port, container_port = _split_parts(raw)
    proto, container_port = split_proto_port(container_port)
    if ip and ip[0] == "[":
        ip = _unbracket(ip)
    if ip and go_parse_ip(ip) is None:
        raise GoValueError(f"invalid IP address: {ip}")
    if container_port == "":
        raise GoValueError(f"no port specified: {raw}<empty>")
    try:
        start, end = parse_port_range(container_port)
    except GoValueError:
        raise GoValueError(f"invalid containerPort: {container_port}") from None
    host_start = host_end = 0
    if host_port:
        try:
            host_start, host_end = parse_port_range(host_port)
        except GoValueError:
            raise GoValueError(f"invalid hostPort: {host_port}") from None
    if host_port and (end - start) != (host_end - host_start) and end != start:
        raise GoValueError(f"invalid ranges specified for container and host Ports: {container_port} and {host_port}")
    if proto.lower() not in ("tcp", "udp", "sctp"):
        raise GoValueError(f"invalid proto: {proto}")
    mappings = []
    for offset in range(end - start + 1):
        port_text = str(start + offset)
        if host_port:
            host_port = str(host_start + offset)
        if start == end and host_start != host_end:
            host_port = f"{host_port}-{host_end}"
        mappings.append((f"{port_text}/{proto.lower()}", {"HostIp": ip, "HostPort": host_port}))
    return mappings


def _standard_notation(spec: str) -> str:
    """``published=8080,target=80,protocol=udp`` -> ``8080:80/udp``."""
    if "=" not in spec:
        return spec
    params = {"protocol": "tcp"}
    for param in spec.split(","):
        key, sep, value = param.partition("=")
        if not sep or key == "":
            raise GoValueError(f"invalid publish opts format (should be name=value but got '{param}')")
        params[key] = value
    return f"{params.get('published', '')}:{params.get('target', '')}/{params['protocol']}"


def publish_ports(specs: Iterable[str]) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, str]]]]:
    """(ExposedPorts, PortBindings) for the -p values, in the CLI's shapes."""
    standard = [_standard_notation(spec) for spec in specs]
    exposed: dict[str, dict[str, Any]] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for raw in standard:
        for port, binding in _port_spec(raw):
            exposed.setdefault(port, {})
            bindings.setdefault(port, []).append(binding)
    return exposed, bindings


def expose_ports(specs: Iterable[str], exposed: dict[str, dict[str, Any]]) -> None:
    """Add the --expose values (``80``, ``8000-8010/udp``) to ``exposed``."""
    for spec in specs:
        if ":" in spec:
            raise GoValueError(f"invalid port format for --expose: {spec}")
        proto, port = split_proto_port(spec)
        try:
            start, end = parse_port_range(port)
        except GoValueError as err:
            raise GoValueError(f"invalid range format for --expose: {spec}, error: {err}") from None
        for number in range(start, end + 1):
            exposed.setdefault(f"{number}/{proto}", {})
