"""The relay's endpoint over real HTTP: GET <path> with the token, and nothing else."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from botocore.credentials import ContainerProvider
from botocore.exceptions import CredentialRetrievalError

from cloudshell_docker.errors import EngineError
from cloudshell_docker.relay.keeper import CredentialKeeper
from cloudshell_docker.relay.server import (
    CREDENTIALS_PATH,
    HEAD_DEADLINE_SECONDS,
    UNAVAILABLE_MESSAGE,
    RelayServer,
    token_matches,
)
from tests.support.relay_sources import FakeClock, RotatingSource

TOKEN = "relay-token-" + "z" * 30


@pytest.fixture
def source() -> RotatingSource:
    return RotatingSource(FakeClock(datetime.now(UTC).replace(microsecond=0)), lifetime=3600)


@pytest.fixture
def server(source: RotatingSource) -> Iterator[RelayServer]:
    keeper = CredentialKeeper(source, clock=source.clock, sleep=source.clock.sleep)
    keeper.prime()
    relay = RelayServer("127.0.0.1", 0, TOKEN, keeper, clock=source.clock.monotonic)
    relay.serve()
    yield relay
    relay.close()


def ask(server: RelayServer, method: str = "GET", path: str = CREDENTIALS_PATH,
        token: str | None = TOKEN) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, headers={"Authorization": token} if token is not None else {})
        response = conn.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else {}
    finally:
        conn.close()


def test_the_right_token_gets_the_credentials_in_the_container_endpoint_format(server, source):
    status, body = ask(server)
    issued = source.issued[-1]
    assert status == 200
    assert body == {
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret_access_key,
        "Token": issued.session_token,
        "Expiration": issued.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), f"Bearer {TOKEN}",
                                   "ümlaut"])
def test_a_missing_or_wrong_token_gets_401_and_no_credentials(server, token):
    status, body = ask(server, token=token)
    assert status == 401
    assert "AccessKeyId" not in body


@pytest.mark.parametrize("path", ["/", "/v1/credentials/", "/v1/credentials?x=1", "/v1/credential",
                                  "/v2/credentials", "//v1/credentials", "/V1/CREDENTIALS"])
def test_any_other_path_is_404_even_with_the_token(server, path):
    assert ask(server, path=path)[0] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"])
def test_any_other_method_is_404_even_with_the_token(server, method):
    status, body = ask(server, method=method)
    assert status == 404
    assert "AccessKeyId" not in body


def test_no_credentials_to_give_is_500_with_a_generic_message_and_the_detail_kept_for_the_owner(server, source):
    source.clock.advance(3601)
    source.failing = ("sts assume-role arn:aws:iam::123456789012:role/secret-role failed: AccessDenied: "
                      "User arn:aws:iam::123456789012:user/alice is not authorized; see /home/alice/.aws/config")
    status, body = ask(server)
    assert status == 500
    assert body == {"Code": "CredentialsUnavailable", "Message": UNAVAILABLE_MESSAGE}
    for detail in ("arn:aws", "secret-role", "AccessDenied", "/home/alice", "alice"):
        assert detail not in json.dumps(body)
    assert "AccessDenied" in (server.keeper.last_error or "")  # the owner's diagnostics have it


def test_error_answers_use_the_ecs_agents_code_and_message_keys(server):
    """The ECS agent and the SDKs spell an error {"Code": ..., "Message": ...}, capitalised."""
    for status, body in (ask(server, token="wrong"), ask(server, path="/nope"), ask(server, method="POST")):
        assert status in (401, 404)
        assert sorted(body) == ["Code", "Message"]
        assert body["Code"] in ("Unauthorized", "NotFound")


def test_botocore_takes_the_answer_as_container_credentials(server, source):
    provider = ContainerProvider(environ={
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN})
    creds = provider.load()
    assert creds.access_key == source.issued[-1].access_key_id
    assert creds.token == source.issued[-1].session_token


def test_botocore_with_a_wrong_token_gets_a_clear_error(server):
    provider = ContainerProvider(environ={
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "nope"})
    provider._fetcher._sleep = lambda seconds: None
    with pytest.raises(CredentialRetrievalError, match="401"):
        provider.load()


def test_a_closed_relay_refuses_connections_at_once(server):
    url_host, url_port = server.host, server.port
    server.close()
    with pytest.raises(ConnectionRefusedError), socket.create_connection((url_host, url_port), timeout=5):
        pass


def test_a_taken_port_is_a_clear_error(source):
    keeper = CredentialKeeper(source, clock=source.clock)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EngineError) as caught:
            RelayServer("127.0.0.1", port, TOKEN, keeper)
    assert str(caught.value) == f"credential relay: cannot listen on 127.0.0.1:{port}: the port is in use"


def test_an_address_this_machine_lacks_says_the_engine_must_be_local(source):
    keeper = CredentialKeeper(source, clock=source.clock)
    with pytest.raises(EngineError, match="needs the Docker engine on this machine"):
        RelayServer("192.0.2.1", 0, TOKEN, keeper)  # TEST-NET-1: never an address of this host


def test_port_zero_gives_each_relay_its_own_port(source):
    keeper = CredentialKeeper(source, clock=source.clock)
    relays = [RelayServer("127.0.0.1", 0, TOKEN, keeper) for _ in range(5)]
    try:
        assert len({relay.port for relay in relays}) == 5
    finally:
        for relay in relays:
            relay.close()


@pytest.mark.parametrize(("given", "expected"), [
    (TOKEN, True), (None, False), ("", False), (TOKEN[:-1], False), (TOKEN + "a", False), ("\udcff", False),
])
def test_token_matches(given, expected):
    assert token_matches(given, TOKEN) is expected


# Slow and many clients. The heads' deadline is kept on the test's clock, which stands still until the test
# moves it: what the server does cannot depend on how fast a loaded machine runs either side. Real time
# appears only as deadlines that catch a hang.

SLOW_CLIENTS = 200
HANG = 60.0  # real seconds: only a hang takes this long


def is_cut_off(sock: socket.socket) -> bool:
    """Whether the server has closed (or reset) this connection, without waiting."""
    sock.settimeout(None)  # MSG_DONTWAIT on a socket with a timeout would wait for it
    try:
        return sock.recv(1024, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def trickle(socks: dict[int, socket.socket], byte: bytes = b"E") -> set[int]:
    """One more byte to each connection still open; the ones found cut off (and dropped from ``socks``)."""
    cut: set[int] = set()
    for index, sock in list(socks.items()):
        try:
            if not is_cut_off(sock):
                sock.sendall(byte)
                continue
        except OSError:
            pass
        cut.add(index)
        del socks[index]
    return cut


def test_slow_clients_cannot_hold_the_relay(server, source):
    clock = source.clock
    slow: list[socket.socket] = []
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection((server.host, server.port), timeout=HANG)
            sock.sendall(b"G")  # the first byte of a request head that never ends
            slow.append(sock)
        # The container's own fetch, while slow ones hold slots. Accepted after every slow one (the
        # backlog is first in, first out), so the slot limit has cut the oldest ones by now; the clock
        # has not moved, so no deadline has cut any.
        status, body = ask(server)  # a hang fails here (ask's own timeout)
        assert status == 200
        assert body["AccessKeyId"] == source.issued[-1].access_key_id
        still_open = {index: sock for index, sock in enumerate(slow) if not is_cut_off(sock)}
        assert 0 < len(still_open) < 64  # MAX_CONNECTIONS, the fetch's slot included
        # While the clock stands still, trickling keeps them open however long it takes.
        for _ in range(3):
            assert trickle(still_open) == set()
            time.sleep(0.2)
        # Once the clock passes the head deadline, each is cut though it keeps trickling (a timeout per
        # read would never cut it). A handler that started late on a loaded machine started its deadline
        # later: the clock moves on each round until every one is cut.
        held = len(still_open)
        hang = time.monotonic() + HANG
        while still_open and time.monotonic() < hang:
            clock.advance(HEAD_DEADLINE_SECONDS)
            trickle(still_open)
            time.sleep(0.2)
        assert not still_open, f"{len(still_open)} of {held} slow connections still open"
        assert ask(server)[0] == 200  # and the relay still answers
    finally:
        for sock in slow:
            sock.close()


def test_a_head_that_trickles_in_is_cut_at_the_deadline_though_each_read_is_quick(server, source):
    clock = source.clock
    step = 0.25  # seconds of the clock a byte: each read is quick, the head is not
    with socket.create_connection((server.host, server.port), timeout=HANG) as sock:
        head = f"GET {CREDENTIALS_PATH} HTTP/1.0\r\nAuthorization: {TOKEN}\r\nX-Padding: ".encode()
        reads = clock.monotonic_reads
        sock.sendall(head[:1])
        # The handler has started its deadline (one read) and asked for the next byte (a second one).
        assert clock.wait_for_monotonic_reads(reads + 2)
        sent, hang = 1, time.monotonic() + HANG
        while not is_cut_off(sock) and time.monotonic() < hang:
            try:
                sock.sendall(head[sent:sent + 1] if sent < len(head) else b"x")
            except OSError:
                break
            sent += 1
            clock.advance(step)
            time.sleep(0.01)
        assert is_cut_off(sock), "a head trickled in quickly byte by byte was never cut"
        # Not before the deadline: the clock had moved past it (only the bytes sent move it).
        assert (sent - 1) * step >= HEAD_DEADLINE_SECONDS


def test_a_hand_over_waits_for_token_holders_only(server, source):
    reads = source.clock.monotonic_reads
    idle = socket.create_connection((server.host, server.port), timeout=5)  # never sends a thing
    try:
        assert source.clock.wait_for_monotonic_reads(reads + 1)  # its handler runs, its deadline started
        # The clock stands still: nothing will ever cut the idle connection, so a hand-over that waited
        # for it would wait out its drain (600 s). It returns at once instead.
        pausing = threading.Thread(target=server.pause, kwargs={"drain": 600}, daemon=True)
        pausing.start()
        pausing.join(HANG)
        assert not pausing.is_alive(), "the hand-over waited for a connection that never showed the token"
        assert not is_cut_off(idle)
    finally:
        idle.close()


def test_a_hand_over_waits_for_an_answer_in_flight(source):
    gate = threading.Event()
    in_flight = threading.Event()

    class SlowKeeper(CredentialKeeper):
        def handout(self):  # type: ignore[no-untyped-def]
            in_flight.set()
            gate.wait(HANG)
            return super().handout()

    keeper = SlowKeeper(source, clock=source.clock, sleep=source.clock.sleep)
    keeper.prime()
    relay = RelayServer("127.0.0.1", 0, TOKEN, keeper, clock=source.clock.monotonic)
    relay.serve()
    try:
        answers: list[int] = []
        asking = threading.Thread(target=lambda: answers.append(ask(relay)[0]))
        asking.start()
        assert in_flight.wait(HANG)
        threading.Timer(0.5, gate.set).start()
        relay.pause(drain=HANG)
        assert gate.is_set()  # pause returned only once the answer in flight could go out
        asking.join(HANG)
        assert answers == [200]
    finally:
        gate.set()
        relay.close()
