"""The Dev Containers CLI (``@devcontainers/cli``, pinned, from npm; the engine behind VS Code's dev
containers) driving csdocker on the real engine, ``devcontainer up --docker-path csdocker``.

It runs ``docker run --sig-proxy=false -a STDOUT -a STDERR ...`` attached (no ``-d``, no ``--rm``) and
leaves that process behind, ``docker exec -i -u root -e ...`` for the lifecycle commands and
``devcontainer exec``, and ``docker start`` for a stopped container. The commands inside call a fake
STS that names the access key it was signed with: they must see the credentials endpoint's
identity, in env mode and in relay mode, after a second ``up``, and after a stop and ``up`` (the
relay follows the container). The control: the same configuration with ``--docker-path docker``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import REPO, docker, ensure_testbed, in_ci
from tests.support.fakests import FakeSts, key_of_user_id
from tests.support.proc import CSDOCKER
from tests.support.relay_run import REGION, followers_of, upstream_env

pytestmark = pytest.mark.engine

CLI_DIR = Path(os.environ.get("CSDT_DEVCONTAINER_DIR", "/opt/csdocker-testbed/devcontainer-cli"))
CLI = CLI_DIR / "node_modules" / ".bin" / "devcontainer"
IDENTITY = "aws sts get-caller-identity --region us-east-1 --endpoint-url {sts} --query UserId --output text"


@pytest.fixture(scope="module")
def cli() -> Path:
    """The pinned Dev Containers CLI (scripts/testbed.sh devcontainer installs it)."""
    ensure_testbed("awscli")
    if not CLI.exists() and os.geteuid() == 0:
        subprocess.run(["bash", str(REPO / "scripts" / "testbed.sh"), "devcontainer"], capture_output=True,
                       timeout=900)
    if not CLI.exists():
        message = f"the Dev Containers CLI is not at {CLI} (scripts/testbed.sh devcontainer)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return CLI


@pytest.fixture(scope="module")
def csdocker_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """csdocker as one executable, as ``--docker-path`` wants it (this tree's code, the tests' entry)."""
    path = tmp_path_factory.mktemp("bin") / "csdocker"
    path.write_text(f"#!/bin/sh\nexec {shlex.join(CSDOCKER)} \"$@\"\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[CredentialsEndpoint, FakeSts]]:
    with CredentialsEndpoint(lifetime=3600) as endpoint, FakeSts(endpoint) as sts:
        yield endpoint, sts


class Workspace:
    """One dev container's folder, its configuration, and the CLI's commands on it."""

    def __init__(self, root: Path, cli: Path, docker_path: str, env: Mapping[str, str]) -> None:
        self.root = root
        self.cli = cli
        self.docker_path = docker_path
        self.env = dict(env)

    def configure(self, config: dict[str, object], dockerfile: str | None = None) -> None:
        folder = self.root / ".devcontainer"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "devcontainer.json").write_text(json.dumps(config, indent=2))
        if dockerfile is not None:
            (folder / "Dockerfile").write_text(dockerfile)

    def devcontainer(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.cli), *args[:1], "--docker-path", self.docker_path,
                               "--workspace-folder", str(self.root), *args[1:]],
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def up(self) -> str:
        done = self.devcontainer("up")
        assert done.returncode == 0, done.stderr[-3000:]
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
        assert outcome["outcome"] == "success", done.stderr[-3000:]
        return str(outcome["containerId"])

    def identity(self, sts: FakeSts) -> subprocess.CompletedProcess[str]:
        return self.devcontainer("exec", "sh", "-c", IDENTITY.format(sts=sts.url))

    def containers(self) -> list[str]:
        listed = docker("ps", "-aq", "--no-trunc", "--filter", f"label=devcontainer.local_folder={self.root}")
        return listed.stdout.split()

    def remove(self) -> None:
        images = {docker("inspect", "-f", "{{.Config.Image}}", cid).stdout.strip() for cid in self.containers()}
        for cid in self.containers():
            docker("rm", "-f", cid, timeout=60)
        for image in images:
            if image.startswith("vsc-"):  # built by the CLI for a Dockerfile-based configuration
                docker("rmi", image, timeout=60)


@pytest.fixture
def workspace(tmp_path: Path, cli: Path, csdocker_path: str,
              upstream: tuple[CredentialsEndpoint, FakeSts]) -> Iterator[Workspace]:
    endpoint, _ = upstream
    space = Workspace(tmp_path / "ws", cli, csdocker_path, upstream_env(endpoint, {"AWS_REGION": REGION}))
    yield space
    space.remove()


def config_for(image: str, sts: FakeSts) -> dict[str, object]:
    """An image-based configuration whose postCreateCommand asks STS who it is (host network: the
    fake STS listens on 127.0.0.1, in env mode and relay mode alike)."""
    return {
        "name": "csdt",
        "image": image,
        "runArgs": ["--network=host"],
        "userEnvProbe": "none",
        # Never failing (the control has no credentials): the output says what it saw.
        "postCreateCommand": IDENTITY.format(sts=sts.url) + " > /tmp/post-create.txt 2>&1 || true",
    }


def example_config(kind: str, sts: FakeSts) -> dict[str, object]:
    """examples/devcontainer/KIND's configuration (JSON with comments), its postCreateCommand asking
    the fake STS and on the host network (the fake listens on 127.0.0.1): what it says of csdocker is kept."""
    text = (REPO / "examples" / "devcontainer" / kind / ".devcontainer" / "devcontainer.json").read_text()
    config = json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))
    config["runArgs"] = [*config.get("runArgs", []), "--network=host"]
    config["postCreateCommand"] = config_for("", sts)["postCreateCommand"]
    return config


def post_create_output(container_id: str) -> str:
    return docker("exec", container_id, "cat", "/tmp/post-create.txt", timeout=60).stdout.strip()


def current_key(endpoint: CredentialsEndpoint) -> str:
    return endpoint.issued[-1].access_key_id


def test_an_image_based_dev_container_gets_credentials_in_post_create_and_exec(awscli, workspace, upstream):
    endpoint, sts = upstream
    workspace.configure(config_for(awscli, sts))
    container_id = workspace.up()
    assert key_of_user_id(post_create_output(container_id)) == current_key(endpoint)
    seen = workspace.identity(sts)
    assert seen.returncode == 0, seen.stderr[-2000:]
    assert key_of_user_id(seen.stdout.strip()) == current_key(endpoint)
    # A second up finds the running container and leaves it as it is.
    assert workspace.up() == container_id
    assert workspace.containers() == [container_id]


def test_a_relay_mode_dev_container_stopped_and_reopened_keeps_its_credentials(awscli, workspace, upstream):
    # The example's configuration: relay mode by csdocker's own option in runArgs.
    endpoint, sts = upstream
    workspace.configure({**example_config("image", sts), "image": awscli})
    container_id = workspace.up()
    assert key_of_user_id(post_create_output(container_id)) == current_key(endpoint)
    env = json.loads(docker("inspect", container_id, check=True).stdout)[0]["Config"]["Env"]
    assert not any(entry.startswith("AWS_SECRET_ACCESS_KEY=") for entry in env)

    assert docker("stop", "-t", "2", container_id, timeout=60).returncode == 0
    deadline = time.monotonic() + 30
    while len(followers_of(container_id)) != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(followers_of(container_id)) == 1  # the attached run handed its relay over
    assert workspace.up() == container_id  # the CLI starts the stopped container again
    seen = workspace.identity(sts)
    assert seen.returncode == 0, seen.stderr[-2000:]
    assert key_of_user_id(seen.stdout.strip()) == current_key(endpoint)


def test_a_dockerfile_based_dev_container_gets_credentials(awscli, workspace, upstream):
    # The Dockerfile mounts no secret: csdocker build passes it through (no buildx needed).
    # The example's configuration (relay mode), its Dockerfile FROM the local image (no network here).
    endpoint, sts = upstream
    workspace.configure(example_config("dockerfile", sts), dockerfile=f"FROM {awscli}\nRUN echo built > /built.txt\n")
    container_id = workspace.up()
    assert key_of_user_id(post_create_output(container_id)) == current_key(endpoint)
    assert docker("exec", container_id, "cat", "/built.txt", timeout=60).stdout == "built\n"


def test_the_control_with_the_docker_cli_comes_up_without_credentials(awscli, workspace, upstream):
    _, sts = upstream
    workspace.docker_path = "docker"
    workspace.configure(config_for(awscli, sts))
    container_id = workspace.up()
    assert "Unable to locate credentials" in post_create_output(container_id)
    seen = workspace.identity(sts)
    assert seen.returncode != 0
    assert "Unable to locate credentials" in seen.stderr
