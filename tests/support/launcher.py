"""bin/csdocker and bin/csdocker-client from this source tree, installed into a directory as pip
installs them (the launcher verbatim, the client's ``#!python`` line rewritten to this interpreter),
so that the tests run this tree's launcher whatever is installed; and the command servers they start."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from cloudshell_docker.launcher import CLIENT, LAUNCHER

__all__ = ["install_launcher", "stop_servers"]


def install_launcher(bin_dir: Path, interpreter: str = sys.executable) -> Path:
    """``bin_dir/csdocker`` (and its client beside it); returns the launcher's path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    launcher = bin_dir / "csdocker"
    launcher.write_bytes(LAUNCHER.read_bytes())
    client = bin_dir / "csdocker-client"
    body = CLIENT.read_bytes().split(b"\n", 1)[1]
    client.write_bytes(b"#!" + interpreter.encode() + b"\n" + body)
    for path in (launcher, client):
        path.chmod(0o755)
    return launcher


def stop_servers(runtime_dir: Path, timeout: float = 10.0) -> list[int]:
    """SIGTERM every command server with a pid file in ``runtime_dir``; wait for them to go."""
    pids = []
    for pid_file in runtime_dir.glob("server-*.sock.pid"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pids.append(int(pid_file.read_text().split()[0]))
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.05)
    return pids
