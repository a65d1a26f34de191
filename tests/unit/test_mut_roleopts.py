"""The AssumeRole options, pinned where test_cred_roleopts left room (found by scripts/mutation.sh)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cloudshell_docker.credentials.roleopts import (
    assume_role_params,
    assume_role_settings,
    check_mfa_code,
    default_session_name,
)
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import SourceOptions
from tests.support.localzone import local_zone

ROLE = "arn:aws:iam::123456789012:role/csdt"
SERIAL = "arn:aws:iam::123456789012:mfa/user"


def settings(**options: object):
    return assume_role_settings(SourceOptions(**{"role_arn": ROLE, **options}))  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["\u0669\u0660\u0660", "\uff19\uff10\uff10"], ids=["arabic-indic", "fullwidth"])
def test_duration_in_other_scripts_digits_is_refused(value):
    # int() would read these as 900; STS wants ASCII digits, and so does the message.
    with pytest.raises(UsageError) as caught:
        settings(duration=value)
    assert str(caught.value) == f"invalid --duration {value!r}: expected a whole number of seconds"


def test_every_option_reaches_the_settings_as_typed():
    built = settings(session_name="csdt-session", mfa_serial=SERIAL, mfa_token="907531", profile="csdt-profile",
                     external_id="ext-id", source_identity="who-am-i")
    assert (built.session_name, built.mfa_serial, built.mfa_token, built.profile, built.external_id,
            built.source_identity) == ("csdt-session", SERIAL, "907531", "csdt-profile", "ext-id", "who-am-i")
    assert "907531" not in repr(built)  # the code is a secret for its 30 seconds


def test_limits_are_inclusive():
    tags = tuple(f"k{i}=v" for i in range(50))
    assert len(settings(tags=tags).tags) == 50
    arns = tuple(f"arn:aws:iam::aws:policy/P{i}" for i in range(10))
    assert settings(policy_arns=arns).policy_arns == arns


def test_policy_that_is_not_utf8(tmp_path):
    path = tmp_path / "policy.json"
    path.write_bytes(b'{"Sid": "caf\xe9"}')  # latin-1
    with pytest.raises(UsageError) as caught:
        settings(policy_file=str(path))
    assert str(caught.value) == f"--policy file {path} is not UTF-8 text"


def test_policy_json_refused_without_a_line_number(tmp_path):
    # json refuses an integer of more than 4300 digits with a plain ValueError: it has no line to name.
    path = tmp_path / "policy.json"
    path.write_text('{"Version": ' + "1" * 5000 + "}")
    with pytest.raises(UsageError) as caught:
        settings(policy_file=str(path))
    assert str(caught.value) == f"--policy file {path} is not valid JSON"


def test_inline_policy_is_sent_compacted(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text('{ "Version": "2012-10-17",\n  "Statement": [] }\n')
    params = assume_role_params(settings(policy_file=str(path)), "n", None)
    assert params == {"RoleArn": ROLE, "RoleSessionName": "n", "Policy": '{"Version":"2012-10-17","Statement":[]}'}
    assert settings(policy_file=str(path)).policy_digest == (
        "8f907b489532ad56fb7c52f3acc89b27680ed51296bf03984ce78d2b7b96076a")  # sha256 of the compact text


def test_serial_without_a_code_sends_no_token_code():
    assert assume_role_params(settings(mfa_serial=SERIAL), "n", None) == {
        "RoleArn": ROLE, "RoleSessionName": "n", "SerialNumber": SERIAL}


@pytest.mark.parametrize(("typed", "code"), [("123456", "123456"), (" 654321\n", "654321"), ("12345", None),
                                             ("1234567", None), ("12 456", None), ("\u0661\u0662\u0663456", None)])
def test_mfa_code_as_typed_at_the_prompt(typed, code):
    assert check_mfa_code(typed) == code


def test_default_session_name_is_the_utc_time():
    plus_two = timezone(timedelta(hours=2))
    with local_zone("Asia/Kolkata"):  # +05:30 all year: the zone of neither input
        assert default_session_name(datetime(2026, 11, 28, 17, 42, 5, tzinfo=plus_two)) == "csdocker-20261128T154205Z"
        assert default_session_name(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "csdocker-20260102T030405Z"
