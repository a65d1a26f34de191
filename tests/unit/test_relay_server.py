"""The relay's endpoint over real HTTP: GET <path> with the token, and nothing else."""

from __future__ import annotations

import http.client
import json
import socket
import sys
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
    relay = RelayServer("127.0.0.1", 0, TOKEN, keeper)
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


# Slow and many clients: 200 connections trickling a byte every 4 s must not hold the relay.

SLOW_CLIENTS = 200
TRICKLE_SECONDS = 4.0
CUT_OFF_WITHIN = 20.0


def is_cut_off(sock: socket.socket) -> bool:
    """Whether the server has closed (or reset) this connection, without waiting."""
    sock.settimeout(None)  # MSG_DONTWAIT on a socket with a timeout would wait for it
    try:
        return sock.recv(1024, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_slow_clients_cannot_hold_the_relay(server, source):
    slow: list[socket.socket] = []
    started = time.monotonic()
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection((server.host, server.port), timeout=5)
            sock.sendall(b"G")  # the first byte of a request head that never ends
            slow.append(sock)
        cut_at: dict[int, float] = {}
        open_after_the_fetch: list[int] = []
        rounds = int(CUT_OFF_WITHIN / TRICKLE_SECONDS) + 1  # bounded: at most six rounds
        for round_number in range(rounds):
            for index, sock in enumerate(slow):
                if index in cut_at:
                    continue
                if is_cut_off(sock):
                    cut_at[index] = time.monotonic() - started
                    continue
                try:
                    sock.sendall(b"E")
                except OSError:
                    cut_at[index] = time.monotonic() - started
            if round_number == 0:
                # The container's own fetch, while the slow ones that still hold a slot trickle on.
                still_open = SLOW_CLIENTS - len(cut_at)
                status, body = ask(server)  # a hang fails here (ask's own timeout)
                assert status == 200
                assert body["AccessKeyId"] == source.issued[-1].access_key_id
                assert still_open > 0
                # Answered while slow ones still hold their connections: the fetch did not wait for
                # the head deadline to cut them (no stopwatch: a loaded machine only slows both sides).
                open_after_the_fetch = [index for index, sock in enumerate(slow)
                                        if index not in cut_at and not is_cut_off(sock)]
            if len(cut_at) == SLOW_CLIENTS:
                break
            time.sleep(TRICKLE_SECONDS)
        for index, sock in enumerate(slow):
            if index not in cut_at and is_cut_off(sock):
                cut_at[index] = time.monotonic() - started
        assert open_after_the_fetch, "the fetch was answered only once every slow connection was cut"
        sys.stderr.write(f"\n{SLOW_CLIENTS} slow clients: {len(open_after_the_fetch)} still open when the fetch "
                         f"was answered; the last was cut after {max(cut_at.values()):.1f} s\n")
        assert len(cut_at) == SLOW_CLIENTS, f"{SLOW_CLIENTS - len(cut_at)} slow connections still open"
        assert max(cut_at.values()) < CUT_OFF_WITHIN
    finally:
        for sock in slow:
            sock.close()


def test_a_head_that_trickles_in_is_cut_at_the_deadline_though_each_read_is_quick(server):
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        head = f"GET {CREDENTIALS_PATH} HTTP/1.0\r\nAuthorization: {TOKEN}\r\nX-Padding: ".encode()
        sent_all = True
        for byte in range(len(head) + 400):
            try:
                sock.sendall(head[byte:byte + 1] if byte < len(head) else b"x")
            except OSError:
                sent_all = False
                break
            if is_cut_off(sock):
                sent_all = False
                break
            time.sleep(0.05)
        # Cut before the whole head (and its padding) was in, though each byte came at once: the
        # deadline is over the head, not per read (per read, it would never be cut).
        assert not sent_all


def test_a_hand_over_waits_for_token_holders_only(server):
    idle = socket.create_connection((server.host, server.port), timeout=5)  # never sends a thing
    try:
        time.sleep(0.2)
        server.pause(drain=30)
        # The idle connection is still open: the hand-over did not wait for it (its head deadline
        # would have cut it first).
        assert not is_cut_off(idle)
    finally:
        idle.close()


def test_a_hand_over_waits_for_an_answer_in_flight(source):
    gate = threading.Event()
    in_flight = threading.Event()

    class SlowKeeper(CredentialKeeper):
        def handout(self):  # type: ignore[no-untyped-def]
            in_flight.set()
            gate.wait(5)
            return super().handout()

    keeper = SlowKeeper(source, clock=source.clock, sleep=source.clock.sleep)
    keeper.prime()
    relay = RelayServer("127.0.0.1", 0, TOKEN, keeper)
    relay.serve()
    try:
        answers: list[int] = []
        asking = threading.Thread(target=lambda: answers.append(ask(relay)[0]))
        asking.start()
        assert in_flight.wait(10)
        threading.Timer(0.5, gate.set).start()
        relay.pause(drain=10)
        assert gate.is_set()  # pause returned only once the answer in flight could go out
        asking.join(5)
        assert answers == [200]
    finally:
        gate.set()
        relay.close()
