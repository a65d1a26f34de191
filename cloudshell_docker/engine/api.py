"""A thin facade over docker.APIClient: the calls a run makes, docker's errors as EngineError."""

from __future__ import annotations

import docker

__all__ = ["Engine"]


class Engine:
    def __init__(self, client: docker.APIClient) -> None:
        self.client = client

    @property
    def api_version(self) -> str:
        return str(self.client.api_version)
