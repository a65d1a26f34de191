"""Rewrite a create body for the engine's API version, as the docker CLI does."""

from __future__ import annotations

from cloudshell_docker.runargs.spec import RunSpec

__all__ = ["MAX_API_VERSION", "MIN_API_VERSION", "adapt_to_api"]


def adapt_to_api(spec: RunSpec, api_version: str) -> RunSpec:
    """``spec`` for an engine speaking ``api_version``; UsageError where the CLI refuses."""
    raise NotImplementedError

# The newest Engine API version csdocker speaks (that of the docker CLI 28.2 it is
# compared with). The engine connection negotiates min(this, the engine's).
MAX_API_VERSION = "1.50"
# The oldest it supports (docker.io 20.10, Debian 12's engine).
MIN_API_VERSION = "1.41"
