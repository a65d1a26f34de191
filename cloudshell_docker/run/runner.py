"""Run one container as ``docker run`` does: pull, create, attach, start, stream, signals, wait.

The order is the docker CLI's: the ``--cidfile`` is claimed, the image pulled when
asked (or when create says it is missing), the container created; then the
signal relay is set up, the attach made and the wait registered, all before
start, so that neither output nor a quick exit is missed. ``--rm`` is the
engine's AutoRemove (it is in the create body): a csdocker killed outright still
leaves the removal to the engine, and the wait is for ``removed`` so that the
container is gone when csdocker returns.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from cloudshell_docker.engine.api import DaemonError, Engine, PendingWait, WaitOutcome
from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode, UsageError
from cloudshell_docker.run.cidfile import CidFile
from cloudshell_docker.run.detachkeys import DEFAULT_DETACH_KEYS, EscapeFilter, parse_detach_keys
from cloudshell_docker.run.exitstatus import run_failure
from cloudshell_docker.run.imageref import InvalidReference, parse_image
from cloudshell_docker.run.pull import ProgressDisplay, pull_image
from cloudshell_docker.run.signals import SignalRelay, quiet_thread
from cloudshell_docker.run.spec import RunSpec
from cloudshell_docker.run.streams import AttachStreams, StreamEvent
from cloudshell_docker.run.terminal import Terminal

__all__ = ["RunHooks", "run"]


class RunHooks(Protocol):
    """Things to do around the container's life (the credential relay uses these)."""

    def created(self, container_id: str) -> None:
        """After create, before attach and start; if it raises, the container is removed and the run fails (125)."""
        ...

    def finished(self, container_id: str, detached: bool) -> None:
        """On every way out once the container exists (``detached``: csdocker returns while it runs)."""
        ...


@dataclass(frozen=True)
class _Status:
    outcome: WaitOutcome


def run(spec: RunSpec, engine: Engine, terminal: Terminal, hooks: RunHooks | None = None) -> int:
    """Run the container; return the exit status ``docker run`` would return."""
    return _Run(spec, engine, terminal, hooks).execute()


class _Run:
    def __init__(self, spec: RunSpec, engine: Engine, terminal: Terminal, hooks: RunHooks | None) -> None:
        self.spec = spec
        self.engine = engine
        self.terminal = terminal
        self.hooks = hooks
        attach = not spec.detach
        self.attach_stdin = attach and spec.attach_stdin
        self.attach_stdout = attach and spec.attach_stdout
        self.attach_stderr = attach and spec.attach_stderr
        self.attached = self.attach_stdin or self.attach_stdout or self.attach_stderr
        self.started = False
        self.exit_seen = False  # the engine said the container exited (or was removed)

    # -- messages ------------------------------------------------------------------------

    def say(self, text: str, fd: int | None = None) -> None:
        """A line for the person running it (stderr unless told), as the docker CLI prints it."""
        data = memoryview(text.encode())
        with contextlib.suppress(OSError):
            while data:
                data = data[os.write(self.terminal.stderr_fd if fd is None else fd, data):]

    # -- the run ---------------------------------------------------------------------------

    def execute(self) -> int:
        spec = self.spec
        if self.attach_stdin and spec.tty and not self.terminal.stdin_is_terminal:
            raise UsageError("the input device is not a TTY", exit_code=ExitCode.ERROR)
        try:
            cidfile = CidFile.open(spec.cidfile)
        except CsDockerError as err:
            raise run_failure(err) from None
        try:
            container_id = self.create()
        except CsDockerError as err:
            cidfile.close()
            raise run_failure(err) from None
        except BaseException:
            cidfile.close()
            raise
        try:
            try:
                if self.hooks is not None:
                    self.hooks.created(container_id)
            except BaseException as err:
                # csdocker's own failure, not docker's: nothing of the run may stay behind. The ID was
                # not written yet, so the --cidfile goes too, as the CLI's does for a run without a container.
                cidfile.close()
                self.discard(container_id)
                if isinstance(err, CsDockerError):
                    raise EngineError(err.message, exit_code=ExitCode.DOCKER) from None
                raise
            try:
                cidfile.write(container_id)
            except CsDockerError as err:
                raise run_failure(err) from None
            finally:
                cidfile.close()
            return self.after_create(container_id)
        finally:
            if self.hooks is not None:
                # Detached: csdocker returns while the container may still run (-d, detach keys,
                # a broken stream, the forced exit after three INT/TERM).
                self.hooks.finished(container_id, self.started and not self.exit_seen)

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
                                  is_terminal=_isatty(self.terminal.stderr_fd))
        platform = spec.platform.lower() if spec.platform else None
        if spec.pull == "always" and ref is not None:
            pull_image(self.engine, ref, platform=platform, display=display)
        config = self.create_body()
        try:
            created = self.engine.create(config, name=spec.name, platform=platform)
        except DaemonError as err:
            if err.status_code != 404 or ref is None or spec.pull != "missing":
                raise
            if not spec.quiet:
                self.say(f"Unable to find image '{ref.familiar_string()}' locally\n")
            pull_image(self.engine, ref, platform=platform, display=display)
            created = self.engine.create(config, name=spec.name, platform=platform)
        for warning in (*created.warnings, *_localhost_dns_warnings(config)):
            self.say(f"WARNING: {warning}\n")
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

    def after_create(self, container_id: str) -> int:
        spec = self.spec
        resize_ready = threading.Event()
        follow_size = spec.tty and self.terminal.stdout_is_terminal

        def on_winch() -> None:
            if resize_ready.is_set():
                with contextlib.suppress(EngineError):
                    self.resize(container_id)

        relay = SignalRelay(
            forward=(lambda name: self.engine.kill(container_id, name)) if spec.sig_proxy else None,
            on_winch=on_winch if follow_size else None,
            on_fatal=self.terminal.restore,
            stderr_fd=self.terminal.stderr_fd,
        ).start()
        events: queue.SimpleQueue[StreamEvent | _Status] = queue.SimpleQueue()
        streams: AttachStreams | None = None
        waiter: PendingWait | None = None
        printer: threading.Thread | None = None
        try:
            if not self.attached:
                # As the docker CLI does, the ID goes out while the run carries on.
                printer = quiet_thread(lambda: self.say(f"{container_id}\n", self.terminal.stdout_fd), "csdocker-id")
            else:
                streams = self.attach(container_id, events)
            waiter = self.engine.wait(container_id, "removed" if spec.auto_remove else "next-exit")
            try:
                self.engine.start(container_id)
            except EngineError as err:
                if streams is not None:
                    streams.cancel()
                self.terminal.restore()
                if spec.auto_remove:
                    waiter.result()  # the engine removes it: return once it is gone
                if printer is not None:
                    printer.join()
                raise run_failure(err) from None
            self.started = True
            if printer is not None:
                printer.join()
                return 0
            assert streams is not None
            if follow_size:
                resize_ready.set()
                self.first_resize(container_id)
            pending = waiter
            quiet_thread(lambda: events.put(_Status(pending.result())), "csdocker-wait")
            return self.follow(streams, events)
        finally:
            relay.stop()
            if streams is not None:
                streams.cancel()
            if waiter is not None:
                waiter.cancel()
            self.terminal.restore()

    def attach(self, container_id: str, events: queue.SimpleQueue[Any]) -> AttachStreams:
        spec = self.spec
        conn = self.engine.attach(
            container_id,
            stdin=self.attach_stdin,
            stdout=self.attach_stdout,
            stderr=self.attach_stderr,
            detach_keys=spec.detach_keys,
        )
        escape = None
        if self.attach_stdin and spec.tty:
            escape = EscapeFilter(self.detach_keys())
            self.terminal.make_raw()
        # With a TTY there is one stream, and the docker CLI sends stderr's share to stdout too.
        err_fd = self.terminal.stdout_fd if spec.tty else self.terminal.stderr_fd
        streams = AttachStreams(
            conn,
            events,
            stdin_fd=self.terminal.stdin_fd if self.attach_stdin else None,
            stdout_fd=self.terminal.stdout_fd if self.attach_stdout else None,
            stderr_fd=err_fd if self.attach_stderr else None,
            tty=spec.tty,
            escape=escape,
            restore_terminal=self.terminal.restore,
        )
        streams.start()
        return streams

    def detach_keys(self) -> bytes:
        keys = self.spec.detach_keys or str(self.engine.general_config.get("detachKeys") or "")
        if not keys:
            return DEFAULT_DETACH_KEYS
        try:
            return parse_detach_keys(keys)
        except ValueError:
            return DEFAULT_DETACH_KEYS  # the engine refuses such keys before it gets this far

    def follow(self, streams: AttachStreams, events: queue.SimpleQueue[StreamEvent | _Status]) -> int:
        """Until the stream ends and the exit status is in (the docker CLI's select)."""
        status: WaitOutcome | None = None
        stream_over = False
        stream_error: CsDockerError | None = None
        while True:
            event = events.get()
            if isinstance(event, _Status):
                status = event.outcome
                self.exit_seen = True
                if stream_over:
                    break
                if not streams.has_output:
                    streams.cancel()  # only stdin is attached: nothing more to wait for
                    break
                continue
            if event.kind == "detached":
                if status is None:
                    return 0
                break
            if event.kind == "input" and streams.has_output:
                continue  # output goes on until the engine ends it
            stream_over = True
            if status is not None:
                break  # the exit status came first: whatever the stream says now is moot
            if event.error is not None:
                stream_error = event.error
                break
        if stream_error is not None:
            raise stream_error
        if status is None:
            status = self.wait_status(events)
        if status.error is not None:
            self.say(f"Error waiting for container: {status.error}\n")
        return status.status_code

    def wait_status(self, events: queue.SimpleQueue[StreamEvent | _Status]) -> WaitOutcome:
        while True:
            event = events.get()
            if isinstance(event, _Status):
                self.exit_seen = True
                return event.outcome

    def resize(self, container_id: str) -> None:
        rows, cols = self.terminal.size()
        if rows == 0 and cols == 0:
            return
        self.engine.resize(container_id, rows, cols)

    def first_resize(self, container_id: str) -> None:
        """Size the container's TTY to the terminal; retry a few times in the background, as the CLI does."""
        try:
            self.resize(container_id)
            return
        except EngineError:
            pass

        def retry() -> None:
            for attempt in range(10):
                time.sleep((attempt + 1) * 0.01)
                try:
                    self.resize(container_id)
                    return
                except EngineError:
                    continue
            self.say("failed to resize tty, using default size\n")

        quiet_thread(retry, "csdocker-resize")


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


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False

