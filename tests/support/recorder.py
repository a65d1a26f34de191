"""An Engine API recording proxy on a unix socket: the oracle for what the docker CLI sends.

    with EngineRecorder() as rec:
        docker(..., env={"DOCKER_HOST": rec.docker_host})
        rec.creates()   # [(query, body)] of every POST /containers/create

Forward mode (the default) passes every request to the real engine
(``/var/run/docker.sock``) and relays the answers unchanged, so the CLI behaves as
it would without the proxy. Fake mode (``fake_api_version="1.50"``) answers by
itself, as an engine of that API version would for the few calls ``docker create``
makes (ping, create), which records the CLI's create body for API versions the
engine here does not speak. A hijacked stream (attach, exec start) is piped raw.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["EngineRecorder", "RecordedRequest"]

UPSTREAM = "/var/run/docker.sock"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    target: str  # path and query as sent, e.g. /v1.41/containers/create?name=x
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """The path without the /vX.Y prefix."""
        path = urlsplit(self.target).path
        parts = path.split("/", 2)
        if len(parts) > 2 and parts[1].startswith("v") and parts[1][1:2].isdigit():
            return "/" + parts[2]
        return path

    @property
    def api_version(self) -> str | None:
        part = urlsplit(self.target).path.split("/", 2)[1]
        return part[1:] if part.startswith("v") and part[1:2].isdigit() else None

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.target).query, keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Reader:
    """Buffered reads from a socket: lines and exact byte counts."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def until(self, marker: bytes) -> bytes | None:
        while marker not in self.buf:
            if not self._fill():
                return None
        head, self.buf = self.buf.split(marker, 1)
        return head

    def exactly(self, count: int) -> bytes | None:
        while len(self.buf) < count:
            if not self._fill():
                return None
        data, self.buf = self.buf[:count], self.buf[count:]
        return data


def _read_request(reader: _Reader) -> tuple[RecordedRequest, bytes] | None:
    """One HTTP/1.1 request: (parsed, the raw bytes to forward with the body de-chunked)."""
    head = reader.until(b"\r\n\r\n")
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = reader.until(b"\r\n")
            if size_line is None:
                return None
            size = int(size_line.split(b";")[0], 16)
            chunk = reader.exactly(size + 2)
            if chunk is None:
                return None
            if size == 0:
                break
            body += chunk[:-2]
    elif "content-length" in headers:
        data = reader.exactly(int(headers["content-length"]))
        if data is None:
            return None
        body = data
    # Re-frame with Content-Length so the upstream sees a plain request.
    framing = ("transfer-encoding", "content-length")
    out_lines = [lines[0]] + [line for line in lines[1:] if line.split(":", 1)[0].strip().lower() not in framing]
    if body or method in ("POST", "PUT"):
        out_lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(out_lines) + "\r\n\r\n").encode("latin-1") + body
    return RecordedRequest(method, target, headers, body), raw


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


@dataclass
class EngineRecorder:
    upstream: str = UPSTREAM
    fake_api_version: str | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    path: str = ""
    _server: socket.socket | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    def creates(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == "/containers/create"]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> EngineRecorder:
        self.path = os.path.join(tempfile.gettempdir(), f"csdt-rec-{uuid.uuid4().hex[:10]}.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        server.listen(64)
        self._server = server
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> EngineRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while self._server is not None:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            handler = self._serve_fake if self.fake_api_version else self._serve_forward
            threading.Thread(target=handler, args=(client,), daemon=True).start()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _serve_forward(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.upstream)
        except OSError:
            client.close()
            return
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        reader = _Reader(client)
        try:
            while True:
                got = _read_request(reader)
                if got is None:
                    break
                request, raw = got
                self._record(request)
                upstream.sendall(raw)
                if "upgrade" in request.headers or request.path.endswith("/attach") or "/exec/" in request.path:
                    # A hijacked stream from here on: bytes, not requests.
                    if reader.buf:
                        upstream.sendall(reader.buf)
                    _pipe(client, upstream)
                    break
        except OSError:
            pass
        finally:
            back.join(timeout=30)
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def _serve_fake(self, client: socket.socket) -> None:
        reader = _Reader(client)
        try:
            while True:
                got = _read_request(reader)
                if got is None:
                    break
                request, _raw = got
                self._record(request)
                client.sendall(self._fake_answer(request))
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _fake_answer(self, request: RecordedRequest) -> bytes:
        version = self.fake_api_version or "1.41"
        status, payload = 404, {"message": f"csdt recorder: no fake for {request.method} {request.path}"}
        if request.path == "/_ping":
            status, payload = 200, None
        elif request.path == "/version":
            status, payload = 200, {"ApiVersion": version, "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64",
                                    "Version": "28.2.2"}
        elif request.path == "/info":
            status, payload = 200, {"OSType": "linux", "ServerVersion": "28.2.2"}
        elif request.method == "POST" and request.path == "/containers/create":
            status, payload = 201, {"Id": uuid.uuid4().hex * 2, "Warnings": []}
        elif request.method == "POST" and request.path == "/images/create":
            status, payload = 200, {"status": "csdt recorder: pretended to pull"}
        body = b"OK" if payload is None else json.dumps(payload).encode()
        reason = {200: "OK", 201: "Created", 404: "Not Found"}[status]
        head = [
            f"HTTP/1.1 {status} {reason}",
            f"Api-Version: {version}",
            "Ostype: linux",
            "Docker-Experimental: false",
            "Content-Type: " + ("text/plain; charset=utf-8" if payload is None else "application/json"),
            f"Content-Length: {len(body) if request.method != 'HEAD' else 0}",
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + (body if request.method != "HEAD" else b"")
