"""connect(): one ping, the API version negotiated as the CLI does, the CLI's words when it fails.

The engines here are loopback stand-ins (tests/support/engineproxy.py) that answer
the ping themselves, so no Docker engine is needed; the end-to-end side is in
tests/e2e/test_engine_select.py.
"""

from __future__ import annotations

import json
import socket
import warnings
from pathlib import Path

import pytest

from cloudshell_docker.engine.apiversions import MAX_API_VERSION, MIN_API_VERSION
from cloudshell_docker.engine.connect import connect, negotiate_api_version
from cloudshell_docker.errors import EngineError, ExitCode, UsageError
from cloudshell_docker.options.globalopts import GlobalOptions, split_global_options
from tests.support.certs import make_tls_material
from tests.support.engineproxy import EngineProxy
from tests.support.moto import free_port


@pytest.mark.parametrize(("engine", "requested", "expected"), [
    ("1.52", "", MAX_API_VERSION),  # a newer engine: csdocker's newest
    ("1.50", "", "1.50"),
    ("1.45", "", "1.45"),
    ("1.41", "", "1.41"),  # Debian 12's engine 20.10
    ("1.9", "", None),  # compared as numbers, not strings
    ("1.41", "1.41", "1.41"),
    ("1.52", "1.43", "1.43"),  # DOCKER_API_VERSION: no negotiation, as in the CLI
    ("1.52", "v1.44", "1.44"),
    ("1.52", "1.51", "1.51"),  # even above csdocker's newest, as the CLI would send it
])
def test_negotiate(engine, requested, expected):
    if expected is None:
        with pytest.raises(EngineError):
            negotiate_api_version(engine, requested, "unix:///x")
    else:
        assert negotiate_api_version(engine, requested, "unix:///x") == expected


@pytest.mark.parametrize(("engine", "requested", "message"), [
    ("1.40", "", f"the Docker engine at unix:///x speaks API 1.40; csdocker needs API {MIN_API_VERSION} or newer"),
    ("", "", f"the Docker engine at unix:///x speaks API 1.24; csdocker needs API {MIN_API_VERSION} or newer"),
    ("1.41", "1.99", "Error response from daemon: client version 1.99 is too new. "
                     "Maximum supported API version is 1.41"),
    ("1.41", "1.30", f"DOCKER_API_VERSION=1.30 is older than csdocker supports (API {MIN_API_VERSION} or newer)"),
    ("1.41", "latest", 'invalid DOCKER_API_VERSION "latest": expected a version such as'),
])
def test_negotiate_refuses(engine, requested, message):
    with pytest.raises(EngineError) as caught:
        negotiate_api_version(engine, requested, "unix:///x")
    assert caught.value.message.startswith(message)
    assert caught.value.exit_code == ExitCode.DOCKER


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"HOME": str(tmp_path)}


@pytest.mark.parametrize(("engine", "expected"), [("1.52", MAX_API_VERSION), ("1.41", "1.41"), ("1.44", "1.44")])
def test_connect_negotiates_with_one_ping(env, engine, expected):
    with EngineProxy(ping_api_version=engine) as proxy:
        client = connect(GlobalOptions(hosts=(proxy.host,)), env)
        try:
            assert client.api_version == expected
            # One round trip: one connection, one unversioned ping, nothing else.
            assert proxy.paths == ["/_ping"]
            assert proxy.connections == 1
        finally:
            client.close()


def test_connect_honours_docker_api_version(env):
    with EngineProxy(ping_api_version="1.52") as proxy:
        client = connect(GlobalOptions(hosts=(proxy.host,)), {**env, "DOCKER_API_VERSION": "1.43"})
        assert client.api_version == "1.43"
        client.close()


def test_an_engine_too_old_is_refused(env):
    with EngineProxy(ping_api_version="1.40") as proxy, pytest.raises(EngineError) as caught:
        connect(GlobalOptions(hosts=(proxy.host,)), env)
    assert f"speaks API 1.40; csdocker needs API {MIN_API_VERSION} or newer" in caught.value.message
    assert caught.value.exit_code == ExitCode.DOCKER


def test_an_engine_without_api_version_header_is_taken_as_1_24(env):
    with EngineProxy(ping_api_version="") as proxy, pytest.raises(EngineError, match=r"speaks API 1\.24"):
        connect(GlobalOptions(hosts=(proxy.host,)), env)


def test_http_headers_of_the_chosen_config_dir_are_sent(tmp_path, env):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"HttpHeaders": {"X-Csdt-Probe": "from-config"}}))
    with EngineProxy(ping_api_version="1.41") as proxy:
        connect(GlobalOptions(hosts=(proxy.host,), config=str(config)), env).close()
        assert b"X-Csdt-Probe: from-config" in proxy.heads[0]


def test_dead_unix_socket_is_the_cli_s_message(tmp_path, env):
    missing = tmp_path / "csdt-dead.sock"
    with pytest.raises(EngineError) as caught:
        connect(GlobalOptions(), {**env, "DOCKER_HOST": f"unix://{missing}"})
    assert caught.value.message == (f"Cannot connect to the Docker daemon at unix://{missing}. "
                                    "Is the docker daemon running?")
    assert caught.value.exit_code == ExitCode.DOCKER


def test_socket_nobody_listens_on_is_the_cli_s_message(tmp_path, env):
    path = tmp_path / "csdt-stale.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # bound, never listening: connection refused
    try:
        with pytest.raises(EngineError) as caught:
            connect(GlobalOptions(hosts=(f"unix://{path}",)), env)
    finally:
        stale.close()
    assert caught.value.message == (f"Cannot connect to the Docker daemon at unix://{path}. "
                                    "Is the docker daemon running?")


def test_closed_tcp_port_is_the_cli_s_message(env):
    port = free_port()
    with pytest.raises(EngineError) as caught:
        connect(GlobalOptions(), {**env, "DOCKER_HOST": f"tcp://127.0.0.1:{port}"})
    assert caught.value.message == (f"Cannot connect to the Docker daemon at tcp://127.0.0.1:{port}. "
                                    "Is the docker daemon running?")


def test_conflicting_host_and_context_exit_1(env):
    options, _ = split_global_options(["-H", "unix:///x.sock", "--context", "y", "run"])
    with pytest.raises(UsageError) as caught:
        connect(options, env)
    assert caught.value.message == "conflicting options: cannot specify both --host and --context"
    assert caught.value.exit_code == ExitCode.ERROR


def test_bad_log_level_is_refused_as_docker_does(env):
    with pytest.raises(UsageError, match=r"^Unable to parse logging level: loud$"):
        connect(GlobalOptions(log_level="loud"), env)


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    return make_tls_material(tmp_path_factory.mktemp("csdt-tls"))


def test_tls_with_client_certificate(material, env):
    with EngineProxy(tls=material.server_context(), ping_api_version="1.41") as proxy:
        client = connect(GlobalOptions(), {**env, "DOCKER_HOST": proxy.host, "DOCKER_TLS_VERIFY": "1",
                                           "DOCKER_CERT_PATH": str(material.client_dir)})
        assert client.base_url.startswith("https://127.0.0.1:")
        assert client.api_version == "1.41"
        assert proxy.pings == 1
        client.close()


def test_tls_without_client_certificate_fails_to_connect(material, env, tmp_path):
    only_ca = tmp_path / "only-ca"
    only_ca.mkdir()
    (only_ca / "ca.pem").write_bytes(material.ca.read_bytes())
    with EngineProxy(tls=material.server_context(), ping_api_version="1.41") as proxy:
        with pytest.raises(EngineError) as caught:
            connect(GlobalOptions(), {**env, "DOCKER_HOST": proxy.host, "DOCKER_TLS_VERIFY": "1",
                                      "DOCKER_CERT_PATH": str(only_ca)})
        assert proxy.pings == 0
    assert caught.value.message.startswith(f'error during connect: Get "https://{proxy.host[6:]}/_ping": ')
    assert caught.value.exit_code == ExitCode.DOCKER


def test_tls_engine_with_an_unknown_ca_is_refused(material, env, tmp_path):
    stranger = make_tls_material(tmp_path / "stranger", name="csdt-stranger")
    with EngineProxy(tls=material.server_context(), ping_api_version="1.41") as proxy:
        with pytest.raises(EngineError) as caught:
            connect(GlobalOptions(tlsverify=True, tlscacert=str(stranger.ca), tlscert=str(material.cert),
                                  tlskey=str(material.key), hosts=(proxy.host,)), env)
        assert proxy.pings == 0
    assert "tls: failed to verify certificate" in caught.value.message


def test_tls_without_verification_still_offers_the_client_certificate(material, env, tmp_path):
    stranger = make_tls_material(tmp_path / "stranger", name="csdt-stranger")
    # --tls: TLS, the engine not verified; the client certificate from DOCKER_CERT_PATH is still sent.
    with EngineProxy(tls=material.server_context(), ping_api_version="1.41") as proxy:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and without urllib3's InsecureRequestWarning: the CLI says nothing
            client = connect(GlobalOptions(tls=True, tlscacert=str(stranger.ca), hosts=(proxy.host,)),
                             {**env, "DOCKER_CERT_PATH": str(material.client_dir)})
        assert proxy.pings == 1
        client.close()


def test_plain_http_to_a_tls_engine_fails_in_one_line(material, env):
    with EngineProxy(tls=material.server_context(), ping_api_version="1.41") as proxy, \
            pytest.raises(EngineError) as caught:
        connect(GlobalOptions(hosts=(proxy.host,)), env)
    assert caught.value.message.startswith(f'error during connect: Get "http://{proxy.host[6:]}/_ping": ')
    assert "\n" not in caught.value.message


def test_relative_unix_socket_is_relative_to_the_working_directory(tmp_path, env, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with EngineProxy(unix_path=str(tmp_path / "csdt-rel.sock"), ping_api_version="1.41") as proxy:
        client = connect(GlobalOptions(hosts=("unix://csdt-rel.sock",)), env)
        assert proxy.pings == 1
        client.close()


def test_unsupported_scheme_is_one_line(env):
    with pytest.raises(EngineError, match="fd:// hosts are not supported"):
        connect(GlobalOptions(hosts=("fd://",)), env)


def test_docker_py_reads_no_proxy_variables_for_the_container(tmp_path, env):
    """The translator owns config.json's proxies; docker-py must not add a second copy on create."""
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(json.dumps(
        {"proxies": {"default": {"httpProxy": "http://proxy.invalid:3128"}}}))
    with EngineProxy(ping_api_version="1.41") as proxy:
        client = connect(GlobalOptions(hosts=(proxy.host,)), env)
        assert client._proxy_configs.get_environment() == {}
        client.close()


def test_no_socket_file_left_behind(tmp_path):
    path = Path(tmp_path / "csdt-gone.sock")
    with EngineProxy(unix_path=str(path), ping_api_version="1.41"):
        assert path.exists()
    assert not path.exists()
