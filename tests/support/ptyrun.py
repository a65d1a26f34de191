"""A run inside a real pseudo-terminal (pexpect): csdocker's or the docker CLI's, as a person would see it."""

from __future__ import annotations

import subprocess
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pexpect

from tests.support.compare import REPO, Runner, ours_command
from tests.support.proc import clean_env

__all__ = ["Ended", "container_state", "finish", "local_modes", "spawn_run", "wait_until"]


def spawn_run(both: Runner, docker_args: Sequence[str], *, ours: bool, rows: int = 24, cols: int = 80,
              timeout: float = 20) -> pexpect.spawn:
    """``csdocker run ARGS`` (``ours``) or ``docker run ARGS`` on a pseudo-terminal of ``rows`` x ``cols``."""
    if ours:
        command, env = ours_command(docker_args), clean_env(both.env)
    else:
        command, env = ["docker", "run", *docker_args], clean_env()
    return pexpect.spawn(command[0], command[1:], env=env, cwd=REPO, dimensions=(rows, cols), timeout=timeout)


@dataclass(frozen=True)
class Ended:
    output: bytes  # everything the terminal showed after the last expect
    exit_status: int | None
    signal_status: int | None
    lflag: int  # the terminal's local modes once the program was gone


def local_modes(child: pexpect.spawn) -> int:
    """The local modes (ECHO, ICANON, ISIG, ...) of the child's terminal, read on the controller side."""
    return int(termios.tcgetattr(child.child_fd)[3])


def finish(child: pexpect.spawn, timeout: float = 20) -> Ended:
    """Wait for the program to end; what it printed last, how it ended, the terminal it left."""
    child.expect(pexpect.EOF, timeout=timeout)
    output = child.before
    deadline = time.monotonic() + timeout
    while child.isalive() and time.monotonic() < deadline:
        time.sleep(0.05)
    lflag = local_modes(child)
    child.close()
    return Ended(output, child.exitstatus, child.signalstatus, lflag)


def container_state(name: str) -> str:
    done = subprocess.run(["docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name],
                          capture_output=True, text=True, timeout=30)
    return done.stdout.strip() if done.returncode == 0 else "gone"


def wait_until(predicate: Any, timeout: float = 20, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
