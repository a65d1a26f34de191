"""A container credentials endpoint for tests, following the documented contract.

It serves what CloudShell's (and ECS's) endpoint serves: a GET with an
``Authorization`` header equal to the token answers JSON with ``AccessKeyId``,
``SecretAccessKey``, ``Token``, ``Expiration`` (ISO 8601, UTC), plus CloudShell's
``"Type": ""`` and ``"Code": "Success"``. It can be told to misbehave.

Each credential set it issues lives ``lifetime`` seconds; after that the next
request gets a new set (new key ID), as the real endpoint rotates.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.serving import Serving

__all__ = ["MODES", "CredentialsEndpoint", "IssuedCredentials"]

# ok: serve credentials. The others are the failure modes the tests exercise
# (redirect: a 302 to the same URL, which a client must not follow).
MODES = ("ok", "unauthorized", "error500", "timeout", "malformed", "missing_keys", "expired", "not_found",
         "redirect", "endless")
# "endless": a 200 whose body (no Content-Length) goes on until the client hangs up, up to this many bytes.
ENDLESS_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class IssuedCredentials:
    access_key_id: str
    secret_access_key: str
    token: str
    expiration: datetime


@dataclass
class CredentialsEndpoint(Serving):
    """Start with ``start()`` (or as a context manager); ``url`` is the FULL_URI to use."""

    token: str = field(default_factory=lambda: "tok-" + secrets.token_hex(16))
    lifetime: float = 900.0
    host: str = "127.0.0.1"
    port: int = 0
    path: str = "/creds"
    mode: str = "ok"
    timeout_seconds: float = 5.0  # how long "timeout" mode stalls
    requests: list[dict[str, str]] = field(default_factory=list)
    issued: list[IssuedCredentials] = field(default_factory=list)
    clock_skew: float = 0.0  # seconds added to the endpoint's idea of now (Expiration and the Date header)
    fail_first: int = 0  # the first N requests get a 500, whatever the mode (a flaky endpoint)
    overrides: dict[str, object] = field(default_factory=dict)  # merged into the body; None removes a key
    sent_bytes: int = 0  # what "endless" managed to send before the client hung up
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}{self.path}"

    @property
    def netloc(self) -> str:
        """``host:port`` as in ``url``."""
        return self.url.split("/")[2]

    def environ(self) -> dict[str, str]:
        """The variables a process needs to use this endpoint."""
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token}

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_skew)

    def current(self) -> IssuedCredentials:
        """The set now being served (a new one once the last has expired)."""
        with self._lock:
            if self.issued and self.issued[-1].expiration > self.now():
                return self.issued[-1]
            return self._issue()

    def rotate(self) -> IssuedCredentials:
        """Issue a new set now, as the real endpoint does when the old one runs out."""
        with self._lock:
            return self._issue()

    def _issue(self) -> IssuedCredentials:
        self.issued.append(
            IssuedCredentials(
                access_key_id="ASIA" + secrets.token_hex(8).upper(),
                secret_access_key=secrets.token_urlsafe(30),
                token="IQoJ" + secrets.token_urlsafe(60),
                expiration=(self.now() + timedelta(seconds=self.lifetime)).replace(microsecond=0),
            )
        )
        return self.issued[-1]

    def body(self) -> dict[str, str]:
        creds = self.current()
        expiration = creds.expiration
        if self.mode == "expired":
            expiration = self.now() - timedelta(minutes=5)
        body = {
            "Type": "",
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.token,
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Code": "Success",
        }
        if self.mode == "missing_keys":
            del body["SecretAccessKey"]
        for key, value in self.overrides.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value  # type: ignore[assignment]
        return body

    def start(self) -> CredentialsEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                # The Date header on the endpoint's own (possibly skewed) clock.
                return email.utils.formatdate(endpoint.now().timestamp(), usegmt=True)

            def do_GET(self) -> None:
                endpoint.requests.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})
                mode = endpoint.mode
                if len(endpoint.requests) <= endpoint.fail_first:
                    return self.send(500, b'{"code":"InternalError","message":"flaky"}')
                if mode == "timeout":
                    time.sleep(endpoint.timeout_seconds)
                    return self.send(500, b"{}")
                if self.path != endpoint.path or mode == "not_found":
                    return self.send(404, b'{"code":"NotFound","message":"not found"}')
                if not secrets.compare_digest(self.headers.get("Authorization", ""), endpoint.token) or (
                    mode == "unauthorized"
                ):
                    return self.send(401, b'{"code":"Unauthorized","message":"bad token"}')
                if mode == "error500":
                    return self.send(500, b'{"code":"InternalError","message":"try again"}')
                if mode == "redirect":
                    return self.send(302, b"{}", location=endpoint.url)
                if mode == "malformed":
                    return self.send(200, b'{"AccessKeyId": "ASIA..., oops')
                if mode == "endless":
                    return self.endless()
                return self.send(200, json.dumps(endpoint.body()).encode())

            def endless(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b'{"SecretAccessKey": "' + b"s" * (1024 * 1024)
                while endpoint.sent_bytes < ENDLESS_LIMIT:
                    try:
                        self.wfile.write(chunk)
                    except OSError:
                        return
                    endpoint.sent_bytes += len(chunk)
                self.close_connection = True

            def send(self, status: int, payload: bytes, location: str | None = None) -> None:
                self.send_response(status)
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(payload)

        family_host = self.host
        server_cls = ThreadingHTTPServer
        if ":" in family_host:
            import socket

            class V6Server(ThreadingHTTPServer):
                address_family = socket.AF_INET6

            server_cls = V6Server
        server = server_cls((family_host, self.port), Handler)
        # A client that hangs up on purpose (an answer it refuses to read whole) is no error here.
        server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._serve(server)
        return self
