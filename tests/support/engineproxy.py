"""A stand-in Docker endpoint for tests: a proxy to the real engine's socket.

It listens on 127.0.0.1 (TCP, optionally TLS requiring a client certificate) or
on a unix socket, forwards every connection byte for byte to
/var/run/docker.sock, and counts the connections it carried, so a test can
tell which endpoint the docker CLI and csdocker each went to.

Like dockerd, it honours a half-close: a client that ends its side (TCP FIN,
or TLS close_notify as the docker CLI sends after stdin ends) still gets the
rest of the answer. One thread per connection moves both directions, so a TLS
connection is never used from two threads at once.

With ``ping_api_version`` set it plays an engine of another API version: it
answers ``/_ping`` itself with that ``API-Version`` header ("" leaves the header
out, as engines before API 1.25 did) and rewrites ``/vX.Y/`` request paths
newer than the real engine's down to it, one request per connection.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import ssl
import threading
from dataclasses import dataclass, field

__all__ = ["EngineProxy"]

REAL_SOCKET = "/var/run/docker.sock"
_REQUEST_LINE = re.compile(rb"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<proto>HTTP/1\.[01])$")
_VERSIONED = re.compile(rb"^/v(?P<version>\d+\.\d+)(?P<rest>/.*)$")
_PING = re.compile(rb"^(/v\d+\.\d+)?/_ping(\?.*)?$")
_CHUNK = 65536


def _version_tuple(version: bytes | str) -> tuple[int, ...]:
    text = version.decode() if isinstance(version, bytes) else version
    return tuple(int(part) for part in text.split("."))


@dataclass
class EngineProxy:
    """Start with ``start()`` or as a context manager; ``host`` is the DOCKER_HOST to use."""

    unix_path: str | None = None  # listen here instead of 127.0.0.1
    tls: ssl.SSLContext | None = None  # server-side context (require client certs in it)
    ping_api_version: str | None = None  # play an engine of this API version ("": no header)
    real_api_version: str = "1.41"
    upstream: str = REAL_SOCKET
    connections: int = 0  # connections carried (after a successful TLS handshake)
    pings: int = 0  # pings answered by the proxy itself
    paths: list[str] = field(default_factory=list)  # request paths seen (in version mode)
    heads: list[bytes] = field(default_factory=list)  # request heads seen (in version mode)
    _listener: socket.socket | None = None
    _thread: threading.Thread | None = None
    _open: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: bool = False
    _port: int = 0

    @property
    def host(self) -> str:
        if self.unix_path:
            return f"unix://{self.unix_path}"
        assert self._port, "not started"
        return f"tcp://127.0.0.1:{self._port}"

    def reset(self) -> None:
        with self._lock:
            self.connections = 0
            self.pings = 0
            self.paths.clear()
            self.heads.clear()

    def start(self) -> EngineProxy:
        if self.unix_path:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(self.unix_path)
        else:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            self._port = listener.getsockname()[1]
        listener.listen(64)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        if self.unix_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.unix_path)

    def __enter__(self) -> EngineProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def _serve(self, raw: socket.socket) -> None:
        client: socket.socket = raw
        upstream: socket.socket | None = None
        self._track(raw, True)
        try:
            if self.tls is not None:
                raw.settimeout(10)
                try:
                    client = self.tls.wrap_socket(raw, server_side=True)
                except (OSError, ssl.SSLError):
                    return
                client.settimeout(None)
            with self._lock:
                self.connections += 1
            first = b""
            if self.ping_api_version is not None:
                answered = self._answer_pings(client)
                if answered is None:
                    return
                first = answered
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._track(upstream, True)
            upstream.connect(self.upstream)
            if first:
                upstream.sendall(first)
            self._relay(client, upstream)
        except OSError:
            pass
        finally:
            if upstream is not None:
                self._track(upstream, False)
                upstream.close()
            self._track(raw, False)
            client.close()

    @staticmethod
    def _relay(client: socket.socket, upstream: socket.socket) -> None:
        """Both directions in one thread, until the engine's side ends."""
        client_open = True
        while True:
            if client_open and isinstance(client, ssl.SSLSocket) and client.pending():
                readable = [client]
            else:
                watched = [upstream, client] if client_open else [upstream]
                readable, _, _ = select.select(watched, [], [])
            for sock in readable:
                try:
                    data = sock.recv(_CHUNK)
                except ssl.SSLWantReadError:
                    continue
                except OSError:
                    data = b""
                if sock is client:
                    if data:
                        upstream.sendall(data)
                    else:  # the client is done sending (FIN or close_notify): pass the half-close on
                        client_open = False
                        with contextlib.suppress(OSError):
                            upstream.shutdown(socket.SHUT_WR)
                elif data:
                    client.sendall(data)
                else:  # the engine is done: end the client's connection as dockerd would
                    if isinstance(client, ssl.SSLSocket):
                        client.settimeout(1)
                        with contextlib.suppress(OSError, ValueError):
                            client.unwrap()  # close_notify
                    return

    def _answer_pings(self, client: socket.socket) -> bytes | None:
        """Answer pings here; return the first other request (head rewritten, plus what followed it),
        or None when the client went away."""
        buffered = b""
        while True:
            while b"\r\n\r\n" not in buffered:
                data = client.recv(_CHUNK)
                if not data:
                    return None
                buffered += data
            head, _, buffered = buffered.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            match = _REQUEST_LINE.match(lines[0])
            if match is None:
                return head + b"\r\n\r\n" + buffered
            with self._lock:
                self.paths.append(match["path"].decode(errors="replace"))
                self.heads.append(head)
            if _PING.match(match["path"]):
                with self._lock:
                    self.pings += 1
                client.sendall(self._ping_response(match["method"] == b"HEAD"))
                continue
            path = match["path"]
            versioned = _VERSIONED.match(path)
            if versioned and _version_tuple(versioned["version"]) > _version_tuple(self.real_api_version):
                path = b"/v" + self.real_api_version.encode() + versioned["rest"]
            headers = [line for line in lines[1:] if line and not line.lower().startswith(b"connection:")]
            upgrade = any(line.lower().startswith(b"upgrade:") for line in headers)
            # One request per upstream connection, so that every request passes through here.
            headers.append(b"Connection: Upgrade" if upgrade else b"Connection: close")
            request_line = b" ".join([match["method"], path, match["proto"]])
            return b"\r\n".join([request_line, *headers]) + b"\r\n\r\n" + buffered

    def _ping_response(self, head_only: bool) -> bytes:
        version = self.ping_api_version or ""
        lines = [b"HTTP/1.1 200 OK", b"Content-Type: text/plain; charset=utf-8", b"Docker-Experimental: false",
                 b"Ostype: linux", b"Content-Length: 2", b"Cache-Control: no-cache, no-store, must-revalidate"]
        if version:
            lines.insert(1, b"Api-Version: " + version.encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else b"OK")
