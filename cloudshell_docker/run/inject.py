"""Put the credential variables into a run specification."""

from __future__ import annotations

from collections.abc import Mapping

from cloudshell_docker.run.spec import RunSpec

__all__ = ["inject_env"]


def inject_env(spec: RunSpec, variables: Mapping[str, str]) -> RunSpec:
    """``spec`` with ``variables`` added to the container's environment.

    A variable the user set explicitly (``-e NAME=...``, ``-e NAME``, ``--env-file``)
    wins: it is left as the user gave it.
    """
    env: list[str] = list(spec.config.get("Env") or [])
    given = {entry.split("=", 1)[0] for entry in env}
    env.extend(f"{name}={value}" for name, value in variables.items() if name not in given)
    return spec.with_config(Env=env)
