"""How the credentials reach a run's container: two strategies, and the variables put into its spec.

    EnvInjection(session)    the credentials themselves, fetched now, as AWS_* variables
    RelayInjection(session)  a per-run credentials endpoint (relay/): its URL and token as variables,
                             and the runner hooks that connect its network and stop or hand it over

Either is a context manager that yields an ``Injection`` (the variables and the hooks); leaving
it releases what it holds (the relay stops, also when the run failed before the container existed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from cloudshell_docker.credentials.model import under_users_env
from cloudshell_docker.credentials.session import CredentialSession
from cloudshell_docker.run.spec import RunSpec

if TYPE_CHECKING:
    from cloudshell_docker.engine.api import Engine
    from cloudshell_docker.registry.auth import RegistryAuth
    from cloudshell_docker.relay.prompt import PromptGate
    from cloudshell_docker.run.runner import RunHooks

__all__ = ["EnvInjection", "Injection", "InjectionStrategy", "RelayInjection", "inject_env", "inject_labels"]


def inject_env(spec: RunSpec, variables: Mapping[str, str]) -> RunSpec:
    """``spec`` with ``variables`` added to the container's environment.

    A variable the user set explicitly (``-e NAME=...``, ``-e NAME``, ``--env-file``)
    wins: it is left as the user gave it.
    """
    return spec.with_config(Env=under_users_env(spec.config.get("Env") or (), variables))


def inject_labels(spec: RunSpec, labels: Mapping[str, str]) -> RunSpec:
    """``spec`` with ``labels`` on the container (csdocker's own win over the user's of the same key)."""
    if not labels:
        return spec
    return spec.with_config(Labels={**(spec.config.get("Labels") or {}), **labels})


@dataclass(frozen=True)
class Injection:
    """What the container gets: variables, labels (how a later ``csdocker exec`` recognises it), hooks."""

    variables: Mapping[str, str]
    labels: Mapping[str, str] = field(default_factory=dict)
    hooks: RunHooks | None = None
    registry_auth: RegistryAuth | None = None  # for the image's registry (ECR), asked only if a pull happens

    def apply(self, spec: RunSpec) -> RunSpec:
        return inject_labels(inject_env(spec, self.variables), self.labels)


class InjectionStrategy(Protocol):
    def open(self, spec: RunSpec, engine: Engine) -> contextlib.AbstractContextManager[Injection]: ...


@dataclass(frozen=True)
class EnvInjection:
    """The credentials as variables, fetched once, now."""

    session: CredentialSession

    @contextlib.contextmanager
    def open(self, spec: RunSpec, engine: Engine) -> Iterator[Injection]:
        from cloudshell_docker.registry.auth import RegistryAuth

        creds = self.session.fetch()
        self.session.warn_if_no_region()
        # The image's registry (ECR) is asked with these same credentials, and only if a pull happens.
        yield Injection(self.session.variables(creds),
                        registry_auth=RegistryAuth(lambda: creds, profile=self.session.profile))


@dataclass(frozen=True)
class RelayInjection:
    """A credentials endpoint for this one container, for as long as it runs."""

    session: CredentialSession
    gate: PromptGate  # the session's source asks for MFA codes through it; closed after the first fetch

    @contextlib.contextmanager
    def open(self, spec: RunSpec, engine: Engine) -> Iterator[Injection]:
        from cloudshell_docker.relay import prepare_relay
        from cloudshell_docker.relay.label import RELAY_LABELS

        relay = prepare_relay(self.session.source, self.session.region, spec.config, engine, prompt_gate=self.gate)
        try:
            self.session.warn_if_no_region()
            from cloudshell_docker.registry.auth import RegistryAuth

            yield Injection(relay.env, RELAY_LABELS, relay.hooks,
                            RegistryAuth.from_session(self.session))
        finally:
            relay.close()  # also when the run failed before the container existed
