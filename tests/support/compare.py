"""Side by side: a run through csdocker's runner and the same ``docker run`` through the docker CLI.

``Runner`` runs one case both ways. While ``csdocker run``'s parser and translator are not there,
"ours" is the runner driven by ``tests.support.run_spec`` with a RunSpec built by hand for the same
flags; once ``csdocker run`` works, it is ``csdocker run ARGS`` itself (credentials from the test
endpoint), and the hand-built spec is not used.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.proc import CSDOCKER, clean_env
from tests.support.run_spec import spec_command

__all__ = ["Runner", "csdocker_run_ready", "error_text", "ours_command"]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def csdocker_run_ready() -> bool:
    """Whether ``csdocker run`` can turn a command line into a RunSpec yet."""
    from cloudshell_docker.runargs import parse_run_args, translate
    from cloudshell_docker.runargs.translate import TranslateContext

    try:
        translate(parse_run_args(["local/busybox", "true"]), TranslateContext())
    except NotImplementedError:
        return False
    except Exception:
        return True  # it is there (whatever it thinks of this context)
    return True


def error_text(stderr: bytes) -> str:
    """The error of a failed run, without the program's name and the CLI's "--help" hint."""
    text = stderr.decode(errors="replace")
    text = re.sub(r"\n\nRun 'docker run --help' for more information\n?$", "\n", text)
    return re.sub(r"^(docker|csdocker): ", "", text, flags=re.MULTILINE)


def ours_command(docker_args: Sequence[str], spec: Mapping[str, Any], *, real: bool) -> list[str]:
    return [*CSDOCKER, "run", *docker_args] if real else spec_command(spec)


@dataclass
class Runner:
    """Runs cases both ways; ``env`` is what csdocker needs for credentials (when it is the real one)."""

    env: dict[str, str] = field(default_factory=dict)
    real: bool = False

    def ours(self, docker_args: Sequence[str], spec: Mapping[str, Any], *, input: bytes | None = None,
             timeout: float = 120, extra_env: Mapping[str, str] | None = None,
             stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ours_command(docker_args, spec, real=self.real), env=clean_env({**self.env, **(extra_env or {})}),
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
