"""STS AssumeRole, pinned where test_cred_sts left room (found by scripts/mutation.sh).

Same test bed as test_cred_sts: moto's STS on 127.0.0.1, and STS's own error documents
answered from botocore's before-send hook, the last step before the network.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from cloudshell_docker.credentials.roleopts import assume_role_settings
from cloudshell_docker.credentials.sts import StsAssumeRoleSource
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.options.own import SourceOptions
from tests.support.awsenv import isolate_aws, moto_role
from tests.support.localzone import local_zone
from tests.support.moto import MotoServer
from tests.unit.test_cred_sts import BASE_KEY, BASE_SECRET, FIXED_NOW, SERIAL, RawBody, Wire, source, sts_error


@pytest.fixture
def sts_env(monkeypatch, tmp_path, moto: MotoServer) -> dict[str, str]:
    return isolate_aws(monkeypatch, tmp_path / "home", AWS_ENDPOINT_URL=moto.url, AWS_ACCESS_KEY_ID=BASE_KEY,
                       AWS_SECRET_ACCESS_KEY=BASE_SECRET, AWS_DEFAULT_REGION="us-east-1")


@pytest.fixture
def role(moto: MotoServer) -> str:
    return moto_role(moto, "csdt-cred-sts-role")


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
