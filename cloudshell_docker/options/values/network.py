"""--network: a plain name, or the advanced CSV form (name=,alias=,ip=,ip6=,mac-address=,...)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudshell_docker.options.values.gocompat import GoValueError, go_atoi, go_csv_record

__all__ = ["NetworkAttachment", "container_mode_target", "parse_network"]

_LONG_SYNTAX = re.compile(r"\w+=\w+(,\w+=\w+)*", re.ASCII)


def container_mode_target(mode: str) -> str | None:
    """NAME of a ``container:NAME`` namespace mode (--network, --pid); None for any other mode."""
    kind, sep, name = mode.partition(":")
    return name if sep and kind == "container" else None


@dataclass(frozen=True)
class NetworkAttachment:
    target: str
    aliases: tuple[str, ...] | None = None  # None: not given in the advanced form
    driver_opts: tuple[tuple[str, str], ...] | None = None
    ipv4_address: str = ""
    ipv6_address: str = ""
    link_local_ips: tuple[str, ...] | None = None
    mac_address: str = ""
    gw_priority: int = 0


def parse_network(value: str) -> NetworkAttachment:
    # The CLI's test is an unanchored search: any "word=word" inside selects the CSV form.
    if not _LONG_SYNTAX.search(value):
        return NetworkAttachment(target=value)
    fields = go_csv_record(value)
    target = ipv4 = ipv6 = mac = ""
    aliases: list[str] = []
    link_local: list[str] | None = None
    driver_opts: dict[str, str] | None = None
    priority = 0
    for field in fields:
        key, sep, val = field.lower().partition("=")
        if not sep or key == "":
            raise GoValueError(f"invalid field {field}")
        key, val = key.strip(), val.strip()
        if key == "name":
            target = val
        elif key == "alias":
            aliases.append(val)
        elif key == "ip":
            ipv4 = val
        elif key == "ip6":
            ipv6 = val
        elif key == "mac-address":
            mac = val
        elif key == "link-local-ip":
            link_local = [*(link_local or []), val]
        elif key == "driver-opt":
            opt_key, opt_sep, opt_val = val.lower().partition("=")
            if not opt_sep or opt_key == "":
                raise GoValueError("invalid key value pair format in driver options")
            driver_opts = driver_opts or {}
            driver_opts[opt_key.strip()] = opt_val.strip()
        elif key == "gw-priority":
            try:
                priority = go_atoi(val)
            except GoValueError as err:
                reason = str(err).rsplit(": ", 1)[-1]
                raise GoValueError(f"invalid gw-priority ({val}): {reason}") from None
        else:
            raise GoValueError("invalid field key " + key)
    if not target:
        raise GoValueError("network name/id is not specified")
    return NetworkAttachment(
        target=target,
        aliases=tuple(aliases),
        driver_opts=None if driver_opts is None else tuple(driver_opts.items()),
        ipv4_address=ipv4,
        ipv6_address=ipv6,
        link_local_ips=None if link_local is None else tuple(link_local),
        mac_address=mac,
        gw_priority=priority,
    )
