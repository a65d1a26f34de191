"""csdocker's own stderr lines: one prefix, warnings marked, secrets redacted; and the walk over an error's causes."""

from __future__ import annotations

import io
import secrets

import pytest

from cloudshell_docker.console import print_error, warn
from cloudshell_docker.errors import causes
from cloudshell_docker.redact import register_secret


def test_a_warning_is_one_prefixed_line_on_stderr(capsys):
    warn("no AWS region configured")
    assert capsys.readouterr().err == "csdocker: warning: no AWS region configured\n"


def test_an_error_goes_to_the_stream_given():
    stream = io.StringIO()
    print_error("bad flag", stream=stream)
    assert stream.getvalue() == "csdocker: bad flag\n"


@pytest.mark.parametrize("say", [print_error, warn])
def test_a_registered_secret_never_reaches_the_terminal(say, capsys):
    secret = secrets.token_hex(16)
    register_secret(secret)
    say(f"token {secret} refused")
    err = capsys.readouterr().err
    assert secret not in err
    assert "token *** refused" in err


def test_causes_walks_cause_context_reason_and_arguments_once():
    refused = ConnectionRefusedError(111, "Connection refused")

    class Wrapped(Exception):
        def __init__(self, reason: BaseException) -> None:
            super().__init__("max retries")
            self.reason = reason

    inner = Wrapped(refused)
    outer = RuntimeError("request failed", inner)
    try:
        raise outer from inner  # the same inner twice: an argument and the cause
    except RuntimeError as err:
        found = list(causes(err))
    assert found[0] is outer
    assert refused in found
    assert [id(e) for e in found].count(id(inner)) == 1
