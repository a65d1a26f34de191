"""``--inject relay`` for a compose project: one credentials relay per (engine, project, source).

The project's relay services get no AWS secret: ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and a
token, as ``csdocker run --inject relay`` gives one container (``relay/``), and the AWS SDKs
inside fetch and refresh by themselves. One relay serves every service of the project that uses
the same source (a service with its own ``role-arn`` has its own relay), on two sockets of one
port: 169.254.170.2 (the gateway of ``csdocker-relay``, which such services join as a secondary
network with a low priority, so that their own network stays first, with its DNS and route) and
127.0.0.1 (``network_mode: host``). ``network_mode: service:X`` shares X's; ``none``,
``container:...`` and docker's ``bridge`` cannot reach a relay and are refused.

Its life (``compose.follower``): a detached process serves for as long as the compose command
that started it runs, then for as long as any container of the project carries its label. So
``down`` ends it; ``up`` finds a live relay by those containers (its URL and token are in their
environment, as for any relay container) and reuses it, and a relay that is gone (killed, a
reboot) is served again on the same port with the same token, so that the containers' settings
stay what they were (compose would otherwise recreate them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import socket
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from cloudshell_docker.compose.override import Override
from cloudshell_docker.compose.policy import REGION_VARIABLES, ServicePlan
from cloudshell_docker.compose.sessions import Sessions
from cloudshell_docker.credentials.container import FULL_URI_VAR, TOKEN_VAR
from cloudshell_docker.credentials.session import CommandOptions
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.errors import EngineError, UsageError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.label import RELAY_LABELS, is_relay_container
from cloudshell_docker.relay.network import LOOPBACK, MANAGED_NETWORK, check_local_engine, ensure_network
from cloudshell_docker.relay.probe import relay_problem, relay_settings
from cloudshell_docker.relay.server import CREDENTIALS_PATH

__all__ = ["KEY_LABEL", "PROJECT_LABEL", "RELAY_PRIORITY", "SERVICE_LABEL", "relay_for_project", "serves_relay"]

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
KEY_LABEL = "csdocker.relay.compose"  # which relay of the project serves the container
# The relay network comes after the service's own (compose connects networks by priority).
RELAY_PRIORITY = -1000000
_BIND_TRIES = 5


def serves_relay(engine: Engine, project: str, service: str) -> bool:
    """Whether ``service``'s containers in ``project`` get their credentials from a relay (their label)."""
    listed = engine.containers_labelled({PROJECT_LABEL: project, SERVICE_LABEL: service})
    return any(is_relay_container(info.get("Labels")) for info in listed)


def _placement(plan: ServicePlan, plans: Mapping[str, ServicePlan], model: Mapping[str, Any],
               seen: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """(the address the service reaches its relay on, the service to join to csdocker-relay or None)."""
    mode = plan.network_mode
    if mode is None:
        return MANAGED_NETWORK.gateway, plan.name
    if mode == "host":
        return LOOPBACK, None
    if mode.startswith("service:"):
        other = mode.removeprefix("service:")
        service = (model.get("services") or {}).get(other)
        if service is None or other in seen:
            raise UsageError(f"--inject relay: service {plan.name} shares the network of {other}, "
                             "which is not in the project")
        shared = plans.get(other) or dataclasses.replace(plan, name=other, service=service)
        return _placement(shared, plans, model, (*seen, plan.name))
    raise UsageError(f"--inject relay cannot reach service {plan.name} (network_mode: {mode}): "
                     "give it inject: env in x-csdocker, or use --inject env")


def relay_key(engine: Engine, project: str, options: CommandOptions, role_arn: str | None) -> str:
    """Which relay: one per engine, project and source (the options that choose it; no code, no secret)."""
    source = dataclasses.replace(options.own.source, role_arn=role_arn or options.own.source.role_arn,
                                 mfa_token=None, region=None)
    return hashlib.sha256(f"{engine.host}\0{project}\0{source!r}".encode()).hexdigest()[:16]


def _live_settings(engine: Engine, project: str, key: str) -> tuple[int, str, bool] | None:
    """(port, token, whether it answers) of the relay the project's containers with ``key`` use; None: none."""
    for info in engine.containers_labelled({PROJECT_LABEL: project, KEY_LABEL: key}):
        inspected = engine.inspect_container(str(info.get("Id")))
        settings = relay_settings(((inspected or {}).get("Config") or {}).get("Env") or ())
        if settings is None:
            continue
        url, token = settings
        port = urlsplit(url).port
        if port is None:
            continue
        if relay_problem(url, token) is None:
            return port, token, True
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1.0):
                return port, token, True  # it answers, not with credentials now: it is still there
        except OSError:
            return port, token, False
    return None


def _url(host: str, port: int) -> str:
    return f"http://{host}:{port}{CREDENTIALS_PATH}"


def _serve(sessions: Sessions, role_arn: str | None, engine: Engine, project: str, key: str,
           port: int, token: str) -> int:
    """Start the relay (first fetch, both sockets) and hand it to a detached follower; its port."""
    from cloudshell_docker.compose.follower import detach_project_relay
    from cloudshell_docker.redact import register_secret
    from cloudshell_docker.relay.keeper import CredentialKeeper
    from cloudshell_docker.relay.server import RelayServer

    register_secret(token)
    keeper = CredentialKeeper(sessions.session(role_arn).source)
    keeper.prime()
    servers: list[RelayServer] = []
    for attempt in range(_BIND_TRIES):
        gateway = RelayServer(MANAGED_NETWORK.gateway, port, token, keeper)
        try:
            servers = [gateway, RelayServer(LOOPBACK, gateway.port, token, keeper)]
            break
        except EngineError:
            gateway.release()
            if port or attempt == _BIND_TRIES - 1:
                raise
    detach_project_relay(servers, keeper, engine, project, key)
    return servers[0].port


def relay_for_project(plans: Sequence[ServicePlan], all_plans: Mapping[str, ServicePlan], model: Mapping[str, Any],
                      options: CommandOptions, global_options: GlobalOptions, override: Override) -> None:
    """Make sure each relay ``plans`` need serves; add their settings to ``override``."""
    from cloudshell_docker.engine.target import EngineTarget
    from cloudshell_docker.relay.prompt import PromptGate

    placements = {plan.name: _placement(plan, all_plans, model) for plan in plans}  # refusals before anything
    project = str(model.get("name", ""))
    engine = EngineTarget(global_options, options.environ).connect()
    check_local_engine(engine)
    ensure_network(engine)
    gate = PromptGate()  # an MFA code may be asked for now, never by a refresh
    sessions = Sessions(options, prompt=gate)
    relays: dict[str | None, tuple[str, int, str]] = {}
    for plan in plans:
        if plan.role_arn not in relays:
            key = relay_key(engine, project, options, plan.role_arn)
            live = _live_settings(engine, project, key)
            if live is not None and live[2]:
                port, token = live[0], live[1]
            else:
                token = live[1] if live is not None else secrets.token_urlsafe(32)
                port = _serve(sessions, plan.role_arn, engine, project, key, live[0] if live else 0, token)
            relays[plan.role_arn] = (key, port, token)
        key, port, token = relays[plan.role_arn]
        host, joins = placements[plan.name]
        variables = {FULL_URI_VAR: _url(host, port), TOKEN_VAR: token}
        if plan.region:
            variables.update(dict.fromkeys(sorted(REGION_VARIABLES), plan.region))
        override.add_environment(plan.name, variables)
        override.add_labels(plan.name, {**RELAY_LABELS, KEY_LABEL: key})
        if joins is not None:
            joined = all_plans.get(joins)
            own = joined.service if joined is not None else (model.get("services") or {}).get(joins, {})
            override.add_network(joins, own.get("networks"), MANAGED_NETWORK.name, {"priority": RELAY_PRIORITY},
                                 external_name=MANAGED_NETWORK.name)
    gate.close()
    engine.close()
