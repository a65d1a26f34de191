"""The relay probe that ``csdocker exec`` makes before a relay container's command: against a real relay
server on 127.0.0.1 (the network edge), a wrong token, a relay without credentials, nothing listening."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.relay.keeper import CredentialKeeper
from cloudshell_docker.relay.label import is_relay_container, trusted_relay_container
from cloudshell_docker.relay.probe import is_relay_url, relay_problem, relay_settings
from cloudshell_docker.relay.server import RelayServer


class _Source:
    description = "test source"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def fetch(self) -> AwsCredentials:
        if self.fail:
            raise CredentialError("upstream is down")
        return AwsCredentials("AKIATEST", "secret", "token", datetime.now(UTC) + timedelta(hours=1))


@pytest.fixture
def relay():
    keeper = CredentialKeeper(_Source())
    keeper.prime()
    server = RelayServer("127.0.0.1", 0, "the-token", keeper)
    server.serve()
    yield server
    server.close()


def test_a_relay_that_serves_the_token_is_fine(relay):
    assert relay_problem(relay.url, "the-token") is None


def test_a_refused_token_is_not_this_containers_relay(relay):
    problem = relay_problem(relay.url, "another-token")
    assert problem is not None
    assert "refuses its token" in problem


def test_nothing_listening_no_longer_answers():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    problem = relay_problem(f"http://127.0.0.1:{port}/v1/credentials", "t")
    assert problem is not None
    assert "no longer answers (connection refused)" in problem


def test_a_relay_without_credentials():
    keeper = CredentialKeeper(_Source(fail=True))
    server = RelayServer("127.0.0.1", 0, "tok", keeper)
    server.serve()
    try:
        problem = relay_problem(server.url, "tok")
    finally:
        server.close()
    assert problem is not None
    assert "has no credentials to give (HTTP 500)" in problem


def test_only_an_http_address_is_probed():
    assert "is not one csdocker serves" in (relay_problem("https://example.invalid/x", "t") or "")


def test_settings_from_the_containers_env():
    env = ["PATH=/bin", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2:1234/v1/credentials",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN=a=b"]
    assert relay_settings(env) == ("http://169.254.170.2:1234/v1/credentials", "a=b")
    assert relay_settings(env[:2]) is None


@pytest.mark.parametrize(("labels", "expected"), [
    ({"csdocker.managed": "relay-container"}, True),
    ({"csdocker.managed": "relay-container", "team": "x"}, True),
    ({"csdocker.managed": "relay-network"}, False),
    ({}, False),
    (None, False),
])
def test_a_relay_container_is_known_by_csdockers_label(labels, expected):
    assert is_relay_container(labels) is expected


@pytest.mark.parametrize(("url", "ours"), [
    ("http://169.254.170.2:40000/v1/credentials", True), ("http://127.0.0.1:1/v1/credentials", True),
    ("http://127.0.0.1:65535/v1/credentials", True), ("http://127.0.0.1:65536/v1/credentials", False),
    ("http://127.0.0.1:0/v1/credentials", False), ("http://127.0.0.1/v1/credentials", False),
    ("http://10.0.0.5:40000/v1/credentials", False), ("http://127.0.0.1:40000/reached-from-the-host", False),
    ("http://127.0.0.1:40000/v1/credentials?x", False), ("https://127.0.0.1:40000/v1/credentials", False),
    ("http://user@127.0.0.1:40000/v1/credentials", False), ("http://169.254.170.2:40000/v1/credentials/", False),
])
def test_only_the_relays_own_url_form_is_asked(url, ours):
    assert is_relay_url(url) is ours
    if not ours:
        assert relay_problem(url, "token") == f"its relay address {url} is not one csdocker serves"


RELAY_ENV = ["AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2:40000/v1/credentials",
             "AWS_CONTAINER_AUTHORIZATION_TOKEN=abc"]


@pytest.mark.parametrize(("image_config", "trusted"), [
    ({}, True),
    ({"Labels": None, "Env": ["PATH=/bin"]}, True),
    ({"Labels": {"csdocker.managed": "relay-container"}}, False),
    ({"Env": [RELAY_ENV[0]]}, False),
    ({"Env": [RELAY_ENV[1]]}, False),
    (None, False),
])
def test_a_relay_label_counts_only_when_the_image_did_not_put_it_there(image_config, trusted):
    config = {"Labels": {"csdocker.managed": "relay-container"}, "Env": RELAY_ENV}
    assert trusted_relay_container(config, image_config) is trusted
    assert not trusted_relay_container({"Labels": {}, "Env": RELAY_ENV}, {})
