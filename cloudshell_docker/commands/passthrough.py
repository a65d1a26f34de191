"""Hand a command line that is not csdocker's to the docker CLI, unchanged.

The process is replaced (exec), so docker gets the same pid, stdin, stdout,
stderr and terminal, receives the signals sent to "csdocker", and its exit code
is the one the caller sees.

csdocker may itself be installed as ``docker`` on PATH (``alias docker=csdocker``
done with a symlink or a wrapper script). Candidates that are csdocker are
skipped; a wrapper that cannot be recognised leads back into csdocker within the
same exec chain, which the marker variable below detects, so the next candidate
is tried instead of looping for ever.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from cloudshell_docker.errors import CsDockerError, ExitCode

__all__ = ["CHAIN_VARIABLE", "docker_candidates", "exec_docker", "find_docker", "require_docker"]

# "PID:PATH:PATH...": the docker candidates already exec'd by csdocker in process PID.
CHAIN_VARIABLE = "CSDOCKER_EXEC_CHAIN"
_SCRIPT_PEEK = 4096


def _is_csdocker_script(path: str) -> bool:
    """A script that starts csdocker (pip's console script, ``python -m cloudshell_docker``)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SCRIPT_PEEK)
    except OSError:
        return False
    return head.startswith(b"#!") and b"cloudshell_docker" in head


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def docker_candidates(environ: Mapping[str, str]) -> list[str]:
    """Every executable ``docker`` on PATH, in PATH order (an empty entry is the working directory)."""
    found: list[str] = []
    for entry in environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(entry or ".", "docker")
        if os.path.isfile(path) and os.access(path, os.X_OK) and path not in found:
            found.append(path)
    return found


def _tried_in_this_chain(environ: Mapping[str, str]) -> list[str]:
    """Candidates exec'd earlier in this exec chain: the marker counts only in the process
    that set it (a wrapper that execs) or its child (a wrapper that forks); any other
    process has inherited it from an unrelated csdocker."""
    pid, _, paths = environ.get(CHAIN_VARIABLE, "").partition(":")
    if pid not in (str(os.getpid()), str(os.getppid())):
        return []
    return [path for path in paths.split(":") if path]


def find_docker(environ: Mapping[str, str], myself: str | None = None) -> tuple[str | None, list[str]]:
    """(the docker CLI to exec or None, the candidates tried so far in this exec chain)."""
    tried = _tried_in_this_chain(environ)
    me = myself if myself is not None else sys.argv[0]
    for path in docker_candidates(environ):
        if path in tried or (me and _same_file(path, me)) or _is_csdocker_script(path):
            continue
        return path, tried
    return None, tried


def _restore_signal_dispositions() -> None:
    # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored
    # across exec: docker must see a closed pipe as any program started from a shell.
    for name in ("SIGPIPE", "SIGXFSZ"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_DFL)


def require_docker(environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """``find_docker``, or CsDockerError (exit 127) when there is no docker CLI to hand a command to."""
    docker, tried = find_docker(environ)
    if docker is None:
        raise CsDockerError("no docker CLI found on PATH: csdocker runs 'run', 'env' and 'whoami' itself "
                            "and hands every other command to docker", exit_code=ExitCode.NOT_FOUND)
    return docker, tried


def exec_docker(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> NoReturn:
    """Replace this process with ``docker ARGV...`` (in ``environ``, default this process's);
    CsDockerError (exit 127) when there is no docker CLI, (exit 126) when it cannot be executed."""
    environ = dict(os.environ if environ is None else environ)
    docker, tried = require_docker(environ)
    environ[CHAIN_VARIABLE] = ":".join([str(os.getpid()), *tried, docker])
    sys.stdout.flush()
    sys.stderr.flush()
    _restore_signal_dispositions()
    try:
        os.execve(docker, ["docker", *argv], environ)
    except OSError as err:
        raise CsDockerError(f"cannot execute {docker}: {err.strerror or err}",
                            exit_code=ExitCode.CANNOT_INVOKE) from None
    raise AssertionError("not reached")  # pragma: no cover
