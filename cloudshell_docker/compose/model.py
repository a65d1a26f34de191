"""The project as compose resolves it: ``docker compose ... config --format json``, read once.

compose does the merging, interpolation, profiles, ``env_file`` reading and path resolution;
csdocker reads the result. When compose refuses the project, its words go to stderr unchanged
and its exit status is csdocker's (``ComposeRefused``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

from cloudshell_docker.errors import CsDockerError, ExitCode

__all__ = ["ComposeRefused", "PendingModel", "read_model"]


class ComposeRefused(CsDockerError):
    """compose itself refused: its stderr was already shown; the status is compose's."""

    def __init__(self, status: int) -> None:
        super().__init__("")
        self.status = status


class PendingModel:
    """compose reading the project in the background (started first: csdocker does the rest meanwhile)."""

    def __init__(self, docker: str, docker_globals: Sequence[str], compose_globals: Sequence[str],
                 environ: Mapping[str, str], *, all_profiles: bool = False) -> None:
        every = ["--profile", "*"] if all_profiles else []
        argv = [docker, *docker_globals, "compose", *compose_globals, *every, "config", "--format", "json"]
        try:
            self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, env=dict(environ))
        except OSError as err:
            raise CsDockerError(f"cannot execute {docker}: {err.strerror or err}",
                                exit_code=ExitCode.CANNOT_INVOKE) from None

    def cancel(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()

    def result(self) -> dict[str, Any]:
        """The resolved model (a JSON object with ``name`` and ``services``)."""
        stdout, stderr = self._process.communicate()
        return _parse(self._process.returncode, stdout, stderr)


def read_model(docker: str, docker_globals: Sequence[str], compose_globals: Sequence[str],
               environ: Mapping[str, str], *, all_profiles: bool = False) -> dict[str, Any]:
    """The resolved model (a JSON object with ``name`` and ``services``). ``all_profiles``: every
    service, whatever its profiles (``compose run`` starts a service of an inactive profile)."""
    return PendingModel(docker, docker_globals, compose_globals, environ, all_profiles=all_profiles).result()


def _parse(status: int, stdout: bytes, stderr: bytes) -> dict[str, Any]:
    if status != 0:
        import sys

        sys.stderr.buffer.write(stderr)
        sys.stderr.flush()
        raise ComposeRefused(status)
    try:
        model = json.loads(stdout)
    except ValueError:
        raise CsDockerError("docker compose config --format json did not print JSON "
                            "(csdocker compose needs Docker Compose v2)") from None
    if not isinstance(model, dict) or not isinstance(model.get("services", {}), dict):
        raise CsDockerError("docker compose config --format json printed no project")
    return model
