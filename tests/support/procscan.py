"""What every host process shows (argv and environment), sampled while something runs: secrets must not be there."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ProcSampler", "files_holding"]


class ProcSampler:
    """Samples ``/proc/*/cmdline`` and ``environ`` (with each process's cgroup) until stopped."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.seen: dict[tuple[int, bytes], str] = {}  # (pid, blob) -> cgroup
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.samples = 0

    def __enter__(self) -> ProcSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def sample(self) -> None:
        self.samples += 1
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                cgroup = Path(f"/proc/{pid}/cgroup").read_text()
            except OSError:
                continue
            for part in ("cmdline", "environ"):
                try:
                    blob = Path(f"/proc/{pid}/{part}").read_bytes()
                except OSError:
                    continue
                self.seen[(int(pid), blob)] = cgroup

    def holding(self, secret: str, *, except_containers: Iterable[str] = ()) -> list[int]:
        """Pids that showed ``secret``; the given containers' processes left out (their environment is the point)."""
        ids = [cid for cid in except_containers if cid]
        return sorted({pid for (pid, blob), cgroup in self.seen.items()
                       if secret.encode() in blob and not any(cid in cgroup for cid in ids)})


def files_holding(secret: str, roots: Iterable[Path], since: float, max_size: int = 16 << 20) -> list[Path]:
    """Regular files under ``roots`` changed since ``since`` (epoch seconds) whose bytes hold ``secret``."""
    found: list[Path] = []
    for root in roots:
        for directory, _dirs, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                try:
                    info = path.lstat()
                    if not path.is_file() or info.st_mtime < since or info.st_size > max_size:
                        continue
                    if secret.encode() in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue
    return found
