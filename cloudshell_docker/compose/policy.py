"""Which services get what: every service by default, ``x-csdocker`` per service; what a service sets wins. Pure.

A top-level extension (service-level ``x-`` keys do not survive ``config --format json``)::

    x-csdocker:
      services:
        worker: {inject: none}                 # opted out: nothing from csdocker
        uploader: {role-arn: arn:aws:iam::123456789012:role/uploader, region: eu-west-1}
        poller: {inject: relay}                # this one's credentials kept fresh by a relay

A service that sets any credential variable itself (``environment``, ``env_file``, or the
``run -e`` of a one-off) gets no credentials from csdocker; one that sets ``AWS_REGION`` or
``AWS_DEFAULT_REGION`` gets no region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cloudshell_docker.errors import UsageError

__all__ = ["CREDENTIAL_VARIABLES", "EXTENSION", "REGION_VARIABLES", "ServicePlan", "plan_services"]

EXTENSION = "x-csdocker"
Inject = Literal["env", "relay"]

CREDENTIAL_VARIABLES = frozenset({
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
})
REGION_VARIABLES = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION"})
_SERVICE_KEYS = ("inject", "role-arn", "region")
_INJECT: dict[str, Inject | None] = {"env": "env", "relay": "relay", "none": None}


@dataclass(frozen=True)
class ServicePlan:
    """What one service gets. ``inject`` None: nothing (opted out, or it sets its own credentials
    and no region is to be given either)."""

    name: str
    inject: Inject | None
    credentials: bool  # False: the service sets credential variables itself
    region: str | None  # the region to give, None: none
    role_arn: str | None  # the service's own role (x-csdocker), over the command line's
    service: Mapping[str, Any]  # the model's service
    own_region: bool = False  # the service sets a region variable itself

    @property
    def network_mode(self) -> str | None:
        mode = self.service.get("network_mode")
        return str(mode) if mode else None

    @property
    def has_build(self) -> bool:
        return isinstance(self.service.get("build"), Mapping)


def _variables(service: Mapping[str, Any]) -> set[str]:
    environment = service.get("environment") or {}
    if isinstance(environment, Mapping):
        return set(environment)
    return {str(entry).split("=", 1)[0] for entry in environment}


def _extension(model: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    extension = model.get(EXTENSION)
    if extension is None:
        return {}
    if not isinstance(extension, Mapping) or set(extension) - {"services"}:
        raise UsageError(f"{EXTENSION}: expected a mapping with one key, services")
    services = extension.get("services") or {}
    if not isinstance(services, Mapping):
        raise UsageError(f"{EXTENSION}.services: expected a mapping of service names")
    checked: dict[str, Mapping[str, str]] = {}
    for name, settings in services.items():
        settings = settings or {}
        if not isinstance(settings, Mapping):
            raise UsageError(f"{EXTENSION}.services.{name}: expected a mapping")
        unknown = sorted(set(settings) - set(_SERVICE_KEYS))
        if unknown:
            raise UsageError(f"{EXTENSION}.services.{name}: unknown key {unknown[0]!r} "
                             f"(expected {', '.join(_SERVICE_KEYS)})")
        for key, value in settings.items():
            if not isinstance(value, str) or not value:
                raise UsageError(f"{EXTENSION}.services.{name}.{key}: expected a non-empty string")
        if "inject" in settings and settings["inject"] not in _INJECT:
            raise UsageError(f"{EXTENSION}.services.{name}.inject: invalid value {settings['inject']!r}: "
                             "expected env, relay or none")
        checked[str(name)] = settings
    return checked


def plan_services(model: Mapping[str, Any], default_inject: Inject, region: str | None,
                  run_service: str | None = None, run_variables: Iterable[str] = ()) -> dict[str, ServicePlan]:
    """Every service of ``model`` with what it gets. ``run_service``/``run_variables``: the one-off of
    ``compose run`` and the names its ``-e``/``--env-from-file`` set."""
    extension = _extension(model)
    plans: dict[str, ServicePlan] = {}
    for name, service in (model.get("services") or {}).items():
        service = service or {}
        settings = extension.get(name, {})
        inject = _INJECT[settings["inject"]] if "inject" in settings else default_inject
        variables = _variables(service)
        if name == run_service:
            variables |= set(run_variables)
        own_credentials = bool(variables & CREDENTIAL_VARIABLES)
        service_region = None if variables & REGION_VARIABLES else settings.get("region", region)
        if own_credentials and service_region is None:
            inject = None
        plans[name] = ServicePlan(name, inject, not own_credentials, service_region, settings.get("role-arn"),
                                  service, own_region=bool(variables & REGION_VARIABLES))
    return plans
