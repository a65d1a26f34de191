"""A stand-in Docker endpoint for tests: a proxy to the real engine's socket.

It listens on 127.0.0.1 (TCP, optionally TLS requiring a client certificate) or
on a unix socket, forwards every connection byte for byte to
/var/run/docker.sock, and counts the connections it carried, so a test can
tell which endpoint the docker CLI and csdocker each went to.

With ``ping_api_version`` set it plays an engine of another API version: it
answers ``/_ping`` itself with that ``API-Version`` header ("" leaves the header
out, as engines before API 1.25 did) and rewrites ``/vX.Y/`` request paths
newer than the real engine's down to it, one request per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EngineProxy"]

REAL_SOCKET = "/var/run/docker.sock"
_REQUEST_LINE = re.compile(rb"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<proto>HTTP/1\.[01])$")
_VERSIONED = re.compile(rb"^/v(?P<version>\d+\.\d+)(?P<rest>/.*)$")
_PING = re.compile(rb"^(/v\d+\.\d+)?/_ping(\?.*)?$")


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
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.AbstractServer | None = None
    _port: int = 0

    @property
    def host(self) -> str:
        if self.unix_path:
            return f"unix://{self.unix_path}"
        return f"tcp://127.0.0.1:{self._port}"

    def reset(self) -> None:
        self.connections = 0
        self.pings = 0
        self.paths.clear()
        self.heads.clear()

    def start(self) -> EngineProxy:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)
        return self

    async def _listen(self) -> None:
        if self.unix_path:
            self._server = await asyncio.start_unix_server(self._serve, path=self.unix_path)
        else:
            self._server = await asyncio.start_server(self._serve, host="127.0.0.1", port=0, ssl=self.tls)
            self._port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._loop is None:
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None
        if self.unix_path:
            Path(self.unix_path).unlink(missing_ok=True)

    def __enter__(self) -> EngineProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = b""
            if self.ping_api_version is not None:
                head = await self._answer_pings(reader, writer)
                if head is None:
                    return
            up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
            if head:
                up_writer.write(head)
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, ssl.SSLError):
            pass
        finally:
            # Half-close where the transport can (attach's stdin EOF); TLS cannot, so close.
            try:
                if sink.can_write_eof():
                    sink.write_eof()
                else:
                    sink.close()
            except (OSError, RuntimeError):
                pass

    async def _answer_pings(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes | None:
        """Answer pings here; return the first other request's head, rewritten, or None at EOF."""
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return None
            lines = head.split(b"\r\n")
            match = _REQUEST_LINE.match(lines[0])
            if match is None:
                return head
            self.paths.append(match["path"].decode(errors="replace"))
            self.heads.append(head)
            if _PING.match(match["path"]):
                self.pings += 1
                writer.write(self._ping_response(match["method"] == b"HEAD"))
                await writer.drain()
                continue
            path = match["path"]
            versioned = _VERSIONED.match(path)
            if versioned and _version_tuple(versioned["version"]) > _version_tuple(self.real_api_version):
                path = b"/v" + self.real_api_version.encode() + versioned["rest"]
            headers = [line for line in lines[1:] if line and not line.lower().startswith(b"connection:")]
            upgrade = any(line.lower().startswith(b"upgrade:") for line in headers)
            # One request per upstream connection, so every request passes through here.
            headers.append(b"Connection: Upgrade" if upgrade else b"Connection: close")
            return b"\r\n".join([b" ".join([match["method"], path, match["proto"]]), *headers]) + b"\r\n\r\n"

    def _ping_response(self, head_only: bool) -> bytes:
        version = self.ping_api_version or ""
        lines = [b"HTTP/1.1 200 OK", b"Content-Type: text/plain; charset=utf-8", b"Docker-Experimental: false",
                 b"Ostype: linux", b"Content-Length: 2", b"Cache-Control: no-cache, no-store, must-revalidate"]
        if version:
            lines.insert(1, b"Api-Version: " + version.encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else b"OK")
