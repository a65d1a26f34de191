"""Hand the build's secrets to the docker CLI without writing them to a disk.

The docker CLI reads a secret from the path given as ``src`` each time a RUN step
mounts it. Each secret is an anonymous memory file (memfd) that the CLI inherits
across exec, given as ``/dev/fd/N``: on Linux opening that path opens the memory
file afresh, at offset 0, for every step. Nothing has a name in any filesystem,
and the memory is freed when the CLI (the last holder) exits, SIGKILL included.

Without memfd_create (or without /dev/fd), each secret is a 0600 file in a private
0700 directory on a memory-backed filesystem (``/dev/shm`` or ``$XDG_RUNTIME_DIR``),
removed by a janitor process when the CLI has exited (see ``janitor``).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.imagebuild.janitor import start_janitor

__all__ = [
    "MEMORY_FILESYSTEMS",
    "SecretSources",
    "filesystem_type",
    "memfd_sources",
    "memory_backed_dir",
    "secret_sources",
    "tmpfs_sources",
]

MEMORY_FILESYSTEMS = ("tmpfs", "ramfs")


@dataclass(frozen=True)
class SecretSources:
    """{secret id: the ``src`` for ``--secret``}, and the inheritable descriptors that must stay
    open until exec (the memfds, or the janitor's pipe)."""

    paths: dict[str, str]
    held: tuple[int, ...]

    def close(self) -> None:
        """Let go of the descriptors (the memory files are freed, the janitor cleans up)."""
        for fd in self.held:
            os.close(fd)


def _seal(fd: int) -> None:
    # The CLI only reads: no one may change, grow or shrink the secret after it is written.
    seals = sum(getattr(fcntl, name, 0) for name in ("F_SEAL_SEAL", "F_SEAL_SHRINK", "F_SEAL_GROW", "F_SEAL_WRITE"))
    add_seals = getattr(fcntl, "F_ADD_SEALS", None)
    if add_seals is not None and seals:
        fcntl.fcntl(fd, add_seals, seals)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def memfd_sources(secrets: Mapping[str, bytes]) -> SecretSources | None:
    """"/dev/fd/N" for each secret, every N open and inheritable; None when memfds are unavailable."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        return None
    sources: dict[str, str] = {}
    made: list[int] = []
    try:
        for secret_id, data in secrets.items():
            # No MFD_CLOEXEC: the docker CLI must inherit it across exec.
            fd = create(f"csdocker-{secret_id}", getattr(os, "MFD_ALLOW_SEALING", 0))
            made.append(fd)
            _write_all(fd, data)
            _seal(fd)
            os.set_inheritable(fd, True)
            path = f"/dev/fd/{fd}"
            if not os.path.exists(path):  # no /proc: nothing to open the memfd by
                raise OSError("no /dev/fd")
            sources[secret_id] = path
    except OSError:
        for fd in made:
            os.close(fd)
        return None
    return SecretSources(sources, tuple(made))


def _unescape_mount_path(field: str) -> str:
    # /proc/self/mounts writes space, tab, newline and backslash as octal escapes.
    for escaped, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escaped, char)
    return field


def filesystem_type(path: str, mounts_file: str = "/proc/self/mounts") -> str | None:
    """The type of the filesystem ``path`` is on (from the mount table), or None when unknown."""
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    real = os.path.realpath(path)
    best, kind = "", None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = _unescape_mount_path(fields[1])
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, kind = mount_point, fields[2]
    return kind


def memory_backed_dir(environ: Mapping[str, str], mounts_file: str = "/proc/self/mounts") -> str | None:
    """A writable directory on a memory-backed filesystem: /dev/shm, else $XDG_RUNTIME_DIR; None if neither."""
    for candidate in ("/dev/shm", environ.get("XDG_RUNTIME_DIR") or ""):
        if (candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK)
                and filesystem_type(candidate, mounts_file) in MEMORY_FILESYSTEMS):
            return candidate
    return None


def tmpfs_sources(secrets: Mapping[str, bytes], environ: Mapping[str, str]) -> SecretSources:
    """Paths of 0600 files in a fresh 0700 directory on a memory-backed filesystem,
    which a janitor removes once the processes that inherit its pipe have exited."""
    base = memory_backed_dir(environ)
    if base is None:
        raise CsDockerError("cannot hand the build its AWS secret: memfd_create is unavailable and neither "
                            "/dev/shm nor $XDG_RUNTIME_DIR is a memory-backed filesystem (csdocker never "
                            "writes credentials to a disk)")
    directory = tempfile.mkdtemp(prefix="csdocker-build-", dir=base)  # 0700
    pipe = start_janitor(directory)  # before any secret is written: whatever happens next, it goes
    sources: dict[str, str] = {}
    for secret_id, data in secrets.items():
        path = os.path.join(directory, secret_id)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        sources[secret_id] = path
    return SecretSources(sources, (pipe,))


def secret_sources(secrets: Mapping[str, bytes], environ: Mapping[str, str]) -> SecretSources:
    """The ``src`` of each secret: memfds when the platform has them, else the tmpfs files."""
    return memfd_sources(secrets) or tmpfs_sources(secrets, environ)
