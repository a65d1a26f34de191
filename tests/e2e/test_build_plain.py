"""``csdocker build`` of a Dockerfile that mounts none of csdocker's secrets is ``docker build``; and a build's
command line is checked as the docker CLI checks it, before any credentials are looked for.

The docker CLI is the oracle, side by side: the test bed's first CLI (28.x without buildx, which
builds with the legacy builder) for the plain builds; Debian's 20.10 (BuildKit built in) for the
usage errors of a build that does mount the secret. No credentials source is reachable in the
flag tests (no AWS variables, an empty HOME): csdocker must answer as docker does, not "no AWS
credentials found", and must ask for no MFA code.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_build import CREDS_MOUNT, DEBIAN_DOCKER, newer_cli_dir
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker, unique_name
from tests.support.proc import clean_env, run_csdocker

pytestmark = pytest.mark.engine

ROLE = "arn:aws:iam::123456789012:role/csdt-never-assumed"


def _oracle(cli: str, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([cli, *args], env=clean_env(env), capture_output=True, cwd=str(cwd), timeout=300,
                          stdin=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="module")
def plain(busybox: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A context, and an environment whose first docker CLI has no buildx (and a credentials endpoint
    that must not be asked)."""
    work = tmp_path_factory.mktemp("plain")
    (work / "home").mkdir()
    with CredentialsEndpoint() as endpoint:
        env = {**endpoint.environ(), "HOME": str(work / "home"),
               "PATH": f"{newer_cli_dir(work)}:{os.environ['PATH']}"}
        yield work, env
        assert endpoint.requests == [], "a build that mounts no secret asked for credentials"


def test_a_dockerfile_without_the_secret_builds_as_docker_build_does(plain):
    work, env = plain
    context = work / "ctx"
    context.mkdir()
    marker = unique_name("plain")
    # --target: only the stages it depends on are built; a later stage that mounts the secret is not.
    (context / "Dockerfile").write_text(
        f"FROM {'local/busybox'} AS base\nRUN echo {marker} > /m\n"
        "FROM base AS app\nRUN cat /m\n"
        f"FROM base AS fetch\nRUN {CREDS_MOUNT} cat /root/.aws/credentials\n"
    )
    image = unique_name("img")
    args = ["build", "-q", "--target", "app", "-t", image, "--build-arg", "UNUSED=1", str(context)]
    try:
        theirs = _oracle("docker", args, env, work)
        ours = run_csdocker([*args, "--role-arn", ROLE], env=env, cwd=str(work), timeout=300)
        assert theirs.returncode == 0, theirs.stderr.decode()
        assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
        assert docker("run", "--rm", image, "cat", "/m", check=True).stdout == f"{marker}\n"
    finally:
        docker("rmi", "-f", image)

    # A failing step fails as docker's does (the legacy builder's ids differ from run to run: its last line).
    (context / "Dockerfile").write_text(f"FROM local/busybox\nRUN echo {marker}-fails && exit 3\n")
    args = ["build", "-q", "--no-cache", str(context)]
    theirs = _oracle("docker", args, env, work)
    ours = run_csdocker(args, env=env, cwd=str(work), timeout=300)
    assert theirs.returncode != 0
    assert ours.returncode == theirs.returncode
    assert ours.stdout == theirs.stdout
    assert ours.stderr.decode().splitlines()[-1] == theirs.stderr.decode().splitlines()[-1]


BAD_COMMAND_LINES = [
    ["--tag=", "."],
    ["-t", "App", "."],
    ["--add-host", "bad", "."],
    ["--add-host", "host=10.0.0.1", "."],  # 25.0's form: the 20.10 CLI refuses it
    ["--load", "."],  # a buildx flag the 20.10 CLI lacks
    ["--memory", "xx", "."],
    ["--label=", "."],
    ["--no-such-flag", "."],
    [".", "-t"],
]


@pytest.fixture(scope="module")
def secret_context(engine: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A context whose Dockerfile mounts the secret, Debian's 20.10 CLI first, and no credentials at all."""
    work = tmp_path_factory.mktemp("secretctx")
    (work / "home").mkdir()
    (work / "Dockerfile").write_text(f"FROM local/busybox\nRUN {CREDS_MOUNT} true\n")
    return work, {"HOME": str(work / "home"), "PATH": f"{os.path.dirname(DEBIAN_DOCKER)}:{os.environ['PATH']}"}


@pytest.mark.parametrize("args", BAD_COMMAND_LINES, ids=" ".join)
def test_a_command_line_docker_refuses_is_refused_in_its_words_before_credentials(secret_context, args):
    work, env = secret_context
    theirs = _oracle(DEBIAN_DOCKER, ["build", *args], {**env, "DOCKER_BUILDKIT": "1"}, work)
    # With an MFA device: no code may be asked for (stdin is /dev/null; a prompt would show on stderr).
    ours = run_csdocker(["build", "--role-arn", ROLE, "--mfa-serial", "arn:aws:iam::123456789012:mfa/me", *args],
                        env=env, cwd=str(work))
    assert theirs.returncode == 125, theirs.stderr.decode()
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


def test_docker_buildkit_not_a_boolean_is_the_clis_error(secret_context):
    work, env = secret_context
    env = {**env, "DOCKER_BUILDKIT": "yes"}
    theirs = _oracle(DEBIAN_DOCKER, ["build", "."], env, work)
    ours = run_csdocker(["build", "."], env=env, cwd=str(work))
    assert b"expects boolean value" in theirs.stderr
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


def test_without_credentials_a_good_command_line_says_so(secret_context):
    # The control: the same build, its command line fine, reaches the credentials and finds none.
    work, env = secret_context
    ours = run_csdocker(["build", "-t", "csdt-never-built", "."], env=env, cwd=str(work))
    assert ours.returncode == 125
    assert b"no AWS credentials found" in ours.stderr
