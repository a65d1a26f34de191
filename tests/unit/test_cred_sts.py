"""STS AssumeRole against moto's real STS API.

What moto records or returns proves the options that moto understands (the session name in
the assumed-role ARN, the external ID and policy in its records). For the ones moto ignores
(tags, policy ARNs, source identity, MFA), the form body botocore built is read by a
``before-send`` hook: that is the last thing before the network. The same hook answers
with STS's own error documents for the refusals moto never makes (AccessDenied, MFA).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from cloudshell_docker.credentials.roleopts import (
    AssumeRoleSettings,
    assume_role_settings,
    default_session_name,
)
from cloudshell_docker.credentials.sts import StsAssumeRoleSource
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.options.own import SourceOptions
from tests.support.awsenv import isolate_aws, moto_data, moto_role
from tests.support.endpoint import CredentialsEndpoint
from tests.support.localzone import local_zone
from tests.support.moto import MotoServer, free_port

BASE_KEY = "AKIDCSDTSTSBASE01"
BASE_SECRET = "csdt-sts-base-secret-value"
SERIAL = "arn:aws:iam::123456789012:mfa/csdt-user"
FIXED_NOW = datetime(2026, 11, 28, 15, 42, 0, tzinfo=UTC)


@pytest.fixture
def sts_env(monkeypatch, tmp_path, moto: MotoServer) -> dict[str, str]:
    return isolate_aws(monkeypatch, tmp_path / "home", AWS_ENDPOINT_URL=moto.url, AWS_ACCESS_KEY_ID=BASE_KEY,
                       AWS_SECRET_ACCESS_KEY=BASE_SECRET, AWS_DEFAULT_REGION="us-east-1")


@pytest.fixture
def role(moto: MotoServer) -> str:
    return moto_role(moto, "csdt-cred-sts-role")


class RawBody:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **kwargs: Any) -> Any:
        yield self.data


def sts_error(code: str, message: str, status: int = 403) -> Callable[[Any], AWSResponse]:
    """A before-send answer: STS's error document (query protocol)."""
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>csdt-1</RequestId></ErrorResponse>"
    ).encode()

    def respond(request: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, RawBody(body))

    return respond


class Wire:
    """A boto3 session factory whose sessions show each AssumeRole request as it leaves."""

    def __init__(self, respond: Callable[[Any], AWSResponse] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.respond = respond

    def __call__(self, profile: str | None) -> boto3.session.Session:
        session = boto3.session.Session(profile_name=profile)
        session.events.register("before-send.sts.AssumeRole", self.before_send)
        return session

    def before_send(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
        self.requests.append({"form": form, "url": request.url,
                              "authorization": request.headers.get("Authorization", b"").decode()
                              if isinstance(request.headers.get("Authorization"), bytes)
                              else str(request.headers.get("Authorization", ""))})
        return self.respond(request) if self.respond else None


def source(role_arn: str, *, wire: Wire | None = None, prompt: Callable[[str], str] | None = None,
           clock: Callable[[], datetime] = lambda: FIXED_NOW, **options: Any) -> StsAssumeRoleSource:
    settings = assume_role_settings(SourceOptions(role_arn=role_arn, **options))
    kwargs: dict[str, Any] = {"prompt": prompt, "clock": clock}
    if wire is not None:
        kwargs["session_factory"] = wire
    return StsAssumeRoleSource(settings, **kwargs)


def caller_arn(moto: MotoServer, creds: Any) -> str:
    sts = boto3.client("sts", endpoint_url=moto.url, region_name="us-east-1",
                       aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret_access_key,
                       aws_session_token=creds.session_token)
    return str(sts.get_caller_identity()["Arn"])


def recorded_session(moto: MotoServer, access_key_id: str) -> dict[str, Any]:
    for assumed in moto_data(moto)["sts"]["AssumedRole"]:
        if assumed["access_key_id"] == access_key_id:
            return dict(assumed)
    raise AssertionError(f"moto has no session for {access_key_id}")


def test_assumed_role_credentials_work(sts_env, moto, role):
    creds = source(role, session_name="csdt-explicit.name@x").fetch()
    assert creds.access_key_id.startswith("ASIA")
    assert creds.session_token
    assert creds.expiration is not None
    assert creds.expiration.tzinfo is not None
    assert creds.expiration.utcoffset().total_seconds() == 0
    assert caller_arn(moto, creds) == "arn:aws:sts::123456789012:assumed-role/csdt-cred-sts-role/csdt-explicit.name@x"


def test_default_session_name_is_timestamped(sts_env, moto, role):
    creds = source(role, clock=lambda: FIXED_NOW).fetch()
    assert caller_arn(moto, creds).endswith("/csdocker-20261128T154200Z")
    assert recorded_session(moto, creds.access_key_id)["session_name"] == "csdocker-20261128T154200Z"


@pytest.mark.parametrize("now", [FIXED_NOW, datetime(1999, 1, 2, 3, 4, 5, tzinfo=UTC), datetime.now(UTC)])
def test_default_session_name_fits_sts(now):
    name = default_session_name(now)
    assert re.fullmatch(r"[\w+=,.@-]{2,64}", name, re.ASCII)
    assert name == "csdocker-" + now.strftime("%Y%m%dT%H%M%SZ")


def test_each_fetch_is_a_new_session_with_a_fresh_default_name(sts_env, moto, role):
    ticks = iter([FIXED_NOW, FIXED_NOW.replace(minute=50)])
    src = source(role, clock=lambda: next(ticks))
    first, second = src.fetch(), src.fetch()
    assert first.access_key_id != second.access_key_id
    assert caller_arn(moto, first).endswith("/csdocker-20261128T154200Z")
    assert caller_arn(moto, second).endswith("/csdocker-20261128T155000Z")


def test_moto_records_external_id_and_policy(sts_env, moto, role, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:*",'
                      ' "Resource": "*"}]\n}\n')
    creds = source(role, external_id="csdt-external-42", policy_file=str(policy)).fetch()
    recorded = recorded_session(moto, creds.access_key_id)
    assert recorded["external_id"] == "csdt-external-42"
    assert json.loads(recorded["policy"]) == json.loads(policy.read_text())
    assert recorded["policy"] == ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
                                  '"Resource":"*"}]}')  # compacted: STS counts the plaintext


def test_every_option_leaves_in_the_request(sts_env, moto, role, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}')
    wire = Wire()
    creds = source(
        role, wire=wire, session_name="csdt-wire", duration="1800", external_id="csdt-ext",
        mfa_serial=SERIAL, mfa_token="123456",
        policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/csdt-p"),
        policy_file=str(policy), source_identity="csdt-alice", tags=("team=platform", "cost center=42 / a=b"),
    ).fetch()
    assert creds.access_key_id.startswith("ASIA")  # moto answered the very request shown below
    [request] = wire.requests
    assert request["url"].startswith(moto.url)
    assert request["form"] == {
        "Action": "AssumeRole",
        "Version": "2011-06-15",
        "RoleArn": role,
        "RoleSessionName": "csdt-wire",
        "DurationSeconds": "1800",
        "ExternalId": "csdt-ext",
        "SerialNumber": SERIAL,
        "TokenCode": "123456",
        "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "PolicyArns.member.2.arn": "arn:aws:iam::123456789012:policy/csdt-p",
        "Policy": '{"Version":"2012-10-17","Statement":[]}',
        "SourceIdentity": "csdt-alice",
        "Tags.member.1.Key": "team",
        "Tags.member.1.Value": "platform",
        "Tags.member.2.Key": "cost center",
        "Tags.member.2.Value": "42 / a=b",
    }
    assert f"Credential={BASE_KEY}/" in request["authorization"]  # signed with the default chain's key


def test_duration_shapes_the_expiration(sts_env, moto, role):
    wire = Wire()
    before = datetime.now(UTC)
    creds = source(role, wire=wire, duration="2700").fetch()
    assert wire.requests[0]["form"]["DurationSeconds"] == "2700"
    assert creds.expiration is not None
    lifetime = (creds.expiration - before).total_seconds()
    assert 2700 - 60 < lifetime < 2700 + 60  # moto derives Expiration from DurationSeconds


def test_base_credentials_come_from_the_container_endpoint(monkeypatch, tmp_path, moto, role):
    # CloudShell: no keys in the environment, the default chain reads the container endpoint.
    with CredentialsEndpoint() as endpoint:
        isolate_aws(monkeypatch, tmp_path / "home", AWS_ENDPOINT_URL=moto.url, AWS_DEFAULT_REGION="us-east-1",
                    **endpoint.environ())
        wire = Wire()
        src = source(role, wire=wire)
        identity = src.cache_identity()
        creds = src.fetch()
        issued = endpoint.issued[-1].access_key_id
    assert identity["base_access_key_id"] == issued
    assert f"Credential={issued}/" in wire.requests[0]["authorization"]
    assert creds.access_key_id != issued


def test_mfa_prompt_happens_in_fetch_only(sts_env, moto, role):
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return " 654321\n"

    wire = Wire()
    src = source(role, wire=wire, prompt=prompt, mfa_serial=SERIAL)
    src.cache_identity()
    assert asked == []  # neither construction nor the cache's look-up asks
    src.fetch()
    assert asked == [f"MFA code for {SERIAL}: "]
    assert wire.requests[0]["form"]["SerialNumber"] == SERIAL
    assert wire.requests[0]["form"]["TokenCode"] == "654321"


def test_given_mfa_code_is_used_once_then_the_terminal_is_asked(sts_env, moto, role):
    asked: list[str] = []
    wire = Wire()
    src = source(role, wire=wire, prompt=lambda text: asked.append(text) or "222222",
                 mfa_serial=SERIAL, mfa_token="111111")
    src.fetch()
    assert asked == []
    src.fetch()  # a refresh: the first code has long expired
    assert len(asked) == 1
    assert [request["form"]["TokenCode"] for request in wire.requests] == ["111111", "222222"]


def test_mfa_code_typed_wrong_is_refused_without_a_call(sts_env, moto, role):
    wire = Wire()
    src = source(role, wire=wire, prompt=lambda text: "12 34", mfa_serial=SERIAL)
    with pytest.raises(CredentialError) as caught:
        src.fetch()
    assert str(caught.value) == f"the MFA code entered for {SERIAL} is not 6 digits"
    assert wire.requests == []


STS_REFUSALS = [
    ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.",
     {"mfa_serial": SERIAL, "mfa_token": "000000"},
     "sts assume-role {role}: the MFA code for " + SERIAL + " was refused "
     "(MultiFactorAuthentication failed with invalid MFA one time pass code.)"),
    ("AccessDenied", "User: arn:aws:iam::123456789012:user/csdt is not authorized to perform: "
     "sts:AssumeRole on resource: {role}", {},
     "sts assume-role {role}: access denied: User: arn:aws:iam::123456789012:user/csdt is not authorized to "
     "perform: sts:AssumeRole on resource: {role}"),
    ("ExpiredToken", "The security token included in the request is expired", {},
     "sts assume-role {role} failed: ExpiredToken: The security token included in the request is expired"),
    ("RegionDisabledException", "STS is not activated in this region", {},
     "sts assume-role {role} failed: RegionDisabledException: STS is not activated in this region"),
]


@pytest.mark.parametrize(("code", "said", "options", "message"), STS_REFUSALS,
                         ids=["mfa-refused", "access-denied", "expired-token", "region-disabled"])
def test_sts_refusals(sts_env, moto, role, code, said, options, message):
    wire = Wire(respond=sts_error(code, said.format(role=role)))
    with pytest.raises(CredentialError) as caught:
        source(role, wire=wire, **options).fetch()
    text = str(caught.value)
    assert text == message.format(role=role)
    assert BASE_SECRET not in text
    assert len(wire.requests) == 1  # a refusal is not retried


def test_no_base_credentials(monkeypatch, tmp_path, moto, role):
    isolate_aws(monkeypatch, tmp_path / "home", AWS_ENDPOINT_URL=moto.url, AWS_DEFAULT_REGION="us-east-1")
    wire = Wire()
    src = source(role, wire=wire)
    message = (f"sts assume-role {role}: no AWS credentials to call STS with (boto3's default chain found none: "
               "environment, shared files, SSO, container endpoint, instance metadata)")
    with pytest.raises(CredentialError) as caught:
        src.fetch()
    assert str(caught.value) == message
    with pytest.raises(CredentialError) as caught:
        src.cache_identity()
    assert str(caught.value) == message
    assert wire.requests == []


@pytest.mark.parametrize("how", ["option", "AWS_PROFILE"])
def test_unknown_profile(sts_env, monkeypatch, role, how):
    options: dict[str, str] = {}
    if how == "option":
        options["profile"] = "csdt-nope"
    else:
        monkeypatch.setenv("AWS_PROFILE", "csdt-nope")
    with pytest.raises(CredentialError) as caught:
        source(role, **options).fetch()
    assert str(caught.value) == "AWS profile 'csdt-nope' not found"


def test_profile_supplies_the_base_credentials(sts_env, monkeypatch, tmp_path, role):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    Path(sts_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[csdt-base]\naws_access_key_id = AKIDCSDTPROFILE01\naws_secret_access_key = csdt-profile-secret\n")
    wire = Wire()
    src = source(role, wire=wire, profile="csdt-base")
    assert src.cache_identity()["base_access_key_id"] == "AKIDCSDTPROFILE01"
    assert src.cache_identity()["profile"] == "csdt-base"
    src.fetch()
    assert "Credential=AKIDCSDTPROFILE01/" in wire.requests[0]["authorization"]


def test_sts_unreachable(sts_env, monkeypatch, role):
    port = free_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(CredentialError) as caught:
        source(role).fetch()
    assert str(caught.value) == (f'sts assume-role {role} failed: Could not connect to the endpoint URL: '
                                 f'"http://127.0.0.1:{port}/"')


def test_sts_endpoint_and_region_follow_boto3s_configuration(sts_env, monkeypatch, moto, role):
    # AWS_ENDPOINT_URL_STS beats AWS_ENDPOINT_URL; the region is boto3's.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")  # botocore prefers AWS_DEFAULT_REGION: not overridden
    identity = source(role).cache_identity()
    assert (identity["sts_endpoint"], identity["sts_region"]) == (moto.url, "eu-central-1")


def test_aws_region_counts_when_boto3_has_none(sts_env, monkeypatch, moto, role):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    src = source(role)
    assert src.cache_identity()["sts_region"] == "eu-west-3"
    assert src.fetch().access_key_id.startswith("ASIA")


def test_profile_region_is_boto3s(sts_env, monkeypatch, moto, role):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    Path(sts_env["AWS_CONFIG_FILE"]).write_text("[profile csdt-r]\nregion = sa-east-1\n")
    Path(sts_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[csdt-r]\naws_access_key_id = AKIDCSDTPROFILE02\naws_secret_access_key = csdt-profile-secret\n")
    assert source(role, profile="csdt-r").cache_identity()["sts_region"] == "sa-east-1"


def test_cache_identity_in_full(sts_env, moto, role, tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text('{ "Version": "2012-10-17" }')
    wire = Wire()
    identity = source(
        role, wire=wire, session_name="csdt-s", duration="3600", external_id="csdt-ext", mfa_serial=SERIAL,
        mfa_token="909090", policy_arns=("arn:aws:iam::aws:policy/B", "arn:aws:iam::aws:policy/A"),
        policy_file=str(policy), source_identity="csdt-who", tags=("z=1", "a=2"),
    ).cache_identity()
    assert identity == {
        "role_arn": role,
        "base_access_key_id": BASE_KEY,
        "sts_endpoint": moto.url,
        "sts_region": "us-east-1",
        "session_name": "csdt-s",
        "duration": "3600",
        "external_id": "csdt-ext",
        "mfa_serial": SERIAL,
        "source_identity": "csdt-who",
        "policy_sha256": hashlib.sha256(b'{"Version":"2012-10-17"}').hexdigest(),
        "policy_arns": '["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"]',
        "tags": '[["a", "2"], ["z", "1"]]',
    }
    assert wire.requests == []  # no STS call
    assert "909090" not in json.dumps(identity)  # the one-time code is not part of who the session is
    assert BASE_SECRET not in json.dumps(identity)


VARIANTS = [
    {"session_name": "csdt-other"},
    {"duration": "1000"},
    {"external_id": "csdt-ext-2"},
    {"mfa_serial": SERIAL},
    {"source_identity": "csdt-bob"},
    {"policy_arns": ("arn:aws:iam::aws:policy/A",)},
    {"tags": ("a=1",)},
    {"tags": ("a=2",)},
    {"profile": "csdt-other-profile"},
]


def test_every_difference_shows_in_the_identity(sts_env, moto, role, monkeypatch, tmp_path):
    Path(sts_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[csdt-other-profile]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n")
    base = source(role).cache_identity()
    seen = [base]
    for variant in VARIANTS:
        identity = source(role, **variant).cache_identity()
        assert identity not in seen, variant
        seen.append(identity)
    policy = tmp_path / "p.json"
    policy.write_text('{"Version": "2012-10-17"}')
    assert source(role, policy_file=str(policy)).cache_identity() not in seen
    other_role = moto_role(moto, "csdt-cred-sts-other")
    assert source(other_role).cache_identity() not in seen
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCSDTSOMEONEELSE")
    assert source(role).cache_identity() not in seen  # someone else asking
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", BASE_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert source(role).cache_identity() not in seen  # another STS region


def test_same_request_same_identity(sts_env, moto, role):
    # The default session name is a timestamp: it must not split the cache.
    one = source(role, clock=lambda: FIXED_NOW, tags=("b=1", "a=2")).cache_identity()
    two = source(role, clock=lambda: datetime.now(UTC), tags=("a=2", "b=1")).cache_identity()
    assert one == two
    assert "session_name" not in one


def test_description_names_the_role(sts_env, role):
    assert source(role).description == f"sts assume-role {role}"


def test_settings_repr_hides_the_mfa_code():
    settings = assume_role_settings(SourceOptions(role_arn="arn:aws:iam::123456789012:role/x",
                                                  mfa_serial=SERIAL, mfa_token="987654"))
    assert "987654" not in repr(settings)
    assert settings == AssumeRoleSettings(role_arn="arn:aws:iam::123456789012:role/x", mfa_serial=SERIAL,
                                          mfa_token="987654")


def sts_answer(access_key_id: str, secret: str, token: str) -> Callable[[Any], AWSResponse]:
    """A before-send answer: an AssumeRole success document carrying the given values."""
    from xml.sax.saxutils import escape

    body = (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>'
        f"<AccessKeyId>{escape(access_key_id)}</AccessKeyId><SecretAccessKey>{escape(secret)}</SecretAccessKey>"
        f"<SessionToken>{escape(token)}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"
        "</Credentials><AssumedRoleUser><AssumedRoleId>AROAX:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser></AssumeRoleResult>"
        "<ResponseMetadata><RequestId>csdt-2</RequestId></ResponseMetadata></AssumeRoleResponse>"
    ).encode()

    def respond(request: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, RawBody(body))

    return respond


GOOD = ("ASIACSDTSTSHOSTILE01", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", "IQoJb3JpZ2luX2Vj/token=")


@pytest.mark.parametrize(("field", "value"), [
    ("AccessKeyId", "ASIACSDTSTS0001'$(id)"),
    ("SecretAccessKey", "secret\nStart-Process calc.exe #"),
    ("Token", "token `id` with spaces"),
])
def test_a_hostile_sts_answer_is_refused_naming_the_field(sts_env, role, field, value):
    values = dict(zip(("AccessKeyId", "SecretAccessKey", "Token"), GOOD, strict=True))
    values[field] = value
    wire = Wire(respond=sts_answer(values["AccessKeyId"], values["SecretAccessKey"], values["Token"]))
    with pytest.raises(CredentialError) as caught:
        source(role, wire=wire).fetch()
    assert str(caught.value).startswith(f"sts assume-role {role} gave a malformed {field}: it ")
    assert value not in str(caught.value)


def test_a_well_formed_sts_answer_passes_the_check(sts_env, role):
    wire = Wire(respond=sts_answer(*GOOD))
    creds = source(role, wire=wire).fetch()
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == GOOD


# Pinned where the tests above left room (found by scripts/mutation.sh):
# Same test bed as test_cred_sts: moto's STS on 127.0.0.1, and STS's own error documents
# answered from botocore's before-send hook, the last step before the network.


def error_document(body: bytes, status: int = 400) -> Callable[[Any], AWSResponse]:
    def respond(request: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, RawBody(body))

    return respond


@pytest.mark.parametrize(
    "body",
    [b"<ErrorResponse></ErrorResponse>", b"<ErrorResponse><Error><Type>Sender</Type></Error></ErrorResponse>"],
    ids=["no-error-element", "no-code-no-message"],
)
def test_an_error_without_code_or_message(sts_env, moto, role, body):
    wire = Wire(respond=error_document(body))
    with pytest.raises(CredentialError) as caught:
        source(role, wire=wire).fetch()
    assert str(caught.value) == f"sts assume-role {role} failed: Unknown: "


def test_access_denied_exception_is_access_denied(sts_env, moto, role):
    wire = Wire(respond=sts_error("AccessDeniedException", "not allowed here"))
    with pytest.raises(CredentialError) as caught:
        source(role, wire=wire).fetch()
    assert str(caught.value) == f"sts assume-role {role}: access denied: not allowed here"


def test_access_denied_with_an_mfa_device_is_not_blamed_on_the_code(sts_env, moto, role):
    said = f"User: arn:aws:iam::123456789012:user/csdt is not authorized to perform: sts:AssumeRole on {role}"
    wire = Wire(respond=sts_error("AccessDenied", said))
    with pytest.raises(CredentialError) as caught:
        source(role, wire=wire, mfa_serial=SERIAL, mfa_token="123450").fetch()
    assert str(caught.value) == f"sts assume-role {role}: access denied: {said}"


def test_the_identity_of_a_plain_request_holds_no_unset_option(sts_env, moto, role):
    assert source(role).cache_identity() == {
        "role_arn": role,
        "base_access_key_id": BASE_KEY,
        "sts_endpoint": moto.url,
        "sts_region": "us-east-1",
    }


def test_the_identity_of_an_sts_without_a_region(sts_env, monkeypatch, moto, role):
    # AWS_ENDPOINT_URL and no region anywhere: boto3's client has no region name.
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    identity = source(role).cache_identity()
    assert (identity["sts_endpoint"], identity["sts_region"]) == (moto.url, "")


def test_expiration_is_utc_whatever_the_local_zone(sts_env, moto, role):
    with local_zone("Asia/Kolkata"):  # +05:30 all year
        creds = source(role).fetch()
    assert creds.expiration is not None
    assert creds.expiration.utcoffset() == timedelta(0)
    assert creds.expiration.isoformat().endswith("+00:00")


def _fetch_without_a_terminal(role_arn: str, results: Any) -> None:
    os.setsid()  # a new session has no controlling terminal: /dev/tty cannot be opened
    try:
        source(role_arn, mfa_serial=SERIAL).fetch()
        results.put("fetched")
    except CredentialError as err:
        results.put(f"CredentialError: {err}")
    except Exception as err:
        results.put(f"{type(err).__name__}: {err}")


def test_without_a_given_code_the_terminal_is_asked(sts_env, moto, role):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_fetch_without_a_terminal, args=(role, results))
    child.start()
    said = results.get(timeout=60)
    child.join(timeout=30)
    assert said == ("CredentialError: an MFA code is needed but there is no terminal to ask it on: "
                    "give it with --mfa-token")


def test_a_malformed_sts_endpoint_is_one_line(sts_env, monkeypatch, role):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "not a url")
    with pytest.raises(CredentialError) as caught:
        source(role).cache_identity()
    assert str(caught.value) == f"sts assume-role {role}: cannot set up the STS client: Invalid endpoint: not a url"


def test_the_sts_client_is_made_once(sts_env, moto, role):
    made: list[str | None] = []

    def factory(profile: str | None) -> boto3.session.Session:
        made.append(profile)
        return boto3.session.Session(profile_name=profile)

    src = StsAssumeRoleSource(assume_role_settings(SourceOptions(role_arn=role)), session_factory=factory,
                              clock=lambda: FIXED_NOW)
    src.cache_identity()
    first = src.fetch()
    second = src.fetch()
    assert made == [None]
    assert first.access_key_id != second.access_key_id  # each fetch is a new AssumeRole call
