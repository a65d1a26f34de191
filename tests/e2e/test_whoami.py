"""csdocker whoami end to end: GetCallerIdentity at moto with the credentials of each source."""

from __future__ import annotations

import re

from tests.support.countproxy import CountingProxy
from tests.support.endpoint import CredentialsEndpoint
from tests.support.moto import MotoServer
from tests.support.proc import run_csdocker
from tests.support.stsmoto import create_role, sts_env

ACCOUNT = "123456789012"
TIME_LEFT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (\d+h \d\dm|\d+m \d\ds)\)")


def whoami(env: dict[str, str], *args: str) -> dict[str, str]:
    done = run_csdocker(["whoami", *args], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    rows = [line.split(":", 1) for line in done.stdout.decode().splitlines()]
    return {name: value.strip() for name, value in rows}


def test_assumed_role(moto: MotoServer, tmp_path):
    role_arn = create_role(moto.url)
    role_name = role_arn.rsplit("/", 1)[1]
    env = sts_env(tmp_path, moto.url, region="eu-north-1")
    with CountingProxy(moto.url) as proxy:
        env["AWS_ENDPOINT_URL_STS"] = proxy.url
        first = whoami(env, "--role-arn", role_arn, "--session-name", "csdt-who")
        assert first["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/csdt-who"
        assert first["Account"] == ACCOUNT
        assert first["UserId"].endswith(":csdt-who")
        assert first["Source"] == f"sts assume-role {role_arn}"
        assert first["Region"] == "eu-north-1"
        assert TIME_LEFT.fullmatch(first["Expires"]), first["Expires"]
        second = whoami(env, "--role-arn", role_arn, "--session-name", "csdt-who")
        assert second["Source"] == f"sts assume-role {role_arn}, reused from the cache"
        assert second["Expires"][:20] == first["Expires"][:20]  # the same credentials
        assert proxy.count("AssumeRole") == 1
        assert proxy.count("GetCallerIdentity") == 2  # asked with the credentials each time, at the edge


def test_container_endpoint_with_sts_at_moto(endpoint: CredentialsEndpoint, moto: MotoServer, tmp_path):
    env = {**endpoint.environ(), "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "AWS_ENDPOINT_URL_STS": moto.url, "AWS_REGION": "ca-central-1"}
    rows = whoami(env)
    assert rows["Account"] == ACCOUNT
    assert rows["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:")
    assert rows["Source"].startswith("container endpoint")
    assert rows["Region"] == "ca-central-1"
    issued = endpoint.issued[-1]
    assert rows["Expires"].startswith(issued.expiration.strftime("%Y-%m-%dT%H:%M:%SZ (in "))
    assert not (tmp_path / "cache").exists()


def test_no_region_still_asks_sts(endpoint: CredentialsEndpoint, moto: MotoServer, tmp_path):
    env = {**endpoint.environ(), "HOME": str(tmp_path), "AWS_ENDPOINT_URL_STS": moto.url}
    rows = whoami(env)
    assert rows["Account"] == ACCOUNT
    assert rows["Region"].startswith("none configured")


def test_static_keys_do_not_expire(moto: MotoServer, tmp_path):
    env = sts_env(tmp_path, moto.url)
    rows = whoami(env)
    assert rows["Source"] == "default chain"
    assert rows["Expires"] == "does not expire"
    assert rows["Account"] == ACCOUNT


def test_refused_or_unreachable_sts_is_one_line_without_secret(endpoint: CredentialsEndpoint, tmp_path):
    from tests.support.moto import free_port

    env = {**endpoint.environ(), "HOME": str(tmp_path), "AWS_REGION": "eu-west-1",
           "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    done = run_csdocker(["whoami"], env=env)
    assert done.returncode == 1
    assert done.stdout == b""
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("csdocker: sts get-caller-identity failed")
    issued = endpoint.issued[-1]
    for secret in (issued.secret_access_key, issued.token, endpoint.token):
        assert secret not in line

