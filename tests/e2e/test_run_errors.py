"""Every way `csdocker run` can fail before the container runs: one line, exit 125,
no traceback, no secret, nothing left behind (checked by a label unique to the test)."""

from __future__ import annotations

import os

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import containers_labelled
from tests.support.moto import free_port
from tests.support.proc import run_csdocker

pytestmark = pytest.mark.engine

BASE_ENV = {"AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true"}


def assert_clean_failure(done, label: str, *, code: int = 125, secrets: tuple[str, ...] = (),
                         says: tuple[str, ...] = ()) -> str:
    stderr = done.stderr.decode()
    assert done.returncode == code, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for secret in secrets:
        assert secret not in stderr
        assert secret.encode() not in done.stdout
    for word in says:
        assert word.lower() in stderr.lower(), stderr
    assert containers_labelled(label) == []
    return lines[0]


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("unauthorized", ("401",)),
        ("error500", ("500",)),
        ("malformed", ("json",)),
        ("missing_keys", ("SecretAccessKey",)),
        ("expired", ("expired",)),
        ("not_found", ("404",)),
    ],
)
def test_endpoint_failures(busybox, endpoint: CredentialsEndpoint, case_label, mode, says):
    endpoint.mode = mode
    issued = endpoint.current()
    done = run_csdocker(["run", "--rm", "-l", case_label, busybox, "true"], env={**BASE_ENV, **endpoint.environ()})
    assert_clean_failure(done, case_label, secrets=(endpoint.token, issued.secret_access_key, issued.token),
                         says=says)


@pytest.mark.slow
def test_endpoint_timeout(busybox, endpoint: CredentialsEndpoint, case_label):
    endpoint.mode = "timeout"
    endpoint.timeout_seconds = 3
    done = run_csdocker(["run", "--rm", "-l", case_label, busybox, "true"], env={**BASE_ENV, **endpoint.environ()})
    assert_clean_failure(done, case_label, secrets=(endpoint.token,), says=("timed out",))
    assert len(endpoint.requests) == 3  # three attempts, then give up


def test_endpoint_unreachable(busybox, case_label):
    port = free_port()
    env = {**BASE_ENV, "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://127.0.0.1:{port}/creds",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok-secret-value-123"}
    done = run_csdocker(["run", "--rm", "-l", case_label, busybox, "true"], env=env)
    assert_clean_failure(done, case_label, secrets=("tok-secret-value-123",), says=("127.0.0.1",))


def test_token_file_missing(busybox, endpoint, case_label, tmp_path):
    env = {**BASE_ENV, "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(tmp_path / "no-such-token")}
    done = run_csdocker(["run", "--rm", "-l", case_label, busybox, "true"], env=env)
    assert_clean_failure(done, case_label, says=("no-such-token",))
    assert endpoint.requests == []


def test_endpoint_host_refused_without_traffic(busybox, case_label):
    # Plain http to a host that is neither loopback nor an ECS/EKS address is refused,
    # as botocore refuses it, before any connection is made.
    env = {**BASE_ENV, "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/creds",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok-secret-value-123"}
    done = run_csdocker(["run", "--rm", "-l", case_label, busybox, "true"], env=env)
    assert_clean_failure(done, case_label, secrets=("tok-secret-value-123",), says=("192.0.2.10",))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role-arn", "arn:aws:iam::12345:role/x"], ("arn",)),
        (["--role-arn", "not-an-arn"], ("not-an-arn",)),
        (["--role-arn", "arn:aws:iam::123456789012:role/x", "--duration", "soon"], ("duration",)),
        (["--role-arn", "arn:aws:iam::123456789012:role/x", "--duration", "60"], ("duration",)),
        (["--role-arn", "arn:aws:iam::123456789012:role/x", "--tag", "novalue"], ("tag",)),
    ],
)
def test_sts_bad_input(busybox, moto, case_label, args, says):
    env = {**BASE_ENV, "AWS_ENDPOINT_URL_STS": moto.url, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "base-secret-value"}
    done = run_csdocker(["run", "--rm", "-l", case_label, *args, busybox, "true"], env=env)
    assert_clean_failure(done, case_label, secrets=("base-secret-value",), says=says)


def test_no_credentials_anywhere(busybox, case_label, tmp_path):
    env = {**BASE_ENV, "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials")}
    done = run_csdocker(["run", "--rm", "-l", case_label, busybox, "true"], env=env)
    assert_clean_failure(done, case_label, says=("credentials",))


def test_daemon_unreachable(endpoint, case_label, tmp_path):
    env = {**BASE_ENV, **endpoint.environ(), "DOCKER_HOST": f"unix://{tmp_path}/docker.sock"}
    done = run_csdocker(["run", "--rm", "-l", case_label, "local/busybox", "true"], env=env)
    line = assert_clean_failure(done, case_label, secrets=(endpoint.token,), says=("Cannot connect",))
    assert f"{tmp_path}/docker.sock" in line
    assert endpoint.requests == []  # the engine is checked before credentials are fetched


def test_image_missing(engine, endpoint, case_label):
    # A registry on a closed loopback port: the pull fails at once, no traffic leaves the host.
    image = f"127.0.0.1:{free_port()}/csdt/nothing:latest"
    env = {**BASE_ENV, **endpoint.environ()}
    done = run_csdocker(["run", "--rm", "-l", case_label, image, "true"], env=env)
    assert done.returncode == 125, done.stderr.decode()
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr
    assert endpoint.token not in stderr
    assert containers_labelled(case_label) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bogus"], ("unknown flag: --bogus",)),
        (["--memory", "lots"], ("lots",)),
        (["--rm=maybe"], ("maybe",)),
    ],
)
def test_bad_docker_flags(busybox, endpoint, case_label, args, says):
    done = run_csdocker(["run", "-l", case_label, *args, busybox, "true"], env={**BASE_ENV, **endpoint.environ()})
    assert_clean_failure(done, case_label, says=says)
    assert endpoint.requests == []  # bad input is refused before any network call


def test_help_is_not_an_error():
    done = run_csdocker(["run", "--help"], env={"HOME": os.environ.get("HOME", "/root")})
    assert done.returncode == 0
    assert b"--role-arn" in done.stdout


HOSTILE_VALUES = {
    "line-break": "x\nStart-Process calc.exe #",
    "quotes": "x'\"; touch /tmp/csdt-pwned; '",
    "command-substitution": "x $(touch /tmp/csdt-pwned)",
    "backticks": "x `touch /tmp/csdt-pwned`",
    "nul": "x\x00y",
}
HOSTILE_CASES = [(field, kind) for field in ("AccessKeyId", "SecretAccessKey", "Token") for kind in HOSTILE_VALUES]


@pytest.mark.parametrize("inject", ["env", "relay"])
@pytest.mark.parametrize(("field", "kind"), HOSTILE_CASES, ids=[f"{f}-{k}" for f, k in HOSTILE_CASES])
def test_hostile_credential_values_fail_the_run_before_anything_is_created(busybox, endpoint: CredentialsEndpoint,
                                                                          case_label, field, kind, inject):
    value = "ASIAAAAAAAAAAAAAAAAA" + HOSTILE_VALUES[kind]
    endpoint.overrides = {field: value}
    done = run_csdocker(["run", "--rm", "--inject", inject, "-l", case_label, busybox, "true"],
                        env={**BASE_ENV, **endpoint.environ()})
    line = assert_clean_failure(done, case_label, secrets=(endpoint.token, HOSTILE_VALUES[kind], value))
    assert line.startswith(f"csdocker: container credentials endpoint at {endpoint.netloc} gave a malformed {field}: ")
