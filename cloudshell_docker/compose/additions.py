"""What ``csdocker compose`` adds before it execs ``docker compose`` (``command`` decides when it is needed).

    parse        compose's globals and csdocker's options (``argv``)
    model        ``docker compose ... config --format json``, once (``model``)
    plan         which services get what (``policy``)
    credentials  fetched once per source, before compose starts (MFA prompts then; ``sessions``)
    override     one more compose file in a sealed memfd, the last ``-f /dev/fd/N`` (``override``)
    exec         ``docker compose`` replaces csdocker: its output, errors and exit status are its own

The subcommands that create containers (``up``, ``create``, ``run``, ``scale``, ``watch``) get the
override; ``build`` gets the ``aws``/``aws-config`` BuildKit secrets; ``exec`` gives the exec fresh
credentials (as ``-e NAME``, their values in compose's environment: compose takes an exec's
variables no other way); ``start``/``restart`` make sure a relay service's relay lives; every other
subcommand goes to ``docker compose`` unchanged (the launcher sends most of them there directly).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from cloudshell_docker.commands.passthrough import exec_docker
from cloudshell_docker.compose.argv import CREATING, ComposeArgs
from cloudshell_docker.compose.discovery import compose_files, read_dotenv
from cloudshell_docker.compose.flags import EXEC_TABLE, RUN_TABLE
from cloudshell_docker.compose.model import PendingModel
from cloudshell_docker.compose.override import Override
from cloudshell_docker.compose.policy import REGION_VARIABLES, ServicePlan, plan_services
from cloudshell_docker.compose.sessions import Sessions
from cloudshell_docker.console import warn
from cloudshell_docker.credentials.model import credential_env
from cloudshell_docker.credentials.session import CommandOptions, command_options
from cloudshell_docker.imagebuild.secretfds import secret_sources
from cloudshell_docker.imagebuild.secretfiles import (
    CONFIG_SECRET_ID,
    CREDENTIALS_SECRET_ID,
    config_file,
    credentials_file,
)
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.pflag import parse

__all__ = ["exec_with_additions"]

BUILDING = frozenset({"build", "up", "create", "run", "watch"})


def _names(entries: Iterable[str]) -> set[str]:
    return {entry.split("=", 1)[0] for entry in entries}


def _one_off(args: ComposeArgs, table_name: str) -> tuple[str | None, set[str]]:
    """(the service of ``run``/``exec``, the variables its ``-e``/``--env-from-file`` set)."""
    parsed = parse(args.args, RUN_TABLE if table_name == "run" else EXEC_TABLE)
    if not parsed.positionals:
        return None, set()
    variables = _names(parsed.converted.texts("--env"))
    for path in parsed.converted.texts("--env-from-file"):
        with contextlib.suppress(OSError):  # compose says what is wrong with it
            variables |= set(read_dotenv(path))
    return parsed.positionals[0], variables


def _started_with(model: Mapping[str, Any], service: str) -> set[str]:
    """``service`` and every service it may start or share a network with (``depends_on``, ``service:X``)."""
    services = model.get("services") or {}
    found: set[str] = set()
    waiting = [service]
    while waiting:
        name = waiting.pop()
        if name in found or name not in services:
            continue
        found.add(name)
        definition = services[name] or {}
        waiting.extend(str(other) for other in definition.get("depends_on") or {})
        mode = str(definition.get("network_mode") or "")
        if mode.startswith("service:"):
            waiting.append(mode.removeprefix("service:"))
    return found


def _region_only(region: str) -> dict[str, str]:
    return dict.fromkeys(sorted(REGION_VARIABLES), region)


def _env_variables(plan: ServicePlan, sessions: Sessions) -> dict[str, str]:
    if not plan.credentials:
        return _region_only(plan.region) if plan.region else {}
    return credential_env(sessions.credentials(plan.role_arn), plan.region)


def _warn_region(plans: Iterable[ServicePlan]) -> None:
    missing = sorted(plan.name for plan in plans
                     if plan.inject is not None and plan.region is None and not plan.own_region)
    if missing:
        warn("no AWS region configured (--region, AWS_REGION, AWS_DEFAULT_REGION or the profile); "
             f"service{'s' if len(missing) > 1 else ''} {', '.join(missing)} get{'' if len(missing) > 1 else 's'} none")


def _build_secrets(plans: Iterable[ServicePlan], sessions: Sessions, override: Override,
                   environ: Mapping[str, str]) -> list[int]:
    """The BuildKit secrets of every service that builds and gets credentials (memfds, as ``csdocker build``)."""
    held: list[int] = []
    for plan in plans:
        if not (plan.has_build and plan.credentials and plan.inject is not None):
            continue
        secrets = {CREDENTIALS_SECRET_ID: credentials_file(sessions.credentials(plan.role_arn))}
        if plan.region:
            secrets[CONFIG_SECRET_ID] = config_file(plan.region)
        sources = secret_sources(secrets, environ)
        held.extend(sources.held)
        override.add_build_secrets(plan.name, sources.paths)
    return held


def _with_override(args: ComposeArgs, files: Sequence[str], path: str) -> list[str]:
    """compose's global words with the discovered files first and the override last of the ``-f``s."""
    words = list(args.globals_kept)
    end = len(words) - 1 if words and words[-1] == "--" else len(words)
    return [*(word for file in files for word in ("-f", file)), *words[:end], "-f", path, *words[end:]]


def _exec_variables(args: ComposeArgs, model: Mapping[str, Any], options: CommandOptions,
                    prefix: Sequence[str], global_options: GlobalOptions) -> dict[str, str]:
    """What ``compose exec`` gives its exec: fresh credentials, unless the service is a relay's or opted out."""
    service, variables = _one_off(args, "exec")
    plans = plan_services(model, options.own.inject, options.region, service, variables)
    plan = plans.get(service or "")
    if plan is None or plan.inject is None:
        return {}
    from cloudshell_docker.compose.relay import serves_relay
    from cloudshell_docker.engine.target import EngineTarget

    engine = EngineTarget(global_options, options.environ).connect()
    if serves_relay(engine, str(model.get("name", "")), plan.name):
        return {}  # its relay keeps its credentials fresh: static ones would contradict them
    return _env_variables(plan, Sessions(options))


def exec_with_additions(args: ComposeArgs, pending: PendingModel, prefix: Sequence[str],
                        global_options: GlobalOptions, environ: dict[str, str]) -> NoReturn:
    """The model (``pending``: compose reading it meanwhile), the plan, the credentials, the override, the exec."""
    base = [*prefix, "compose"]
    model = pending.result()
    options = command_options(args.own, environ)
    subcommand = str(args.subcommand)
    if subcommand == "exec":
        variables = _exec_variables(args, model, options, prefix, global_options)
        names = [word for name in variables for word in ("-e", name)]
        exec_docker([*base, *args.globals_kept, "exec", *names, *args.args], {**environ, **variables})

    service, given = _one_off(args, "run") if subcommand == "run" else (None, set())
    plans = plan_services(model, options.own.inject, options.region, service, given)
    if service is not None:  # the one-off's model has every profile's services: keep those it may start
        plans = {name: plan for name, plan in plans.items() if name in _started_with(model, service)}
    creating = subcommand in CREATING
    relayed = [plan for plan in plans.values() if plan.inject == "relay" and plan.credentials]
    if subcommand in ("start", "restart") and not relayed:
        exec_docker([*base, *args.parsed.kept], environ)

    override = Override()
    held: list[int] = []
    if relayed and subcommand not in ("build",):
        from cloudshell_docker.compose.relay import relay_for_project

        relay_for_project(relayed, plans, model, options, global_options, override)
        if not creating:  # start / restart: the relay is alive again; compose does the rest
            exec_docker([*base, *args.parsed.kept], environ)
    sessions = Sessions(options)
    if creating:
        for plan in plans.values():
            if plan.inject == "env" or (plan.inject == "relay" and not plan.credentials):
                override.add_environment(plan.name, _env_variables(plan, sessions))
        _warn_region(plan for plan in plans.values() if plan.credentials)
    if subcommand in BUILDING:
        held.extend(_build_secrets(plans.values(), sessions, override, environ))
    files = [] if args.files else compose_files(environ, os.getcwd(), args.project_directory, args.env_files)
    document = secret_sources({"compose-override": override.render()}, environ)
    held.extend(document.held)
    exec_docker([*base, *_with_override(args, files, document.paths["compose-override"]), subcommand,
                 *args.args], environ)
