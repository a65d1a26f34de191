"""Which engine the docker CLI would talk to, and with what TLS material. No docker import, no network.

Follows the docker CLI 28.2 (cli/command/cli.go, cli/flags/options.go,
cli/context/docker/load.go, opts/hosts.go):

- the context: ``--context`` > ``-H`` (the default context) > ``DOCKER_HOST`` (the
  default context) > ``DOCKER_CONTEXT`` > config.json's ``currentContext`` > default;
  ``--context`` together with ``-H`` is an error;
- the config directory: ``--config`` > ``DOCKER_CONFIG`` > ``~/.docker``;
- the default context: the host from ``-H`` or ``DOCKER_HOST`` (else the default
  socket), TLS from ``--tls``/``--tlsverify``/``--tlscacert``/``--tlscert``/``--tlskey``,
  ``DOCKER_TLS``, ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``;
- a named context: its ``docker`` endpoint and TLS files from the context store.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.globalopts import GlobalOptions

__all__ = [
    "DEFAULT_CONTEXT",
    "DEFAULT_HOST",
    "Endpoint",
    "EndpointError",
    "TLSFiles",
    "config_dir",
    "context_name",
    "is_socket",
    "load_config_file",
    "parse_daemon_host",
    "resolve_endpoint",
]

DEFAULT_CONTEXT = "default"
DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = f"unix://{DEFAULT_UNIX_SOCKET}"
_DEFAULT_HTTP_PORT = 2375
_DEFAULT_TLS_HOST = "tcp://localhost:2376"
_CA, _CERT, _KEY = "ca.pem", "cert.pem", "key.pem"


class EndpointError(UsageError):
    """The docker CLI's "Failed to initialize: ...": the endpoint cannot be used. Exit 1, as the CLI's."""

    exit_code = ExitCode.ERROR

    def __init__(self, reason: str, *, resolving: bool = True) -> None:
        stage = "unable to resolve docker endpoint: " if resolving else ""
        super().__init__(f"Failed to initialize: {stage}{reason}")


@dataclass(frozen=True)
class TLSFiles:
    """TLS material (file paths; None: none) and whether to verify the engine. A client
    certificate is used only with its key; none of it is used over a local socket."""

    ca: str | None
    cert: str | None
    key: str | None
    verify: bool


@dataclass(frozen=True)
class Endpoint:
    """The engine to talk to: ``host`` as the docker CLI normalises it, and its TLS (None: plain)."""

    host: str
    tls: TLSFiles | None = None
    context: str = DEFAULT_CONTEXT
    config_dir: str = ""
    config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _home(environ: Mapping[str, str]) -> str:
    return environ.get("HOME") or str(Path.home())


def default_config_dir(environ: Mapping[str, str]) -> str:
    """``DOCKER_CONFIG`` or ``~/.docker``: the CLI's config.Dir() before ``--config`` is applied."""
    return environ.get("DOCKER_CONFIG") or os.path.join(_home(environ), ".docker")


def config_dir(options: GlobalOptions, environ: Mapping[str, str]) -> str:
    """``--config`` > ``DOCKER_CONFIG`` > ``~/.docker``."""
    if options.config:
        return os.path.normpath(options.config)
    return default_config_dir(environ)


def load_config_file(directory: str) -> dict[str, Any]:
    """config.json of ``directory``; {} when there is none. Like the CLI, a malformed file is not fatal."""
    try:
        with open(os.path.join(directory, "config.json"), encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def context_name(options: GlobalOptions, environ: Mapping[str, str], config: Mapping[str, Any]) -> str:
    """The context the CLI would use (cli/command/cli.go resolveContextName)."""
    if options.context:
        return options.context
    if options.hosts or environ.get("DOCKER_HOST"):
        return DEFAULT_CONTEXT
    if environ.get("DOCKER_CONTEXT"):
        return environ["DOCKER_CONTEXT"]
    current = config.get("currentContext")
    if isinstance(current, str) and current:
        return current
    return DEFAULT_CONTEXT


def _os_error(action: str, path: str, err: OSError) -> str:
    # Go's wording: "open /x/ca.pem: no such file or directory".
    reason = (err.strerror or str(err)).lower()
    return f"{action} {path}: {reason}"


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go's net.SplitHostPort, None for its errors."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or not hostport[end + 1:].startswith(":"):
            return None
        return hostport[1:end], hostport[end + 2:]
    if hostport.count(":") != 1 or "[" in hostport or "]" in hostport:
        return None
    host, _, port = hostport.partition(":")
    return host, port


def _join_host_port(host: str, port: str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _parse_tcp(try_addr: str) -> str:
    """opts.ParseTCPAddr: a default host and port filled in, Go's quirks kept."""
    if try_addr in ("", "tcp://"):
        return f"tcp://localhost:{_DEFAULT_HTTP_PORT}"
    addr = try_addr.removeprefix("tcp://")
    if "://" in addr or not addr:
        raise EndpointError(f"invalid proto, expected tcp: {try_addr}")
    if addr.endswith("]:"):
        addr += str(_DEFAULT_HTTP_PORT)
    cut = min((i for i in (addr.find(c) for c in "/?#") if i >= 0), default=len(addr))
    authority, path = addr[:cut].rpartition("@")[2], addr[cut:].split("?", 1)[0].split("#", 1)[0]
    # Go's url.Parse refuses a port that is not digits.
    colon = authority.rfind(":", authority.rfind("]") + 1)
    if colon >= 0 and not authority[colon + 1:].isdigit() and authority[colon + 1:]:
        raise EndpointError(f'parse "tcp://{addr}": invalid port "{authority[colon:]}" after host')
    parts = _split_host_port(authority) or _split_host_port(_join_host_port(authority, str(_DEFAULT_HTTP_PORT)))
    if parts is None:
        raise EndpointError(f"invalid bind address format: {try_addr}")
    host, port = parts[0] or "localhost", parts[1] or str(_DEFAULT_HTTP_PORT)
    if not port.isdigit():
        raise EndpointError(f"invalid bind address format: {try_addr}")
    return f"tcp://{_join_host_port(host, port)}{path}"


def parse_daemon_host(value: str, default_to_tls: bool) -> str:
    """A daemon address as the CLI normalises it (opts.ParseHost); EndpointError for a bad one."""
    addr = value.strip()
    if not addr:
        return _DEFAULT_TLS_HOST if default_to_tls else DEFAULT_HOST
    proto, sep, rest = addr.partition("://")
    if not sep:
        return _parse_tcp(addr)
    if proto == "tcp":
        return _parse_tcp(rest)
    if proto == "unix":
        if "://" in rest:
            raise EndpointError(f"invalid proto, expected unix: {rest}")
        return f"unix://{rest or DEFAULT_UNIX_SOCKET}"
    if proto in ("ssh", "fd", "npipe"):
        return addr
    raise EndpointError(f"invalid bind address format: {addr}")


def _read_tls_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as err:
        raise EndpointError(_os_error("open", path, err)) from None


def is_socket(host: str) -> bool:
    # No TLS over a local socket; ssh:// goes through the ssh client (cli/context/docker/load.go).
    return host.split("://", 1)[0] in ("unix", "npipe", "fd", "ssh")


def _tls_for(host: str, ca: str | None, cert: str | None, key: str | None, verify: bool) -> TLSFiles | None:
    """The endpoint's TLS as the CLI's Endpoint.tlsConfig sees it; None: plain TCP.

    The material is kept even for a socket, where it goes unused (as in ``docker
    context inspect``), but checked only where it will be used.
    """
    if ca is None and cert is None and key is None and verify:
        return None
    tls = TLSFiles(ca=ca, cert=cert, key=key, verify=verify)
    if is_socket(host):
        return tls
    # Refuse what tlsConfig refuses, before any connection (and before OpenSSL
    # could ask on the terminal for the pass phrase of an encrypted key).
    if tls.ca is not None and b"-----BEGIN CERTIFICATE-----" not in _read_tls_file(tls.ca):
        raise EndpointError("failed to retrieve context tls info: ca.pem seems invalid", resolving=False)
    if tls.cert is not None and tls.key is not None:
        pem = _read_tls_file(tls.key)
        if b"-----BEGIN" not in pem:
            raise EndpointError("no valid private key found", resolving=False)
        if b"ENCRYPTED" in pem:
            raise EndpointError("private key is encrypted - support for encrypted private keys has been "
                                "removed, see https://docs.docker.com/go/deprecated/", resolving=False)
    return tls


def _default_endpoint(options: GlobalOptions, environ: Mapping[str, str]) -> Endpoint:
    """The default context: -H / DOCKER_HOST and the TLS flags and variables (resolveDefaultDockerEndpoint)."""
    verify = options.tlsverify if options.tlsverify is not None else bool(environ.get("DOCKER_TLS_VERIFY"))
    use_tls = options.tls if options.tls is not None else bool(environ.get("DOCKER_TLS"))
    # Giving --tlsverify at all, even =false, turns TLS on (SetDefaultOptions).
    use_tls = use_tls or options.tlsverify is not None or verify

    if len(options.hosts) > 1:
        raise EndpointError("Specify only one -H")
    given = options.hosts[0] if options.hosts else environ.get("DOCKER_HOST", "")
    host = parse_daemon_host(given, default_to_tls=use_tls)
    if not use_tls:
        return Endpoint(host=host)

    # The default cert path is taken before --config is applied (flags.InstallFlags).
    cert_path = environ.get("DOCKER_CERT_PATH") or default_config_dir(environ)
    ca = options.tlscacert if options.tlscacert is not None else os.path.join(cert_path, _CA)
    cert = options.tlscert if options.tlscert is not None else os.path.join(cert_path, _CERT)
    key = options.tlskey if options.tlskey is not None else os.path.join(cert_path, _KEY)
    # The default client cert and key are dropped when absent; the CA never is.
    if options.tlscert is None and not os.path.exists(cert):
        cert = ""
    if options.tlskey is None and not os.path.exists(key):
        key = ""
    for path in (ca, cert, key):
        if path:
            _read_tls_file(path)  # read even for a socket, where it is not used, as the CLI does
    return Endpoint(host=host, tls=_tls_for(host, ca or None, cert or None, key or None, verify))


def _context_dir(name: str) -> str:
    # The context store keys each context by the SHA-256 of its name.
    return hashlib.sha256(name.encode()).hexdigest()


def _stored_endpoint(name: str, directory: str) -> Endpoint:
    """A context from the store under ``directory``/contexts (meta.json and its TLS files)."""
    digest = _context_dir(name)
    meta_file = os.path.join(directory, "contexts", "meta", digest, "meta.json")
    try:
        with open(meta_file, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError as err:
        raise EndpointError(f'context "{name}": context not found: {_os_error("open", meta_file, err)}') from None
    except OSError as err:
        raise EndpointError(f'context "{name}": {_os_error("open", meta_file, err)}') from None
    try:
        meta = json.loads(raw)
    except ValueError as err:
        raise EndpointError(f"parsing {meta_file}: {err}") from None
    endpoints = meta.get("Endpoints") if isinstance(meta, dict) else None
    docker_ep = endpoints.get("docker") if isinstance(endpoints, dict) else None
    if not isinstance(docker_ep, dict):
        raise EndpointError("cannot find docker endpoint in context")
    host = str(docker_ep.get("Host") or "")
    skip_verify = bool(docker_ep.get("SkipTLSVerify"))
    host = parse_daemon_host(host, default_to_tls=False) if host else DEFAULT_HOST

    tls_dir = os.path.join(directory, "contexts", "tls", digest, "docker")
    files = {f: os.path.join(tls_dir, f) for f in (_CA, _CERT, _KEY) if os.path.isfile(os.path.join(tls_dir, f))}
    tls = _tls_for(host, files.get(_CA), files.get(_CERT), files.get(_KEY), verify=not skip_verify)
    return Endpoint(host=host, tls=tls, context=name)


def resolve_endpoint(options: GlobalOptions, environ: Mapping[str, str]) -> Endpoint:
    """The endpoint the docker CLI would use with these options and this environment.

    EndpointError (exit 1, the CLI's wording) when it cannot be resolved; UsageError
    (exit 1) for ``--context`` together with ``-H``.
    """
    if options.context and options.hosts:
        raise UsageError("conflicting options: cannot specify both --host and --context",
                         exit_code=ExitCode.ERROR)
    directory = config_dir(options, environ)
    config = load_config_file(directory)
    name = context_name(options, environ, config)
    if name == DEFAULT_CONTEXT:
        return replace(_default_endpoint(options, environ), config_dir=directory, config=config)
    return replace(_stored_endpoint(name, directory), config_dir=directory, config=config)
