"""Does a relay container's credentials endpoint still answer? Asked from this host, with its token.

A container created by ``csdocker run --inject relay`` carries the relay's URL and token in its
environment (``docker inspect`` shows them). The relay lives as long as the ``csdocker run`` (or
its detached follower) that serves it; once that has gone, the SDKs in the container get
"connection refused". ``csdocker exec`` asks first, the way the SDK would (a GET with the token:
only a 200 from that URL proves that this container's relay is the one answering), and says so
instead of starting a command that cannot get credentials.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from cloudshell_docker.credentials.container import FULL_URI_VAR, TOKEN_VAR
from cloudshell_docker.relay.network import MANAGED_NETWORK
from cloudshell_docker.relay.server import CREDENTIALS_PATH

__all__ = ["PROBE_TIMEOUT", "is_relay_url", "relay_problem", "relay_settings"]

PROBE_TIMEOUT = 2.0
_RELAY_URL = re.compile(
    rf"http://(?:{re.escape(MANAGED_NETWORK.gateway)}|127\.0\.0\.1):(?P<port>[1-9][0-9]{{0,4}}){re.escape(CREDENTIALS_PATH)}",
    re.ASCII)


def relay_settings(env: Iterable[str]) -> tuple[str, str] | None:
    """(URL, token) from a container's ``Config.Env``; None when either is missing."""
    found: dict[str, str] = {}
    for entry in env:
        name, _, value = entry.partition("=")
        if name in (FULL_URI_VAR, TOKEN_VAR):
            found[name] = value
    if FULL_URI_VAR in found and TOKEN_VAR in found:
        return found[FULL_URI_VAR], found[TOKEN_VAR]
    return None


def is_relay_url(url: str) -> bool:
    """Whether ``url`` has exactly the form csdocker's relay gives a container:
    ``http://169.254.170.2:PORT/v1/credentials`` (the managed network's gateway) or
    ``http://127.0.0.1:PORT/v1/credentials`` (``--network host``). Anything else is not asked."""
    match = _RELAY_URL.fullmatch(url)
    return match is not None and 0 < int(match["port"]) < 65536


def relay_problem(url: str, token: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when the relay at ``url`` hands out credentials for ``token``; else what is wrong.
    Only a URL of the relay's own form is asked (``is_relay_url``): no request goes elsewhere."""
    if not is_relay_url(url):
        return f"its relay address {url} is not one csdocker serves"
    parts = urlsplit(url)
    if not parts.hostname:  # pragma: no cover - is_relay_url has a host
        return f"its relay address {url} is not one csdocker serves"
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/", headers={"Authorization": token})
        response = connection.getresponse()
        response.read()  # the credentials themselves are not wanted here: read to end the exchange, dropped
        status = response.status
    except OSError as err:
        reason = err.strerror or type(err).__name__
        return f"its relay at {url} no longer answers ({reason.lower()})"
    except http.client.HTTPException as err:
        return f"its relay at {url} does not answer as a relay ({type(err).__name__})"
    finally:
        connection.close()
    if status == 200:
        return None
    if status == 401:
        return f"whatever answers at {url} refuses its token (it is not its relay)"
    return f"its relay at {url} has no credentials to give (HTTP {status})"
