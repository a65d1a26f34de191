"""--ulimit ``name=soft[:hard]`` -> an Engine API Ulimit (go-units' rules)."""

from __future__ import annotations

from typing import Any

from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_int

__all__ = ["ULIMIT_NAMES", "parse_ulimit"]

ULIMIT_NAMES = frozenset({
    "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
    "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
})


def parse_ulimit(value: str) -> dict[str, Any]:
    name, sep, limits = value.partition("=")
    if not sep:
        raise GoValueError(f"invalid ulimit argument: {value}")
    if name not in ULIMIT_NAMES:
        raise GoValueError(f"invalid ulimit type: {name}")
    parts = limits.split(":")
    if len(parts) > 2:
        raise GoValueError(f"too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`")
    hard = go_parse_int(parts[1], 10, 64) if len(parts) == 2 else None
    soft = go_parse_int(parts[0], 10, 64)
    if hard is None:
        hard = soft
    if hard != -1:
        if soft == -1:
            raise GoValueError(
                f"ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: {hard}")
        if soft > hard:
            raise GoValueError(f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}")
    return {"Name": name, "Hard": hard, "Soft": soft}
