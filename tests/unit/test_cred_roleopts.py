"""The AssumeRole options are checked before any call: a bad one is one clear line (UsageError)."""

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


def settings(**options: object):
    return assume_role_settings(SourceOptions(**{"role_arn": ROLE, **options}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/x",
        "arn:aws:iam::123456789012:role/service-role/a.b@c+d=e,f-g_h",
        "arn:aws:iam::123456789012:role/path/to/deep/role",
        "arn:aws-cn:iam::123456789012:role/x",
        "arn:aws-us-gov:iam::123456789012:role/x",
        "arn:aws:iam::123456789012:role/" + "r" * 64,
    ],
)
def test_role_arns_accepted(arn):
    assert settings(role_arn=arn).role_arn == arn


@pytest.mark.parametrize(
    "arn",
    [
        "not-an-arn",
        "arn:aws:iam::12345:role/x",
        "arn:aws:iam::123456789012:user/x",
        "arn:aws:sts::123456789012:assumed-role/x/y",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/has space",
        "arn:aws:iam::123456789012:role/" + "r" * 65,
        "arn:azure:iam::123456789012:role/x",
        " arn:aws:iam::123456789012:role/x",
    ],
)
def test_role_arns_refused(arn):
    with pytest.raises(UsageError) as caught:
        settings(role_arn=arn)
    assert str(caught.value) == f"invalid --role-arn {arn!r}: expected arn:aws:iam::ACCOUNT_ID:role/NAME"


def test_missing_role_arn():
    with pytest.raises(UsageError, match=r"^--source sts needs --role-arn$"):
        assume_role_settings(SourceOptions(source="sts"))


@pytest.mark.parametrize(("value", "seconds"), [("900", 900), ("3600", 3600), ("43200", 43200), ("0900", 900)])
def test_durations_accepted(value, seconds):
    assert settings(duration=value).duration == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "invalid --duration 'soon': expected a whole number of seconds"),
        ("3600.0", "invalid --duration '3600.0': expected a whole number of seconds"),
        ("1h", "invalid --duration '1h': expected a whole number of seconds"),
        ("-900", "invalid --duration '-900': expected a whole number of seconds"),
        (" 900", "invalid --duration ' 900': expected a whole number of seconds"),
        ("3_600", "invalid --duration '3_600': expected a whole number of seconds"),
        ("", "invalid --duration '': expected a whole number of seconds"),
        ("60", "invalid --duration 60: must be between 900 and 43200 seconds"),
        ("899", "invalid --duration 899: must be between 900 and 43200 seconds"),
        ("43201", "invalid --duration 43201: must be between 900 and 43200 seconds"),
    ],
)
def test_durations_refused(value, message):
    with pytest.raises(UsageError) as caught:
        settings(duration=value)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("tags", "parsed"),
    [
        (("a=b",), (("a", "b"),)),
        (("team=",), (("team", ""),)),
        (("k=v=w",), (("k", "v=w"),)),
        (("cost center=a b/c:d+e-f@g.h_i",), (("cost center", "a b/c:d+e-f@g.h_i"),)),
        (("équipe=données",), (("équipe", "données"),)),
        (("b=1", "a=2"), (("b", "1"), ("a", "2"))),
    ],
)
def test_tags_accepted(tags, parsed):
    assert settings(tags=tags).tags == parsed


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (("novalue",), "invalid --tag 'novalue': expected KEY=VALUE"),
        (("=value",), "invalid --tag '=value': expected KEY=VALUE"),
        (("k=v;rm",), "invalid --tag 'k=v;rm': keys (1-128 characters) and values (0-256) may hold letters, "
                      "digits, spaces and _.:/=+-@"),
        (("k" * 129 + "=v",), f"invalid --tag {'k' * 129 + '=v'!r}: keys (1-128 characters) and values (0-256) "
                              "may hold letters, digits, spaces and _.:/=+-@"),
        (("k=" + "v" * 257,), f"invalid --tag {'k=' + 'v' * 257!r}: keys (1-128 characters) and values (0-256) "
                              "may hold letters, digits, spaces and _.:/=+-@"),
        (("Team=a", "team=b"), "invalid --tag 'team=b': the key 'team' is given twice"),
        (tuple(f"k{i}=v" for i in range(51)), "too many --tag options: STS accepts at most 50"),
    ],
)
def test_tags_refused(tags, message):
    with pytest.raises(UsageError) as caught:
        settings(tags=tags)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"session_name": "x"}, "invalid --session-name 'x': 2 to 64 letters, digits and _+=,.@-"),
        ({"session_name": "has space"}, "invalid --session-name 'has space': 2 to 64 letters, digits and _+=,.@-"),
        ({"session_name": "s" * 65}, f"invalid --session-name {'s' * 65!r}: 2 to 64 letters, digits and _+=,.@-"),
        ({"session_name": "café"}, "invalid --session-name 'café': 2 to 64 letters, digits and _+=,.@-"),
        ({"source_identity": "a b"}, "invalid --source-identity 'a b': 2 to 64 letters, digits and _+=,.@-"),
        ({"external_id": "x"}, "invalid --external-id: 2 to 1224 letters, digits and _+=,.@:/-"),
        ({"external_id": "has space"}, "invalid --external-id: 2 to 1224 letters, digits and _+=,.@:/-"),
        ({"mfa_serial": "short"}, "invalid --mfa-serial 'short': expected an MFA device ARN or serial number"),
        ({"mfa_serial": "arn:aws:iam::123456789012:mfa/user", "mfa_token": "12345"},
         "invalid --mfa-token: expected the 6-digit code"),
        ({"mfa_serial": "arn:aws:iam::123456789012:mfa/user", "mfa_token": "abcdef"},
         "invalid --mfa-token: expected the 6-digit code"),
        ({"mfa_token": "123456"}, "--mfa-token needs --mfa-serial"),
        ({"policy_arns": ("ReadOnlyAccess",)},
         "invalid --policy-arn 'ReadOnlyAccess': expected arn:aws:iam::ACCOUNT_ID|aws:policy/NAME"),
        ({"policy_arns": tuple(f"arn:aws:iam::aws:policy/P{i}" for i in range(11))},
         "too many --policy-arn options: STS accepts at most 10"),
    ],
)
def test_other_options_refused(options, message):
    with pytest.raises(UsageError) as caught:
        settings(**options)
    assert str(caught.value) == message


def test_mfa_code_is_not_echoed_in_its_error():
    with pytest.raises(UsageError) as caught:
        settings(mfa_serial="arn:aws:iam::123456789012:mfa/user", mfa_token="98765x")
    assert "98765x" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read --policy file {path}: No such file or directory"),
        ("{not json", "--policy file {path} is not valid JSON (line 1)"),
        ('{"Version": "2012-10-17",\n "Statement": [,]}', "--policy file {path} is not valid JSON (line 2)"),
        ('["a list"]', "--policy file {path} is not a JSON object (a policy document)"),
        ("", "--policy file {path} is not valid JSON (line 1)"),
    ],
)
def test_policy_file_refused(tmp_path, content, message):
    path = tmp_path / "policy.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError) as caught:
        settings(policy_file=str(path))
    assert str(caught.value) == message.format(path=path)


def test_policy_directory_refused(tmp_path):
    with pytest.raises(UsageError) as caught:
        settings(policy_file=str(tmp_path))
    assert str(caught.value) == f"cannot read --policy file {tmp_path}: Is a directory"


def test_policy_compacted(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text('{\n  "Version" : "2012-10-17",\n  "Statement" : [ { "Effect": "Deny", "Resource": "é" } ]\n}\n')
    assert settings(policy_file=str(path)).policy == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Resource":"é"}]}')


def test_params_for_the_call():
    built = settings(duration="1000", tags=("a=1",), policy_arns=("arn:aws:iam::aws:policy/X",),
                     mfa_serial="arn:aws:iam::123456789012:mfa/user", source_identity="who", external_id="ext")
    assert assume_role_params(built, "csdt-name", "123456") == {
        "RoleArn": ROLE,
        "RoleSessionName": "csdt-name",
        "DurationSeconds": 1000,
        "ExternalId": "ext",
        "SerialNumber": "arn:aws:iam::123456789012:mfa/user",
        "TokenCode": "123456",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/X"}],
        "SourceIdentity": "who",
        "Tags": [{"Key": "a", "Value": "1"}],
    }
    assert assume_role_params(settings(), "n2", None) == {"RoleArn": ROLE, "RoleSessionName": "n2"}


# Pinned where the tests above left room (found by scripts/mutation.sh):


SERIAL = "arn:aws:iam::123456789012:mfa/user"




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
