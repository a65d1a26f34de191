"""The real Docker engine for end-to-end tests: bring it up, or skip (never under CI=true)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

__all__ = [
    "AWSCLI_IMAGE",
    "BUSYBOX_IMAGE",
    "REPO",
    "containers_labelled",
    "docker",
    "ensure_testbed",
    "in_ci",
    "remove_containers",
    "unique_name",
]

REPO = Path(__file__).resolve().parents[2]
BUSYBOX_IMAGE = "local/busybox"
AWSCLI_IMAGE = "local/aws-cli"
NAME_PREFIX = "csdt-"  # every container, network and volume a test makes starts with this

_ready: dict[str, bool] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def docker(*args: str, check: bool = False, timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The docker CLI, the oracle. Text mode; output captured."""
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=timeout, **kwargs  # type: ignore[arg-type]
    )


def engine_up() -> bool:
    try:
        return docker("info", "--format", "{{.ServerVersion}}", timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_testbed(target: str) -> None:
    """Make sure the engine (and the image ``target`` names) is there, or skip / fail.

    ``target`` is a scripts/testbed.sh target: engine, busybox, awscli, registry or compose. As root the
    test bed is brought up on the spot; a laptop without Docker skips, CI fails.
    """
    if _ready.get(target):
        return
    wanted_image = {"busybox": BUSYBOX_IMAGE, "awscli": AWSCLI_IMAGE}.get(target)
    ready = engine_up() and (wanted_image is None or docker("image", "inspect", wanted_image).returncode == 0)
    if target == "registry":
        from tests.support.ecrregistry import registry_ready

        ready = ready and registry_ready()
    if target == "compose":
        from tests.support.compose import compose_ready

        ready = ready and compose_ready()
    if not ready and os.geteuid() == 0:
        done = subprocess.run(["bash", str(REPO / "scripts" / "testbed.sh"), target], capture_output=True,
                              text=True, timeout=900)
        ready = done.returncode == 0
        why = done.stderr.strip().splitlines()[-1:] if not ready else []
    else:
        why = ["no Docker engine (run scripts/testbed.sh as root)"]
    if not ready:
        message = f"test bed '{target}' unavailable: {' '.join(why)}"
        if in_ci():
            pytest.fail(message + " (CI=true: a missing engine is a failure)", pytrace=False)
        pytest.skip(message)
    _ready[target] = True


def unique_name(kind: str = "c") -> str:
    return f"{NAME_PREFIX}{kind}-{uuid.uuid4().hex[:12]}"


def remove_containers(*names: str) -> None:
    if names:
        docker("rm", "-f", "-v", *names)


def containers_labelled(label: str) -> list[str]:
    """IDs of every container (running or not) carrying ``label`` (``key=value``)."""
    return docker("ps", "-aq", "--no-trunc", "--filter", f"label={label}").stdout.split()
