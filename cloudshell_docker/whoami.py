"""``csdocker whoami``: the identity behind the credentials, their source, region and time left."""

from __future__ import annotations

from cloudshell_docker.options import SourceOptions

__all__ = ["whoami_command"]


def whoami_command(options: SourceOptions) -> int:
    raise NotImplementedError
