"""``--inject relay``: a per-run credentials endpoint that keeps a container's credentials fresh.

The container gets no AWS secret. It gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (this run's
endpoint) and ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` (a random token for this run only), as
ECS gives its tasks, and the AWS SDKs inside fetch and refresh credentials by themselves for
as long as the container runs. csdocker serves them, fetching from its own source again
before they expire (``keeper``), on 127.0.0.1 for ``--network host`` and otherwise on
169.254.170.2, the gateway of the network ``csdocker-relay`` that the container is also
connected to (``network``). Whenever the container can outlive the run (``-d``, or any run
without ``--rm``: it may be started again, by ``docker start``, a restart policy, or a tool that
reopens it), a detached process takes over the serving once csdocker returns and exits when the
container is removed (``follower``). Only a ``--rm`` run's relay ends with the run.

    prepared = prepare_relay(source, region, spec.config, engine)   # first fetch, listening
    spec = inject_env(spec, prepared.env)
    run(spec, engine, terminal, prepared.hooks)              # created(): network; finished(): stop
    prepared.close()                                         # idempotent; for a run that never created

Limits: the relay needs the engine on this machine. A source that needs a person to refresh
(an MFA-gated role: STS will not assume it again without a new code, and nobody can be asked
while the container owns the terminal, or at all once detached) serves until the first
session expires; the container's SDK then gets HTTP 500 (a generic message: the source's
error goes to the relay's owner, on csdocker's stderr once an attached run is over, or to the
follower's diagnostics file, ``diagnostics``). Give the
source a ``PromptGate`` as its prompt and the same gate to ``prepare_relay``: the first fetch
may ask for the code, later ones are refused with that explanation instead of prompting.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudshell_docker import console
from cloudshell_docker.credentials.clock import Clock, utc_now
from cloudshell_docker.credentials.container import FULL_URI_VAR, TOKEN_VAR
from cloudshell_docker.credentials.model import CredentialSource
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.redact import register_secret
from cloudshell_docker.relay.follower import container_state, detach_relay
from cloudshell_docker.relay.keeper import RECOVERED, CredentialKeeper
from cloudshell_docker.relay.network import (
    MANAGED_NETWORK,
    ManagedNetwork,
    Placement,
    check_local_engine,
    connect_container,
    ensure_network,
    placement_for,
)
from cloudshell_docker.relay.prompt import PromptGate
from cloudshell_docker.relay.server import RelayServer

__all__ = ["PreparedRelay", "PromptGate", "Relay", "prepare_relay"]


class Relay:
    """One container's relay; the runner's hooks (``created``, ``finished``)."""

    def __init__(self, keeper: CredentialKeeper, server: RelayServer, placement: Placement,
                 network_id: str | None, engine: Engine, *, outlives_run: bool = False) -> None:
        self.keeper = keeper
        # The container may be started again after the run (no --rm): its relay must follow it.
        self.outlives_run = outlives_run
        self.server = server
        self.placement = placement
        self.network_id = network_id
        self.engine = engine
        self.follower_pid: int | None = None  # set once handed over to a detached follower
        self._closed = False
        self.trouble: str | None = None  # the source's last error line while this process served
        keeper.report = self._note

    def _note(self, line: str) -> None:
        if not line.endswith(RECOVERED):
            self.trouble = line

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    def created(self, container_id: str) -> None:
        """Connect the container to the managed network (it must be there before start)."""
        if self.network_id is not None and self.placement.join:
            connect_container(self.engine, container_id, self.network_id)

    def finished(self, container_id: str, detached: bool, warn: Callable[[str], None] | None = None) -> None:
        """Stop serving; or, when the container lives on without csdocker, hand over to a follower
        (a stopped one too: it may be started again, and must find its relay where it was).

        ``detached``: csdocker returns while the container runs. A container that has stopped
        but stays (no ``--rm``) is followed too: ``docker start`` brings it back with the same URL.
        """
        if self._closed:
            return
        if (detached or self.outlives_run) and container_state(self.engine, container_id) != "gone":
            if self.trouble is not None and not detached:
                # The attached run is over: its owner reads the source's trouble here, as before.
                (warn or console.warn)(f"the credential relay's source failed during the run: {self.trouble}")
            self._closed = True
            self.keeper.report = None
            self.follower_pid = detach_relay(self.server, self.keeper, self.engine, container_id)
            return
        self.close()
        if self.trouble is not None:
            # The container has finished: this line no longer mixes with its output.
            (warn or console.warn)(f"the credential relay's source failed during the run: {self.trouble}")

    def close(self) -> None:
        """Stop serving and refreshing (idempotent): the container's SDK gets connection refused."""
        if self._closed:
            return
        self._closed = True
        # No fork follows: a fetch in flight is left to die with the process, not waited for.
        self.keeper.stop(timeout=0)
        self.server.close()


@dataclass
class PreparedRelay:
    env: dict[str, str]  # AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN, region
    hooks: Relay  # the runner's created/finished hooks: the relay itself

    def close(self) -> None:
        """Stop the relay if the runner never got to ``finished`` (idempotent)."""
        self.hooks.close()


def prepare_relay(
    source: CredentialSource,
    region: str | None,
    config: Mapping[str, Any],
    engine: Engine,
    *,
    port: int = 0,
    network: ManagedNetwork = MANAGED_NETWORK,
    clock: Clock = utc_now,
    prompt_gate: PromptGate | None = None,
) -> PreparedRelay:
    """Fetch the first credentials, listen, and say what the container of create body ``config`` gets.

    Fails (UsageError, CredentialError, EngineError) before any container exists: for a
    network the relay cannot reach, a source that does not answer, an engine elsewhere, a
    ``port`` that is taken (0, the default, lets the system pick a free one).
    ``prompt_gate``: the gate the source asks for MFA codes through; closed after the first
    fetch, so that no refresh prompts on a terminal the container owns.
    """
    placement = placement_for(config, network)
    check_local_engine(engine)
    keeper = CredentialKeeper(source, clock=clock)
    keeper.prime()
    if prompt_gate is not None:
        prompt_gate.close()
    network_id = ensure_network(engine, placement.network) if placement.network is not None else None
    token = secrets.token_urlsafe(32)
    register_secret(token)
    server = RelayServer(placement.host, port, token, keeper)
    try:
        server.serve()
        keeper.start()
    except BaseException:
        with contextlib.suppress(Exception):
            server.close()
        raise
    env = {FULL_URI_VAR: server.url, TOKEN_VAR: token}
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    outlives_run = not config.get("HostConfig", {}).get("AutoRemove", False)  # no --rm: it can be started again
    relay = Relay(keeper, server, placement, network_id, engine, outlives_run=outlives_run)
    return PreparedRelay(env=env, hooks=relay)
