"""Which engine, and how to reach it: -H, --context, DOCKER_HOST, DOCKER_CONTEXT, TLS, API version.

``engine.endpoint`` decides the engine as the docker CLI would; this module
builds the docker-py client for it and negotiates the API version as the CLI
does: one ping (the only round trip), then min(the engine's version, csdocker's
newest), or ``DOCKER_API_VERSION`` as given.
"""

from __future__ import annotations

import errno
import http.client
import ipaddress
import os
import re
import ssl
import warnings
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

import docker
import requests
import urllib3
from docker.tls import TLSConfig

from cloudshell_docker.engine import dockerpy
from cloudshell_docker.engine.apiversions import MAX_API_VERSION, MIN_API_VERSION, version_tuple
from cloudshell_docker.engine.endpoint import Endpoint, is_socket, resolve_endpoint
from cloudshell_docker.errors import EngineError
from cloudshell_docker.errors import causes as exception_causes
from cloudshell_docker.options.globalopts import GlobalOptions, check_log_level

__all__ = ["PING_TIMEOUT", "client_for", "connect", "negotiate_api_version"]

# Seconds to wait for the engine's answer to the ping before calling it unreachable.
PING_TIMEOUT = 10.0
# What the docker CLI assumes when the ping carries no API-Version header (engines before API 1.25).
_FALLBACK_API_VERSION = "1.24"
_VERSION = re.compile(r"\d+\.\d+")


def negotiate_api_version(engine_version: str, requested: str, host: str) -> str:
    """The API version to speak: ``requested`` (DOCKER_API_VERSION) when set, else
    min(engine's, MAX_API_VERSION). EngineError below MIN_API_VERSION."""
    engine_version = engine_version or _FALLBACK_API_VERSION
    if not _VERSION.fullmatch(engine_version):
        raise EngineError(f"the Docker engine at {host} answered an unknown API version {engine_version!r}")
    if requested:
        # The CLI takes DOCKER_API_VERSION as is (a leading "v" dropped) and does not negotiate.
        version = requested.removeprefix("v")
        if not _VERSION.fullmatch(version):
            raise EngineError(f'invalid DOCKER_API_VERSION "{requested}": expected a version such as {MIN_API_VERSION}')
        if version_tuple(version) < version_tuple(MIN_API_VERSION):
            raise EngineError(f"DOCKER_API_VERSION={requested} is older than csdocker supports "
                              f"(API {MIN_API_VERSION} or newer)")
        if version_tuple(engine_version) < version_tuple(version):
            # What the engine itself answers to every request of the CLI in this case.
            raise EngineError(f"Error response from daemon: client version {version} is too new. "
                              f"Maximum supported API version is {engine_version}")
        return version
    if version_tuple(engine_version) < version_tuple(MIN_API_VERSION):
        raise EngineError(f"the Docker engine at {host} speaks API {engine_version}; csdocker needs API "
                          f"{MIN_API_VERSION} or newer (Docker Engine 20.10 or later)")
    return min(engine_version, MAX_API_VERSION, key=version_tuple)


def _uses_proxy_variables(endpoint: Endpoint) -> bool:
    """Whether HTTP(S)_PROXY may apply, as in the CLI: plain TCP to a host that is not loopback.

    The CLI's TLS transport has no proxy, and Go never proxies loopback; requests
    would also let REQUESTS_CA_BUNDLE replace the endpoint's CA.
    """
    if not endpoint.host.startswith("tcp://") or endpoint.tls is not None:
        return False
    hostname = urlsplit(endpoint.host).hostname or ""
    if hostname == "localhost":
        return False
    try:
        return not ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return True


def client_for(endpoint: Endpoint, api_version: str = MAX_API_VERSION) -> docker.APIClient:
    """A docker-py client for ``endpoint`` (no network yet)."""
    proto, _, address = endpoint.host.partition("://")
    if proto in ("fd", "npipe"):
        raise EngineError(f"csdocker cannot reach an engine at {endpoint.host}: {proto}:// hosts are not supported")
    base_url = endpoint.host
    if proto == "unix":
        # Go dials a relative socket path from the working directory; docker-py would make it absolute.
        base_url = "unix://" + os.path.abspath(address)
    tls: TLSConfig | bool = False
    if endpoint.tls is not None and not is_socket(endpoint.host):
        files = endpoint.tls
        client_cert = (files.cert, files.key) if files.cert and files.key else None
        tls = TLSConfig(client_cert=client_cert, ca_cert=files.ca, verify=files.verify)
        if not files.verify:
            # Asked for (--tls without --tlsverify): the CLI does not warn on every request.
            warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    try:
        client = docker.APIClient(base_url=base_url, version=api_version, tls=tls, use_ssh_client=proto == "ssh")
    except docker.errors.DockerException as err:
        raise EngineError(f"csdocker cannot reach an engine at {endpoint.host}: {err}") from None
    client.trust_env = _uses_proxy_variables(endpoint)
    # docker-py read config.json from DOCKER_CONFIG or ~/.docker; the CLI reads it from
    # --config too. Its HttpHeaders and registry auths follow the CLI's choice. Proxy
    # variables for the container come from the translator alone, so docker-py must not
    # add its own copy on create.
    dockerpy.use_config(client, endpoint.config)
    return client


def _ping_url(endpoint: Endpoint) -> str:
    """The ping's URL as the CLI's messages show it."""
    proto, _, address = endpoint.host.partition("://")
    if proto == "tcp":
        return f"{'https' if endpoint.tls else 'http'}://{address}/_ping"
    return f"http://{quote(address, safe='')}/_ping"


def _unreachable(endpoint: Endpoint, err: Exception) -> EngineError:
    """The docker CLI's words for a daemon it could not talk to."""
    causes = list(exception_causes(err))
    failed = f'error during connect: Get "{_ping_url(endpoint)}"'
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return EngineError(f"{failed}: tls: failed to verify certificate: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError):
            reason = str(cause.reason or cause).lower().replace("_", " ")
            hint = ""
            if any(word in reason for word in ("certificate required", "bad certificate", "unknown ca")):
                hint = ("; the server probably has client authentication (--tlsverify) enabled; "
                        "check your TLS client certification settings")
            return EngineError(f"{failed}: tls: {reason}{hint}")
    if any(isinstance(c, PermissionError) for c in causes):
        return EngineError(f"permission denied while trying to connect to the Docker daemon socket at {endpoint.host}")
    unreachable = (ConnectionRefusedError, FileNotFoundError, TimeoutError, requests.exceptions.Timeout)
    if any(isinstance(c, unreachable) or getattr(c, "errno", None) in (errno.ECONNREFUSED, errno.ENOENT)
           for c in causes):
        return EngineError(f"Cannot connect to the Docker daemon at {endpoint.host}. Is the docker daemon running?")
    if any(isinstance(c, (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError))
           for c in causes):
        # The peer hung up without an answer: a TLS engine spoken to in plain HTTP, or one
        # that wants a client certificate that was not offered.
        return EngineError(f"{failed}: EOF")
    first_line = (str(err).splitlines() or [type(err).__name__])[0]
    return EngineError(f"{failed}: {first_line}")


def _ping(client: docker.APIClient, endpoint: Endpoint) -> str:
    """The engine's API version, from one unversioned ping (as the CLI negotiates)."""
    try:
        response = dockerpy.get(client, client.base_url + "/_ping", timeout=PING_TIMEOUT)
    except (requests.exceptions.RequestException, OSError) as err:
        raise _unreachable(endpoint, err) from None
    with response:
        # An engine in trouble may answer 500 with its headers; the CLI accepts that too.
        if response.status_code not in (200, 500):
            body = response.text.strip().splitlines()
            raise EngineError(f"Error response from daemon: {body[0] if body else response.status_code}")
        return response.headers.get("Api-Version", "")


def connect(options: GlobalOptions, environ: Mapping[str, str], endpoint: Endpoint | None = None) -> docker.APIClient:
    """A client for the engine the docker CLI would talk to, with the API version
    negotiated. EngineError (exit 125) when it cannot be reached; exit 1 where the CLI
    cannot even resolve the endpoint (unknown context, missing TLS files, -H with --context).
    ``endpoint``: already resolved from the same options and environment (saves reading the
    config and context store twice)."""
    check_log_level(options)
    if endpoint is None:
        endpoint = resolve_endpoint(options, environ)
    client = client_for(endpoint)
    try:
        engine_version = _ping(client, endpoint)
        dockerpy.set_api_version(
            client, negotiate_api_version(engine_version, environ.get("DOCKER_API_VERSION", ""), endpoint.host))
    except BaseException:
        client.close()
        raise
    return client
