"""The detached relay's own diagnostics: why the container's SDK was answered 500.

The relay tells a container only that it has no credentials right now: the reason (a host
path, a role ARN, STS's words) is not for whoever holds the token. A detached follower has
no terminal, so it writes each change of its source's health, one timestamped line, to
``<user cache dir>/csdocker/relay/<container id>.log`` (0600, in a 0700 directory reached
without following symlinks; see ``safedir``). The lines are the keeper's, already redacted:
never a secret. The file is removed when the follower exits, i.e. when the container is.
"""

from __future__ import annotations

import contextlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from cloudshell_docker.safedir import DIR_FLAGS, Unsafe, open_parents

__all__ = ["Diagnostics", "diagnostics_dir", "open_diagnostics"]

# A source failing for days writes one line per change, not per try; still, stop somewhere.
_MAX_BYTES = 256 * 1024


def diagnostics_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("csdocker", appauthor=False)) / "relay"


class Diagnostics:
    """An open diagnostics file (append-only), and how to remove it."""

    def __init__(self, dir_fd: int, name: str, fd: int, path: Path) -> None:
        self._dir_fd = dir_fd
        self._name = name
        self._fd = fd
        self.path = path

    def write(self, line: str) -> None:
        if self._fd < 0:
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = " ".join(line.split())  # one line, whatever the source said
        with contextlib.suppress(OSError):
            if os.fstat(self._fd).st_size < _MAX_BYTES:
                os.write(self._fd, f"{stamp} {text}\n".encode("utf-8", "replace"))

    def close(self, *, remove: bool = True) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self._name, dir_fd=self._dir_fd)
        with contextlib.suppress(OSError):
            os.close(self._dir_fd)


def open_diagnostics(container_id: str, directory: Path | None = None) -> Diagnostics | None:
    """The diagnostics file of the relay of ``container_id``; None where it cannot be made safely."""
    directory = directory or diagnostics_dir()
    name = f"{container_id[:64]}.log"
    try:
        parent_fd = open_parents(os.path.realpath(os.path.abspath(directory.parent)))
    except (OSError, Unsafe):
        return None
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory.name, 0o700, dir_fd=parent_fd)
        dir_fd = os.open(directory.name, DIR_FLAGS, dir_fd=parent_fd)
    except OSError:
        return None
    finally:
        os.close(parent_fd)
    try:
        st = os.fstat(dir_fd)
        if st.st_uid != os.geteuid():
            raise PermissionError("not the user's directory")
        os.fchmod(dir_fd, 0o700)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK,
                     0o600, dir_fd=dir_fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise PermissionError("not a regular file")
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(dir_fd)
        return None
    return Diagnostics(dir_fd, name, fd, directory / name)
