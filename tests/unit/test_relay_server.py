"""The relay's endpoint over real HTTP: GET <path> with the token, and nothing else."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from botocore.credentials import ContainerProvider
from botocore.exceptions import CredentialRetrievalError

from cloudshell_docker.errors import EngineError
from cloudshell_docker.relay.keeper import CredentialKeeper
from cloudshell_docker.relay.server import CREDENTIALS_PATH, RelayServer, token_matches
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


def test_no_credentials_to_give_is_500_with_the_sources_words(server, source):
    source.clock.advance(3601)
    source.failing = "container credentials endpoint at 127.0.0.1:9 failed with HTTP 500 (3 attempts)"
    status, body = ask(server)
    assert status == 500
    assert body["code"] == "CredentialsUnavailable"
    assert "failed with HTTP 500" in body["message"]


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
