"""Rewrite a create body for the engine's API version, as the docker CLI does.

Two layers of the CLI are reproduced: the command layer refuses a flag the
daemon cannot take (its ``version`` / ``ostype`` annotations: exit status 1),
and the API client drops or refuses fields by version when it sends the
create request (a failed create: exit status 125).
"""

from __future__ import annotations

import copy
from dataclasses import replace

from cloudshell_docker.engine.apiversions import version_tuple
from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.run.flags import docker_flag
from cloudshell_docker.run.spec import RunSpec

__all__ = ["adapt_to_api"]

def _older(version: str, than: str) -> bool:
    return version_tuple(version) < version_tuple(than)


def _refused_flags(spec: RunSpec, api_version: str, os_type: str) -> list[str]:
    errors = []
    for name in sorted(spec.flags_given):  # pflag visits flags in name order
        flag = docker_flag(name)
        if flag.min_api and _older(api_version, flag.min_api):
            errors.append(f'"{name}" requires API version {flag.min_api}, but the Docker daemon API version is '
                          f"{api_version}")
        elif flag.os_type and os_type and flag.os_type != os_type:
            errors.append(f'"{name}" is only supported on a Docker daemon running on {flag.os_type}, but the Docker '
                          f"daemon is running on {os_type}")
    return errors


def _client_error(feature: str, required: str, api_version: str) -> UsageError:
    return UsageError(f'"{feature}" requires API version {required}, but the Docker daemon API version is '
                      f"{api_version}")


def adapt_to_api(spec: RunSpec, api_version: str, *, os_type: str = "linux") -> RunSpec:
    """``spec`` for an engine speaking ``api_version``; UsageError where the CLI refuses.

    ``os_type`` is the daemon's OS (the ``Ostype`` the engine reports); csdocker
    targets Linux engines, so that is the default.
    """
    refused = _refused_flags(spec, api_version, os_type)
    if refused:
        # The CLI prints one line per refused flag; the first is the one-line message.
        raise UsageError(refused[0], exit_code=ExitCode.ERROR)

    body = copy.deepcopy(dict(spec.config))
    host = body.get("HostConfig") or {}
    endpoints = (body.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}
    health = body.get("Healthcheck") or {}

    if health.get("StartInterval") and _older(api_version, "1.44"):
        raise _client_error("specify health-check start interval", "1.44", api_version)
    if any(endpoint.get("MacAddress") for endpoint in endpoints.values()) and _older(api_version, "1.44"):
        raise _client_error("specify mac-address per network", "1.44", api_version)

    # KernelMemory exists from API 1.40 and was dropped in 1.42.
    if not (version_tuple("1.40") <= version_tuple(api_version) < version_tuple("1.42")):
        host.pop("KernelMemory", None)
    send_console_size = spec.send_console_size
    if spec.platform and spec.platform.split("/")[0] == "linux" and _older(api_version, "1.42"):
        # Older Linux daemons ignore it; the CLI sends [0, 0].
        host["ConsoleSize"] = [0, 0]
        send_console_size = False
    if _older(api_version, "1.44"):
        for mount in host.get("Mounts") or []:
            if (mount.get("BindOptions") or {}).get("ReadOnlyForceRecursive"):
                raise UsageError("bind-recursive=readonly requires API v1.44 or later")
    else:
        body.pop("MacAddress", None)  # deprecated container-wide field: per-endpoint since 1.44
    return replace(spec, config=body, send_console_size=send_console_size)
