"""``--inject relay`` for a compose project (see ``compose_relay`` below)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudshell_docker.compose.override import Override
from cloudshell_docker.compose.policy import ServicePlan
from cloudshell_docker.credentials.session import CommandOptions
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.label import is_relay_container

__all__ = ["PROJECT_LABEL", "SERVICE_LABEL", "relay_for_project", "serves_relay"]

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


def serves_relay(engine: Engine, project: str, service: str) -> bool:
    """Whether ``service``'s containers in ``project`` get their credentials from a relay (their label)."""
    listed = engine.containers_labelled({PROJECT_LABEL: project, SERVICE_LABEL: service})
    return any(is_relay_container(info.get("Labels")) for info in listed)


def relay_for_project(plans: Sequence[ServicePlan], model: Mapping[str, Any], options: CommandOptions,
                      global_options: GlobalOptions, override: Override) -> None:
    raise UsageError("csdocker compose: --inject relay is not available yet (use --inject env)")
