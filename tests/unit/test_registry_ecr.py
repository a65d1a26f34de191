"""ECR registry auth: which hosts are ECR (a table), the token from ECR's real API (moto), ECR's
refusal (a stand-in answering AWS's JSON error), and the precedence of a credential helper."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.redact import redact
from cloudshell_docker.registry import ecrhost
from cloudshell_docker.registry.auth import RegistryAuth
from cloudshell_docker.registry.ecr import EcrError, RegistryLogin, ecr_login
from cloudshell_docker.registry.ecrhost import EcrHost, parse_ecr_host
from tests.support.awsenv import isolate_aws
from tests.support.countproxy import CountingProxy
from tests.support.ecrapi import DeniedEcrApi
from tests.support.moto import MotoServer

CREDS = AwsCredentials("AKIDCSDTECRTEST00001", "csdt-secret-ecr-0000000000000000", "csdt-session-token-ecr")
HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.mark.parametrize(("domain", "expected"), [
    (HOST, EcrHost(HOST, "123456789012", "us-east-1")),
    ("210987654321.dkr.ecr.eu-west-3.amazonaws.com", EcrHost("210987654321.dkr.ecr.eu-west-3.amazonaws.com",
                                                             "210987654321", "eu-west-3")),
    ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
     EcrHost("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", fips=True)),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
     EcrHost("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "123456789012", "cn-north-1")),
    ("123456789012.dkr-ecr.ap-southeast-2.on.aws",
     EcrHost("123456789012.dkr-ecr.ap-southeast-2.on.aws", "123456789012", "ap-southeast-2", dual_stack=True)),
    ("123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM", EcrHost(HOST, "123456789012", "us-east-1")),
    # not ECR private registries
    ("public.ecr.aws", None),
    ("docker.io", None),
    ("127.0.0.1:5000", None),
    (f"{HOST}:443", None),  # ECR is never named with a port
    (f"{HOST}.", None),
    ("12345678901.dkr.ecr.us-east-1.amazonaws.com", None),  # 11 digits
    ("1234567890123.dkr.ecr.us-east-1.amazonaws.com", None),  # 13 digits
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", None),
    ("evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com", None),
    ("123456789012.dkr.ecr.useast1.amazonaws.com", None),  # not a region's shape
    ("123456789012.dkr-ecr.us-east-1.amazonaws.com", None),  # dual-stack lives under on.aws only
    ("123456789012.dkr.ecr.us-east-1.on.aws", None),
    ("123456789012.ecr.us-east-1.amazonaws.com", None),
    ("api.ecr.us-east-1.amazonaws.com", None),
    # the suffix is the region's partition's (botocore's partitions.json)
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com.cn", None),
    ("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com.cn", None),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com", None),
    ("123456789012.dkr.ecr-fips.cn-northwest-1.amazonaws.com", None),
    ("123456789012.dkr.ecr.xx-nowhere-9.amazonaws.com.cn", None),  # an unknown region is botocore's "aws"
    ("123456789012.dkr.ecr.us-iso-east-1.amazonaws.com", None),
    ("123456789012.dkr.ecr.us-east-1.c2s.ic.gov", None),
    ("123456789012.dkr.ecr.us-isob-east-1.c2s.ic.gov", None),
    ("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.com", None),
    ("123456789012.dkr-ecr.cn-north-1.on.aws", None),
    ("123456789012.dkr-ecr.us-iso-east-1.on.aws", None),
    ("123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
     EcrHost("123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn", "123456789012", "cn-northwest-1")),
    ("123456789012.dkr.ecr.us-gov-east-1.amazonaws.com",
     EcrHost("123456789012.dkr.ecr.us-gov-east-1.amazonaws.com", "123456789012", "us-gov-east-1")),
    ("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
     EcrHost("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "123456789012", "us-iso-east-1")),
    ("123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
     EcrHost("123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "123456789012", "us-isob-east-1")),
    ("123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
     EcrHost("123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", "123456789012", "eu-isoe-west-1")),
    ("123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
     EcrHost("123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", "123456789012", "us-isof-south-1")),
    ("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
     EcrHost("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", "123456789012", "eusc-de-east-1")),
    ("123456789012.dkr-ecr.us-gov-west-1.on.aws",
     EcrHost("123456789012.dkr-ecr.us-gov-west-1.on.aws", "123456789012", "us-gov-west-1", dual_stack=True)),
])
def test_ecr_private_registry_hosts(domain, expected):
    assert parse_ecr_host(domain) == expected


def test_the_partitions_are_botocores():
    import botocore

    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    theirs = {(part["id"], part["regionRegex"], part["outputs"]["dnsSuffix"]) for part in data["partitions"]}
    assert {(part.id, part.region_regex, part.dns_suffix) for part in ecrhost.PARTITIONS} == theirs
    for part in data["partitions"]:  # every region botocore lists is in the partition its pattern names
        for region in part["regions"]:
            if re.fullmatch(r"[a-z]+(-[a-z]+)+-[0-9]+", region):  # not the pseudo-regions (aws-global)
                assert ecrhost.partition_of(region).id == part["id"], region


@pytest.fixture
def ecr_env(monkeypatch, tmp_path):
    return lambda **variables: isolate_aws(monkeypatch, tmp_path / "home", **variables)


def test_token_from_ecr_is_the_registry_login(ecr_env, moto: MotoServer):
    with CountingProxy(moto.url) as proxy:
        ecr_env(AWS_ENDPOINT_URL_ECR=proxy.url)
        login = ecr_login(parse_ecr_host(HOST), CREDS)  # type: ignore[arg-type]
        assert proxy.count("GetAuthorizationToken") == 1
    assert login == RegistryLogin("AWS", "123456789012-auth-token")
    assert "123456789012-auth-token" not in repr(login)
    assert redact("token 123456789012-auth-token here") == "token *** here"  # registered as a secret
    assert login.auth_config(HOST) == {"username": "AWS", "password": "123456789012-auth-token",
                                       "serveraddress": HOST}


def test_generic_endpoint_setting_is_honoured_too(ecr_env, moto: MotoServer):
    ecr_env(AWS_ENDPOINT_URL=moto.url)
    assert ecr_login(parse_ecr_host(HOST), CREDS).username == "AWS"  # type: ignore[arg-type]


def test_access_denied_names_account_region_and_the_action(ecr_env):
    with DeniedEcrApi() as api:
        ecr_env(AWS_ENDPOINT_URL_ECR=api.url)
        with pytest.raises(EcrError) as caught:
            ecr_login(parse_ecr_host(HOST), CREDS)  # type: ignore[arg-type]
    message = caught.value.message
    assert "\n" not in message
    assert "account 123456789012" in message
    assert "region us-east-1" in message
    assert "ecr:GetAuthorizationToken" in message
    assert "AccessDeniedException" in message
    assert CREDS.secret_access_key not in message
    assert api.calls  # it really asked


def test_unknown_region_fails_before_any_call(ecr_env):
    with DeniedEcrApi() as api:
        ecr_env(AWS_ENDPOINT_URL_ECR=api.url)
        host = parse_ecr_host("123456789012.dkr.ecr.xx-nowhere-9.amazonaws.com")
        with pytest.raises(EcrError, match=r"unknown AWS region 'xx-nowhere-9'"):
            ecr_login(host, CREDS)  # type: ignore[arg-type]
    assert api.calls == []


def test_unreachable_api_is_one_line(ecr_env):
    from tests.support.moto import free_port

    ecr_env(AWS_ENDPOINT_URL_ECR=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS="1")
    with pytest.raises(EcrError, match=r"^cannot get an ECR token for registry .*: Could not connect") as caught:
        ecr_login(parse_ecr_host(HOST), CREDS)  # type: ignore[arg-type]
    assert "\n" not in caught.value.message


def test_missing_profile_is_one_line(ecr_env, moto: MotoServer):
    ecr_env(AWS_ENDPOINT_URL_ECR=moto.url)
    with pytest.raises(EcrError, match="AWS profile 'csdt-nope' not found"):
        ecr_login(parse_ecr_host(HOST), CREDS, profile="csdt-nope")  # type: ignore[arg-type]


class Helpers:
    """config.json's credential helpers, as the engine facade reports them."""

    def __init__(self, answers: Mapping[str, Mapping[str, str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def helper_credentials(self, registry: str) -> Mapping[str, str] | None:
        self.asked.append(registry)
        return self.answers.get(registry)


class Tokens:
    def __init__(self) -> None:
        self.calls: list[tuple[EcrHost, AwsCredentials, str | None]] = []

    def __call__(self, registry: EcrHost, credentials: AwsCredentials, *, profile: str | None = None) -> RegistryLogin:
        self.calls.append((registry, credentials, profile))
        return RegistryLogin("AWS", "fresh-token-from-ecr")


def test_ecr_registry_gets_a_fresh_token_with_the_runs_credentials():
    tokens, fetched = Tokens(), []
    auth = RegistryAuth(lambda: fetched.append(1) or CREDS, profile="dev", fetch_token=tokens)
    config = auth.for_registry(HOST, Helpers({}))
    assert config == {"username": "AWS", "password": "fresh-token-from-ecr", "serveraddress": HOST}
    assert tokens.calls == [(parse_ecr_host(HOST), CREDS, "dev")]
    assert fetched == [1]


def test_a_credential_helper_for_the_registry_wins():
    tokens = Tokens()
    helper = {"username": "AWS", "password": "from-the-helper", "serveraddress": HOST}
    auth = RegistryAuth(lambda: pytest.fail("no credentials needed"), fetch_token=tokens)
    assert auth.for_registry(HOST, Helpers({HOST: helper})) == helper
    assert tokens.calls == []


@pytest.mark.parametrize("domain", ["docker.io", "public.ecr.aws", "127.0.0.1:5000", "ghcr.io"])
def test_other_registries_are_left_to_the_engines_configuration(domain):
    tokens, helpers = Tokens(), Helpers({})
    auth = RegistryAuth(lambda: pytest.fail("no credentials needed"), fetch_token=tokens)
    assert auth.for_registry(domain, helpers) is None
    assert tokens.calls == []
    assert helpers.asked == []
