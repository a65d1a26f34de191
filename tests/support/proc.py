"""Run csdocker, or the docker CLI, as a separate process, the way a script would."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.launcher import install_launcher, stop_servers

__all__ = ["CSDOCKER", "ENTRY", "RUNTIME_DIR", "clean_env", "ignored_here", "run_csdocker", "run_docker",
           "started_as", "warm_up"]

# How the tests start csdocker (CSDT_ENTRY): "module" (python -m cloudshell_docker, the default),
# "launcher" (this tree's bin/csdocker, the command server off) or "server" (bin/csdocker with the
# command server on: every call after the first is a forked child of it).
ENTRY = os.environ.get("CSDT_ENTRY", "module")
if ENTRY not in ("module", "launcher", "server"):
    raise RuntimeError(f"CSDT_ENTRY={ENTRY!r}: expected module, launcher or server")
_BIN = Path(tempfile.mkdtemp(prefix="cloudshell_docker-bin-")) if ENTRY != "module" else None
# The servers of this test run live in a runtime directory of their own, stopped at exit.
RUNTIME_DIR = Path(tempfile.mkdtemp(prefix="csdt-run-")) if ENTRY == "server" else None
CSDOCKER = [str(install_launcher(_BIN))] if _BIN is not None else [sys.executable, "-m", "cloudshell_docker"]
_ENTRY_ENV = {"CSDOCKER_SERVER": "0"} if ENTRY != "server" else {"XDG_RUNTIME_DIR": str(RUNTIME_DIR)}


def _cleanup() -> None:
    if RUNTIME_DIR is not None:
        stop_servers(RUNTIME_DIR / "csdocker")
        shutil.rmtree(RUNTIME_DIR, ignore_errors=True)
    if _BIN is not None:
        shutil.rmtree(_BIN, ignore_errors=True)


atexit.register(_cleanup)

# Variables of the developer's own shell that would change what a test sees.
_SCRUB_PREFIXES = ("AWS_", "DOCKER_", "CSDOCKER_")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without AWS_* / DOCKER_* (plus ``extra``), and HOME pointed nowhere surprising."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
    env.update(_ENTRY_ENV)
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


def started_as(argv: Sequence[str], *, ignoring: Sequence[str] = (), closing: Sequence[int] = ()) -> list[str]:
    """``argv`` started as a script's background job or ``nohup`` starts a program: with the signals
    ``ignoring`` (names: "INT", "HUP") ignored (coreutils' ``env --ignore-signal``) and the fds
    ``closing`` (of 0, 1, 2) closed (``sh``'s ``<&-``), whatever this process has."""
    command = list(argv)
    if closing:
        closes = " ".join(f"{fd}<&-" if fd == 0 else f"{fd}>&-" for fd in closing)
        command = ["sh", "-c", f'exec "$@" {closes}', "sh", *command]
    if ignoring:
        command = ["env", f"--ignore-signal={','.join(ignoring)}", *command]
    return command


def ignored_here(signum: int) -> bool:
    """Whether this test process was started with ``signum`` ignored (CI runs the signal tests so
    too): every program it starts, docker's CLI and csdocker alike, starts with it ignored."""
    import signal

    return signal.getsignal(signum) == signal.SIG_IGN


def warm_up(timeout: float = 60) -> None:
    """With CSDT_ENTRY=server: start this run's command server (the call that finds none runs cold)
    and wait for its socket, so that the next calls go through it. Nothing otherwise."""
    import time

    if RUNTIME_DIR is None:
        return
    subprocess.run([*CSDOCKER, "-v"], env=clean_env(), capture_output=True, timeout=timeout,
                   stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not list((RUNTIME_DIR / "csdocker").glob("server-*.sock")):
        if time.monotonic() > deadline:
            raise AssertionError("no command server came up")
        time.sleep(0.05)
