"""csdocker run --dry-run end to end: it prints the docker command, fetches and creates nothing, and the
printed command, run by the docker CLI with csdocker env's variables, gives the container csdocker run gives."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import containers_labelled
from tests.support.proc import CSDOCKER, clean_env, run_csdocker

CSDOCKER_SH = shlex.join(CSDOCKER)


def base_env(endpoint: CredentialsEndpoint, home: Path) -> dict[str, str]:
    return {**endpoint.environ(), "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
            "AWS_REGION": "eu-west-3", "AWS_EC2_METADATA_DISABLED": "true"}


def container_env(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split("\0") if "=" in item)
    return {name: value for name, value in pairs if name != "HOSTNAME"}


def test_prints_the_command_and_creates_and_fetches_nothing(busybox, endpoint, case_label, tmp_path):
    done = run_csdocker(["run", "--dry-run", "--rm", "-l", case_label, busybox, "sh", "-c", "echo 'hi there'"],
                        env=base_env(endpoint, tmp_path))
    assert done.returncode == 0, done.stderr
    printed = done.stdout.decode()
    assert printed.endswith("\n")
    assert printed.count("\n") == 1
    assert shlex.split(printed) == [
        "docker", "run", "-e", "AWS_ACCESS_KEY_ID", "-e", "AWS_SECRET_ACCESS_KEY", "-e", "AWS_SESSION_TOKEN",
        "-e", "AWS_REGION", "-e", "AWS_DEFAULT_REGION", "-e", "AWS_CREDENTIAL_EXPIRATION",
        "--rm", "-l", case_label, busybox, "sh", "-c", "echo 'hi there'"]
    assert 'eval "$(csdocker env)"' in done.stderr.decode()
    assert endpoint.requests == []  # no credentials were fetched
    assert containers_labelled(case_label) == []
    assert list(tmp_path.rglob("*")) == []


def test_global_options_and_own_options(busybox, endpoint, tmp_path):
    done = run_csdocker(["-H", "unix:///var/run/docker.sock", "run", "--role-arn", "arn:aws:iam::123456789012:role/r",
                         "--dry-run", "--region", "us-west-2", "--rm", busybox, "true"],
                        env=base_env(endpoint, tmp_path))
    assert done.returncode == 0, done.stderr
    argv = shlex.split(done.stdout.decode())
    assert argv[:4] == ["docker", "-H", "unix:///var/run/docker.sock", "run"]
    assert "--role-arn" not in argv
    assert "--dry-run" not in argv
    assert argv[-3:] == ["--rm", busybox, "true"]
    assert ("csdocker env --role-arn arn:aws:iam::123456789012:role/r --region us-west-2"
            in done.stderr.decode())


def test_bad_flag_prints_no_command(busybox, endpoint, tmp_path):
    done = run_csdocker(["run", "--dry-run", "--no-such-flag", busybox], env=base_env(endpoint, tmp_path))
    assert done.returncode == 125
    assert done.stdout == b""


@pytest.mark.parametrize(
    "extra",
    [[], ["-e", "AWS_REGION=ap-south-1", "-e", "MINE=1"], ["--env-file", "{env_file}"]],
    ids=["plain", "user-env", "env-file"],
)
def test_printed_command_with_env_gives_the_same_container_env_as_run(busybox, endpoint, tmp_path, extra):
    env_file = tmp_path / "user.env"
    env_file.write_text("AWS_DEFAULT_REGION=sa-east-1\nFROM_FILE=yes\n")
    extra = [arg.format(env_file=env_file) for arg in extra]
    env = base_env(endpoint, tmp_path)

    ran = run_csdocker(["run", "--rm", *extra, busybox, "env", "-0"], env=env)
    assert ran.returncode == 0, ran.stderr

    dry = run_csdocker(["run", "--dry-run", "--rm", *extra, busybox, "env", "-0"], env=env)
    assert dry.returncode == 0, dry.stderr
    # As a person would: set the variables with the documented one-liner, then paste the command.
    script = f'eval "$({CSDOCKER_SH} env)" && {dry.stdout.decode().strip()}'
    pasted = subprocess.run(["bash", "-c", script], env=clean_env(env), capture_output=True, timeout=120)
    assert pasted.returncode == 0, pasted.stderr

    assert len(endpoint.issued) == 1  # both runs had the same credentials
    assert container_env(pasted.stdout.decode()) == container_env(ran.stdout.decode())
    assert container_env(ran.stdout.decode())["AWS_ACCESS_KEY_ID"] == endpoint.issued[0].access_key_id
