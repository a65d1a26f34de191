"""Side by side: the same ``docker run`` command line through ``csdocker run`` and through the docker CLI.

``Runner`` runs one case both ways: "ours" is the real ``csdocker run ARGS`` (parser, translator,
credentials from the test's endpoint, engine selection, runner), "theirs" is ``docker run ARGS``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.support.endpoint import CredentialsEndpoint
from tests.support.proc import CSDOCKER, clean_env

__all__ = ["Runner", "error_text", "ours_command"]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def error_text(stderr: bytes) -> str:
    """The error of a failed run, without the program's name and the CLI's "--help" hint."""
    text = stderr.decode(errors="replace")
    text = re.sub(r"\n\nRun 'docker run --help' for more information\n?$", "\n", text)
    return re.sub(r"^(docker|csdocker): ", "", text, flags=re.MULTILINE)


def ours_command(docker_args: Sequence[str]) -> list[str]:
    return [*CSDOCKER, "run", *docker_args]


@dataclass(frozen=True)
class Runner:
    """Runs cases both ways; ``env`` is what ``csdocker run`` needs for its credentials."""

    env: Mapping[str, str]

    @classmethod
    def with_endpoint(cls, endpoint: CredentialsEndpoint) -> Runner:
        """csdocker's credentials from the test's container credentials endpoint."""
        return cls(env={"AWS_REGION": "eu-west-1", **endpoint.environ()})

    def ours(self, docker_args: Sequence[str], *, input: bytes | None = None, timeout: float = 120,
             extra_env: Mapping[str, str] | None = None, stdout: Any = subprocess.PIPE,
             ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ours_command(docker_args), env=clean_env({**self.env, **(extra_env or {})}),
            input=input, stdin=None if input is not None else subprocess.DEVNULL, stdout=stdout,
            stderr=subprocess.PIPE, timeout=timeout, cwd=REPO,
        )

    def theirs(self, docker_args: Sequence[str], *, input: bytes | None = None, timeout: float = 120,
               extra_env: Mapping[str, str] | None = None, stdout: Any = subprocess.PIPE,
               ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["docker", "run", *docker_args], env=clean_env(extra_env), input=input,
            stdin=None if input is not None else subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE,
            timeout=timeout, cwd=REPO,
        )
