"""Does a build need csdocker at all? Only when a stage it builds mounts csdocker's secrets. Pure but for reading files.

A build whose stages mount neither ``aws`` nor ``aws-config`` loses nothing without
csdocker: it goes to the docker CLI unchanged (no credentials fetched, no BuildKit
required), and builds as ``docker build`` builds it. That is answered only where csdocker
can see the Dockerfile the builder will read; everywhere else the answer is "needed" and
the build takes the credentials path (which refuses a CLI that cannot carry the secret):

- a context that is not a local directory: ``-`` (a tar or a Dockerfile on stdin), a git
  repository or a URL (the Dockerfile is fetched by the CLI or the engine);
- ``-f -`` (the Dockerfile on stdin: reading it would consume it);
- a Dockerfile csdocker cannot read (or that is no regular file: a pipe would be consumed), or
  one it cannot read for sure (``dockerfile.Unseeable``: a ``# syntax=`` frontend), or
  ``--build-arg BUILDKIT_SYNTAX`` (a frontend chosen by argument).

The Dockerfile is where the docker CLI looks: ``-f`` relative to the current directory,
else ``Dockerfile`` in the context, else ``dockerfile`` there.
"""

from __future__ import annotations

import os
import stat

from cloudshell_docker.imagebuild.args import BuildArgs
from cloudshell_docker.imagebuild.dockerfile import UNKNOWN_ID, Unseeable, secret_ids_built
from cloudshell_docker.imagebuild.secretfiles import CONFIG_SECRET_ID, CREDENTIALS_SECRET_ID

__all__ = ["CSDOCKER_SECRET_IDS", "dockerfile_path", "needs_credentials"]

CSDOCKER_SECRET_IDS = frozenset({CREDENTIALS_SECRET_ID, CONFIG_SECRET_ID})
_FRONTEND_ARG = "BUILDKIT_SYNTAX"
_MAX_DOCKERFILE = 16 << 20  # a Dockerfile larger than this is not read: the credentials path takes it


def dockerfile_path(context: str, given: str | None, cwd: str) -> str:
    """The Dockerfile the docker CLI reads for a local ``context`` directory (as its getDockerfileRelPath)."""
    if given:
        return os.path.join(cwd, given)
    default = os.path.join(cwd, context, "Dockerfile")
    lower = os.path.join(cwd, context, "dockerfile")
    if not os.path.lexists(default) and os.path.lexists(lower):
        return lower
    return default


def _read(path: str) -> str | None:
    """The file's text; None unless it is a regular file (a pipe, ``-f <(...)`` or ``/dev/stdin``, would
    be consumed: the CLI could not read it after csdocker)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # not even opened: a pipe's writer must not see a reader
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(_MAX_DOCKERFILE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > _MAX_DOCKERFILE:
        return None
    return data.decode("utf-8", errors="surrogateescape")


def needs_credentials(parsed: BuildArgs, cwd: str | None = None) -> bool:
    """False only when csdocker sees that no stage the build builds mounts one of its secrets."""
    if any(value.partition("=")[0] == _FRONTEND_ARG for value in parsed.build_args):
        return True
    context = parsed.positionals[0]
    try:
        cwd = cwd or os.getcwd()
    except OSError:
        return True  # a working directory that is gone: nothing relative can be seen
    if context == "-" or parsed.dockerfile == "-" or not os.path.isdir(os.path.join(cwd, context)):
        return True
    text = _read(dockerfile_path(context, parsed.dockerfile, cwd))
    if text is None:
        return True
    try:
        ids = secret_ids_built(text, parsed.target)
    except Unseeable:
        return True
    return bool(ids & {*CSDOCKER_SECRET_IDS, UNKNOWN_ID})
