"""A counting HTTP proxy in front of moto: what reached the network edge, by AWS action.

    with CountingProxy(moto.url) as proxy:
        env["AWS_ENDPOINT_URL_STS"] = proxy.url
        ...
        proxy.count("AssumeRole")

Every request is forwarded unchanged to the upstream and its answer relayed, so the
client sees moto itself. The action is read where the AWS protocols put it: the
``Action`` form field (query protocol), else ``X-Amz-Target`` (JSON protocol).
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.support.serving import Serving

__all__ = ["CountingProxy"]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


@dataclass
class CountingProxy(Serving):
    upstream: str  # e.g. http://127.0.0.1:5000
    actions: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, action: str) -> int:
        with self._lock:
            return self.actions.count(action)

    def _record(self, action: str) -> None:
        with self._lock:
            self.actions.append(action)

    def start(self) -> CountingProxy:
        proxy = self
        target = urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy._record(action_of(self.command, self.path, self.headers.get("X-Amz-Target"), body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for key, value in answer.getheaders():
                        if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        self.wfile.write(payload)
                finally:
                    conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self


def action_of(method: str, path: str, target: str | None, body: bytes) -> str:
    """The AWS action of one request, or ``METHOD path`` when it names none."""
    if target:
        return target.rsplit(".", 1)[-1]
    query = parse_qs(urlsplit(path).query)
    with contextlib.suppress(UnicodeDecodeError):
        query.update(parse_qs(body.decode()))
    actions = query.get("Action")
    return actions[0] if actions else f"{method} {urlsplit(path).path}"
