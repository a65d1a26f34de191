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

__all__ = ["ComposeRefused", "read_model"]


class ComposeRefused(CsDockerError):
    """compose itself refused: its stderr was already shown; the status is compose's."""

    def __init__(self, status: int) -> None:
        super().__init__("")
        self.status = status


def read_model(docker: str, docker_globals: Sequence[str], compose_globals: Sequence[str],
               environ: Mapping[str, str], *, all_profiles: bool = False) -> dict[str, Any]:
    """The resolved model (a JSON object with ``name`` and ``services``). ``all_profiles``: every
    service, whatever its profiles (``compose run`` starts a service of an inactive profile)."""
    every = ["--profile", "*"] if all_profiles else []
    argv = [docker, *docker_globals, "compose", *compose_globals, *every, "config", "--format", "json"]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=dict(environ), check=False)
    except OSError as err:
        raise CsDockerError(f"cannot execute {docker}: {err.strerror or err}",
                            exit_code=ExitCode.CANNOT_INVOKE) from None
    if done.returncode != 0:
        import sys

        sys.stderr.buffer.write(done.stderr)
        sys.stderr.flush()
        raise ComposeRefused(done.returncode)
    try:
        model = json.loads(done.stdout)
    except ValueError:
        raise CsDockerError("docker compose config --format json did not print JSON "
                            "(csdocker compose needs Docker Compose v2)") from None
    if not isinstance(model, dict) or not isinstance(model.get("services", {}), dict):
        raise CsDockerError("docker compose config --format json printed no project")
    return model
