"""Will the docker CLI found run this build with BuildKit? Secrets exist only there.

A build that silently fell back to the legacy builder would run without the secret,
so every doubt is refused before exec, with one line and exit 125:

- ``DOCKER_BUILDKIT`` set to false (or to something that is not a boolean);
- a CLI of 23.0 or newer (which builds with BuildKit only through the buildx plugin)
  whose ``docker buildx version`` fails, as on a machine without the plugin;
- ``buildx build`` asked for, and no working buildx;
- a CLI too old for build secrets (before 18.09), or one whose version cannot be read
  and that has no working buildx.

The CLIs 18.09 to 20.10 drive the engine's BuildKit themselves with ``DOCKER_BUILDKIT=1``.
The probes are ``docker --version`` and, only when needed, ``docker buildx version``
(neither talks to the engine).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence

from cloudshell_docker.errors import UsageError

__all__ = ["BUILDKIT_VARIABLE", "buildkit_environ", "check_buildkit", "cli_version", "not_a_boolean",
           "parse_cli_version"]

BUILDKIT_VARIABLE = "DOCKER_BUILDKIT"
_PROBE_TIMEOUT = 20.0
# Go's strconv.ParseBool, which the CLI uses for DOCKER_BUILDKIT.
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_FIRST_WITH_SECRETS = (18, 9)
_FIRST_NEEDING_BUILDX = (23, 0)


def buildkit_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The CLI's environment: ``environ`` with DOCKER_BUILDKIT=1 when it is unset or empty;
    UsageError when the user turned BuildKit off."""
    value = environ.get(BUILDKIT_VARIABLE, "")
    if value in _FALSE:
        raise UsageError(f"{BUILDKIT_VARIABLE}={value} turns BuildKit off, and the AWS credentials reach a build "
                         f"only as a BuildKit secret: unset {BUILDKIT_VARIABLE} (or set it to 1)")
    if value and value not in _TRUE:
        raise UsageError(f"{BUILDKIT_VARIABLE}={value!r} is not a boolean: unset it or set it to 1")
    return {**environ, BUILDKIT_VARIABLE: value or "1"}


def not_a_boolean(environ: Mapping[str, str]) -> bool:
    """``DOCKER_BUILDKIT`` is set to something Go's ParseBool refuses: every docker CLI then stops at
    once ("expects boolean value", exit 1), before it reads anything else."""
    value = environ.get(BUILDKIT_VARIABLE, "")
    return bool(value) and value not in _TRUE and value not in _FALSE


def parse_cli_version(text: str) -> tuple[int, int] | None:
    """(major, minor) from ``docker --version`` ("Docker version 20.10.24+dfsg1, build 297e128")."""
    found = re.search(r"version v?(\d+)\.(\d+)", text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _probe(argv: Sequence[str], environ: Mapping[str, str]) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(list(argv), env=dict(environ), capture_output=True, text=True, timeout=_PROBE_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def cli_version(docker: str, environ: Mapping[str, str]) -> tuple[int, int] | None:
    done = _probe([docker, "--version"], environ)
    return parse_cli_version(done.stdout) if done is not None and done.returncode == 0 else None


def _buildx_works(docker: str, config_args: Sequence[str], environ: Mapping[str, str]) -> bool:
    done = _probe([docker, *config_args, "buildx", "version"], environ)
    return done is not None and done.returncode == 0


def check_buildkit(docker: str, *, via_buildx: bool, config_args: Sequence[str], environ: Mapping[str, str]) -> bool:
    """UsageError (exit 125) unless ``docker`` will run the build with BuildKit; True when that is the
    CLI's own (built in: 18.09 to 22.x), False when it is the buildx plugin's.

    ``config_args`` are the global options that change where the CLI finds its plugins
    (``--config DIR``); ``environ`` is the CLI's environment.
    """
    version = None if via_buildx else cli_version(docker, environ)
    if version is not None and _FIRST_WITH_SECRETS <= version < _FIRST_NEEDING_BUILDX:
        return True
    if version is not None and version < _FIRST_WITH_SECRETS:
        raise UsageError(f"the docker CLI {docker} ({version[0]}.{version[1]}) is too old for BuildKit "
                         "build secrets, which carry the AWS credentials: use a CLI of 18.09 or newer")
    if _buildx_works(docker, config_args, environ):
        return False
    what = "docker buildx build" if via_buildx else f"a BuildKit build with the docker CLI {docker}"
    raise UsageError(f"{what} needs the buildx plugin, which is missing or broken ('docker buildx version' fails), "
                     "and the AWS credentials reach a build only as a BuildKit secret: install buildx, or put a "
                     "docker CLI with BuildKit built in (20.10) first on PATH")
