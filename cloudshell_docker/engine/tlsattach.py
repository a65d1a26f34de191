"""An attach to an engine behind TLS, done so that stdin can end while the output keeps flowing.

Over TLS the end of stdin is a close_notify alert (what the docker CLI's CloseWrite sends), and
the connection must go on carrying the container's output after it. Python's SSLSocket cannot do
that: its shutdown reads until the peer's close_notify and drops what arrives meanwhile, and one
SSL object must not be read and written by two threads at once. So the stream runs on an
SSLObject over memory buffers: one lock around the TLS state, one around the socket's sending
side (records leave in the order they were made), the blocking receive outside both, and the
close_notify sent when nothing unread is buffered, which leaves the output untouched.

The reader never waits for the sending side: while the writer is blocked sending (the engine
not reading, because it is itself blocked sending the output csdocker is to read), a reader
that waited for it would wedge all three. So the writer holds the send lock from the moment it
makes records until none is left, and lets it go under the TLS lock; the reader sends only
what its own reading made (a protocol answer), and only if the send lock is free at once:
otherwise its holder sends it, in order, before letting go.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = ["TlsHijacked", "UpgradeRefused", "open_tls_attach", "tls_context"]

_CHUNK = 1 << 16
_HEADERS_MAX = 64 * 1024


class UpgradeRefused(Exception):
    """The engine answered the attach with something else than 101 Switching Protocols."""

    def __init__(self, status: int) -> None:
        super().__init__(f"unable to upgrade to tcp, received {status}")
        self.status = status


class TlsHijacked:
    """recv_into / sendall / close_write / close over TLS; safe with one reader and one writer thread."""

    def __init__(self, sock: socket.socket, tls: ssl.SSLObject, incoming: ssl.MemoryBIO,
                 outgoing: ssl.MemoryBIO) -> None:
        self.sock = sock
        self._tls = tls
        self._incoming = incoming
        self._outgoing = outgoing
        self._tls_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._plain = bytearray()  # decrypted, not yet handed out
        self._eof = False
        self._write_closed = False

    # -- receiving ---------------------------------------------------------------------------

    def recv_into(self, buffer: memoryview) -> int:
        while True:
            with self._tls_lock:
                if self._plain:
                    n = min(len(buffer), len(self._plain))
                    buffer[:n] = self._plain[:n]
                    del self._plain[:n]
                    return n
                if self._eof:
                    return 0
            data = self.sock.recv(_CHUNK)
            with self._tls_lock:
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
                self._decrypt_locked()
                if not data:
                    self._eof = True
                # Records waiting with the send lock taken are its holder's to send; never wait for it.
                answer_due = self._outgoing.pending > 0 and self._send_lock.acquire(blocking=False)
            if answer_due:
                self._send_and_release()

    def _decrypt_locked(self) -> None:
        """Everything the buffered records hold, into ``_plain``: no whole record is left unread."""
        while True:
            try:
                chunk = self._tls.read(_CHUNK)
            except ssl.SSLWantReadError:
                return
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                self._eof = True
                return
            if not chunk:
                self._eof = True
                return
            self._plain += chunk

    # -- sending -----------------------------------------------------------------------------

    def sendall(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            with self._sending():
                self._tls.write(view[:_CHUNK])
            view = view[_CHUNK:]

    @contextlib.contextmanager
    def _sending(self) -> Iterator[None]:
        """Make records (the body runs under the TLS lock) and send them: the send lock is taken before
        they are made and let go only once every record is out (``_send_and_release``)."""
        self._send_lock.acquire()
        try:
            with self._tls_lock:
                yield
        except BaseException:
            self._send_lock.release()
            raise
        self._send_and_release()

    def _send_and_release(self) -> None:
        """Send every record made so far, in order, then let go of the send lock (the caller holds it).

        It is let go under the TLS lock once nothing is left, so that a record made meanwhile is never
        left behind: whoever makes one finds the send lock either free or held by a sender still to look.
        """
        try:
            while True:
                with self._tls_lock:
                    records = self._outgoing.read()
                    if not records:
                        self._send_lock.release()
                        return
                self.sock.sendall(records)
        except BaseException:
            self._send_lock.release()
            raise

    def close_write(self) -> None:
        """The end of stdin: a close_notify; the output is still read after it."""
        if self._write_closed:
            return
        self._write_closed = True
        # unwrap sends close_notify, then wants the peer's: that one comes after the output.
        with contextlib.suppress(OSError), self._sending(), contextlib.suppress(ssl.SSLWantReadError):
            self._tls.unwrap()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()

    # -- set-up ------------------------------------------------------------------------------

    def handshake(self) -> None:
        while True:
            with self._sending():
                try:
                    self._tls.do_handshake()
                    done = True
                except ssl.SSLWantReadError:
                    done = False
            if done:
                return
            data = self.sock.recv(_CHUNK)
            if not data:
                raise ssl.SSLEOFError("the engine closed the connection during the TLS handshake")
            with self._tls_lock:
                self._incoming.write(data)

    def read_response_head(self) -> bytes:
        """The HTTP response head (through the blank line); what follows it stays to be received."""
        head = bytearray()
        buffer = memoryview(bytearray(_CHUNK))
        while b"\r\n\r\n" not in head:
            if len(head) > _HEADERS_MAX:
                raise OSError("the engine's answer to attach has no end of headers")
            n = self.recv_into(buffer)
            if n == 0:
                raise OSError("the engine closed the connection before answering attach")
            head += buffer[:n]
        end = head.index(b"\r\n\r\n") + 4
        with self._tls_lock:
            self._plain[0:0] = head[end:]  # the start of the stream, back in front
        return bytes(head[:end])


def tls_context(client: Any) -> ssl.SSLContext:
    """The TLS settings docker-py's client uses (``verify``: a CA file, True or False; ``cert``)."""
    verify = getattr(client, "verify", True)
    if isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = ssl.create_default_context()
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    cert = getattr(client, "cert", None)
    if isinstance(cert, tuple | list):
        context.load_cert_chain(cert[0], cert[1])
    elif isinstance(cert, str):
        context.load_cert_chain(cert)
    return context


def open_tls_attach(client: Any, url: str, params: Mapping[str, Any], headers: Mapping[str, str],
                    timeout: float | None, body: bytes = b"") -> TlsHijacked:
    """POST ``url`` (an attach, or an exec's start with its JSON ``body``) with an Upgrade on a
    connection of its own; the upgraded stream."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 443
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.settimeout(None)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = tls_context(client).wrap_bio(incoming, outgoing, server_hostname=host)
        conn = TlsHijacked(sock, tls, incoming, outgoing)
        conn.handshake()
        query = urlencode(params)
        target = parts.path + (f"?{query}" if query else "")
        lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(body)}", "", ""]
        conn.sendall("\r\n".join(lines).encode() + body)
        head = conn.read_response_head()
        status_line = head.split(b"\r\n", 1)[0].split()
        status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
        if status != 101:
            raise UpgradeRefused(status)
        return conn
    except BaseException:
        sock.close()
        raise
