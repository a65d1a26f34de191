"""An MFA-gated role in relay mode: the code is asked for once, before the container starts; never after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloudshell_docker.credentials.roleopts import assume_role_settings
from cloudshell_docker.credentials.sts import StsAssumeRoleSource
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.options.own import SourceOptions
from cloudshell_docker.relay import PromptGate
from cloudshell_docker.relay.keeper import CredentialKeeper, Unavailable
from tests.support.awsenv import isolate_aws, moto_role
from tests.support.moto import MotoServer
from tests.support.relay_sources import FakeClock

SERIAL = "arn:aws:iam::123456789012:mfa/csdt-relay-user"


class Terminal:
    """The person at the terminal: answers each prompt with the next code."""

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.asked: list[str] = []

    def __call__(self, text: str) -> str:
        self.asked.append(text)
        return self.codes.pop(0)


@pytest.fixture
def mfa_source(monkeypatch, tmp_path, moto: MotoServer):
    isolate_aws(monkeypatch, tmp_path / "home", AWS_ENDPOINT_URL=moto.url, AWS_ACCESS_KEY_ID="AKIDCSDTRELAYMFA",
                AWS_SECRET_ACCESS_KEY="csdt-relay-mfa-secret", AWS_DEFAULT_REGION="us-east-1")
    role = moto_role(moto, "csdt-relay-mfa-role")

    def make(terminal: Terminal, gate: PromptGate, **options: str) -> StsAssumeRoleSource:
        settings = assume_role_settings(SourceOptions(role_arn=role, mfa_serial=SERIAL, **options))
        return StsAssumeRoleSource(settings, prompt=gate)

    return make


def test_the_first_fetch_may_ask_for_the_code_and_refreshes_are_refused_without_asking(mfa_source):
    terminal = Terminal("123456", "654321")
    gate = PromptGate(terminal)
    keeper = CredentialKeeper(mfa_source(terminal, gate))
    first = keeper.prime()
    assert len(terminal.asked) == 1
    gate.close()  # what prepare_relay does once the first credentials are in hand
    keeper.refresh_now()
    assert len(terminal.asked) == 1  # nobody was asked again
    assert "needs a new MFA code" in (keeper.last_error or "")
    assert keeper.handout().credentials == first  # the first session still serves while it lasts


def test_a_code_given_on_the_command_line_is_used_once_and_refreshes_are_refused(mfa_source):
    terminal = Terminal()
    gate = PromptGate(terminal)
    source = mfa_source(terminal, gate, mfa_token="123456")
    keeper = CredentialKeeper(source)
    keeper.prime()
    gate.close()
    with pytest.raises(CredentialError, match="nobody can be asked while the container runs"):
        source.fetch()
    assert terminal.asked == []


def test_once_the_session_is_over_the_container_is_told_why(mfa_source):
    terminal = Terminal("123456")
    gate = PromptGate(terminal)
    clock = FakeClock(datetime.now(UTC))
    keeper = CredentialKeeper(mfa_source(terminal, gate), clock=clock, sleep=clock.sleep)
    first = keeper.prime()
    gate.close()
    clock.now = first.expiration  # the session has run out
    with pytest.raises(Unavailable, match="needs a new MFA code"):
        keeper.handout()
