"""A compose project's relay, detached: it serves while compose runs, then while the project's containers exist.

Forked as ``relay.follower`` forks a run's relay (the same steps: the refresher stopped and the
servers paused before the fork, nothing passed through argv, the environment or a file; a new
session, stdio on /dev/null, ``csdocker relay compose PROJECT`` as its title). What it follows
differs: first the process that forked it, which becomes ``docker compose`` (a pidfd: the
process, not a pid that could be reused), for as long as it runs, since compose creates the
containers; then every container of the project with the relay's label (each waited for with the
engine's ``wait?condition=removed``, ``relay.follower.follow_container``), until none is left. So
``down`` ends it, and a failed ``up`` that made nothing too.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Sequence

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.errors import EngineError
from cloudshell_docker.relay.diagnostics import open_diagnostics
from cloudshell_docker.relay.follower import become_follower, follow_container, fork_follower, release_inherited_fds
from cloudshell_docker.relay.keeper import CredentialKeeper
from cloudshell_docker.relay.server import RelayServer

__all__ = ["detach_project_relay", "follow_project", "project_relay_title"]

READY_SECONDS = 15.0
_POLL_SECONDS = 2.0


def project_relay_title(project: str) -> str:
    return f"csdocker relay compose {project}"


def _wait_for_starter(pidfd: int | None, pid: int) -> None:
    """Return once the process that started the relay (now ``docker compose``) has exited."""
    while True:
        if pidfd is not None:
            if select.select([pidfd], [], [], 60.0)[0]:
                return
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        time.sleep(_POLL_SECONDS)


def follow_project(engine: Engine, labels: dict[str, str]) -> None:
    """Return once no container with ``labels`` is left (each followed until removed)."""
    trouble = 0
    while True:
        try:
            listed = engine.containers_labelled(labels)
        except EngineError:
            trouble += 1
            if trouble * _POLL_SECONDS > 300:
                return
            time.sleep(_POLL_SECONDS)
            continue
        trouble = 0
        if not listed:
            return
        follow_container(engine, str(listed[0]["Id"]))


def _follower(servers: Sequence[RelayServer], keeper: CredentialKeeper, engine: Engine, project: str,
              labels: dict[str, str], starter: tuple[int | None, int], ready_fd: int) -> None:
    become_follower(project_relay_title(project))
    keeper.after_fork()
    for server in servers:
        server.after_fork()
    engine.close()
    release_inherited_fds(keep=ready_fd)  # the caller's terminal, files and pipes: not for the project's life
    diagnostics = open_diagnostics(f"compose-{project}-{labels.get('csdocker.relay.compose', '')}")
    if diagnostics is not None:
        diagnostics.write(f"relay for compose project {project} serving on port {servers[0].port}")
        keeper.report = diagnostics.write
    keeper.start()
    for server in servers:
        server.serve()
    os.write(ready_fd, f"{os.getpid()}\n".encode())
    os.close(ready_fd)
    try:
        _wait_for_starter(*starter)
        follow_project(engine, labels)
    finally:
        for server in servers:
            server.close()
        if diagnostics is not None:
            diagnostics.close()


def detach_project_relay(servers: Sequence[RelayServer], keeper: CredentialKeeper, engine: Engine, project: str,
                         key: str) -> int:
    """Fork the project's relay; return its pid once it serves. This process no longer serves."""
    from cloudshell_docker.compose.relay import KEY_LABEL, PROJECT_LABEL

    labels = {PROJECT_LABEL: project, KEY_LABEL: key}
    me = os.getpid()
    try:
        pidfd: int | None = os.pidfd_open(me)
    except (AttributeError, OSError):
        pidfd = None
    keeper.stop()
    for server in servers:
        server.pause()
    try:
        pid = fork_follower(lambda ready_fd: _follower(servers, keeper, engine, project, labels, (pidfd, me), ready_fd))
    finally:
        if pidfd is not None:
            os.close(pidfd)
    for server in servers:
        server.release()
    if pid is None:
        raise EngineError("credential relay: the project's relay did not start; its services have no credentials")
    return pid
