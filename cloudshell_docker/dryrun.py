"""``csdocker run --dry-run``: the equivalent docker command, credentials as -e NAME references."""

from __future__ import annotations

from cloudshell_docker.options import RunOwnOptions
from cloudshell_docker.runargs.spec import ParsedRun

__all__ = ["render_docker_command"]


def render_docker_command(parsed: ParsedRun, own: RunOwnOptions, region: str | None) -> str:
    raise NotImplementedError
