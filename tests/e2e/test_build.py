"""``csdocker build``, end to end: the docker CLI's BuildKit build with the credentials as the secret ``aws``.

Real engine, Debian's docker CLI 20.10 (BuildKit built in; the 28.x CLI on the test bed
has no buildx and must be refused), a real aws CLI in the RUN steps (``FROM
local/aws-cli``) talking to moto's STS/S3 on 127.0.0.1 through ``--network host``, and
a container credentials endpoint serving credentials moto issued.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cloudshell_docker.imagebuild.secretfds import MEMORY_FILESYSTEMS, filesystem_type
from tests.support.awsenv import ACCOUNT, moto_client, moto_role
from tests.support.endpoint import CredentialsEndpoint, IssuedCredentials
from tests.support.engine import docker, unique_name
from tests.support.moto import MotoServer
from tests.support.proc import CSDOCKER, clean_env, run_csdocker

pytestmark = pytest.mark.engine

DEBIAN_DOCKER = "/usr/bin/docker"
NEWER_DOCKER_DIR = "/usr/local/bin"  # the 28.x CLI, without buildx
# Where a secret file could be left behind by the CLI, csdocker or the engine's BuildKit.
SEARCHED = ("/tmp", "/dev/shm", "/run", "/var/lib/docker/buildkit", "/var/lib/docker/tmp")
CREDS_MOUNT = "--mount=type=secret,id=aws,target=/root/.aws/credentials"
CONFIG_MOUNT = "--mount=type=secret,id=aws-config,target=/root/.aws/config"


@dataclass
class BuildHost:
    """A CloudShell-like host whose docker CLI is Debian's 20.10, and a build context."""

    env: dict[str, str]
    issued: IssuedCredentials
    operator_arn: str
    home: Path
    context: Path
    endpoint: CredentialsEndpoint
    images: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)  # killed at the end, whatever happened

    def dockerfile(self, text: str) -> None:
        (self.context / "Dockerfile").write_text(text)

    def image(self) -> str:
        name = unique_name("img")
        self.images.append(name)
        return name

    @property
    def secrets(self) -> tuple[bytes, bytes]:
        return self.issued.secret_access_key.encode(), self.issued.token.encode()


@pytest.fixture(scope="module")
def debian_cli(engine: None) -> str:
    done = subprocess.run([DEBIAN_DOCKER, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "version 20.10" in done.stdout, done.stdout
    return DEBIAN_DOCKER


@pytest.fixture
def host(awscli: str, moto: MotoServer, debian_cli: str, tmp_path: Path) -> Iterator[BuildHost]:
    issued = moto_client(moto, "sts").assume_role(RoleArn=moto_role(moto, "csdt-build-operator"),
                                                  RoleSessionName="operator")
    creds = issued["Credentials"]
    home = tmp_path / "home"
    context = tmp_path / "context"
    home.mkdir()
    context.mkdir()
    with CredentialsEndpoint() as endpoint:
        endpoint.issued.append(IssuedCredentials(
            access_key_id=creds["AccessKeyId"], secret_access_key=creds["SecretAccessKey"],
            token=creds["SessionToken"], expiration=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)))
        env = {
            **endpoint.environ(),
            "AWS_REGION": "eu-west-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": str(home),
            "PATH": f"{os.path.dirname(debian_cli)}:{os.environ['PATH']}",
        }
        built = BuildHost(env, endpoint.issued[-1], issued["AssumedRoleUser"]["Arn"], home, context, endpoint)
        yield built
        for process in built.processes:
            if process.poll() is None:
                process.kill()
                process.wait(30)
        if built.images:
            docker("rmi", "-f", *built.images)


def files_holding(secrets: tuple[bytes, ...], *extra: Path) -> list[str]:
    """Every file under the searched places (and ``extra``) that holds one of ``secrets``."""
    places = [place for place in (*SEARCHED, *map(str, extra)) if os.path.exists(place)]
    patterns = [arg for secret in secrets for arg in ("-e", secret.decode())]
    done = subprocess.run(["grep", "-rlsF", "--devices=skip", *patterns, *places],
                          capture_output=True, text=True, check=False)
    return done.stdout.split()


def assert_no_secret_left(host: BuildHost) -> None:
    assert files_holding(host.secrets, host.home, host.context) == []


def assert_only_buildkits_mount_holds_it(host: BuildHost) -> None:
    """While a RUN step runs, the engine's BuildKit has the secret on a tmpfs of its own (its secret mount)."""
    for path in files_holding(host.secrets, host.home, host.context):
        assert "/buildkit-secrets" in path, path
        assert filesystem_type(path) in MEMORY_FILESYSTEMS, path


def image_file(image: str, path: str) -> str:
    done = docker("run", "--rm", "--entrypoint", "cat", image, path, check=True)
    return done.stdout


def test_build_gets_the_endpoints_identity_and_no_layer_keeps_the_secret(host: BuildHost, moto: MotoServer):
    image = host.image()
    host.dockerfile(
        "FROM local/aws-cli\n"
        "ARG MOTO\n"
        f"RUN {CREDS_MOUNT} {CONFIG_MOUNT} aws sts get-caller-identity --endpoint-url $MOTO --output json"
        " > /identity.json\n"
        # A second step that mounts the secret reads it whole, from its first byte.
        f"RUN {CREDS_MOUNT} wc -c < /root/.aws/credentials > /second-read && grep -c aws_session_token"
        " /root/.aws/credentials >> /second-read\n"
    )
    done = run_csdocker(["build", "--network", "host", "--build-arg", f"MOTO={moto.url}", "-t", image,
                         "--no-cache", "--progress", "plain", str(host.context)], env=host.env, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    identity = json.loads(image_file(image, "/identity.json"))
    assert identity["Arn"] == host.operator_arn
    assert identity["Account"] == ACCOUNT
    expected = (f"[default]\naws_access_key_id = {host.issued.access_key_id}\n"
                f"aws_secret_access_key = {host.issued.secret_access_key}\n"
                f"aws_session_token = {host.issued.token}\n")
    assert image_file(image, "/second-read").split() == [str(len(expected)), "1"]

    saved = subprocess.run(["docker", "save", image], capture_output=True, check=True).stdout
    history = docker("history", "--no-trunc", image, check=True).stdout
    for secret in host.secrets:
        assert secret not in saved
        assert secret.decode() not in history
        assert secret not in done.stdout + done.stderr
    assert_no_secret_left(host)


def test_role_arn_gives_the_assumed_roles_identity(host: BuildHost, moto: MotoServer):
    image = host.image()
    target = moto_role(moto, "csdt-build-target")
    host.dockerfile(
        "FROM local/aws-cli\nARG MOTO\n"
        f"RUN {CREDS_MOUNT} {CONFIG_MOUNT} aws sts get-caller-identity --endpoint-url $MOTO --output json"
        " > /identity.json\n"
    )
    env = {**host.env, "AWS_ENDPOINT_URL_STS": moto.url}  # AssumeRole's own call goes to moto
    # The role's options mix with docker build's, after PATH too. --no-cache is docker's (BuildKit would
    # reuse the earlier test's identical RUN step: a secret is no part of the cache key); --no-sts-cache is
    # csdocker's and keeps the session off the disk.
    done = run_csdocker(["build", "--role-arn", target, str(host.context), "--network", "host", "--no-cache",
                         "--session-name", "build-test", "--build-arg", f"MOTO={moto.url}", "--no-sts-cache",
                         "--tag", image], env=env, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    identity = json.loads(image_file(image, "/identity.json"))
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/csdt-build-target/build-test"
    assert not (host.home / ".cache" / "csdocker").exists()


def test_a_build_reads_s3_under_the_secret(host: BuildHost, moto: MotoServer):
    bucket = unique_name("bucket")
    s3 = moto_client(moto, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="model/weights.txt", Body=b"the artefact, fetched with IAM\n")
    image = host.image()
    host.dockerfile(
        "FROM local/aws-cli\nARG MOTO\n"
        f"RUN {CREDS_MOUNT} {CONFIG_MOUNT} aws s3 cp s3://{bucket}/model/weights.txt /weights.txt"
        " --endpoint-url $MOTO\n"
    )
    # The "image build" spelling, with a docker global option before it.
    done = run_csdocker(["-H", "unix:///var/run/docker.sock", "image", "build", "--network", "host",
                         "--build-arg", f"MOTO={moto.url}", "-t", image, str(host.context)], env=host.env, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert image_file(image, "/weights.txt") == "the artefact, fetched with IAM\n"
    history = docker("history", "--no-trunc", image, check=True).stdout
    assert "RUN |1 MOTO=" in history
    assert "aws s3 cp" in history
    for secret in host.secrets:
        assert secret.decode() not in history
    assert_no_secret_left(host)


def _progress(stderr: bytes) -> tuple[list[str], str]:
    """The steps the CLI's plain progress names, and its last line (the error): what does not vary
    from one run to the next (transfer sizes, timings and the interleaving of lines do)."""
    lines = [line.rstrip() for line in stderr.decode().splitlines() if line.strip()]
    steps = sorted({re.sub(r"^#\d+ ", "", line) for line in lines if re.match(r"#\d+ \[", line)})
    return steps, lines[-1]


def test_a_failing_build_exits_as_the_cli_does(host: BuildHost):
    host.dockerfile(f"FROM local/busybox\nRUN {CREDS_MOUNT} test -s /root/.aws/credentials && exit 3\n")
    args = ["build", "--progress", "plain", "--no-cache", str(host.context)]
    ours = run_csdocker(args, env=host.env, timeout=300)
    theirs = subprocess.run([DEBIAN_DOCKER, *args, "--secret", f"id=aws,src={host.context / 'Dockerfile'}"],
                            env=clean_env({**host.env, "DOCKER_BUILDKIT": "1"}), capture_output=True, timeout=300)
    assert theirs.returncode != 0
    assert ours.returncode == theirs.returncode
    last = [line for line in ours.stderr.decode().splitlines() if line.strip()][-1]
    assert "exit code: 3" in last
    assert ours.stdout == theirs.stdout
    assert _progress(ours.stderr) == _progress(theirs.stderr)
    assert_no_secret_left(host)


def _start_waiting_build(host: BuildHost, marker: str, command: list[str] | None = None) -> subprocess.Popen[bytes]:
    # sleep is not the last command, so the shell stays, its command line showing the marker.
    host.dockerfile(f"FROM local/busybox\nRUN {CREDS_MOUNT} echo {marker}-waiting && sleep 300 && echo done"
                    f" # {marker}\n")
    process = subprocess.Popen([*(command or CSDOCKER), "build", "--progress", "plain", "--no-cache",
                                "-t", host.image(), str(host.context)], env=clean_env(host.env),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    host.processes.append(process)  # a test that fails half-way must not leave the build running
    seen = threading.Event()
    tail: list[bytes] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            tail.append(line)
            if f"{marker}-waiting".encode() in line and b"echo" not in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    if not seen.wait(120):
        process.kill()
        pytest.fail("the build never reached its RUN step: " + b"".join(tail[-20:]).decode(errors="replace"))
    return process


def _processes_with(marker: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"# {marker}".encode() in cmdline:
            found.append(pid)
    return found


def _wait_until(check, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_an_interrupted_build_leaves_no_secret_anywhere(host: BuildHost, how: str):
    marker = unique_name("wait")
    process = _start_waiting_build(host, marker)
    assert _processes_with(marker), "the RUN step is not seen running"
    # csdocker has become the docker CLI (exec): same pid, the secret only as an inherited memory file.
    assert os.path.realpath(f"/proc/{process.pid}/exe") == DEBIAN_DOCKER
    fds = [os.readlink(f"/proc/{process.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{process.pid}/fd")]
    assert any(target.startswith("/memfd:csdocker-aws") for target in fds), fds
    for secret in host.secrets:
        assert secret not in Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert secret not in Path(f"/proc/{process.pid}/environ").read_bytes()
    assert_only_buildkits_mount_holds_it(host)

    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)  # the terminal sends it to the foreground group
    else:
        process.kill()
    process.wait(60)
    assert process.returncode != 0
    assert _wait_until(lambda: not _processes_with(marker)), "the RUN step outlived the build"
    assert_no_secret_left(host)


FALLBACK = [sys.executable, "-c",
            "import os, sys; del os.memfd_create\n"
            "from cloudshell_docker.cli import main\nmain(sys.argv[1:])"]


def _fallback_dirs() -> set[str]:
    return {entry for entry in os.listdir("/dev/shm") if entry.startswith("csdocker-build-")}


def test_without_memfd_the_secret_is_a_private_tmpfs_file_removed_when_the_cli_ends(host: BuildHost):
    before = _fallback_dirs()
    marker = unique_name("wait")
    process = _start_waiting_build(host, marker, FALLBACK)
    assert _processes_with(marker), "the RUN step is not seen running"
    made = _fallback_dirs() - before
    assert len(made) == 1, made
    directory = Path("/dev/shm") / made.pop()
    assert directory.stat().st_mode & 0o777 == 0o700
    secret_file = directory / "aws"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert host.issued.secret_access_key in secret_file.read_text()
    assert os.path.realpath(f"/proc/{process.pid}/exe") == DEBIAN_DOCKER  # still exec, no csdocker parent
    assert filesystem_type(str(secret_file)) in MEMORY_FILESYSTEMS

    process.kill()  # even SIGKILL: the janitor sees the pipe close
    process.wait(60)
    assert _wait_until(lambda: not directory.exists(), 10), "the fallback directory outlived the CLI"
    assert _wait_until(lambda: not _processes_with(marker))
    assert_no_secret_left(host)

    # A build that ends by itself cleans up too.
    host.dockerfile(f"FROM local/busybox\nRUN {CREDS_MOUNT} test -s /root/.aws/credentials\n")
    done = subprocess.run([*FALLBACK, "build", "--no-cache", "-q", str(host.context)], env=clean_env(host.env),
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    host.images.append(done.stdout.decode().strip())
    assert _wait_until(lambda: _fallback_dirs() <= before, 10)
    assert_no_secret_left(host)


@pytest.mark.parametrize("name", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                  "AWS_CONTAINER_AUTHORIZATION_TOKEN"])
@pytest.mark.parametrize("form", ["bare", "valued"])
def test_a_credential_build_arg_is_refused(host: BuildHost, name: str, form: str):
    value = name if form == "bare" else f"{name}=x"
    done = run_csdocker(["build", str(host.context), "--build-arg", value], env=host.env)
    assert done.returncode == 125
    assert done.stderr.decode().count("\n") == 1
    assert f"--build-arg {name}" in done.stderr.decode()
    assert "secret 'aws'" in done.stderr.decode()
    assert host.endpoint.requests == []  # refused before any credentials were fetched


@pytest.mark.parametrize(("spec", "words"), [("id=aws,src=/etc/hostname", "clashes"),
                                             ("src=/etc/hostname,ID=aws-config", "clashes"),
                                             ("id=aws,src=/etc/hostname\nx", "control character")])
def test_a_users_secret_with_csdockers_id_is_refused(host: BuildHost, spec: str, words: str):
    host.dockerfile(f"FROM local/busybox\nRUN {CREDS_MOUNT} true\n")
    done = run_csdocker(["build", "--secret", spec, str(host.context)], env=host.env)
    assert done.returncode == 125
    assert words in done.stderr.decode()
    assert done.stderr.decode().count("\n") == 1
    assert host.endpoint.requests == []


@pytest.mark.parametrize("value", ["0", "false"])
def test_buildkit_turned_off_is_refused(host: BuildHost, value: str):
    done = run_csdocker(["build", str(host.context)], env={**host.env, "DOCKER_BUILDKIT": value})
    assert done.returncode == 125
    assert f"DOCKER_BUILDKIT={value}" in done.stderr.decode()
    assert done.stderr.decode().count("\n") == 1
    assert host.endpoint.requests == []


STAND_IN_28 = """#!/bin/sh
# Stands in for a docker CLI 28.x without the buildx plugin, where the machine has none.
case "$1" in
  --version) echo "Docker version 28.2.2, build e6534b4" ;;
  buildx) echo "docker: unknown command: docker buildx" >&2; exit 1 ;;
  *) echo "ERROR: BuildKit is enabled but the buildx component is missing or broken." >&2; exit 1 ;;
esac
"""


def newer_cli_dir(tmp_path: Path) -> str:
    """A directory whose ``docker`` is a CLI of 23+ without buildx: the test bed's 28.x, or a stand-in."""
    version = subprocess.run([f"{NEWER_DOCKER_DIR}/docker", "--version"], capture_output=True, text=True,
                             check=False).stdout if os.path.exists(f"{NEWER_DOCKER_DIR}/docker") else ""
    if re.search(r"version (2[3-9]|[3-9]\d)\.", version):
        return NEWER_DOCKER_DIR
    stand_in = tmp_path / "newer-cli"
    stand_in.mkdir()
    (stand_in / "docker").write_text(STAND_IN_28)
    (stand_in / "docker").chmod(0o755)
    return str(stand_in)


@pytest.mark.parametrize("command", [["build"], ["buildx", "build"]])
def test_a_cli_without_buildkit_is_refused(host: BuildHost, command: list[str], tmp_path: Path):
    host.dockerfile(f"FROM local/busybox\nRUN {CREDS_MOUNT} true\n")  # the secret would be lost
    env = {**host.env, "PATH": f"{newer_cli_dir(tmp_path)}:{host.env['PATH']}"}
    done = run_csdocker([*command, str(host.context)], env=env)
    assert done.returncode == 125
    assert "buildx" in done.stderr.decode()
    assert done.stderr.decode().count("\n") == 1
    assert host.endpoint.requests == []


def test_help_is_csdockers_options_then_the_clis_buildkit_help(host: BuildHost):
    done = run_csdocker(["build", "--help", "--role-arn", "arn:aws:iam::123456789012:role/x"], env=host.env)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert out.startswith("csdocker build:")
    assert out.index("--no-sts-cache") < out.index("Usage:  docker build")
    assert "--secret stringArray" in out  # BuildKit's flags: the CLI ran with DOCKER_BUILDKIT=1
    assert host.endpoint.requests == []


@pytest.mark.parametrize("args", [[], [".", "other"]])
def test_a_build_without_exactly_one_context_is_the_clis_usage_error_and_fetches_nothing(host: BuildHost, args):
    ours = run_csdocker(["build", "--role-arn", "arn:aws:iam::123456789012:role/x", *args], env=host.env,
                        cwd=str(host.context))
    theirs = subprocess.run([DEBIAN_DOCKER, "build", *args], env=clean_env({**host.env, "DOCKER_BUILDKIT": "1"}),
                            capture_output=True, cwd=str(host.context), check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert b"requires exactly 1 argument" in ours.stderr
    assert host.endpoint.requests == []


def test_without_a_region_there_is_no_aws_config_secret_and_the_users_own_is_left_alone(host: BuildHost):
    own_config = host.home / "my-config"
    own_config.write_text("[default]\nregion = ap-south-1\n")
    image = host.image()
    host.dockerfile(f"FROM local/busybox\nRUN {CREDS_MOUNT} {CONFIG_MOUNT} cat /root/.aws/config > /seen\n")
    env = {name: value for name, value in host.env.items() if name != "AWS_REGION"}
    done = run_csdocker(["build", "--no-cache", "--secret", f"id=aws-config,src={own_config}", "-t", image,
                         str(host.context)], env=env, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert "no AWS region configured" in done.stderr.decode()
    assert image_file(image, "/seen") == "[default]\nregion = ap-south-1\n"
