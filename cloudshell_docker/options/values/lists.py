"""Element validators of docker's list and map flags, applied as each value is typed (as pflag does)."""

from __future__ import annotations

import re
from typing import Any

from cloudshell_docker.options.values.gocompat import (
    GoValueError,
    go_format_ip,
    go_parse_ip,
    go_parse_uint,
    go_quote,
)
from cloudshell_docker.options.values.scalars import ram_in_bytes

__all__ = [
    "validate_attach",
    "validate_device_cgroup_rule",
    "validate_dns_search",
    "validate_env",
    "validate_extra_host",
    "validate_ip_address",
    "validate_label",
    "validate_link",
    "validate_map_entry",
    "validate_sysctl",
    "validate_throttle_bps",
    "validate_throttle_iops",
    "validate_weight_device",
]

_WHITESPACE = " \t"


def validate_attach(value: str) -> str:
    lowered = value.lower()
    if lowered in ("stdin", "stdout", "stderr"):
        return lowered
    raise GoValueError("valid streams are STDIN, STDOUT and STDERR")


def validate_env(value: str) -> str:
    """``NAME=value`` or ``NAME``; the host lookup for a bare NAME happens in translate."""
    if value.split("=", 1)[0] == "":
        raise GoValueError("invalid environment variable: " + value)
    return value


def validate_label(value: str) -> str:
    key = value.split("=", 1)[0].lstrip(_WHITESPACE)
    if key == "":
        raise GoValueError(f"invalid label '{value}': empty name")
    if any(char in key for char in _WHITESPACE):
        raise GoValueError(f"label '{key}' contains whitespaces")
    return value


def validate_ip_address(value: str) -> str:
    """--dns: an IP address, stored as Go prints it."""
    address = go_parse_ip(value.strip())
    if address is None:
        raise GoValueError(f"IP address is not correctly formatted: {value}")
    return go_format_ip(address)


def validate_extra_host(value: str) -> str:
    """--add-host ``host:ip``, ``host=ip``, ``host=[v6]``, ``host:host-gateway`` -> ``host:ip``."""
    key, sep, address = value.partition("=")
    if not sep:
        key, sep, address = value.partition(":")
    if not sep or key == "" or ":" in key:
        raise GoValueError(f"bad format for add-host: {go_quote(value)}")
    if address != "host-gateway":
        if len(address) > 2 and address[0] == "[" and address[-1] == "]":
            address = address[1:-1]
        if go_parse_ip(address.strip()) is None:
            raise GoValueError(f"invalid IP address in add-host: {go_quote(address)}")
    return f"{key}:{address}"


_ALPHA = re.compile(r"[a-zA-Z]")
# Copied in meaning from the docker CLI, including its "(:?" groups (an optional colon).
_DOMAIN = re.compile(
    r"^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))"
    r"(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?[\t\n\f\r ]*\Z"
)


def validate_dns_search(value: str) -> str:
    value = value.strip(" ")
    if value == ".":
        return value
    if not _ALPHA.search(value):
        raise GoValueError(f"{value} is not a valid domain")
    match = _DOMAIN.match(value)
    if match and len(match.group(1)) < 255:
        return match.group(1)
    raise GoValueError(f"{value} is not a valid domain")


def validate_link(value: str) -> str:
    if value == "":
        raise GoValueError("empty string specified for links")
    if len(value.split(":", 2)) > 2:
        raise GoValueError("bad format for links: " + value)
    return value


_CGROUP_RULE = re.compile(r"[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}")


def validate_device_cgroup_rule(value: str) -> str:
    if _CGROUP_RULE.fullmatch(value):
        return value
    raise GoValueError(f"invalid device cgroup format '{value}'")


_SYSCTL_NAMES = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
}


def validate_sysctl(value: str) -> str:
    key, sep, _ = value.partition("=")
    if not sep or key == "":
        raise GoValueError(f"sysctl '{value}' is not allowed")
    if key in _SYSCTL_NAMES or key.startswith(("net.", "fs.mqueue.")):
        return value
    raise GoValueError(f"sysctl '{value}' is not allowed")


def validate_map_entry(value: str) -> str:
    """--annotation: any ``key=value`` (or bare key)."""
    return value


def _device_and_value(value: str) -> tuple[str, str]:
    path, sep, rest = value.partition(":")
    if not sep or path == "":
        raise GoValueError(f"bad format: {value}")
    if not path.startswith("/dev/"):
        raise GoValueError(f"bad format for device path: {value}")
    return path, rest


def validate_weight_device(value: str) -> dict[str, Any]:
    path, text = _device_and_value(value)
    try:
        weight = go_parse_uint(text, 10, 16)
    except GoValueError:
        raise GoValueError(f"invalid weight for device: {value}") from None
    if weight > 0 and not 10 <= weight <= 1000:
        raise GoValueError(f"invalid weight for device: {value}")
    return {"Path": path, "Weight": weight}


def validate_throttle_bps(value: str) -> dict[str, Any]:
    path, text = _device_and_value(value)
    message = (f"invalid rate for device: {value}. The correct format is <device-path>:<number>[<unit>]. "
               "Number must be a positive integer. Unit is optional and can be kb, mb, or gb")
    try:
        rate = ram_in_bytes(text)
    except GoValueError:
        raise GoValueError(message) from None
    if rate < 0:
        raise GoValueError(message)
    return {"Path": path, "Rate": rate}


def validate_throttle_iops(value: str) -> dict[str, Any]:
    path, text = _device_and_value(value)
    try:
        rate = go_parse_uint(text, 10, 64)
    except GoValueError:
        raise GoValueError(f"invalid rate for device: {value}. The correct format is <device-path>:<number>. "
                           "Number must be a positive integer") from None
    return {"Path": path, "Rate": rate}
