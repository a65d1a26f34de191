"""Every private attribute of docker-py (and of the requests/urllib3 response under it) csdocker uses.

docker-py's public API cannot attach before start, wait without blocking the caller, speak a
negotiated API version, or take config.json from another directory; csdocker needs all four.
Each reach past the public API is one small function here, so that the list is in one place
and a docker-py upgrade is checked against it: pyproject.toml pins the range tested
(``docker>=7.1.0,<8``; scripts/dockerpy-versions.sh runs the engine-facing tests with the oldest
and the newest release of it). Nothing else in csdocker touches a ``_`` attribute of docker-py.

botocore's one private attribute (``_expiry_time``) is in ``credentials.boto``, the only module
that may know botocore's insides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import docker
import requests
from docker.auth import load_config
from docker.utils.proxy import ProxyConfig

__all__ = [
    "api_url",
    "custom_adapter",
    "general_configs",
    "get",
    "post",
    "raise_for_status",
    "raw_response_socket",
    "response_reader",
    "set_api_version",
    "use_config",
]


def _private(client: docker.APIClient) -> Any:
    # The typing stubs describe the public API only; what follows is deliberately outside it.
    return cast(Any, client)


def use_config(client: docker.APIClient, config: Mapping[str, Any]) -> None:
    """Make ``client`` use ``config`` (config.json as the CLI chose it) instead of the file docker-py read.

    ``_general_configs`` (HttpHeaders), ``_auth_configs`` (registry auths) are what docker-py
    loaded from DOCKER_CONFIG or ~/.docker at construction; the CLI also honours --config.
    ``_proxy_configs`` is emptied: docker-py would add config.json's proxies to a create body
    a second time (the translator already did, as the CLI does).
    """
    private = _private(client)
    private._general_configs = dict(config)
    private._auth_configs = load_config(config_dict=dict(config))
    private._proxy_configs = ProxyConfig()


def general_configs(client: docker.APIClient) -> Mapping[str, Any]:
    """``_general_configs``: the config.json the client uses (``use_config``'s, or what docker-py read)."""
    configs = getattr(client, "_general_configs", None)
    return configs if isinstance(configs, Mapping) else {}


def set_api_version(client: docker.APIClient, version: str) -> None:
    """The API version every later request speaks (``_version``: docker-py has no setter; it
    negotiates only at construction, with a ping of its own that csdocker saves)."""
    _private(client)._version = version


def api_url(client: docker.APIClient, path_format: str, *args: str) -> str:
    """``_url``: the versioned URL of an API path, its arguments quoted (``/v1.41/containers/ID/attach``)."""
    return cast(str, _private(client)._url(path_format, *args))


def get(client: docker.APIClient, url: str, **kwargs: Any) -> requests.Response:
    """``_get``: a GET with the client's session settings (timeouts, TLS, headers) and no status check."""
    return cast(requests.Response, _private(client)._get(url, **kwargs))


def post(client: docker.APIClient, url: str, **kwargs: Any) -> requests.Response:
    """``_post``: a POST as ``get``; used streamed, so that a wait can be registered and read later."""
    return cast(requests.Response, _private(client)._post(url, **kwargs))


def raise_for_status(client: docker.APIClient, response: requests.Response) -> None:
    """``_raise_for_status``: docker.errors.APIError (NotFound, ...) for an error answer, as docker-py's own calls."""
    _private(client)._raise_for_status(response)


def raw_response_socket(client: docker.APIClient, response: requests.Response) -> Any:
    """``_get_raw_response_socket``: the stream under an upgraded answer (over ssh: a paramiko channel)."""
    return _private(client)._get_raw_response_socket(response)


def custom_adapter(client: docker.APIClient) -> Any:
    """``_custom_adapter``: the transport docker-py mounted (UnixHTTPAdapter with its ``socket_path``,
    SSHHTTPAdapter, ...); None for plain http(s)."""
    return getattr(client, "_custom_adapter", None)


def response_reader(response: requests.Response) -> Any:
    """``response.raw._fp.fp``: http.client's buffered reader of a streamed answer (urllib3's
    HTTPResponse keeps the http.client response in ``_fp``). Its ``raw`` is the socket (or the
    TLS socket); it may hold bytes read ahead past the headers."""
    return cast(Any, response.raw)._fp.fp
