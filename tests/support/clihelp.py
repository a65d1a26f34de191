"""The flags a docker CLI command's ``--help`` lists, asked of the real CLI in front of a fake engine."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.support.recorder import EngineRecorder

__all__ = ["docker_help_flags"]

_HELP_LINE = re.compile(r"^ {2,6}(?:(-\S), )?(--[a-z0-9-]+)(?: ([a-z0-9-]+))?(?: {2,}|$)")


def docker_help_flags(command: str, api_version: str) -> dict[str, tuple[str | None, str]]:
    """The flags ``docker COMMAND --help`` lists when the daemon speaks ``api_version``: name -> (short, type)."""
    if shutil.which("docker") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("no docker CLI (CI=true)")
        pytest.skip("no docker CLI")
    with EngineRecorder(fake_api_version=api_version) as recorder:
        done = subprocess.run(["docker", command, "--help"], capture_output=True, text=True, timeout=60,
                              env={"PATH": os.environ["PATH"], "HOME": "/nonexistent",
                                   "DOCKER_HOST": recorder.docker_host})
    assert done.returncode == 0, done.stderr
    listed = {}
    for line in done.stdout.splitlines():
        match = _HELP_LINE.match(line)
        if match:
            listed[match.group(2)] = (match.group(1), match.group(3) or "")
    return listed
