"""``--cidfile``: the container ID, written where asked, as the docker CLI writes it.

The file is made before anything is created (an existing one is an error: another
run may own it) and removed again when no ID could be written into it.
"""

from __future__ import annotations

import contextlib
import os

from cloudshell_docker.errors import EngineError

__all__ = ["CidFile"]


def _reason(err: OSError) -> str:
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]


class CidFile:
    """An open ``--cidfile`` (or nothing, when ``path`` is None)."""

    def __init__(self, path: str | None, fd: int | None) -> None:
        self.path = path
        self._fd = fd
        self.written = False

    @classmethod
    def open(cls, path: str | None) -> CidFile:
        if not path:
            return cls(None, None)
        if os.path.exists(path):
            raise EngineError(
                f"container ID file found, make sure the other container isn't running or delete {path}"
            )
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        except OSError as err:
            raise EngineError(f"failed to create the container ID file: open {path}: {_reason(err)}") from None
        return cls(path, fd)

    def write(self, container_id: str) -> None:
        if self._fd is None:
            return
        try:
            os.write(self._fd, container_id.encode())
        except OSError as err:
            raise EngineError(
                f"failed to write the container ID to the file: write {self.path}: {_reason(err)}"
            ) from None
        self.written = True

    def close(self) -> None:
        """Close it; remove it unless an ID went in (the run failed before it had one)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.close(fd)
        if not self.written and self.path:
            with contextlib.suppress(OSError):
                os.remove(self.path)
