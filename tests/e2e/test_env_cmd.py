"""csdocker env end to end: the exact variables, in every format, evaluated by what reads them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.moto import MotoServer
from tests.support.proc import CSDOCKER, clean_env, run_csdocker
from tests.support.stsmoto import create_role, parse_sh_exports, sts_env

CRED_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
              "AWS_CREDENTIAL_EXPIRATION")


def endpoint_env(endpoint: CredentialsEndpoint, home: Path, **extra: str) -> dict[str, str]:
    return {**endpoint.environ(), "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
            "AWS_EC2_METADATA_DISABLED": "true", **extra}


def expected(endpoint: CredentialsEndpoint, region: str | None) -> dict[str, str]:
    issued = endpoint.issued[-1]
    want = {
        "AWS_ACCESS_KEY_ID": issued.access_key_id,
        "AWS_SECRET_ACCESS_KEY": issued.secret_access_key,
        "AWS_SESSION_TOKEN": issued.token,
        "AWS_CREDENTIAL_EXPIRATION": issued.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if region:
        want["AWS_REGION"] = want["AWS_DEFAULT_REGION"] = region
    return want


def nul_env(raw: bytes) -> dict[str, str]:
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)  # type: ignore[misc]


def test_endpoint_credentials_exactly_and_never_on_disk(endpoint, tmp_path):
    env = endpoint_env(endpoint, tmp_path, AWS_REGION="eu-central-1")
    done = run_csdocker(["env"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert parse_sh_exports(done.stdout.decode()) == expected(endpoint, "eu-central-1")
    assert all(line.startswith("export ") for line in done.stdout.decode().splitlines())
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []


def test_no_region_is_a_warning_on_stderr_only(endpoint, tmp_path):
    done = run_csdocker(["env"], env=endpoint_env(endpoint, tmp_path))
    assert done.returncode == 0
    assert parse_sh_exports(done.stdout.decode()) == expected(endpoint, None)
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("csdocker: warning: no AWS region")


def test_region_option_wins(endpoint, tmp_path):
    done = run_csdocker(["env", "--region", "ap-south-1"], env=endpoint_env(endpoint, tmp_path, AWS_REGION="x-y-1"))
    assert parse_sh_exports(done.stdout.decode())["AWS_REGION"] == "ap-south-1"


def test_sh_one_liner_in_bash(endpoint, tmp_path):
    """eval "$(csdocker env)", exactly as documented, in a real bash whose env held stale values."""
    env = endpoint_env(endpoint, tmp_path, AWS_REGION="eu-west-1", AWS_ACCESS_KEY_ID="stale",
                       AWS_SESSION_TOKEN="stale-token")
    csdocker = " ".join(CSDOCKER)
    done = subprocess.run(["bash", "-c", f'eval "$({csdocker} env)" && exec env -0'], env=clean_env(env),
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = nul_env(done.stdout)
    assert {name: seen[name] for name in CRED_NAMES if name in seen} == expected(endpoint, "eu-west-1")


def test_fish_one_liner(fish, endpoint, tmp_path):
    env = endpoint_env(endpoint, tmp_path, AWS_REGION="eu-west-1")
    csdocker = " ".join(CSDOCKER)
    done = subprocess.run([fish, "--no-config", "-c", f"{csdocker} env --format fish | source; and exec env -0"],
                          env=clean_env(env), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = nul_env(done.stdout)
    assert {name: seen[name] for name in CRED_NAMES if name in seen} == expected(endpoint, "eu-west-1")


@pytest.mark.parametrize("pwsh", [p for p in [shutil.which("pwsh")] if p])
def test_powershell_one_liner(pwsh, endpoint, tmp_path):
    env = endpoint_env(endpoint, tmp_path, AWS_REGION="eu-west-1")
    csdocker = " ".join(CSDOCKER)
    done = subprocess.run([pwsh, "-NoProfile", "-NonInteractive", "-Command",
                           f"{csdocker} env --format powershell | Out-String | Invoke-Expression; & env -0"],
                          env=clean_env(env), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = nul_env(done.stdout)
    assert {name: seen[name] for name in CRED_NAMES if name in seen} == expected(endpoint, "eu-west-1")


def test_json_format(endpoint, tmp_path):
    done = run_csdocker(["env", "--format", "json"], env=endpoint_env(endpoint, tmp_path, AWS_REGION="us-west-2"))
    assert done.returncode == 0
    assert json.loads(done.stdout) == expected(endpoint, "us-west-2")


def test_dotenv_read_by_docker_env_file_gives_the_exact_values(busybox, endpoint, tmp_path):
    done = run_csdocker(["env", "--format", "dotenv"], env=endpoint_env(endpoint, tmp_path, AWS_REGION="sa-east-1"))
    assert done.returncode == 0, done.stderr
    env_file = tmp_path / "aws.env"
    env_file.write_bytes(done.stdout)
    inside = docker("run", "--rm", "--env-file", str(env_file), busybox, "env", "-0")
    assert inside.returncode == 0, inside.stderr
    seen = dict(item.split("=", 1) for item in inside.stdout.split("\0") if "=" in item)
    assert {name: seen[name] for name in CRED_NAMES if name in seen} == expected(endpoint, "sa-east-1")


def test_bad_format_fetches_nothing(endpoint, tmp_path):
    done = run_csdocker(["env", "--format", "yaml"], env=endpoint_env(endpoint, tmp_path))
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"yaml" in done.stderr
    assert endpoint.requests == []


def test_failing_source_prints_one_line_and_no_variables(endpoint, tmp_path):
    endpoint.mode = "unauthorized"
    done = run_csdocker(["env"], env=endpoint_env(endpoint, tmp_path, AWS_REGION="eu-west-1"))
    assert done.returncode == 1
    assert done.stdout == b""
    assert len(done.stderr.decode().splitlines()) == 1
    assert endpoint.token.encode() not in done.stderr


def test_assumed_role_credentials_work(moto: MotoServer, tmp_path):
    import boto3

    role_arn = create_role(moto.url)
    done = run_csdocker(["env", "--role-arn", role_arn, "--format", "json"], env=sts_env(tmp_path, moto.url))
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert set(got) == set(CRED_NAMES)
    sts = boto3.client("sts", endpoint_url=moto.url, region_name=got["AWS_REGION"],
                       aws_access_key_id=got["AWS_ACCESS_KEY_ID"], aws_secret_access_key=got["AWS_SECRET_ACCESS_KEY"],
                       aws_session_token=got["AWS_SESSION_TOKEN"])
    arn = sts.get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::123456789012:assumed-role/{role_arn.rsplit('/', 1)[1]}/")


def test_help_shows_the_one_liner():
    done = run_csdocker(["env", "--help"])
    assert done.returncode == 0
    assert b'eval "$(csdocker env)"' in done.stdout


@pytest.mark.parametrize("fmt", ["sh", "fish", "powershell", "dotenv", "json"])
@pytest.mark.parametrize(("field", "value"), [
    ("SecretAccessKey", "x\nStart-Process calc.exe #"),
    ("Token", "x'$(touch /tmp/csdt-pwned)'\n"),
    ("AccessKeyId", "ASIA`touch /tmp/csdt-pwned`0000"),
    ("SecretAccessKey", "nul\x00byte"),
    ("Token", 'with "quotes" and spaces'),
])
def test_hostile_values_print_nothing_in_any_format(endpoint, tmp_path, fmt, field, value):
    endpoint.overrides = {field: value}
    done = run_csdocker(["env", "--format", fmt], env=endpoint_env(endpoint, tmp_path, AWS_REGION="eu-west-1"))
    assert done.returncode == 1
    assert done.stdout == b""
    [line] = done.stderr.decode().splitlines()
    assert line.startswith(f"csdocker: container credentials endpoint at {endpoint.netloc} gave a malformed {field}: ")
    assert value.encode() not in done.stderr


def test_an_environment_proxy_never_sees_the_endpoint_token(endpoint, tmp_path):
    from tests.support.netguard import RecordingProxy

    with RecordingProxy() as proxy:
        proxies = dict.fromkeys(("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"), proxy.url)
        proxies.update(NO_PROXY="", no_proxy="")  # nothing exempt: the endpoint would go through the proxy
        done = run_csdocker(["env"], env=endpoint_env(endpoint, tmp_path, AWS_REGION="eu-west-1", **proxies))
    assert done.returncode == 0, done.stderr
    assert proxy.received == []
    assert parse_sh_exports(done.stdout.decode()) == expected(endpoint, "eu-west-1")


@pytest.mark.parametrize("url", ["http://192.0.2.2:{port}\\@127.0.0.1:{port}/creds",
                                 "http://169.254.170.2@192.0.2.2:{port}/creds"])
def test_a_url_two_parsers_read_differently_is_refused_before_any_request(endpoint, tmp_path, url):
    port = endpoint.netloc.rsplit(":", 1)[1]
    env = endpoint_env(endpoint, tmp_path, AWS_CONTAINER_CREDENTIALS_FULL_URI=url.format(port=port))
    done = run_csdocker(["env"], env=env)
    assert done.returncode == 1
    assert done.stderr.decode().startswith("csdocker: refusing the container credentials endpoint: its URL holds ")
    assert endpoint.requests == []


@pytest.mark.parametrize("token_file", ["/dev/zero", "fifo"])
def test_a_token_file_that_is_not_a_regular_file_is_refused_at_once(endpoint, tmp_path, token_file):
    import os

    if token_file == "fifo":
        token_file = str(tmp_path / "token-fifo")
        os.mkfifo(token_file)
    env = endpoint_env(endpoint, tmp_path, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file)
    done = run_csdocker(["env"], env=env)
    assert done.returncode == 1
    assert done.stderr.decode().strip() == (
        f"csdocker: cannot read the container authorization token file {token_file}: not a regular file")


def test_a_token_that_is_not_ascii_is_one_line(endpoint, tmp_path):
    env = endpoint_env(endpoint, tmp_path, AWS_CONTAINER_AUTHORIZATION_TOKEN="tok-\u20ac")
    done = run_csdocker(["env"], env=env)
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode() == (
        "csdocker: the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN holds a character that "
        "is not ASCII\n")
    assert endpoint.requests == []
