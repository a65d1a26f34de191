"""boto3's default chain, frozen: environment, profiles, credential_process, the container endpoint."""

from __future__ import annotations

import json
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudshell_docker.credentials.chain import DefaultChainSource
from cloudshell_docker.errors import CredentialError
from tests.support.awsenv import isolate_aws
from tests.support.endpoint import CredentialsEndpoint

NONE_FOUND = ("no AWS credentials found{where}: boto3's default chain (environment, shared files, SSO, "
              "container endpoint, instance metadata) has none")


def test_environment_keys(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTCHAIN0001", AWS_SECRET_ACCESS_KEY="chain-secret-1",
                AWS_SESSION_TOKEN="chain-token-1")
    creds = DefaultChainSource().fetch()
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration) == (
        "AKIDCSDTCHAIN0001", "chain-secret-1", "chain-token-1", None)


def test_environment_expiration_is_kept(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTCHAIN0002", AWS_SECRET_ACCESS_KEY="chain-secret-2",
                AWS_SESSION_TOKEN="chain-token-2", AWS_CREDENTIAL_EXPIRATION="2099-01-02T03:04:05Z")
    creds = DefaultChainSource().fetch()
    assert creds.expiration == datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_named_profile(monkeypatch, tmp_path):
    environ = isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTIGNORED", AWS_SECRET_ACCESS_KEY="x" * 20)
    Path(environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[csdt-p]\naws_access_key_id = AKIDCSDTPROFILE03\naws_secret_access_key = chain-profile-secret\n")
    source = DefaultChainSource("csdt-p")
    assert source.description == "default chain (profile csdt-p)"
    creds = source.fetch()
    # An explicit profile beats the environment's keys, as in boto3.
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        "AKIDCSDTPROFILE03", "chain-profile-secret", None)


def test_aws_profile_variable(monkeypatch, tmp_path):
    environ = isolate_aws(monkeypatch, tmp_path, AWS_PROFILE="csdt-q")
    Path(environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[csdt-q]\naws_access_key_id = AKIDCSDTPROFILE04\naws_secret_access_key = chain-profile-secret\n")
    assert DefaultChainSource().fetch().access_key_id == "AKIDCSDTPROFILE04"


@pytest.mark.parametrize("how", ["option", "AWS_PROFILE"])
def test_unknown_profile(monkeypatch, tmp_path, how):
    isolate_aws(monkeypatch, tmp_path, **({"AWS_PROFILE": "csdt-nope"} if how == "AWS_PROFILE" else {}))
    source = DefaultChainSource("csdt-nope" if how == "option" else None)
    with pytest.raises(CredentialError) as caught:
        source.fetch()
    assert str(caught.value) == "AWS profile 'csdt-nope' not found"


def test_empty_chain(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path)
    with pytest.raises(CredentialError) as caught:
        DefaultChainSource().fetch()
    assert str(caught.value) == NONE_FOUND.format(where="")
    assert DefaultChainSource().description == "default chain"


def test_profile_without_keys(monkeypatch, tmp_path):
    environ = isolate_aws(monkeypatch, tmp_path)
    Path(environ["AWS_CONFIG_FILE"]).write_text("[profile csdt-empty]\nregion = eu-west-1\n")
    with pytest.raises(CredentialError) as caught:
        DefaultChainSource("csdt-empty").fetch()
    assert str(caught.value) == NONE_FOUND.format(where=" for profile 'csdt-empty'")


def test_partial_keys(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTPARTIAL")
    with pytest.raises(CredentialError) as caught:
        DefaultChainSource().fetch()
    assert str(caught.value) == "default chain: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"


def test_container_endpoint_through_botocore(monkeypatch, tmp_path, endpoint: CredentialsEndpoint):
    isolate_aws(monkeypatch, tmp_path, **endpoint.environ())
    creds = DefaultChainSource().fetch()
    issued = endpoint.issued[-1]
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration) == (
        issued.access_key_id, issued.secret_access_key, issued.token, issued.expiration)


def test_container_endpoint_failure_is_one_line(monkeypatch, tmp_path, endpoint: CredentialsEndpoint):
    endpoint.mode = "unauthorized"
    isolate_aws(monkeypatch, tmp_path, **endpoint.environ())
    monkeypatch.setattr("botocore.utils.ContainerMetadataFetcher.SLEEP_TIME", 0)
    with pytest.raises(CredentialError) as caught:
        DefaultChainSource().fetch()
    text = str(caught.value)
    assert text.startswith("default chain: Error when retrieving credentials from container-role: ")
    assert "401" in text
    assert "\n" not in text
    assert endpoint.token not in text


def write_credential_process(tmp_path: Path, minutes: int) -> Path:
    """A credential_process that hands out a new key each time, valid ``minutes`` minutes."""
    script = tmp_path / "creds.py"
    counter = tmp_path / "count"
    script.write_text(
        "import json, datetime, pathlib\n"
        f"counter = pathlib.Path({str(counter)!r})\n"
        "n = int(counter.read_text()) + 1 if counter.exists() else 1\n"
        "counter.write_text(str(n))\n"
        "expires = datetime.datetime.now(datetime.timezone.utc) + "
        f"datetime.timedelta(minutes={minutes})\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': f'AKIDCSDTPROC{n:04d}', 'SecretAccessKey': 's' * 20,\n"
        "                  'SessionToken': 't' * 20, 'Expiration': expires.strftime('%Y-%m-%dT%H:%M:%SZ')}))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize(("minutes", "renewed"), [(5, True), (60, False)])
def test_fetch_again_refreshes_only_when_due(monkeypatch, tmp_path, minutes, renewed):
    # botocore renews credentials that have less than 10-15 minutes left.
    environ = isolate_aws(monkeypatch, tmp_path / "home")
    script = write_credential_process(tmp_path, minutes)
    Path(environ["AWS_CONFIG_FILE"]).write_text(
        f"[profile csdt-proc]\ncredential_process = {sys.executable} {script}\n")
    source = DefaultChainSource("csdt-proc")
    first, second = source.fetch(), source.fetch()
    assert (first.access_key_id != second.access_key_id) == renewed
    assert int(second.access_key_id[-4:]) == int((tmp_path / "count").read_text())  # the newest set
    assert second.expiration is not None
    assert second.expiration > datetime.now(UTC)


def test_credential_process_failure(monkeypatch, tmp_path):
    environ = isolate_aws(monkeypatch, tmp_path / "home")
    Path(environ["AWS_CONFIG_FILE"]).write_text(
        f"[profile csdt-bad]\ncredential_process = {sys.executable} -c \"raise SystemExit('nope')\"\n")
    with pytest.raises(CredentialError) as caught:
        DefaultChainSource("csdt-bad").fetch()
    assert str(caught.value) == ("default chain (profile csdt-bad): Error when retrieving credentials from "
                                 "custom-process: nope")


def test_no_secret_in_description_or_repr(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path, AWS_ACCESS_KEY_ID="AKIDCSDTCHAIN0009", AWS_SECRET_ACCESS_KEY="chain-secret-9",
                AWS_SESSION_TOKEN="chain-token-9")
    source = DefaultChainSource()
    text = json.dumps([source.description, repr(source.fetch())])
    assert "chain-secret-9" not in text
    assert "chain-token-9" not in text


@pytest.mark.parametrize(("variables", "field"), [
    ({"AWS_ACCESS_KEY_ID": "AKID'$(touch /tmp/csdt-pwned)'", "AWS_SECRET_ACCESS_KEY": "chain-secret-1"},
     "AccessKeyId"),
    ({"AWS_ACCESS_KEY_ID": "AKIDCSDTCHAIN0010", "AWS_SECRET_ACCESS_KEY": "chain\nsecret"}, "SecretAccessKey"),
    ({"AWS_ACCESS_KEY_ID": "AKIDCSDTCHAIN0011", "AWS_SECRET_ACCESS_KEY": "chain-secret-1",
      "AWS_SESSION_TOKEN": "tok en"}, "Token"),
])
def test_hostile_values_from_the_chain_are_refused(monkeypatch, tmp_path, variables, field):
    isolate_aws(monkeypatch, tmp_path, **variables)
    with pytest.raises(CredentialError) as caught:
        DefaultChainSource().fetch()
    assert str(caught.value).startswith(f"default chain gave a malformed {field}: it ")
    for value in variables.values():
        assert value not in str(caught.value)
