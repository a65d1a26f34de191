"""What the command server's code came from, and whether it changed since the server started.

Listed once after the preload (``watched_files``): csdocker's files and directories, the file of
every module loaded (requests, urllib3, docker, the standard library, ...), the interpreter, and
the site directories of sys.path (a package installed or removed there changes what a cold start
imports). ``Watch`` tells a change: through inotify where it can (the server's loop sees the event
as soon as the file changes: nothing per call), else by a stat of every file on every call
(``installation_fingerprint``: several hundred stat calls, milliseconds on a loaded machine).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

__all__ = ["Watch", "installation_files", "installation_fingerprint", "watched_files"]

_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF, _IN_Q_OVERFLOW, _IN_IGNORED = 0x400, 0x800, 0x4000, 0x8000
_IN_ONLYDIR = 0x01000000
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_ENTRIES = _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE  # a name added or removed
_MASK = _IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _ENTRIES | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_ONLYDIR
_GONE = _IN_Q_OVERFLOW | _IN_IGNORED | _IN_DELETE_SELF | _IN_MOVE_SELF
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then the name


def installation_files() -> tuple[str, ...]:
    """The package's directories and source files."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        found.append(directory)
        found.extend(os.path.join(directory, name) for name in sorted(files) if not name.endswith(".pyc"))
    return tuple(found)


def _site_dirs() -> list[str]:
    import site

    sites = {*site.getsitepackages(), site.getusersitepackages()}
    return [entry for entry in sys.path if entry in sites]


def watched_files() -> tuple[str, ...]:
    """What the running code came from (see the module's docstring)."""
    found = dict.fromkeys(installation_files())
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            found[os.path.abspath(path)] = None
    found[sys.executable] = None
    found[os.path.realpath(sys.executable)] = None
    found.update(dict.fromkeys(_site_dirs()))
    return tuple(found)


def installation_fingerprint(files: tuple[str, ...]) -> tuple[tuple[int, int, int, int], ...]:
    """(inode, ctime, mtime, size) of each: an edit, a touch or a reinstall changes a file's, an
    added or removed module its directory's. Stat calls only."""
    found = []
    for path in files:
        try:
            info = os.stat(path)
        except OSError:
            found.append((-1, -1, -1, -1))
            continue
        found.append((info.st_ino, info.st_ctime_ns, info.st_mtime_ns, info.st_size))
    return tuple(found)


class Watch:
    """A change to ``files`` (watched_files) since it was made. ``fd``: an inotify descriptor the
    server's loop waits on, or None where inotify cannot watch them all (then ``stale_by_stat``,
    on every call)."""

    def __init__(self, files: tuple[str, ...], *, inotify: bool = True) -> None:
        self.files = files
        self.fingerprint = installation_fingerprint(files)
        self.fd: int | None = None
        self._names: dict[int, set[str]] = {}  # watch -> the file names in it that count
        self._any_entry: set[int] = set()  # watches where any name added or removed counts
        if inotify:
            self._start()
        self.inotify = self.fd is not None  # kept by a forked child that closed the descriptor

    def _start(self) -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = int(libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC))
        if fd < 0:
            return
        directories: dict[str, tuple[set[str], bool]] = {}
        own = {path for path in installation_files() if os.path.isdir(path)} | set(_site_dirs())
        for path in self.files:
            if path in own or os.path.isdir(path):
                names, _ = directories.setdefault(path, (set(), True))
                directories[path] = (names, True)
                continue
            directory, name = os.path.split(path)
            names, any_entry = directories.setdefault(directory, (set(), False))
            names.add(name)
        for directory, (names, any_entry) in directories.items():
            wd = int(libc.inotify_add_watch(fd, os.fsencode(directory), _MASK))
            if wd < 0:  # out of watches, or a directory gone already: stat on every call instead
                os.close(fd)
                self._names.clear()
                self._any_entry.clear()
                return
            self._names.setdefault(wd, set()).update(names)
            if any_entry:
                self._any_entry.add(wd)
        self.fd = fd

    def changed(self) -> bool:
        """Whether an event so far says the code changed (the events are read: call when ``fd`` is readable)."""
        assert self.fd is not None
        changed = False
        while True:
            try:
                data = os.read(self.fd, 64 * 1024)
            except BlockingIOError:
                return changed
            if not data:
                return changed
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, size = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size: offset + _EVENT.size + size].rstrip(b"\0").decode(
                    "utf-8", "surrogateescape")
                offset += _EVENT.size + size
                changed = self._counts(wd, mask, name) or changed

    def _counts(self, wd: int, mask: int, name: str) -> bool:
        """A watched file changed, a name was added or removed where that counts, or a watch is
        lost (its directory gone, the queue overflowed). A __pycache__ made by an import does not count."""
        if mask & _GONE or name in self._names.get(wd, ()):
            return True
        return wd in self._any_entry and bool(mask & _ENTRIES) and name != "__pycache__"

    def stale_by_stat(self) -> bool:
        """Without inotify: whether any file's stat changed (several hundred stat calls)."""
        return not self.inotify and installation_fingerprint(self.files) != self.fingerprint

    def close(self) -> None:
        """The descriptor closed (in a forked child: the server's loop alone reads the events)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
