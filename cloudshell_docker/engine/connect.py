"""Which engine, and how to reach it: -H, --context, DOCKER_HOST, DOCKER_CONTEXT, TLS, API version."""

from __future__ import annotations

from collections.abc import Mapping

import docker

from cloudshell_docker.globalopts import GlobalOptions

__all__ = ["connect"]


def connect(options: GlobalOptions, environ: Mapping[str, str]) -> docker.APIClient:
    """A client for the engine the docker CLI would talk to, with the API version
    negotiated. EngineError (exit 125) when it cannot be reached."""
    raise NotImplementedError
