"""Run one container as ``docker run`` does: pull, create, attach, start, stream, signals, wait, remove."""

from __future__ import annotations

from typing import Protocol

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.runargs.spec import RunSpec
from cloudshell_docker.terminal import Terminal

__all__ = ["RunHooks", "run"]


class RunHooks(Protocol):
    """Things to do around the container's life (the credential relay uses these)."""

    def created(self, container_id: str) -> None:
        """After create, before attach and start."""
        ...

    def finished(self, container_id: str, detached: bool) -> None:
        """On every way out once the container exists (``detached``: csdocker returns while it runs)."""
        ...


def run(spec: RunSpec, engine: Engine, terminal: Terminal, hooks: RunHooks | None = None) -> int:
    """Run the container; return the exit status ``docker run`` would return."""
    raise NotImplementedError
