"""The relay's HTTP endpoint: ``GET <path>`` with the per-run token, and nothing else.

It speaks the container credentials contract the AWS SDKs follow (the ECS one): the
``Authorization`` header must equal the token; the answer is JSON with ``AccessKeyId``,
``SecretAccessKey``, ``Token`` and ``Expiration``; an error is ``{"Code": ..., "Message": ...}``,
spelt as the ECS agent spells it. A missing or wrong token gets 401, any
other method or path 404, no credentials to give 500 with a generic message (the source's
words may name host paths, role ARNs, STS's messages: they go to the owner's diagnostics, not
to whoever holds the token). Nothing is logged: csdocker's stderr is the container's.

Slow or many clients cannot stall it: a request's head must arrive whole within
HEAD_DEADLINE_SECONDS of the connection (a deadline over the whole head, not a timeout per
read, so trickling a byte at a time does not help); at most MAX_CONNECTIONS are served at
once, and a new connection beyond that cuts off the oldest one that has not yet shown the
token; a hand-over waits only for requests that did show it. The deadline is kept on the
``clock`` the server is given (``time.monotonic``; tests drive their own).
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import io
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from datetime import UTC
from http.server import BaseHTTPRequestHandler
from typing import Any

from cloudshell_docker.errors import EngineError
from cloudshell_docker.relay.keeper import CredentialKeeper, Unavailable

__all__ = ["CREDENTIALS_PATH", "HEAD_DEADLINE_SECONDS", "MAX_CONNECTIONS", "UNAVAILABLE_MESSAGE", "RelayServer"]

CREDENTIALS_PATH = "/v1/credentials"
# A connection whose request line and headers are not all in within this time is dropped.
# An SDK sends them in one write; its own timeout for the whole answer is 2 s (botocore).
HEAD_DEADLINE_SECONDS = 5.0
# The longest a read of the head waits before the deadline is looked at again on the server's clock.
HEAD_RECHECK_SECONDS = 1.0
# Per read or write once the head is in (the answer is small; the source call is bounded apart).
REQUEST_TIMEOUT_SECONDS = 10.0
# Connections served at once; one more cuts off the oldest that has not shown the token yet.
MAX_CONNECTIONS = 64
LISTEN_BACKLOG = 128
# How long a hand-over waits for authenticated requests in flight before it goes ahead.
DRAIN_SECONDS = 30.0
UNAVAILABLE_MESSAGE = "the credential relay has no valid credentials to give right now; it keeps trying"


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison: the time taken says nothing about how much of the token matched."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


class _DeadlineReader(io.RawIOBase):
    """Reads a socket with one deadline for everything read, on ``clock``: each read gets only the time
    left (looked at again at least every HEAD_RECHECK_SECONDS while it waits)."""

    def __init__(self, sock: socket.socket, clock: Callable[[], float]) -> None:
        super().__init__()
        self._sock = sock
        self._clock = clock
        self._deadline = clock() + HEAD_DEADLINE_SECONDS

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            left = self._deadline - self._clock()
            if left <= 0:
                raise TimeoutError("the request head took too long")
            self._sock.settimeout(min(left, HEAD_RECHECK_SECONDS))
            with contextlib.suppress(TimeoutError):
                return self._sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers at hand-over
    server_version = "csdocker-relay"
    sys_version = ""
    timeout = REQUEST_TIMEOUT_SECONDS
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # GET has no body: everything read here is the head, under one deadline. (Closing the
        # makefile reader drops its hold on the socket, so that closing the socket really closes it.)
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self.server.relay.clock))

    def __getattr__(self, name: str) -> Any:
        # Every method but GET is answered like an unknown path: nothing else is served here.
        if name.startswith("do_"):
            return self._not_found
        raise AttributeError(name)

    def do_GET(self) -> None:
        relay = self.server.relay
        # The request line as sent: http.server rewrites a leading "//" in ``self.path``.
        words = self.requestline.split()
        if len(words) < 2 or words[1] != relay.path:
            return self._not_found()
        self.connection.settimeout(REQUEST_TIMEOUT_SECONDS)
        if not token_matches(self.headers.get("Authorization"), relay.token):
            return self._send(401, {"Code": "Unauthorized", "Message": "missing or wrong authorization token"})
        self.server.authenticated(self.request)
        try:
            handout = relay.keeper.handout()
        except Unavailable:
            # The reason (keeper.last_error) is for the relay's owner: relay.diagnostics.
            return self._send(500, {"Code": "CredentialsUnavailable", "Message": UNAVAILABLE_MESSAGE})
        except Exception as err:  # a bug: still an answer the SDK understands, and no traceback
            return self._send(500, {"Code": "InternalError", "Message": f"relay error ({type(err).__name__})"})
        creds = handout.credentials
        return self._send(200, {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.session_token or "",
            "Expiration": handout.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })

    def _not_found(self) -> None:
        self.connection.settimeout(REQUEST_TIMEOUT_SECONDS)
        self._send(404, {"Code": "NotFound", "Message": "not found"})

    def _send(self, status: int, body: dict[str, str]) -> None:
        payload = b"" if self.command == "HEAD" else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(payload)


class _HTTPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # TCPServer, not http.server.HTTPServer: that one resolves its address's name at bind time,
    # which can stall on a host without DNS.
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG
    relay: RelayServer

    def __init__(self, address: tuple[str, int], relay: RelayServer) -> None:
        self.relay = relay
        self._reset()
        super().__init__(address, _Handler)

    def _reset(self) -> None:
        self._idle = threading.Condition()
        # Connections still to show the token, oldest first (a dict keeps insertion order).
        self._unproven: dict[socket.socket, None] = {}
        self._answering: set[socket.socket] = set()
        self._open: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._idle:
            if len(self._unproven) + len(self._answering) >= MAX_CONNECTIONS:
                if not self._unproven:
                    self.shutdown_request(request)  # every slot is answering a token holder: not for long
                    return
                oldest = next(iter(self._unproven))
                del self._unproven[oldest]
                with contextlib.suppress(OSError):
                    oldest.shutdown(socket.SHUT_RDWR)  # its thread sees the end and finishes
            self._unproven[request] = None
            self._open.add(request)
        super().process_request(request, client_address)

    def authenticated(self, request: Any) -> None:
        with self._idle:
            self._unproven.pop(request, None)
            self._answering.add(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle:
                self._unproven.pop(request, None)
                self._answering.discard(request)
                self._open.discard(request)
                self._idle.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-answer is no news, and stderr is the container's

    def drain(self, timeout: float) -> bool:
        """Wait for the answers to token holders in flight; the others are no reason to wait."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._answering, timeout)

    def after_fork(self) -> None:
        # The parent's connections are its own to finish: this copy of them must not keep them open.
        for request in self._open:
            with contextlib.suppress(OSError):
                request.close()
        self._reset()


class RelayServer:
    """One listening socket and the thread that serves it. ``clock``: the heads' deadlines (for tests)."""

    def __init__(self, host: str, port: int, token: str, keeper: CredentialKeeper,
                 path: str = CREDENTIALS_PATH, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.keeper = keeper
        self.path = path
        self.clock = clock
        try:
            self._server = _HTTPServer((host, port), self)
        except OSError as err:
            raise EngineError(_bind_message(host, port, err)) from None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    def fileno(self) -> int:
        return self._server.fileno()

    def serve(self) -> None:
        """Serve in a daemon thread (it dies with the process, and the socket with it)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="csdocker-relay-serve", daemon=True)
        self._thread.start()

    def pause(self, drain: float = DRAIN_SECONDS) -> None:
        """Stop accepting (the socket stays open, connections queue) and let answers finish."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.drain(drain)

    def close(self) -> None:
        """Stop serving and close the socket: the port is free again, clients get refused."""
        self.pause(drain=2.0)
        with contextlib.suppress(OSError):
            self._server.server_close()

    def release(self) -> None:
        """Close this process's copy of the socket without stopping another process serving it."""
        with contextlib.suppress(OSError):
            self._server.socket.close()

    def after_fork(self) -> None:
        self._thread = None
        self._server.after_fork()


def _bind_message(host: str, port: int, err: OSError) -> str:
    where = f"{host}:{port}" if port else host
    if err.errno == errno.EADDRINUSE:
        return f"credential relay: cannot listen on {where}: the port is in use"
    if err.errno == errno.EADDRNOTAVAIL:
        return (f"credential relay: cannot listen on {where}: this machine does not have that address "
                "(--inject relay needs the Docker engine on this machine)")
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"credential relay: cannot listen on {where}: permission denied"
    return f"credential relay: cannot listen on {where}: {err.strerror or type(err).__name__}"

