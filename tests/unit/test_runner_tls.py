"""The attach over TLS against a small TLS server that behaves as dockerd does on a hijacked stream:
stdin ends with a close_notify and the output still arrives in full after it; both directions at
once in bulk do not wedge (the reader never waits for the writer's sending); a refused upgrade is
the CLI's words; client certificates are presented."""

from __future__ import annotations

import contextlib
import hashlib
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cloudshell_docker.engine.tlsattach import UpgradeRefused, open_tls_attach
from tests.support.certs import TLSMaterial, make_tls_material

UPGRADED = (b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")


@dataclass
class Client:
    """What open_tls_attach reads from a docker-py client: verify, cert, the URL's host."""

    verify: str | bool
    cert: tuple[str, str] | None


@dataclass
class FakeEngine:
    """One TLS connection: answers the upgrade, then runs ``behaviour(tls_socket)``."""

    material: TLSMaterial
    behaviour: Callable[[ssl.SSLSocket], None]
    status: bytes = UPGRADED
    head: bytes = b""
    errors: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self.serve, name="engine", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.listener.getsockname()[1]}/v1.41/containers/abc/attach"

    def serve(self) -> None:
        raw, _ = self.listener.accept()
        try:
            with self.material.server_context().wrap_socket(raw, server_side=True) as tls:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += tls.recv(4096)
                self.head = head
                tls.sendall(self.status)
                if self.status == UPGRADED:
                    self.behaviour(tls)
        except BaseException as err:  # reported by the test
            self.errors.append(err)
        finally:
            self.listener.close()


@pytest.fixture(scope="module")
def material(tmp_path_factory) -> TLSMaterial:
    return make_tls_material(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def client(material) -> Client:
    return Client(verify=str(material.ca), cert=(str(material.cert), str(material.key)))


def receive_all(conn) -> bytes:
    out = bytearray()
    buffer = memoryview(bytearray(1 << 16))
    while n := conn.recv_into(buffer):
        out += buffer[:n]
    return bytes(out)


def read_until_eof(tls: ssl.SSLSocket) -> bytes:
    got = bytearray()
    while True:
        try:
            chunk = tls.recv(1 << 16)
        except ssl.SSLEOFError:
            chunk = b""
        if not chunk:
            return bytes(got)
        got += chunk


def test_stdin_ends_with_close_notify_and_output_follows(material, client):
    after = random.Random(3).randbytes(3 << 20)
    seen: dict[str, bytes] = {}

    def engine(tls: ssl.SSLSocket) -> None:
        tls.sendall(b"early output;")
        seen["stdin"] = read_until_eof(tls)  # returns at the client's close_notify
        tls.sendall(after)
        tls.unwrap()

    fake = FakeEngine(material, engine)
    conn = open_tls_attach(client, fake.url, {"stream": 1, "stdin": 1, "detachKeys": "ctrl-p,ctrl-q"},
                           {"Connection": "Upgrade", "Upgrade": "tcp"}, timeout=10)
    conn.sendall(b"typed input\n")
    conn.close_write()
    output = receive_all(conn)
    conn.close()
    fake.thread.join(10)
    assert fake.errors == []
    assert seen["stdin"] == b"typed input\n"
    assert output == b"early output;" + after
    assert fake.head.startswith(b"POST /v1.41/containers/abc/attach?stream=1&stdin=1&detachKeys=ctrl-p%2Cctrl-q ")
    assert b"\r\nUpgrade: tcp\r\n" in fake.head


HANG = 60.0  # real seconds: only a wedge takes this long (the exchange itself takes a fraction of a second)


def in_thread(name: str, work: Callable[[], object], errors: list[tuple[str, BaseException]]) -> threading.Thread:
    """``work`` in a daemon thread called ``name``; its exception, if any, kept in ``errors``."""
    def run() -> None:
        try:
            work()
        except BaseException as err:
            errors.append((name, err))

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def test_both_directions_in_bulk_at_once(material, client):
    # The engine writes 8 MiB before it reads a byte, while the client writes 8 MiB: neither side may
    # wait for the other. The writer blocks sending whenever the engine's buffers are full (the engine
    # is blocked sending too, until the client reads): a reader that then waited for the writer's send
    # lock, or sent the writer's records itself, would wedge all three (it did, now and then, under load).
    down = random.Random(4).randbytes(8 << 20)
    up = random.Random(5).randbytes(8 << 20)
    seen: dict[str, bytes] = {}

    def engine(tls: ssl.SSLSocket) -> None:
        tls.sendall(down)
        seen["stdin"] = read_until_eof(tls)
        tls.unwrap()

    fake = FakeEngine(material, engine)
    conn = open_tls_attach(client, fake.url, {"stream": 1}, {}, timeout=HANG)
    received: dict[str, bytes] = {}
    errors: list[tuple[str, BaseException]] = []
    reader = in_thread("reader", lambda: received.update(out=receive_all(conn)), errors)
    writer = in_thread("writer", lambda: (conn.sendall(up), conn.close_write()), errors)
    deadline = time.monotonic() + HANG  # to catch a wedge only: nothing is timed
    for thread in (writer, reader, fake.thread):
        thread.join(max(0.0, deadline - time.monotonic()))
    wedged = [thread.name for thread in (writer, reader, fake.thread) if thread.is_alive()]
    conn.close()
    assert wedged == [], f"wedged after {HANG:.0f} s: {wedged}"
    assert errors == []
    assert fake.errors == []
    assert hashlib.sha256(received["out"]).hexdigest() == hashlib.sha256(down).hexdigest()
    assert hashlib.sha256(seen["stdin"]).hexdigest() == hashlib.sha256(up).hexdigest()


def test_refused_upgrade(material, client):
    fake = FakeEngine(material, lambda tls: None, status=b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(UpgradeRefused, match=r"^unable to upgrade to tcp, received 400$"):
        open_tls_attach(client, fake.url, {"stream": 1}, {}, timeout=10)


def test_server_needs_the_client_certificate(material):
    fake = FakeEngine(material, lambda tls: None)
    with pytest.raises((ssl.SSLError, OSError)):  # TLS 1.3: the server's alert comes with the answer
        open_tls_attach(Client(verify=str(material.ca), cert=None), fake.url, {}, {}, timeout=10)


def test_unknown_server_certificate_is_refused(material, tmp_path):
    other = make_tls_material(tmp_path, "other")
    fake = FakeEngine(material, lambda tls: None)
    with pytest.raises(ssl.SSLCertVerificationError):
        open_tls_attach(Client(verify=str(other.ca), cert=(str(material.cert), str(material.key))), fake.url,
                        {}, {}, timeout=10)
    with contextlib.suppress(OSError):
        fake.listener.close()


def test_ssh_channel_pipes(tmp_path):
    # docker-py's ssh:// transport runs "ssh ... docker system dial-stdio" and talks through its pipes;
    # cat stands in for that program: what goes in comes back, and closing its stdin ends it.
    import subprocess
    from types import SimpleNamespace

    from cloudshell_docker.engine.api import ChannelHijacked

    process = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    channel = SimpleNamespace(proc=process, close=process.terminate)

    def sendall(data: bytes) -> None:
        process.stdin.write(data)
        process.stdin.flush()

    channel.sendall = sendall
    conn = ChannelHijacked(channel, None)
    data = random.Random(6).randbytes(1 << 20)
    writer = threading.Thread(target=lambda: (conn.sendall(data), conn.close_write()))
    writer.start()
    assert receive_all(conn) == data  # and the end of stdin reached the other side: EOF came back
    writer.join(10)
    conn.close()
    process.wait(10)
