"""Keep a test's packets on this machine: a socket connect to any address but loopback fails the test.

The credential tests build URLs that name other hosts (169.254.170.2, 192.0.2.x, example.com) on
purpose. Each such request must either be refused before any connection, or be sent to a loopback
stand-in; ``forbid_offhost_connect`` makes any slip a test failure instead of a packet off the host.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

__all__ = ["RecordingProxy", "forbid_offhost_connect"]


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a name: connect would resolve it, and the answer is not ours to trust


def forbid_offhost_connect(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Patch socket connects; returns the list of off-host addresses that were attempted (and failed)."""
    attempted: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            attempted.append(address)
            pytest.fail(f"a test tried to connect to {address!r}, off this machine", pytrace=True)

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return attempted


@dataclass
class RecordingProxy:
    """A listener on 127.0.0.1 that records whatever a client sends it and answers 502."""

    received: list[bytes] = field(default_factory=list)
    _sock: socket.socket | None = None

    @property
    def url(self) -> str:
        assert self._sock is not None
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> RecordingProxy:
        self._sock = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        assert self._sock is not None
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def __exit__(self, *exc: object) -> None:
        if self._sock is not None:
            self._sock.close()
