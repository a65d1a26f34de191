"""Which engine, side by side with the docker CLI on the real engine.

Each way of choosing an engine (-H, DOCKER_HOST, --context, DOCKER_CONTEXT, the
config's currentContext, --config, TLS by variables, flags or a context, the
API version) is given to the docker CLI and to connect() with the same
environment. The candidate endpoints are counting proxies in front of the one
real engine, so a test sees which endpoint each of them went to, and that both
reached the same engine (its /info ID); where they should fail, both fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cloudshell_docker.engine.connect import connect
from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode
from cloudshell_docker.options.globalopts import split_global_options
from tests.support.certs import TLSMaterial, make_tls_material
from tests.support.engine import containers_labelled, docker
from tests.support.engineproxy import EngineProxy
from tests.support.proc import run_csdocker

pytestmark = pytest.mark.usefixtures("engine")


def cli(argv: list[str], env: dict[str, str], timeout: float = 60,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The docker CLI with exactly ``env`` (plus PATH)."""
    full = {"PATH": "/usr/local/bin:/usr/bin:/bin", **env}
    return subprocess.run(["docker", *argv], env=full, capture_output=True, text=True, timeout=timeout, cwd="/",
                          input=input, stdin=None if input is not None else subprocess.DEVNULL)


@pytest.fixture(scope="module")
def engine_id(engine: None) -> str:
    return docker("info", "--format", "{{.ID}}", check=True).stdout.strip()


@dataclass
class Bed:
    """Three proxies (a, b, c) in front of the real engine, and config dirs with contexts."""

    root: Path
    proxies: dict[str, EngineProxy]
    plain_config: Path  # contexts ctx-b, ctx-c; no currentContext
    current_c: Path  # same contexts; currentContext: ctx-c
    current_b: Path  # same contexts; currentContext: ctx-b

    def env(self, **extra: str) -> dict[str, str]:
        env = {"HOME": str(self.root / "home")}
        for key, value in extra.items():
            env[key] = self.expand(value)
        return env

    def expand(self, value: str) -> str:
        for name, proxy in self.proxies.items():
            value = value.replace("{" + name + "}", proxy.host)
        return (value.replace("{plain}", str(self.plain_config)).replace("{current_c}", str(self.current_c))
                .replace("{current_b}", str(self.current_b)))

    def reset(self) -> None:
        for proxy in self.proxies.values():
            proxy.reset()

    def used(self) -> set[str]:
        return {name for name, proxy in self.proxies.items() if proxy.connections}


@pytest.fixture(scope="module")
def bed(engine: None) -> Iterator[Bed]:
    # Unix socket paths must stay short: a private directory under /tmp.
    root = Path(tempfile.mkdtemp(prefix="csdt-sel-"))
    (root / "home").mkdir()
    proxies = {name: EngineProxy(unix_path=str(root / f"{name}.sock")).start() for name in ("a", "b", "c")}
    try:
        dirs = {}
        for label, current in (("plain", None), ("current_c", "ctx-c"), ("current_b", "ctx-b")):
            directory = root / label
            directory.mkdir()
            for ctx, proxy in (("ctx-b", "b"), ("ctx-c", "c")):
                made = cli(["context", "create", ctx, "--docker", f"host={proxies[proxy].host}"],
                           {"DOCKER_CONFIG": str(directory), "HOME": str(root / "home")})
                assert made.returncode == 0, made.stderr
            if current:
                (directory / "config.json").write_text(json.dumps({"currentContext": current}))
            dirs[label] = directory
        yield Bed(root, proxies, dirs["plain"], dirs["current_c"], dirs["current_b"])
    finally:
        for proxy in proxies.values():
            proxy.stop()
        shutil.rmtree(root, ignore_errors=True)


def through_cli(bed: Bed, argv: list[str], env: dict[str, str]) -> tuple[set[str], str, int]:
    bed.reset()
    done = cli([*argv, "info", "--format", "{{.ID}}"], env)
    return bed.used(), done.stdout.strip() if done.returncode == 0 else done.stderr.strip(), done.returncode


def through_connect(bed: Bed, argv: list[str], env: dict[str, str]) -> tuple[set[str], str]:
    bed.reset()
    options, rest = split_global_options(argv)
    assert rest == []
    client = connect(options, env)
    try:
        return bed.used(), client.info()["ID"]
    finally:
        client.close()


# (global options, environment, the proxy both must go through; "" = the engine's own socket)
ROUTES = [
    ([], {}, ""),
    ([], {"DOCKER_CONFIG": "{plain}"}, ""),
    ([], {"DOCKER_CONFIG": "{current_c}"}, "c"),
    ([], {"DOCKER_CONFIG": "{current_c}", "DOCKER_CONTEXT": "ctx-b"}, "b"),
    ([], {"DOCKER_CONFIG": "{current_c}", "DOCKER_CONTEXT": "ctx-b", "DOCKER_HOST": "{a}"}, "a"),
    ([], {"DOCKER_CONFIG": "{current_c}", "DOCKER_CONTEXT": "default"}, ""),
    (["--context", "ctx-b"], {"DOCKER_CONFIG": "{current_c}", "DOCKER_HOST": "{a}"}, "b"),
    (["-c", "ctx-c"], {"DOCKER_CONFIG": "{plain}", "DOCKER_CONTEXT": "ctx-b"}, "c"),
    (["-H", "{a}"], {"DOCKER_CONFIG": "{current_c}", "DOCKER_CONTEXT": "ctx-b"}, "a"),
    (["-H", "unix:///var/run/docker.sock"], {"DOCKER_HOST": "{a}"}, ""),
    ([], {"DOCKER_HOST": "{b}"}, "b"),
    (["--config", "{current_b}"], {"DOCKER_CONFIG": "{current_c}"}, "b"),
    (["--config={current_c}"], {}, "c"),
]


@pytest.mark.parametrize(("argv", "extra", "expected"), ROUTES)
def test_same_route_and_engine_as_the_cli(bed, engine_id, argv, extra, expected):
    env = bed.env(**extra)
    argv = [bed.expand(arg) for arg in argv]
    cli_used, cli_id, code = through_cli(bed, argv, env)
    assert code == 0, cli_id
    ours_used, ours_id = through_connect(bed, argv, env)
    assert cli_used == ours_used == ({expected} if expected else set())
    assert cli_id == ours_id == engine_id


def test_a_container_made_through_a_context_is_seen_by_the_cli_through_the_same_context(bed, busybox, case_label):
    env = bed.env(DOCKER_CONFIG="{plain}")
    key, value = case_label.split("=", 1)
    bed.reset()
    client = connect(split_global_options(["--context", "ctx-b"])[0], env)
    try:
        made = client.create_container(busybox, ["true"], labels={key: value}, name=f"csdt-sel-{value[-12:]}")
    finally:
        client.close()
    assert bed.used() == {"b"}
    seen = cli(["--context", "ctx-b", "ps", "-aq", "--no-trunc", "--filter", f"label={case_label}"], env)
    assert seen.stdout.split() == [made["Id"]]
    assert containers_labelled(case_label) == [made["Id"]]


# Where the CLI cannot start, neither does csdocker: same line, same exit code (1).
FAILURES = [
    (["--context", "csdt-no-such-context"], {"DOCKER_CONFIG": "{plain}"}),
    ([], {"DOCKER_CONFIG": "{plain}", "DOCKER_CONTEXT": "csdt-no-such-context"}),
    (["-H", "{a}", "--context", "ctx-b"], {"DOCKER_CONFIG": "{plain}"}),
    (["-H", "{a}", "-H", "{b}"], {}),
    ([], {"DOCKER_HOST": "bogus://csdt"}),
]


@pytest.mark.parametrize(("argv", "extra"), FAILURES)
def test_same_failure_as_the_cli(bed, argv, extra):
    env = bed.env(**extra)
    argv = [bed.expand(arg) for arg in argv]
    done = cli([*argv, "run", "--rm", "local/busybox", "true"], env)
    with pytest.raises(CsDockerError) as caught:
        connect(split_global_options(argv)[0], env)
    assert done.returncode == caught.value.exit_code == ExitCode.ERROR
    assert done.stderr.strip().splitlines()[0] == caught.value.message


def test_dead_socket_same_line_and_125_as_docker_run(bed, tmp_path):
    dead = f"unix://{tmp_path}/csdt-dead.sock"
    for argv, env in ((["-H", dead], bed.env()), ([], bed.env(DOCKER_HOST=dead))):
        done = cli([*argv, "run", "--rm", "local/busybox", "true"], env)
        with pytest.raises(EngineError) as caught:
            connect(split_global_options(argv)[0], env)
        assert done.returncode == caught.value.exit_code == ExitCode.DOCKER
        assert done.stderr.splitlines()[0] == f"docker: {caught.value.message}"
        assert caught.value.message == f"Cannot connect to the Docker daemon at {dead}. Is the docker daemon running?"


def test_dead_context_same_line_as_docker_run(bed, tmp_path):
    config = tmp_path / "cfg"
    dead = f"unix://{tmp_path}/csdt-dead.sock"
    made = cli(["context", "create", "csdt-dead", "--docker", f"host={dead}"], {"DOCKER_CONFIG": str(config)})
    assert made.returncode == 0, made.stderr
    env = bed.env(DOCKER_CONFIG=str(config), DOCKER_CONTEXT="csdt-dead")
    done = cli(["run", "--rm", "local/busybox", "true"], env)
    with pytest.raises(EngineError) as caught:
        connect(split_global_options([])[0], env)
    assert done.returncode == caught.value.exit_code == ExitCode.DOCKER
    assert done.stderr.splitlines()[0] == f"docker: {caught.value.message}"


# ---- TCP + TLS, client certificates required -------------------------------------------------------


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory) -> TLSMaterial:
    return make_tls_material(tmp_path_factory.mktemp("csdt-tls"))


@pytest.fixture(scope="module")
def tls_proxy(tls_material: TLSMaterial, engine: None) -> Iterator[EngineProxy]:
    with EngineProxy(tls=tls_material.server_context()) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def tls_context_config(tls_material: TLSMaterial, tls_proxy: EngineProxy, tmp_path_factory) -> Path:
    """A config dir holding context csdt-tls, made by ``docker context create`` (TLS files copied into the store)."""
    config = tmp_path_factory.mktemp("csdt-tls-config")
    spec = (f"host={tls_proxy.host},ca={tls_material.ca},cert={tls_material.cert},key={tls_material.key}")
    made = cli(["context", "create", "csdt-tls", "--docker", spec], {"DOCKER_CONFIG": str(config)})
    assert made.returncode == 0, made.stderr
    return config


def tls_cases(material: TLSMaterial, proxy: EngineProxy, context_config: Path, home: Path) -> dict[str, tuple]:
    home_env = {"HOME": str(home)}
    return {
        "variables": ([], {**home_env, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(material.client_dir),
                           "DOCKER_HOST": proxy.host}),
        "flags": (["--tlsverify", "--tlscacert", str(material.ca), "--tlscert", str(material.cert),
                   "--tlskey", str(material.key), "-H", proxy.host], home_env),
        "flags-with-cert-path": (["--tlsverify", "-H", proxy.host],
                                 {**home_env, "DOCKER_CERT_PATH": str(material.client_dir)}),
        "context-flag": (["--context", "csdt-tls"], {**home_env, "DOCKER_CONFIG": str(context_config)}),
        "context-variable": ([], {**home_env, "DOCKER_CONFIG": str(context_config), "DOCKER_CONTEXT": "csdt-tls"}),
        "tls-no-verify": (["--tls", "-H", proxy.host], {**home_env, "DOCKER_CERT_PATH": str(material.client_dir)}),
    }


@pytest.mark.parametrize("case", ["variables", "flags", "flags-with-cert-path", "context-flag", "context-variable",
                                  "tls-no-verify"])
def test_tls_endpoint_same_engine_as_the_cli(case, tls_material, tls_proxy, tls_context_config, tmp_path, engine_id):
    argv, env = tls_cases(tls_material, tls_proxy, tls_context_config, tmp_path)[case]
    tls_proxy.reset()
    done = cli([*argv, "info", "--format", "{{.ID}}"], env)
    assert done.returncode == 0, done.stderr
    assert tls_proxy.connections > 0  # the CLI went through the TLS endpoint
    tls_proxy.reset()
    client = connect(split_global_options(argv)[0], env)
    try:
        assert client.base_url.startswith("https://127.0.0.1:")
        assert client.info()["ID"] == done.stdout.strip() == engine_id
    finally:
        client.close()
    assert tls_proxy.connections > 0  # and so did csdocker


def test_container_made_over_tls_is_seen_by_the_cli_over_tls(tls_material, tls_proxy, busybox, case_label, tmp_path):
    env = {"HOME": str(tmp_path), "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tls_material.client_dir),
           "DOCKER_HOST": tls_proxy.host}
    key, value = case_label.split("=", 1)
    client = connect(split_global_options([])[0], env)
    try:
        made = client.create_container(busybox, ["true"], labels={key: value})
    finally:
        client.close()
    seen = cli(["ps", "-aq", "--no-trunc", "--filter", f"label={case_label}"], env)
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.split() == [made["Id"]]


def only_ca_dir(material: TLSMaterial, tmp_path: Path) -> Path:
    directory = tmp_path / "only-ca"
    directory.mkdir(exist_ok=True)
    shutil.copy(material.ca, directory / "ca.pem")
    return directory


@pytest.mark.parametrize("case", ["no-client-certificate", "plain-http", "unknown-ca"])
def test_tls_refusals_match_the_cli(case, tls_material, tls_proxy, tmp_path):
    home = {"HOME": str(tmp_path)}
    if case == "no-client-certificate":
        argv, env = [], {**home, "DOCKER_TLS_VERIFY": "1", "DOCKER_HOST": tls_proxy.host,
                         "DOCKER_CERT_PATH": str(only_ca_dir(tls_material, tmp_path))}
    elif case == "plain-http":
        argv, env = ["-H", tls_proxy.host], home
    else:
        stranger = make_tls_material(tmp_path / "stranger", name="csdt-stranger")
        argv, env = ["--tlsverify", "-H", tls_proxy.host], {**home, "DOCKER_CERT_PATH": str(stranger.client_dir)}
    done = cli([*argv, "run", "--rm", "local/busybox", "true"], env)
    with pytest.raises(EngineError) as caught:
        connect(split_global_options(argv)[0], env)
    assert done.returncode == caught.value.exit_code == ExitCode.DOCKER
    assert done.stderr.startswith("docker: error during connect: ")
    assert caught.value.message.startswith("error during connect: ")


# ---- API version negotiation -------------------------------------------------------------------------

def wire_versions(proxy: EngineProxy) -> set[str]:
    """The /vX.Y prefixes of what went through ``proxy`` (its pings aside)."""
    return {path.split("/")[1] for path in proxy.paths if path.startswith("/v") and "/_ping" not in path}


@pytest.mark.parametrize(("engine_api", "requested", "expected"), [
    ("1.52", "", "1.50"),  # newer engine: both speak the CLI's and csdocker's newest, 1.50
    ("1.41", "", "1.41"),
    ("1.45", "", "1.45"),
    ("1.52", "1.41", "1.41"),  # DOCKER_API_VERSION wins, for both
])
def test_api_version_negotiated_like_the_cli(engine_api, requested, expected, tmp_path, engine_id):
    env = {"HOME": str(tmp_path)}
    if requested:
        env["DOCKER_API_VERSION"] = requested
    with EngineProxy(ping_api_version=engine_api) as proxy:
        done = cli(["-H", proxy.host, "version", "--format", "{{.Client.APIVersion}}"], env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected
        assert wire_versions(proxy) == {f"v{expected}"}
        proxy.reset()
        client = connect(split_global_options(["-H", proxy.host])[0], env)
        try:
            assert client.api_version == expected
            assert client.info()["ID"] == engine_id
        finally:
            client.close()
        assert wire_versions(proxy) == {f"v{expected}"}


def test_docker_api_version_newer_than_the_engine_same_message_as_the_cli(tmp_path):
    env = {"HOME": str(tmp_path), "DOCKER_API_VERSION": "1.99"}
    done = cli(["run", "--rm", "local/busybox", "true"], env)
    with pytest.raises(EngineError) as caught:
        connect(split_global_options([])[0], env)
    assert done.returncode == caught.value.exit_code == ExitCode.DOCKER
    assert done.stderr.splitlines()[0] == f"docker: {caught.value.message}"


# ---- csdocker run, end to end, on the engine each route leads to ----------------------------------------

RUN_ROUTES = [
    (["-H", "{a}"], {"DOCKER_CONFIG": "{current_c}", "DOCKER_CONTEXT": "ctx-b"}, "a"),
    (["--context", "ctx-b"], {"DOCKER_CONFIG": "{current_c}", "DOCKER_HOST": "{a}"}, "b"),
    ([], {"DOCKER_CONFIG": "{plain}", "DOCKER_CONTEXT": "ctx-c"}, "c"),
    ([], {"DOCKER_CONFIG": "{current_c}"}, "c"),
    ([], {"DOCKER_CONFIG": "{current_c}", "DOCKER_CONTEXT": "ctx-b", "DOCKER_HOST": "{a}"}, "a"),
    (["--config", "{current_b}"], {}, "b"),
]


@pytest.mark.parametrize(("argv", "extra", "expected"), RUN_ROUTES)
def test_csdocker_run_goes_where_docker_run_goes(bed, endpoint, busybox, case_label, argv, extra, expected):
    env = bed.env(**extra)
    argv = [bed.expand(arg) for arg in argv]
    bed.reset()
    theirs = cli([*argv, "run", "--rm", "--label", case_label, busybox, "echo", "docker-ran"], env)
    assert theirs.returncode == 0, theirs.stderr
    assert bed.used() == {expected}
    bed.reset()
    ours = run_csdocker([*argv, "run", "--rm", "--label", case_label, busybox, "sh", "-c", "echo $AWS_ACCESS_KEY_ID"],
                        env={**env, **endpoint.environ(), "AWS_REGION": "eu-west-1"})
    assert ours.returncode == 0, ours.stderr
    assert bed.used() == {expected}
    assert ours.stdout.decode().strip() == endpoint.current().access_key_id
    assert containers_labelled(case_label) == []  # --rm, through the same route


def test_container_run_with_global_options_is_run(bed, endpoint, busybox):
    env = {**bed.env(DOCKER_CONFIG="{plain}"), **endpoint.environ(), "AWS_REGION": "eu-west-1"}
    bed.reset()
    ours = run_csdocker(["--context", "ctx-b", "container", "run", "--rm", busybox, "sh", "-c", "echo $AWS_REGION"],
                        env=env)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == b"eu-west-1\n"
    assert bed.used() == {"b"}


def test_csdocker_run_dead_socket_same_line_and_125_as_docker_run(bed, endpoint, busybox, tmp_path):
    dead = f"unix://{tmp_path}/csdt-dead.sock"
    env = {**bed.env(), **endpoint.environ()}
    theirs = cli(["-H", dead, "run", "--rm", busybox, "true"], env)
    ours = run_csdocker(["-H", dead, "run", "--rm", busybox, "true"], env=env)
    assert ours.returncode == theirs.returncode == 125
    assert ours.stderr.decode().splitlines()[0].removeprefix("csdocker: ") == \
        theirs.stderr.splitlines()[0].removeprefix("docker: ")
    assert endpoint.requests == []  # the engine is checked before any credentials are fetched


def test_csdocker_run_unknown_context_same_line_and_exit_code_as_docker_run(bed, endpoint, busybox):
    env = {**bed.env(DOCKER_CONFIG="{plain}"), **endpoint.environ()}
    theirs = cli(["--context", "csdt-nope", "run", "--rm", busybox, "true"], env)
    ours = run_csdocker(["--context", "csdt-nope", "run", "--rm", busybox, "true"], env=env)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.decode().splitlines() == [f"csdocker: {theirs.stderr.splitlines()[0]}"]


@pytest.mark.parametrize("case", ["variables", "flags", "context-flag", "context-variable"])
def test_csdocker_run_over_tls(case, tls_material, tls_proxy, tls_context_config, tmp_path, endpoint, busybox):
    argv, env = tls_cases(tls_material, tls_proxy, tls_context_config, tmp_path)[case]
    tls_proxy.reset()
    # stdin reaches the container over TLS (one line read: see the half-close test below for EOF).
    ours = run_csdocker([*argv, "run", "--rm", "-i", busybox, "sh", "-c", "head -n 1; echo $AWS_ACCESS_KEY_ID"],
                        env={**env, **endpoint.environ(), "AWS_REGION": "eu-west-1"}, input=b"over tls\n")
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.decode() == f"over tls\n{endpoint.current().access_key_id}\n"
    assert tls_proxy.connections > 0


@pytest.mark.slow
def test_stdin_eof_over_tls_like_the_cli(tls_material, tls_proxy, tmp_path, endpoint, busybox):
    argv, env = tls_cases(tls_material, tls_proxy, tmp_path, tmp_path)["variables"]
    theirs = cli([*argv, "run", "--rm", "-i", busybox, "sh", "-c", "cat; echo after-eof"], env, timeout=60,
                 input="over tls\n")
    assert (theirs.returncode, theirs.stdout) == (0, "over tls\nafter-eof\n")  # the stand-in honours half-close
    ours = run_csdocker([*argv, "run", "--rm", "-i", busybox, "sh", "-c", "cat; echo after-eof"],
                        env={**env, **endpoint.environ()}, input=b"over tls\n", timeout=10)
    assert (ours.returncode, ours.stdout) == (0, b"over tls\nafter-eof\n")


@pytest.mark.parametrize(("engine_api", "expected"), [("1.52", "1.50"), ("1.41", "1.41")])
def test_csdocker_run_speaks_the_negotiated_version(engine_api, expected, tmp_path, endpoint, busybox):
    with EngineProxy(ping_api_version=engine_api) as proxy:
        ours = run_csdocker(["-H", proxy.host, "run", "--rm", busybox, "sh", "-c", "echo ran; exit 3"],
                            env={"HOME": str(tmp_path), **endpoint.environ(), "AWS_REGION": "eu-west-1"})
        assert ours.returncode == 3, ours.stderr
        assert ours.stdout == b"ran\n"
        assert wire_versions(proxy) == {f"v{expected}"}
        assert any("/containers/create" in path for path in proxy.paths)
