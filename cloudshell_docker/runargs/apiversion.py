"""Rewrite a create body for the engine's API version, as the docker CLI does."""

from __future__ import annotations

from cloudshell_docker.runargs.spec import RunSpec

__all__ = ["adapt_to_api"]


def adapt_to_api(spec: RunSpec, api_version: str) -> RunSpec:
    """``spec`` for an engine speaking ``api_version``; UsageError where the CLI refuses."""
    raise NotImplementedError
