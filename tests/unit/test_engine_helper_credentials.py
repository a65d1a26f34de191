"""Engine.helper_credentials: what config.json's credential helpers hold for a registry, read through a
real docker-credential-* program on PATH (the helper protocol is the network edge here)."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.dockerpy import use_config
from cloudshell_docker.errors import EngineError

HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def engine_with(config: dict[str, object]) -> Engine:
    client = docker.APIClient(base_url="unix:///nonexistent/docker.sock", version="1.41")  # no request made
    use_config(client, config)
    return Engine(client)


@pytest.fixture
def helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write docker-credential-csdt answering ``get`` for HOST with the given username and secret."""
    def make(username: str, secret: str) -> Path:
        log = tmp_path / "calls.log"
        answer = json.dumps({"ServerURL": HOST, "Username": username, "Secret": secret})
        script = tmp_path / "docker-credential-csdt"
        script.write_text(f"#!/bin/sh\nread server\necho \"$1 $server\" >> {log}\n"
                          f"[ \"$server\" = {HOST} ] && {{ echo '{answer}'; exit 0; }}\n"
                          "echo 'credentials not found in native keychain'; exit 1\n")
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
        return log
    return make


def test_a_credhelpers_entry_answers_for_its_registry(helper):
    log = helper("AWS", "from-the-helper")
    engine = engine_with({"credHelpers": {HOST: "csdt"}})
    assert engine.helper_credentials(HOST) == {"username": "AWS", "password": "from-the-helper",
                                               "serveraddress": HOST}
    assert log.read_text() == f"get {HOST}\n"


def test_an_identity_token_is_passed_as_one(helper):
    helper("<token>", "an-identity-token")
    engine = engine_with({"credsStore": "csdt"})
    assert engine.helper_credentials(HOST) == {"identitytoken": "an-identity-token", "serveraddress": HOST}


def test_a_store_without_the_registry_has_nothing(helper):
    log = helper("AWS", "x")
    engine = engine_with({"credsStore": "csdt"})
    assert engine.helper_credentials("210987654321.dkr.ecr.eu-west-1.amazonaws.com") is None
    assert log.read_text() == "get 210987654321.dkr.ecr.eu-west-1.amazonaws.com\n"


def test_no_helper_for_the_registry_asks_nobody(helper):
    log = helper("AWS", "x")
    engine = engine_with({"credHelpers": {"elsewhere.example": "csdt"},
                          "auths": {HOST: {"auth": "QVdTOnN0YWxl"}}})  # a static entry is not a helper
    assert engine.helper_credentials(HOST) is None
    assert not log.exists()


def test_a_missing_helper_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    engine = engine_with({"credHelpers": {HOST: "nowhere"}})
    with pytest.raises(EngineError) as caught:
        engine.helper_credentials(HOST)
    assert caught.value.message == ("error getting credentials - err: docker-credential-nowhere not installed "
                                    "or not available in PATH")
