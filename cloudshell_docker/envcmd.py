"""``csdocker env``: the credentials as export lines (or dotenv, json, ...), for other tools."""

from __future__ import annotations

from cloudshell_docker.options import SourceOptions

__all__ = ["env_command"]


def env_command(options: SourceOptions, fmt: str) -> int:
    raise NotImplementedError
