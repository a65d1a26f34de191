"""A thin facade over docker.APIClient: the calls a run makes, docker's errors as EngineError.

Errors read as the docker CLI prints them (``Error response from daemon: ...``,
``Cannot connect to the Docker daemon at ...``) so that csdocker's one line of
stderr says what ``docker run`` would have said.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.auth
import docker.credentials
import docker.errors
import requests

from cloudshell_docker.engine import dockerpy
from cloudshell_docker.engine.tlsattach import TlsHijacked, UpgradeRefused, open_tls_attach
from cloudshell_docker.errors import EngineError, ExitCode

__all__ = [
    "ChannelHijacked",
    "Created",
    "DaemonError",
    "Engine",
    "Hijacked",
    "NoAnswer",
    "PendingWait",
    "WaitOutcome",
    "daemon_host",
    "daemon_message",
    "plain",
]


class DaemonError(EngineError):
    """The engine answered with an HTTP error; ``status_code`` tells which (404: not found)."""

    def __init__(self, message: str, status_code: int | None, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message, exit_code=exit_code)
        self.status_code = status_code


class NoAnswer(EngineError):
    """The engine gave no answer (unreachable, timed out, a reply that is not one).

    ``cause`` names the failure's kind (``ConnectionError``, ``ReadTimeout``, ...) for callers
    that word it themselves, such as the credential relay.
    """

    def __init__(self, message: str, cause: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message, exit_code=exit_code)
        self.cause = cause


@dataclass(frozen=True)
class Created:
    id: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WaitOutcome:
    """What the engine said when the wait ended: the exit code, or why it could not wait."""

    status_code: int
    error: str | None = None


def daemon_message(err: docker.errors.APIError) -> str:
    """The docker CLI's wording for an error answer: its JSON ``message``, trimmed."""
    explanation = (err.explanation or "").strip() if isinstance(err.explanation, str) else ""
    if not explanation:
        status = err.status_code or 0
        reason = err.response.reason if err.response is not None else ""
        explanation = f"API returned a {status} ({reason}) but provided no error-message"
    return f"Error response from daemon: {explanation}"


def daemon_host(client: docker.APIClient) -> str:
    """The engine's address as the docker CLI spells it (``unix:///var/run/docker.sock``)."""
    adapter = dockerpy.custom_adapter(client)
    socket_path = getattr(adapter, "socket_path", None)
    if socket_path:
        return f"unix://{socket_path}"
    base = str(client.base_url)
    for scheme in ("http://", "https://"):
        if base.startswith(scheme):
            return "tcp://" + base[len(scheme):]
    return base


def plain(value: Any) -> Any:
    """``value`` with every Mapping a dict and every tuple a list, ready for json."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class Hijacked:
    """The raw, bidirectional connection of an attach (HTTP upgraded to a bare stream).

    ``recv_into`` first hands out whatever the HTTP layer had already buffered
    past the response headers, then reads the socket itself.
    """

    def __init__(self, sock: Any, response: requests.Response | None = None, pending: bytes = b"") -> None:
        self.sock = sock
        self.response = response
        self._pending = memoryview(pending)

    def recv_into(self, buffer: memoryview) -> int:
        if self._pending:
            n = min(len(buffer), len(self._pending))
            buffer[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return n
        return int(self.sock.recv_into(buffer))

    def sendall(self, data: bytes | memoryview) -> None:
        self.sock.sendall(data)

    def socket_fd(self) -> int | None:
        """The descriptor to send on directly (sendfile, splice), when the socket is a plain one."""
        if not isinstance(self.sock, socket.socket) or isinstance(self.sock, ssl.SSLSocket):
            return None
        if self.sock.gettimeout() is not None:
            return None  # a timeout means a non-blocking descriptor underneath
        return self.sock.fileno()

    def close_write(self) -> None:
        """Tell the engine that stdin has ended (half-close: output keeps flowing)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)  # (TLS engines are attached through tlsattach)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()
        if self.response is not None:
            with contextlib.suppress(Exception):
                self.response.close()


class ChannelHijacked:
    """The attach stream of an ssh:// engine: docker-py's ssh channel (the ``ssh`` program's pipes, or
    a paramiko channel) behind the same four calls. Not exercised by the tests here (no sshd)."""

    def __init__(self, channel: Any, response: requests.Response) -> None:
        self.channel = channel
        self.response = response
        process = getattr(channel, "proc", None)
        self._pipes = (process.stdout, process.stdin) if process is not None else None

    def recv_into(self, buffer: memoryview) -> int:
        # read1: what is there (the read-ahead past the headers first), without waiting for more.
        data = self._pipes[0].read1(len(buffer)) if self._pipes is not None else self.channel.recv(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def sendall(self, data: bytes | memoryview) -> None:
        self.channel.sendall(bytes(data))

    def close_write(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if self._pipes is not None:
                self._pipes[1].close()  # ssh passes the end of its stdin on to "docker system dial-stdio"
            else:
                self.channel.shutdown_write()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.channel.close()
        with contextlib.suppress(Exception):
            self.response.close()


def response_socket(response: requests.Response) -> Any:
    """The socket under a streamed response (unix, tcp or TLS)."""
    raw = dockerpy.response_reader(response).raw  # http.client's SocketIO (or the TLS socket)
    return getattr(raw, "_sock", raw)


def take_buffered(response: requests.Response, sock: Any) -> bytes:
    """Bytes http.client read ahead past the headers: without them the stream would lose its start."""
    reader = dockerpy.response_reader(response)
    try:
        timeout = sock.gettimeout()
        sock.setblocking(False)
    except (AttributeError, OSError):
        return b""
    try:
        return bytes(reader.read1(1 << 16)) if reader.peek(1) else b""
    except (BlockingIOError, OSError, ValueError, TypeError):
        return b""
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)


class PendingWait:
    """A ``POST /containers/ID/wait`` the engine has acknowledged (headers received), not yet answered.

    The docker CLI registers its wait before it starts the container, so that a
    container that exits at once is still seen exiting: this is that wait.
    """

    def __init__(self, response: requests.Response | None, error: str | None = None) -> None:
        self._response = response
        self._error = error

    def result(self) -> WaitOutcome:
        """Block until the engine answers (the container exited, or was removed)."""
        if self._response is None:
            return WaitOutcome(125, self._error)
        try:
            body = json.loads(self._response.content or b"{}")
        except (requests.RequestException, OSError, ValueError) as err:
            return WaitOutcome(125, str(err))
        if not isinstance(body, dict):
            return WaitOutcome(125, "unexpected answer to wait")
        problem = body.get("Error") or {}
        if isinstance(problem, dict) and problem.get("Message"):
            return WaitOutcome(125, str(problem["Message"]))
        return WaitOutcome(int(body.get("StatusCode", 125)))

    def cancel(self) -> None:
        if self._response is None:
            return
        with contextlib.suppress(Exception):
            response_socket(self._response).shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self._response.close()


@dataclass
class Engine:
    """The engine calls of one ``docker run``; every failure is an EngineError with the CLI's words."""

    client: docker.APIClient
    _host: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        self._host = daemon_host(self.client)

    @property
    def api_version(self) -> str:
        return str(self.client.api_version)

    @property
    def general_config(self) -> Mapping[str, Any]:
        """The docker CLI's config.json as docker-py read it (``detachKeys``, ``proxies``, ...)."""
        return dockerpy.general_configs(self.client)

    @contextlib.contextmanager
    def _errors(self, exit_code: ExitCode | None = None) -> Iterator[None]:
        try:
            yield
        except docker.errors.APIError as err:
            raise DaemonError(daemon_message(err), err.status_code, exit_code=exit_code) from None
        except requests.exceptions.ConnectionError as err:
            raise NoAnswer(
                f"Cannot connect to the Docker daemon at {self._host}. Is the docker daemon running?",
                type(err).__name__,
                exit_code=exit_code,
            ) from None
        except (requests.RequestException, docker.errors.DockerException) as err:
            raise NoAnswer(str(err), type(err).__name__, exit_code=exit_code) from None

    @contextlib.contextmanager
    def _only_engine_errors(self) -> Iterator[None]:
        """``_errors``, and whatever else breaks on the way a NoAnswer too: for callers that must carry on
        without the engine (the relay's follower outlives csdocker) and so catch EngineError alone."""
        try:
            with self._errors():
                yield
        except EngineError:
            raise
        except Exception as err:
            why = type(err).__name__
            raise NoAnswer(f"no usable answer from the Docker daemon at {self._host} ({why})", why) from None

    @property
    def host(self) -> str:
        """The engine's address as the docker CLI spells it (``unix:///var/run/docker.sock``)."""
        return self._host

    @property
    def is_local(self) -> bool:
        """Whether the engine runs on this machine: a unix socket, a named pipe, or a loopback tcp address."""
        adapter = type(dockerpy.custom_adapter(self.client)).__name__
        if adapter in ("UnixHTTPAdapter", "NpipeHTTPAdapter"):
            return True
        if adapter != "NoneType":
            return False  # ssh://: the engine is wherever the ssh host is
        import ipaddress
        from urllib.parse import urlsplit

        hostname = urlsplit(str(self.client.base_url)).hostname or ""
        if hostname == "localhost":
            return True
        try:
            return ipaddress.ip_address(hostname).is_loopback
        except ValueError:
            return False

    def close(self) -> None:
        """Let go of the connections to the engine (a forked process must not share its parent's);
        the next call opens new ones. Never fails: there is nothing to do about a close that does."""
        with contextlib.suppress(Exception):
            self.client.close()

    def inspect_container(self, container_id: str) -> Mapping[str, Any] | None:
        """``docker container inspect``; None when the engine has no such container (404)."""
        try:
            with self._only_engine_errors():
                info: Mapping[str, Any] = self.client.inspect_container(container_id)
                return info
        except DaemonError as err:
            if err.status_code == 404:
                return None
            raise

    def inspect_image(self, image: str) -> Mapping[str, Any] | None:
        """``docker image inspect``; None when the engine has no such image (404)."""
        try:
            with self._only_engine_errors():
                info: Mapping[str, Any] = self.client.inspect_image(image)
                return info
        except DaemonError as err:
            if err.status_code == 404:
                return None
            raise

    def containers_labelled(self, labels: Mapping[str, str]) -> list[Mapping[str, Any]]:
        """``docker ps -a --filter label=K=V ...``: every container (running or not) with all of ``labels``."""
        with self._only_engine_errors():
            listed: list[Mapping[str, Any]] = self.client.containers(
                all=True, filters={"label": [f"{key}={value}" for key, value in labels.items()]})
            return listed

    def inspect_network(self, name: str) -> Mapping[str, Any] | None:
        """``docker network inspect``; None when the engine has no such network (404)."""
        try:
            with self._only_engine_errors():
                info: Mapping[str, Any] = self.client.inspect_network(name)
                return info
        except DaemonError as err:
            if err.status_code == 404:
                return None
            raise

    def networks(self) -> list[Mapping[str, Any]]:
        """``docker network ls``, each network as the engine describes it."""
        with self._only_engine_errors():
            listed: list[Mapping[str, Any]] = self.client.networks()
            return listed

    def create_network(
        self,
        name: str,
        *,
        driver: str = "bridge",
        internal: bool = False,
        ipam: Mapping[str, Any] | None = None,
        options: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        check_duplicate: bool | None = None,
    ) -> str:
        """``docker network create``; the new network's ID. A name or subnet that is taken is a DaemonError."""
        with self._only_engine_errors():
            answer = self.client.create_network(
                name,
                driver=driver,
                internal=internal,
                check_duplicate=check_duplicate,
                ipam=plain(ipam) if ipam is not None else None,
                options=dict(options) if options is not None else None,
                labels=dict(labels) if labels is not None else None,
            )
            return str(answer["Id"])

    def connect_network(self, container_id: str, network_id: str) -> None:
        """``docker network connect`` (a created container: it is on the network once started)."""
        with self._only_engine_errors():
            self.client.connect_container_to_network(container_id, network_id)

    def create(self, config: Mapping[str, Any], *, name: str | None = None, platform: str | None = None) -> Created:
        with self._errors():
            answer = self.client.create_container_from_config(plain(config), name=name, platform=platform)
        return Created(str(answer["Id"]), tuple(str(w) for w in answer.get("Warnings") or ()))

    def helper_credentials(self, registry: str) -> dict[str, str] | None:
        """The registry credentials a credential helper holds for ``registry``, when config.json names one
        for it (``credHelpers``, else ``credsStore``) and it has an entry; None otherwise.
        EngineError with the helper's complaint when it fails (as the docker CLI fails then)."""
        configs = dockerpy.auth_configs(self.client)
        if configs is None:
            return None
        name = configs.get_credential_store(registry)
        if not name:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "not installed": said once, in the error below
                data = docker.credentials.Store(name).get(registry)
        except docker.credentials.CredentialsNotFound:
            return None
        except docker.credentials.StoreError as err:
            raise EngineError(f"error getting credentials - err: {' '.join(str(err).split())}") from None
        if data.get("Username") == docker.auth.TOKEN_USERNAME:
            return {"identitytoken": str(data.get("Secret") or ""), "serveraddress": registry}
        return {"username": str(data.get("Username") or ""), "password": str(data.get("Secret") or ""),
                "serveraddress": registry}

    def pull(self, image: str, *, tag: str, platform: str | None = None,
             auth_config: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """The progress messages of pulling ``image:tag``; an error message ends it as EngineError.
        ``auth_config``: the registry credentials for this request alone (None: config.json's)."""
        with self._errors():
            stream = self.client.pull(image, tag=tag, stream=True, decode=True, platform=platform,
                                      auth_config=dict(auth_config) if auth_config is not None else None)
        return self._progress(stream)

    def push(self, repository: str, *, tag: str,
             auth_config: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """The progress messages of pushing ``repository:tag``; an error message ends it as EngineError.
        ``auth_config``: the registry credentials for this request alone (None: config.json's)."""
        with self._errors():
            stream = self.client.push(repository, tag=tag, stream=True, decode=True,
                                      auth_config=dict(auth_config) if auth_config is not None else None)
        return self._progress(stream)

    def _progress(self, stream: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        while True:
            with self._errors():
                message = next(stream, None)
            if message is None:
                return
            if message.get("error") or message.get("errorDetail"):
                detail = message.get("errorDetail") or {}
                text = detail.get("message") if isinstance(detail, dict) else None
                raise EngineError(str(text or message.get("error")))
            yield message

    def attach(
        self,
        container_id: str,
        *,
        stdin: bool,
        stdout: bool,
        stderr: bool,
        detach_keys: str | None,
    ) -> Hijacked | TlsHijacked | ChannelHijacked:
        """Attach (before start, so that no output is missed); the engine streams once started."""
        params: dict[str, Any] = {"stream": 1}
        for key, wanted in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr)):
            if wanted:
                params[key] = 1
        if detach_keys:
            params["detachKeys"] = detach_keys
        url = dockerpy.api_url(self.client, "/containers/{0}/attach", container_id)
        return self._hijack(url, params, None)

    def _hijack(self, url: str, params: Mapping[str, Any], body: Mapping[str, Any] | None,
                ) -> Hijacked | TlsHijacked | ChannelHijacked:
        """POST ``url`` upgraded to a bare stream (an attach, or an exec's start with its JSON body)."""
        payload = json.dumps(body).encode() if body is not None else b""
        content_type = "application/json" if body is not None else "text/plain"
        headers = {"Connection": "Upgrade", "Upgrade": "tcp", "Content-Type": content_type}
        if str(self.client.base_url).startswith("https://"):
            return self._attach_tls(url, dict(params), headers, payload)
        with self._errors():
            response = self.client.post(url, payload or None, params=dict(params), stream=True, headers=headers)
        if response.status_code != 101:
            status = response.status_code
            if status >= 400 and body is not None:  # an exec's start: the CLI prints the daemon's words
                try:
                    dockerpy.raise_for_status(self.client, response)
                except docker.errors.APIError as err:
                    response.close()
                    raise DaemonError(daemon_message(err), err.status_code, exit_code=ExitCode.ERROR) from None
            response.close()
            # The docker CLI's hijack reports the status alone, and fails with 1.
            raise EngineError(f"unable to upgrade to tcp, received {status}", exit_code=ExitCode.ERROR)
        if str(self.client.base_url).startswith("http+docker://ssh"):
            return ChannelHijacked(dockerpy.raw_response_socket(self.client, response), response)
        sock = response_socket(response)
        with contextlib.suppress(OSError, AttributeError):
            sock.settimeout(None)  # the client's default timeout must not cut a quiet stream
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                # A long quiet run must not look like a dead peer to a NAT or firewall.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
        return Hijacked(sock, response, take_buffered(response, sock))

    def _attach_tls(self, url: str, params: dict[str, Any], headers: dict[str, str], body: bytes) -> TlsHijacked:
        # Its own connection, so that the end of stdin can be a close_notify (see tlsattach).
        agent = self.client.headers.get("User-Agent")
        if isinstance(agent, bytes):
            agent = agent.decode()
        try:
            return open_tls_attach(self.client, url, params, {**({"User-Agent": agent} if agent else {}), **headers},
                                   timeout=self.client.timeout, body=body)
        except UpgradeRefused as refused:
            raise EngineError(str(refused), exit_code=ExitCode.ERROR) from None
        except ssl.SSLError as err:
            raise EngineError(f"error during connect: tls: {err.reason or err}") from None
        except OSError:
            raise EngineError(
                f"Cannot connect to the Docker daemon at {self._host}. Is the docker daemon running?"
            ) from None

    def wait(self, container_id: str, condition: str) -> PendingWait:
        """Register a wait (``next-exit`` or ``removed``); returns once the engine has it."""
        url = dockerpy.api_url(self.client, "/containers/{0}/wait", container_id)
        try:
            response = dockerpy.post(self.client, url, params={"condition": condition}, stream=True, timeout=None)
        except requests.RequestException as err:
            return PendingWait(None, str(err))
        if response.status_code >= 400:
            try:
                dockerpy.raise_for_status(self.client, response)
            except docker.errors.APIError as err:
                return PendingWait(None, daemon_message(err))
        with contextlib.suppress(OSError, AttributeError):
            response_socket(response).settimeout(None)
        return PendingWait(response)

    def start(self, container_id: str) -> None:
        with self._errors():
            self.client.start(container_id)

    def remove(self, container_id: str, *, force: bool = False, volumes: bool = False) -> None:
        """``docker rm`` (``-f``: even a running one; ``-v``: with its anonymous volumes)."""
        with self._errors():
            self.client.remove_container(container_id, v=volumes, force=force)

    def kill(self, container_id: str, signal: str) -> None:
        with self._errors():
            self.client.kill(container_id, signal=signal)

    def resize(self, container_id: str, height: int, width: int) -> None:
        with self._errors():
            self.client.resize(container_id, height=height, width=width)

    # -- exec ----------------------------------------------------------------------------------

    def exec_create(self, container_id: str, config: Mapping[str, Any]) -> str:
        """``POST /containers/ID/exec``: the new exec's ID. ``config`` holds its Env (credentials
        only there: the container's own configuration is never changed)."""
        with self._errors(ExitCode.ERROR):
            answer = self._post_json(dockerpy.api_url(self.client, "/containers/{0}/exec", container_id), plain(config))
        exec_id = str(answer.get("Id") or "") if isinstance(answer, Mapping) else ""
        if not exec_id:
            raise EngineError("exec ID empty", exit_code=ExitCode.ERROR)
        return exec_id

    def exec_start_detached(self, exec_id: str, *, tty: bool, console_size: list[int] | None = None) -> None:
        """Start the exec and return at once (``docker exec -d``). ``console_size``: API 1.42's [rows, cols]."""
        body: dict[str, Any] = {"Detach": True, "Tty": tty}
        if console_size is not None:
            body["ConsoleSize"] = console_size
        with self._errors(ExitCode.ERROR):
            self._post_json(dockerpy.api_url(self.client, "/exec/{0}/start", exec_id), body)

    def _post_json(self, url: str, body: Mapping[str, Any]) -> Any:
        """POST a JSON body; the JSON answer (None when there is none). docker-py's APIError for a refusal."""
        response = self.client.post(url, json=dict(body), timeout=self.client.timeout)
        dockerpy.raise_for_status(self.client, response)
        return response.json() if response.content else None

    def exec_attach(self, exec_id: str, *, tty: bool, console_size: list[int] | None = None,
                    ) -> Hijacked | TlsHijacked | ChannelHijacked:
        """Start the exec on a hijacked connection: its stdin, and its output (framed unless ``tty``)."""
        body: dict[str, Any] = {"Detach": False, "Tty": tty}
        if console_size is not None:
            body["ConsoleSize"] = console_size
        return self._hijack(dockerpy.api_url(self.client, "/exec/{0}/start", exec_id), {}, body)

    def exec_resize(self, exec_id: str, height: int, width: int) -> None:
        with self._errors(ExitCode.ERROR):
            self.client.exec_resize(exec_id, height=height, width=width)

    def exec_inspect(self, exec_id: str) -> Mapping[str, Any]:
        with self._errors(ExitCode.ERROR):
            info: Mapping[str, Any] = self.client.exec_inspect(exec_id)
            return info
