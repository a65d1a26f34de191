"""Side by side on the real engine: the docker CLI's ``docker create`` and csdocker's translation.

For each case the docker CLI creates container A from the command line, and
csdocker creates container B from the same argv (parse_run_args -> translate ->
adapt_to_api(engine's API version) -> docker.APIClient.create_container_from_config),
both through one recording proxy in front of the engine. Then:
  - the two create bodies are equal (Env and Binds compared as multisets: the CLI
    fills them from Go maps), and
  - ``docker inspect`` of A and B agree on Config, HostConfig and the endpoint
    settings of NetworkSettings.Networks, ignoring only what differs between two
    creates by the CLI itself (test_the_cli_differs_from_itself_only_where_ignored),
  - or, where the engine refuses the create, both get the same refusal.
A case uses `docker run` (attached, or -d) when it has a flag `docker create` lacks.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import docker
import pytest

from cloudshell_docker.engine.apiversions import version_tuple
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.flags import DOCKER_FLAGS, docker_flag
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate
from tests.support.engine import docker as docker_cli
from tests.support.proc import run_csdocker, run_docker
from tests.support.recorder import EngineRecorder, RecordedRequest
from tests.support.runargs_cases import CASES, Case
from tests.support.runargs_oracle import (
    body_delta,
    load_oracle,
    normalise_unstable,
    observe_cli,
    prepare_case,
)
from tests.support.translation import translate_context

pytestmark = pytest.mark.engine

ORACLE = load_oracle()
# Client-side only, and needs a registry this test bed does not have.
NOT_ON_THIS_BED = {"pull-always": "no registry is reachable"}
ENGINE_CASES = [
    case for case in CASES
    if "delta" in ORACLE["cases"][case.id].get("1.41", {}) and case.id not in NOT_ON_THIS_BED
]
RUN_ONLY = {flag.name for flag in DOCKER_FLAGS if flag.run_only}


@dataclass
class Bed:
    """Objects the cases refer to, made once: networks, a peer container, the recorder, a docker-py client."""

    tag: str
    recorder: EngineRecorder
    client: docker.APIClient
    api_version: str
    subnet_prefix: str  # "172.N.M." in place of the cases' 172.30.0.
    ipv6_prefix: str  # "fdxx:...::" in place of the cases' 2001:db8::
    networks: dict[str, str] = field(default_factory=dict)  # the cases' name -> real name
    peer: str = ""
    containers: list[str] = field(default_factory=list)

    def name(self, side: str) -> str:
        name = f"csdt-conf-{self.tag}-{uuid.uuid4().hex[:8]}-{side}"
        self.containers.append(name)
        return name

    def substitute(self, text: str, own_name: str) -> str:
        for placeholder, real in self.networks.items():
            text = text.replace(placeholder, real).replace(placeholder.upper().replace("NET", "Net"), real.upper())
        text = re.sub(r"\bother\b", self.peer, text)
        text = text.replace("csdt-vol-", f"csdt-vol-{self.tag}-").replace("csdt-oracle-name", own_name)
        return text.replace("172.30.0.", self.subnet_prefix).replace("2001:db8::", self.ipv6_prefix)


def _make_network(name: str, index: int) -> tuple[str, str]:
    for _attempt in range(20):
        second, third = 16 + uuid.uuid4().int % 16, uuid.uuid4().int % 250
        v4 = f"172.{second}.{third}."
        v6 = f"fd00:c5d7:{uuid.uuid4().hex[:4]}::"
        made = docker_cli("network", "create", "--ipv6", "--subnet", f"{v4}0/24", "--subnet", f"{v6}/64", name)
        if made.returncode == 0:
            return v4, v6
        if "overlap" not in made.stderr:
            raise RuntimeError(made.stderr.strip())
    raise RuntimeError("no free subnet for the conformance network")


@pytest.fixture(scope="module")
def bed(busybox: str) -> Iterator[Bed]:
    tag = uuid.uuid4().hex[:8]
    networks = {placeholder: f"csdt-net-{tag}-{placeholder.rsplit('-', 1)[1]}"
                for placeholder in ("csdt-net", "csdt-a", "csdt-b")}
    made_networks: list[str] = []
    recorder = EngineRecorder().start()
    client = docker.APIClient(base_url=recorder.docker_host, version="auto")
    try:
        prefixes = ("", "")
        for index, real in enumerate(networks.values()):
            result = _make_network(real, index)
            made_networks.append(real)
            if index == 0:
                prefixes = result
        the_bed = Bed(tag=tag, recorder=recorder, client=client, api_version=str(client.api_version),
                      subnet_prefix=prefixes[0], ipv6_prefix=prefixes[1], networks=networks)
        the_bed.peer = the_bed.name("peer")
        docker_cli("create", "--name", the_bed.peer, "-v", "/peer-data", busybox, check=True)
        yield the_bed
    finally:
        docker_cli("rm", "-f", "-v", *getattr(locals().get("the_bed"), "containers", []) or ["csdt-none"])
        for real in made_networks:
            docker_cli("network", "rm", real)
        volumes = docker_cli("volume", "ls", "-q", "--filter", f"name=csdt-vol-{tag}-").stdout.split()
        if volumes:
            docker_cli("volume", "rm", "-f", *volumes)
        client.close()
        recorder.stop()


def _create_request(recorder: EngineRecorder, name: str) -> RecordedRequest | None:
    for request in recorder.creates():
        if request.query.get("name") == name:
            return request
    return None


def comparable_body(body: dict[str, Any]) -> dict[str, Any]:
    """docker-py leaves out top-level nulls (Env, Cmd, Entrypoint, OnBuild): so does this comparison."""
    return normalise_unstable({key: value for key, value in body.items() if value is not None})


def daemon_message(stderr: str) -> str:
    for line in stderr.splitlines():
        if "Error response from daemon: " in line:
            return line.split("Error response from daemon: ", 1)[1].strip()
    return stderr.strip()


def without_ids(message: str) -> str:
    """A refusal names the volume or container it was making: a fresh ID each time. A list of names
    after a colon (the networks a container cannot join at once) comes in the engine's map order,
    which changes from one request to the next: it is compared sorted."""
    message = re.sub(r"\b[0-9a-f]{64}\b", "<id>", message)
    head, sep, names = message.rpartition(": ")
    if sep and ", " in names:
        message = head + sep + ", ".join(sorted(names.split(", ")))
    return message


def comparable_inspect(info: dict[str, Any], created_as: str) -> dict[str, Any]:
    """Config, HostConfig and endpoint settings, with what differs between two CLI creates normalised."""
    short_id = info["Id"][:12]
    config = dict(info["Config"])
    if config.get("Hostname") == short_id:
        config["Hostname"] = "<container id>"
    if config.get("Env"):
        config["Env"] = sorted(config["Env"])
    host = dict(info["HostConfig"])
    if host.get("Binds"):
        host["Binds"] = sorted(host["Binds"])
    networks = {}
    for net, settings in (info["NetworkSettings"]["Networks"] or {}).items():
        networks[net] = {key: settings.get(key) for key in ("IPAMConfig", "Links", "Aliases", "MacAddress",
                                                            "DriverOpts")}
        if networks[net]["Aliases"]:
            networks[net]["Aliases"] = [a for a in networks[net]["Aliases"] if a != short_id]
    text = json.dumps({"Config": config, "HostConfig": host, "Networks": networks})
    return json.loads(text.replace(f"/{created_as}/", "/<name>/").replace(f'"{created_as}"', '"<name>"'))


@dataclass(frozen=True)
class SideBySide:
    cli: subprocess.CompletedProcess[str]
    cli_body: dict[str, Any] | None
    ours_body: dict[str, Any] | None
    ours_error: str | None
    cli_name: str
    ours_name: str


def side_by_side(bed: Bed, case: Case, root: Path) -> SideBySide:
    cli_name, ours_name = bed.name("cli"), bed.name("ours")
    cli_case = replace(case, argv=tuple(bed.substitute(arg, cli_name) for arg in case.argv),
                       config=json.loads(bed.substitute(json.dumps(case.config), cli_name)) if case.config else None)
    ours_argv = tuple(bed.substitute(arg, ours_name) for arg in case.argv)
    cwd, env = prepare_case(cli_case, root, bed.recorder.docker_host)
    parsed_flags = {name for name, _ in parse_run_args(cli_case.argv).converted.items}
    verb = "run" if parsed_flags & RUN_ONLY else "create"
    cli = subprocess.run(
        ["docker", verb, "--name", cli_name, "--pull=never", *cli_case.argv],
        env={**env, "DOCKER_HOST": bed.recorder.docker_host}, cwd=cwd, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60,
    )
    context = translate_context(env, str(cwd), bed.recorder.docker_host)
    spec = translate(parse_run_args(("--name", ours_name, "--pull=never", *ours_argv)), context)
    spec = adapt_to_api(spec, bed.api_version)
    ours_error = None
    try:
        bed.client.create_container_from_config(spec.config, name=spec.name, platform=spec.platform)
    except docker.errors.APIError as err:
        ours_error = str(err.explanation)
    cli_request = _create_request(bed.recorder, cli_name)
    ours_request = _create_request(bed.recorder, ours_name)
    return SideBySide(cli, cli_request.json() if cli_request else None, ours_request.json() if ours_request else None,
                      ours_error, cli_name, ours_name)


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[case.id for case in ENGINE_CASES])
def test_create_matches_the_docker_cli(case: Case, bed: Bed, tmp_path: Path) -> None:
    result = side_by_side(bed, case, tmp_path)
    assert result.cli_body is not None, result.cli.stderr
    assert result.ours_body is not None
    assert comparable_body(result.ours_body) == comparable_body(result.cli_body)
    cli_created = bed.client.containers(all=True, filters={"name": f"^/{result.cli_name}$"})
    if not cli_created:
        # The engine refused the CLI's create: csdocker's create must meet the same refusal.
        assert result.ours_error is not None, f"the CLI failed ({result.cli.stderr.strip()}) but csdocker created"
        assert without_ids(result.ours_error) == without_ids(daemon_message(result.cli.stderr))
        return
    assert result.ours_error is None, result.ours_error
    cli_info = bed.client.inspect_container(result.cli_name)
    ours_info = bed.client.inspect_container(result.ours_name)
    started = cli_info["State"]["StartedAt"] != "0001-01-01T00:00:00Z"
    ours_view, cli_view = comparable_inspect(ours_info, result.ours_name), comparable_inspect(cli_info, result.cli_name)
    if started:  # `docker run`: the engine gave the started one a MAC address
        for view in (ours_view, cli_view):
            for settings in view["Networks"].values():
                settings.pop("MacAddress")
    assert ours_view == cli_view


RICH = ("-e", "A=1", "-e", "B=2", "-e", "C=3", "-e", "D=4", "-e", "E=5", "-v", "/tmp:/a", "-v", "/srv:/b",
        "-v", "/opt:/c", "-v", "/mnt:/d", "-p", "8080:80", "-p", "9090:90", "-l", "a=b", "--network", "csdt-net",
        "--network-alias", "x", "--dns", "9.9.9.9", "--cap-add", "net_admin", "--tmpfs", "/run")
IGNORED = {"Config.Hostname": "defaults to the container's ID", "Config.Env": "order (from a Go map)",
           "HostConfig.Binds": "order (from a Go map)"}


def _differences(a: Any, b: Any, path: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        found: set[str] = set()
        for key in set(a) | set(b):
            found |= _differences(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        return found
    return set() if a == b else {path}


def test_the_cli_differs_from_itself_only_where_ignored(bed: Bed) -> None:
    names = [bed.name("self1"), bed.name("self2")]
    infos = []
    for name in names:
        argv = [bed.substitute(arg, name) for arg in RICH]
        docker_cli("create", "--name", name, *argv, "local/busybox", check=True)
        infos.append(bed.client.inspect_container(name))
    raw = [{"Config": info["Config"], "HostConfig": info["HostConfig"]} for info in infos]
    differing = _differences(raw[0], raw[1])
    assert differing <= set(IGNORED), differing
    assert "Config.Hostname" in differing  # the one that always differs
    assert comparable_inspect(infos[0], names[0]) == comparable_inspect(infos[1], names[1])


# Flags no `docker create` on this engine (API 1.41, Linux) accepts, and why; the oracle
# unit tests compare their refusals (and their bodies at the API versions that take them).
REFUSED_HERE = {
    "--annotation": "needs API 1.43",
    "--health-start-interval": "needs API 1.44",
    "--mac-address": "the CLI sets it per network, which needs API 1.44",
    "--cpu-count": "Windows daemons only",
    "--cpu-percent": "Windows daemons only",
    "--io-maxbandwidth": "Windows daemons only",
    "--io-maxiops": "Windows daemons only",
    "--help": "prints usage, creates nothing",
}


def test_every_other_flag_reaches_the_engine_in_a_case(bed: Bed) -> None:
    on_engine: set[str] = set()
    for case in ENGINE_CASES:
        on_engine |= {name for name, _ in parse_run_args(case.argv).converted.items}
    assert {flag.name for flag in DOCKER_FLAGS} - on_engine == set(REFUSED_HERE)
    for name in REFUSED_HERE:
        flag = docker_flag(name)
        assert name in ("--mac-address", "--help") or flag.os_type == "windows" or (
            flag.min_api and version_tuple(flag.min_api) > version_tuple(bed.api_version))


@pytest.mark.slow
def test_the_recorded_oracle_is_what_this_docker_cli_sends() -> None:
    """tests/unit/data/runargs_oracle.json, which the unit tests trust, re-recorded from the CLI here."""
    mismatches = []
    baselines = ORACLE["baseline"]
    for case in CASES:
        for version, stored in ORACLE["cases"][case.id].items():
            observed = observe_cli(case, version)
            if "body" in observed:
                observed = {"delta": body_delta(observed["body"], baselines[version]), "query": observed["query"]}
                for side in (observed, stored):
                    side["delta"] = normalise_unstable(side["delta"]) if "Env" in side["delta"] else side["delta"]
                    host = side["delta"].get("HostConfig") or {}
                    if host.get("Binds"):
                        host["Binds"] = sorted(host["Binds"])
            if observed != stored:
                mismatches.append((case.id, version, observed, stored))
    assert mismatches == []


@pytest.mark.parametrize(("version", "platform"), [("1.41", None), ("1.41", "linux/amd64"), ("1.42", "linux/amd64")])
def test_console_size_rule_matches_the_cli(version: str, platform: str | None) -> None:
    """With stdout on a terminal the CLI sends its size, except with a linux --platform before API 1.42."""
    options = ["--platform", platform] if platform else []
    with EngineRecorder(fake_api_version=version) as recorder:
        controller, terminal = pty.openpty()
        try:
            fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
            subprocess.run(["docker", "create", *options, "local/busybox"], stdout=terminal,
                           stderr=subprocess.PIPE, env={"PATH": os.environ["PATH"], "HOME": "/nonexistent",
                                                        "DOCKER_HOST": recorder.docker_host}, timeout=60)
        finally:
            os.close(terminal)
            os.close(controller)
        sent = recorder.creates()[0].json()["HostConfig"]["ConsoleSize"]
    spec = translate(parse_run_args([*options, "local/busybox"]), TranslateContext())
    assert (sent == [33, 111]) is adapt_to_api(spec, version).send_console_size


# Refused by the engine (at create or at start) or by the CLI for this engine: `csdocker run`
# must fail as `docker run` does, with the same exit status and the same words.
FAILING_RUNS = [
    ("--runtime", "csdt-no-such-runtime"),
    ("--device", "/dev/csdt-no-such-device"),  # at start, "no such file or directory": 127
    ("--gpus", "all"),  # at start: no GPU driver here
    ("--storage-opt", "size=1G"),
    ("--volumes-from", "csdt-no-such-container"),
    ("--platform", "linux/arm64", "--pull", "never"),
    ("--mac-address", "02:42:ac:11:00:99"),
    ("--annotation", "a=b"),
    ("--health-start-interval", "1s"),
    ("--cpu-count", "1"),
    ("--io-maxiops", "1"),
    ("-d", "-a", "stdout"),
    ("--rm", "--restart", "always"),
    ("--memory", "lots"),
]


@pytest.mark.parametrize("options", FAILING_RUNS, ids=[" ".join(options) for options in FAILING_RUNS])
def test_csdocker_run_fails_like_docker_run(options: tuple[str, ...], bed: Bed, endpoint: Any) -> None:
    env = {"AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true", **endpoint.environ()}
    results = []
    for program, runner in (("docker", run_docker), ("csdocker", run_csdocker)):
        name = bed.name(program)
        done = runner(["run", "--rm", "--name", name, *options, "local/busybox", "true"], env=env)
        first = done.stderr.decode().strip().splitlines()[0]
        results.append((done.returncode, first.removeprefix(f"{program}: ")))
    assert results[1] == results[0]


@pytest.mark.parametrize("how", ["-H", "DOCKER_HOST"])
def test_use_api_socket_mounts_the_socket_of_the_engine_in_use(how: str, bed: Bed, endpoint: Any) -> None:
    """--use-api-socket bind-mounts the socket the client talks to, named by -H or by DOCKER_HOST."""
    env = {"AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true", **endpoint.environ()}
    with EngineRecorder() as recorder:
        bodies = []
        for program, runner in (("docker", run_docker), ("csdocker", run_csdocker)):
            name = bed.name(program)
            argv = ["run", "--rm", "--name", name, "--use-api-socket", "local/busybox", "test", "-S",
                    "/var/run/docker.sock"]
            if how == "-H":
                done = runner(["-H", recorder.docker_host, *argv], env=env)
            else:
                done = runner(argv, env={**env, "DOCKER_HOST": recorder.docker_host})
            assert done.returncode == 0, done.stderr.decode()
            request = _create_request(recorder, name)
            assert request is not None
            bodies.append(request.json()["HostConfig"]["Mounts"])
    assert bodies[1] == bodies[0] == [{"Type": "bind", "Source": recorder.path, "Target": "/var/run/docker.sock",
                                       "BindOptions": {}}]
