"""Run csdocker, or the docker CLI, as a separate process, the way a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

__all__ = ["CSDOCKER", "clean_env", "run_csdocker", "run_docker"]

CSDOCKER = [sys.executable, "-m", "cloudshell_docker"]

# Variables of the developer's own shell that would change what a test sees.
_SCRUB_PREFIXES = ("AWS_", "DOCKER_", "CSDOCKER_")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without AWS_* / DOCKER_* (plus ``extra``), and HOME pointed nowhere surprising."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
    env.update(extra or {})
    return env


def run_csdocker(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 120,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*CSDOCKER, *args], env=clean_env(env), input=input, capture_output=True, timeout=timeout, cwd=cwd,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def run_docker(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 120,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["docker", *args], env=clean_env(env), input=input, capture_output=True, timeout=timeout, cwd=cwd,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
