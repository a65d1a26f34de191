"""``csdocker compose --inject relay``: one relay for the project, kept fresh, ended by ``down``.

One project for the module, brought up once (``csdocker compose --inject relay up -d``, a sampler
over every host process's argv and environment meanwhile), whose upstream credentials live 60 s:

* ``bridge`` (the project's default network; it also joins csdocker-relay) and ``hostsvc``
  (``network_mode: host``), the real aws CLI calling a fake STS every 10 s for more than two
  lifetimes: they must see the key rotate and never fail;
* ``shared`` (``network_mode: service:bridge``): bridge's relay address.

Then: ``exec`` into a relay service injects nothing, a second ``up`` reuses the live relay,
``network_mode: none`` is refused, and ``down`` leaves no csdocker process and no listener.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cloudshell_docker.compose.follower import project_relay_title
from cloudshell_docker.compose.override import escape
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.network import MANAGED_NETWORK, ensure_network
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker, unique_name
from tests.support.fakests import FakeSts
from tests.support.proc import CSDOCKER, ENTRY, clean_env, run_csdocker, run_docker
from tests.support.procscan import ProcSampler, files_holding
from tests.support.relay_run import container_env, loop_script, parse_calls, port_refuses, processes_mentioning

pytestmark = [pytest.mark.engine, pytest.mark.slow]

LIFETIME = 60
DURATION = 135  # more than two lifetimes
INTERVAL = 10


@dataclass
class Project:
    name: str
    directory: Path
    env: dict[str, str]
    upstream: CredentialsEndpoint
    sampler: ProcSampler
    started: float
    up_output: str = ""
    ids: dict[str, str] = field(default_factory=dict)

    def csdocker(self, *args: str):
        return run_csdocker(["compose", "-p", self.name, *args], env=self.env, cwd=str(self.directory))

    def compose(self, *args: str):
        return run_docker(["compose", "-p", self.name, *args], env=self.env, cwd=str(self.directory))

    def container(self, service: str) -> str:
        return f"{self.name}-{service}-1"

    def secrets(self) -> list[str]:
        return [value for issued in self.upstream.issued for value in (issued.secret_access_key, issued.token)]


@pytest.fixture(scope="module")
def project(compose_env, awscli, busybox, tmp_path_factory) -> Iterator[Project]:
    ensure_network(Engine(connect(GlobalOptions(), {})))  # the fake STS for bridge listens on its gateway
    directory = tmp_path_factory.mktemp("compose-relay")
    with (
        CredentialsEndpoint(lifetime=LIFETIME) as upstream,
        FakeSts(upstream) as sts,
        FakeSts(upstream, host=MANAGED_NETWORK.gateway) as sts_gateway,
    ):
        (directory / "compose.yaml").write_text(json.dumps({"services": {
            # compose interpolates the file: the loop's $ are written $$
            "bridge": {"image": awscli, "entrypoint": ["sh", "-c", escape(loop_script(sts_gateway.url, DURATION,
                                                                                       INTERVAL))]},
            "hostsvc": {"image": awscli, "network_mode": "host",
                        "entrypoint": ["sh", "-c", escape(loop_script(sts.url, DURATION, INTERVAL))]},
            "shared": {"image": busybox, "network_mode": "service:bridge", "command": ["sleep", "600"]},
        }}))
        (directory / "none.yaml").write_text(json.dumps({"services": {
            "isolated": {"image": busybox, "network_mode": "none", "command": ["true"]}}}))
        env = {**compose_env, **upstream.environ(), "HOME": str(directory), "CSDOCKER_INJECT": "relay",
               "AWS_REGION": "us-east-1"}
        made = Project(unique_name("proj"), directory, env, upstream, ProcSampler(), time.time())
        try:
            with made.sampler:
                done = made.csdocker("up", "-d")
                assert done.returncode == 0, done.stderr.decode()
                made.up_output = (done.stdout + done.stderr).decode()
            made.ids = {service: docker("inspect", "-f", "{{.Id}}", made.container(service)).stdout.strip()
                        for service in ("bridge", "hostsvc", "shared")}
            yield made
        finally:
            made.compose("down", "-t", "0")


def test_each_service_reaches_the_one_relay_where_its_network_lets_it(project):
    bridge, host, shared = (container_env(project.container(s)) for s in ("bridge", "hostsvc", "shared"))
    assert bridge["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://169.254.170.2:")
    assert host["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert shared["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == bridge["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    port = bridge["AWS_CONTAINER_CREDENTIALS_FULL_URI"].split(":")[2]
    assert host["AWS_CONTAINER_CREDENTIALS_FULL_URI"].split(":")[2] == port
    assert bridge["AWS_CONTAINER_AUTHORIZATION_TOKEN"] == host["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert bridge["AWS_REGION"] == "us-east-1"
    networks = json.loads(docker("inspect", project.container("bridge")).stdout)[0]["NetworkSettings"]["Networks"]
    assert set(networks) == {f"{project.name}_default", MANAGED_NETWORK.name}
    assert len(processes_mentioning(project_relay_title(project.name))) == 1


def test_nothing_secret_in_docker_inspect_argv_environment_or_files(project):
    inspected = docker("inspect", *project.ids.values()).stdout
    assert project.secrets()
    for secret in project.secrets():
        assert secret not in inspected
        assert secret not in project.up_output
        assert project.sampler.holding(secret) == []
        assert files_holding(secret, [project.directory, Path("/tmp"), Path("/dev/shm")], project.started) == []
    assert "AWS_SECRET_ACCESS_KEY" not in container_env(project.container("bridge"))


def test_exec_into_a_relay_service_injects_nothing(project):
    done = project.csdocker("exec", "-T", "shared", "env")
    assert done.returncode == 0, done.stderr.decode()
    names = {line.split("=", 1)[0] for line in done.stdout.decode().splitlines()}
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in names
    assert "AWS_ACCESS_KEY_ID" not in names


def test_a_later_up_reuses_the_live_relay(project):
    done = project.csdocker("up", "-d", "shared")
    assert done.returncode == 0, done.stderr.decode()
    assert docker("inspect", "-f", "{{.Id}}", project.container("shared")).stdout.strip() == project.ids["shared"]
    assert len(processes_mentioning(project_relay_title(project.name))) == 1


def test_a_network_mode_no_relay_can_reach_is_refused_in_one_line(project):
    name = unique_name("proj")
    done = run_csdocker(["compose", "-p", name, "-f", "none.yaml", "up", "-d"], env=project.env,
                        cwd=str(project.directory))
    assert done.returncode == 125
    assert done.stderr.decode().count("\n") == 1
    assert "network_mode: none" in done.stderr.decode()
    assert docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={name}").stdout == ""


@pytest.mark.skipif(ENTRY == "server", reason="the launcher runs compose in a Python of its own, as the module "
                    "pass does: the 150 s rotation proof runs once per CI")
@pytest.mark.timeout(420)
def test_long_running_services_see_the_key_rotate_and_never_fail(project):
    for service in ("bridge", "hostsvc"):
        done = docker("wait", project.container(service), timeout=DURATION + 120)
        assert done.stdout.strip() == "0", done.stderr
    for service in ("bridge", "hostsvc"):
        calls = parse_calls(docker("logs", project.container(service)).stdout)
        assert [call for call in calls if not call.ok] == []
        assert calls[-1].epoch - calls[0].epoch >= 2 * LIFETIME
        keys = list(dict.fromkeys(call.key_id for call in calls))
        assert set(keys) <= {issued.access_key_id for issued in project.upstream.issued}
        assert len(keys) >= 3, (service, keys)  # two rotations seen from inside


def test_a_killed_relay_is_served_again_by_restart_on_the_same_port(project):
    from cloudshell_docker.relay.probe import relay_problem

    env = container_env(project.container("hostsvc"))
    url, token = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    followers = processes_mentioning(project_relay_title(project.name))
    assert len(followers) == 1
    os.kill(followers[0], signal.SIGKILL)  # this test's own relay (started by its csdocker)
    deadline = time.monotonic() + 30
    while not port_refuses(url):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    done = project.csdocker("restart", "-t", "0", "hostsvc")
    assert done.returncode == 0, done.stderr.decode()
    assert relay_problem(url, token) is None
    assert len(processes_mentioning(project_relay_title(project.name))) == 1


def test_the_projects_relay_holds_nothing_of_the_command_that_started_it(compose_env, busybox, tmp_path, endpoint):
    """The relay outlives ``up``: it keeps its listeners, the engine's connections and its diagnostics,
    never a file, pipe or terminal the command that forked it had (here a file the caller passed down)."""
    (tmp_path / "compose.yaml").write_text(json.dumps({"services": {
        "box": {"image": busybox, "network_mode": "host", "command": ["sleep", "600"]}}}))
    name = unique_name("proj")
    env = clean_env({**compose_env, **endpoint.environ(), "HOME": str(tmp_path), "CSDOCKER_INJECT": "relay",
                     "AWS_REGION": "us-east-1"})
    inherited = os.open(tmp_path / "inherited", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        done = subprocess.run([*CSDOCKER, "compose", "-p", name, "up", "-d"], env=env, cwd=tmp_path,
                              capture_output=True, timeout=120, pass_fds=(inherited,), stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr.decode()
        (relay,) = processes_mentioning(project_relay_title(name))
        held = {}
        for entry in Path(f"/proc/{relay}/fd").iterdir():
            with contextlib.suppress(OSError):
                held[int(entry.name)] = os.readlink(entry)
        kept = [target for target in held.values()
                if not target.startswith(("socket:", "anon_inode:")) and target != "/dev/null"
                and not target.endswith("/csdocker/relay") and "/csdocker/relay/" not in target]  # its diagnostics
        assert kept == [], held
    finally:
        os.close(inherited)
        run_docker(["compose", "-p", name, "down", "-t", "0"], env=env, cwd=str(tmp_path))


def test_down_ends_the_relay_and_leaves_no_csdocker_process(project):
    url = container_env(project.container("hostsvc"))["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    done = project.csdocker("down", "-t", "0")
    assert done.returncode == 0, done.stderr.decode()
    deadline = time.monotonic() + 30
    while processes_mentioning(project_relay_title(project.name)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_mentioning(project_relay_title(project.name)) == []
    assert processes_mentioning(project.name) == []
    assert port_refuses(url)
    assert docker("network", "inspect", MANAGED_NETWORK.name).returncode == 0  # left as run leaves it
