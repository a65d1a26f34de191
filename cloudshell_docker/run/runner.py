"""Run one container as ``docker run`` does: pull, create, attach, start, stream, signals, wait.

The order is the docker CLI's: the ``--cidfile`` is claimed, the image pulled when
asked (or when create says it is missing), the container created; then the
signal relay is set up, the attach made and the wait registered, all before
start, so that neither output nor a quick exit is missed. ``--rm`` is the
engine's AutoRemove (it is in the create body): a csdocker killed outright still
leaves the removal to the engine, and the wait is for ``removed`` so that the
container is gone when csdocker returns.

The attached conversation (streams, raw mode, detach keys, signals, the TTY's size) is the one an
exec has too, ``attach.session``; what is the run's own is here: the create, the start, the
wait that gives the exit status, the hooks, the ``--cidfile``.
"""

from __future__ import annotations

import contextlib
import ipaddress
from typing import Any, Protocol

from cloudshell_docker.attach.detachkeys import configured_detach_keys
from cloudshell_docker.attach.session import AttachedSession
from cloudshell_docker.attach.signals import quiet_thread
from cloudshell_docker.attach.terminal import Terminal
from cloudshell_docker.engine.api import DaemonError, Engine, PendingWait
from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode
from cloudshell_docker.options.values.reference import InvalidReference, parse_image
from cloudshell_docker.registry.auth import RegistryAuth
from cloudshell_docker.run.cidfile import CidFile
from cloudshell_docker.run.exitstatus import run_failure
from cloudshell_docker.run.pull import ProgressDisplay, pull_image
from cloudshell_docker.run.spec import RunSpec

__all__ = ["RunHooks", "run_container"]


class RunHooks(Protocol):
    """Things to do around the container's life (the credential relay uses these)."""

    def created(self, container_id: str) -> None:
        """After create, before attach and start; if it raises, the container is removed and the run fails (125)."""
        ...

    def finished(self, container_id: str, detached: bool) -> None:
        """On every way out once the container exists (``detached``: csdocker returns while it runs)."""
        ...


def run_container(spec: RunSpec, engine: Engine, terminal: Terminal, hooks: RunHooks | None = None,
                  registry_auth: RegistryAuth | None = None) -> int:
    """Run the container; return the exit status ``docker run`` would return. ``registry_auth``:
    csdocker's own credentials for the image's registry (ECR), asked for only if a pull happens."""
    return _ContainerRun(spec, engine, terminal, hooks, registry_auth).execute()


class _ContainerRun:
    """One container's life; each resource, once acquired, is released by the ExitStack that holds it."""

    def __init__(self, spec: RunSpec, engine: Engine, terminal: Terminal, hooks: RunHooks | None,
                 registry_auth: RegistryAuth | None = None) -> None:
        self.spec = spec
        self.registry_auth = registry_auth
        self.engine = engine
        self.terminal = terminal
        self.hooks = hooks
        attach = not spec.detach
        self.attach_stdin = attach and spec.attach_stdin
        self.attach_stdout = attach and spec.attach_stdout
        self.attach_stderr = attach and spec.attach_stderr
        self.started = False
        self.session: AttachedSession | None = None  # once the container exists

    def execute(self) -> int:
        self.terminal.check_tty(self.attach_stdin, self.spec.tty)
        with contextlib.ExitStack() as held:  # holds hooks.finished once the container exists
            container_id = self.create_recorded(held)
            return self.start_and_follow(container_id)

    def create_recorded(self, held: contextlib.ExitStack) -> str:
        """Claim the --cidfile, create the container, call the created hook, write the ID.

        The cidfile is closed in one place on every way out: with the ID in it, or removed
        (as the CLI removes it) when the run failed before an ID went in.
        """
        try:
            cidfile = CidFile.open(self.spec.cidfile)
        except CsDockerError as err:
            raise run_failure(err) from None
        with contextlib.closing(cidfile):
            try:
                container_id = self.create()
            except CsDockerError as err:
                raise run_failure(err) from None
            if self.hooks is not None:
                held.callback(self.finished, self.hooks, container_id)
                self.call_created_hook(self.hooks, container_id)
            try:
                cidfile.write(container_id)
            except CsDockerError as err:
                raise run_failure(err) from None
        return container_id

    def call_created_hook(self, hooks: RunHooks, container_id: str) -> None:
        try:
            hooks.created(container_id)
        except CsDockerError as err:
            # csdocker's own failure, not docker's (125 whatever its words): nothing of the run may stay behind.
            self.discard(container_id)
            raise EngineError(err.message, exit_code=ExitCode.DOCKER) from None
        except BaseException:
            self.discard(container_id)
            raise

    def finished(self, hooks: RunHooks, container_id: str) -> None:
        # Detached: csdocker returns while the container may still run (-d, detach keys,
        # a broken stream, the forced exit after three INT/TERM).
        exited = self.session is not None and self.session.exited  # the engine said it exited (or was removed)
        hooks.finished(container_id, self.started and not exited)

    def discard(self, container_id: str) -> None:
        """Remove a container the run gives up on before starting it, with its anonymous volumes."""
        with contextlib.suppress(EngineError):
            # The reason the run failed is what the user must read; a failed cleanup would hide it.
            self.engine.remove(container_id, force=True, volumes=True)

    def create(self) -> str:
        spec = self.spec
        try:
            ref = parse_image(spec.image)
        except InvalidReference as err:
            raise EngineError(str(err)) from None
        display = ProgressDisplay(None if spec.quiet else self.terminal.stderr_fd,
                                  is_terminal=self.terminal.stderr_is_terminal)
        platform = spec.platform.lower() if spec.platform else None
        if spec.pull == "always" and ref is not None:
            pull_image(self.engine, ref, platform=platform, display=display, auth=self.registry_auth)
        config = self.create_body()
        try:
            created = self.engine.create(config, name=spec.name, platform=platform)
        except DaemonError as err:
            if err.status_code != 404 or ref is None or spec.pull != "missing":
                raise
            if not spec.quiet:
                self.terminal.say(f"Unable to find image '{ref.familiar_string()}' locally\n")
            pull_image(self.engine, ref, platform=platform, display=display, auth=self.registry_auth)
            created = self.engine.create(config, name=spec.name, platform=platform)
        for warning in (*created.warnings, *_localhost_dns_warnings(config)):
            self.terminal.say(f"WARNING: {warning}\n")
        return created.id

    def create_body(self) -> dict[str, Any]:
        """The create body, with the console size of the terminal on stdout as the docker CLI sends it."""
        config = dict(self.spec.config)
        if not self.spec.send_console_size:
            return config  # adapt_to_api's [0, 0] stands: the CLI sends no size then, terminal or not
        host_config = dict(config.get("HostConfig") or {})
        rows, cols = self.terminal.size()
        host_config["ConsoleSize"] = [rows, cols]
        config["HostConfig"] = host_config
        return config

    def start_and_follow(self, container_id: str) -> int:
        """Relay signals, attach (or print the ID), register the wait, start; then follow to the end."""
        session = self.session = AttachedSession(
            self.terminal, tty=self.spec.tty, stdin=self.attach_stdin, stdout=self.attach_stdout,
            stderr=self.attach_stderr, resize=lambda rows, cols: self.engine.resize(container_id, rows, cols),
            follow_size=self.spec.tty and self.terminal.stdout_is_terminal,  # the TTY follows stdout's terminal
        )
        with contextlib.ExitStack() as held:
            forward = (lambda name: self.engine.kill(container_id, name)) if self.spec.sig_proxy else None
            held.callback(session.relay_signals(forward=forward).stop)
            if session.attached:
                return self.start_attached(container_id, session, held)
            return self.start_unattached(container_id, held)

    def start_unattached(self, container_id: str, held: contextlib.ExitStack) -> int:
        # As the docker CLI does, the ID goes out while the run carries on.
        printer = quiet_thread(lambda: self.terminal.say(f"{container_id}\n", self.terminal.stdout_fd),
                               "csdocker-id")
        waiter = self.register_wait(container_id, held)
        held.callback(printer.join)  # the ID is out before csdocker returns, started or not
        self.start(container_id, waiter)
        return 0

    def start_attached(self, container_id: str, session: AttachedSession, held: contextlib.ExitStack) -> int:
        # The streams and the raw terminal: released with the rest, or first when the start fails.
        attachment = held.enter_context(contextlib.ExitStack())
        conn = self.engine.attach(container_id, stdin=self.attach_stdin, stdout=self.attach_stdout,
                                  stderr=self.attach_stderr, detach_keys=self.spec.detach_keys)
        session.open(conn, configured_detach_keys(self.spec.detach_keys, self.engine.general_config), attachment)
        waiter = self.register_wait(container_id, held)
        self.start(container_id, waiter, release_first=attachment)
        session.started()
        ending = session.follow(waiter.result)
        if ending.error is not None:
            raise ending.error
        if ending.status is None:
            return 0  # detached (the detach keys) while the container runs
        if ending.status.error is not None:
            self.terminal.say(f"Error waiting for container: {ending.status.error}\n")
        return ending.status.status_code

    def register_wait(self, container_id: str, held: contextlib.ExitStack) -> PendingWait:
        """The wait goes in before the start, so that a container that exits at once is seen exiting."""
        waiter = self.engine.wait(container_id, "removed" if self.spec.auto_remove else "next-exit")
        held.callback(waiter.cancel)
        return waiter

    def start(self, container_id: str, waiter: PendingWait, release_first: contextlib.ExitStack | None = None) -> None:
        """Start the container; when the engine refuses, fail as docker does (``--rm``: once it is gone)."""
        try:
            self.engine.start(container_id)
        except EngineError as err:
            if release_first is not None:
                release_first.close()  # the streams stop and the terminal is back before the --rm wait
            if self.spec.auto_remove:
                waiter.result()  # the engine removes it: return once it is gone
            raise run_failure(err) from None
        self.started = True


def _localhost_dns_warnings(config: dict[str, Any]) -> list[str]:
    """The docker CLI's own warning for a loopback --dns (the first one only)."""
    for server in (config.get("HostConfig") or {}).get("Dns") or ():
        try:
            address = ipaddress.ip_address(str(server))
        except ValueError:
            continue
        if address.is_loopback:
            return [f"Localhost DNS ({address}) may fail in containers."]
    return []

