"""resolve_endpoint: which engine and TLS material, decided as the docker CLI decides.

The oracle is ``docker context inspect``: with the same environment and global
options it shows the context the CLI picked, its host, SkipTLSVerify and the
TLS files it loaded, or the CLI's error. No engine is needed for any of this.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cloudshell_docker.engine.endpoint import (
    DEFAULT_HOST,
    Endpoint,
    EndpointError,
    parse_daemon_host,
    resolve_endpoint,
)
from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.globalopts import split_global_options
from tests.support.certs import make_tls_material

needs_docker_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI to compare with")


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A HOME whose ~/.docker has config.json (currentContext: home-ctx) and a context store, plus:
    an alternative config dir, TLS material, a cert path with only ca.pem."""
    root = tmp_path_factory.mktemp("csdt-home")
    material = make_tls_material(root / "tls")
    only_ca = root / "only-ca"
    only_ca.mkdir()
    shutil.copy(material.ca, only_ca / "ca.pem")
    docker_dir = root / ".docker"
    other = root / "other-config"
    for directory, current in ((docker_dir, "home-ctx"), (other, "other-ctx")):
        directory.mkdir()
        (directory / "config.json").write_text(json.dumps({"currentContext": current}))
        for name, host, extra in (
            ("home-ctx", "tcp://home.example:1", {}),
            ("other-ctx", "tcp://other.example:2", {}),
            ("env-ctx", "tcp://env.example:3", {}),
            ("flag-ctx", "unix:///run/flag.sock", {}),
            ("skip-ctx", "tcp://skip.example:4", {"SkipTLSVerify": True}),
            ("tls-ctx", "tcp://127.0.0.1:5", {"tls": material}),
            ("ca-ctx", "tcp://127.0.0.1:6", {"ca_only": material}),
        ):
            write_context(directory, name, host, **extra)
    return root


def write_context(config_dir: Path, name: str, host: str, SkipTLSVerify: bool = False,
                  tls=None, ca_only=None) -> None:
    """A context in the store's on-disk layout (as ``docker context create`` writes it)."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    body = {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": SkipTLSVerify}}}
    (meta / "meta.json").write_text(json.dumps(body))
    files = {}
    if tls is not None:
        files = {"ca.pem": tls.ca, "cert.pem": tls.cert, "key.pem": tls.key}
    elif ca_only is not None:
        files = {"ca.pem": ca_only.ca}
    if files:
        tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
        tls_dir.mkdir(parents=True)
        for target, source in files.items():
            shutil.copy(source, tls_dir / target)


def environ_for(home: Path, **extra: str) -> dict[str, str]:
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    env.update({key: value.replace("{home}", str(home)) for key, value in extra.items()})
    return env


# (argv before the subcommand, environment). {home} is replaced by the test HOME.
CASES = [
    ([], {}),
    ([], {"DOCKER_CONFIG": "{home}/empty-config"}),
    ([], {"DOCKER_CONFIG": "{home}/other-config"}),
    (["--config", "{home}/other-config"], {"DOCKER_CONFIG": "{home}/.docker"}),
    ([], {"DOCKER_CONTEXT": "env-ctx"}),
    ([], {"DOCKER_CONTEXT": "default"}),
    ([], {"DOCKER_HOST": "tcp://docker-host.example:7", "DOCKER_CONTEXT": "env-ctx"}),
    (["--context", "flag-ctx"], {"DOCKER_HOST": "tcp://docker-host.example:7", "DOCKER_CONTEXT": "env-ctx"}),
    (["-c", "skip-ctx"], {}),
    (["--context=tls-ctx"], {}),
    (["--context=ca-ctx"], {}),
    (["--context="], {"DOCKER_CONTEXT": "env-ctx"}),
    (["-H", "tcp://flag-host.example:8"], {"DOCKER_HOST": "tcp://docker-host.example:7",
                                           "DOCKER_CONTEXT": "env-ctx"}),
    (["-H", ""], {"DOCKER_CONTEXT": "env-ctx"}),
    (["--context", "nope"], {}),
    ([], {"DOCKER_CONTEXT": "nope"}),
    (["-H", "tcp://h:1", "--context", "env-ctx"], {}),
    (["-H", "tcp://h:1", "-H", "tcp://h:2"], {}),
    # hosts, as opts.ParseHost normalises them
    *[([], {"DOCKER_HOST": host}) for host in (
        "tcp://h", "1.2.3.4", ":2376", "tcp://", "tcp://[::1]", "tcp://[::1]:99", "tcp://[::1]:", "unix://",
        "unix:///tmp/x.sock", "unix://relative.sock", "ssh://user@h", "tcp://a://b", "bogus://x", " tcp://h ",
        "tcp://h:99/path", "tcp://user@h:5", "h:abc", "h:", "Upper.Example:3")],
    # TLS for the default context
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "{home}/tls/client"}),
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "0", "DOCKER_CERT_PATH": "{home}/tls/client"}),
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS": "1", "DOCKER_CERT_PATH": "{home}/tls/client"}),
    (["--tls=false"], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS": "1",
                       "DOCKER_CERT_PATH": "{home}/tls/client"}),
    (["--tls=false"], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1",
                       "DOCKER_CERT_PATH": "{home}/tls/client"}),
    (["--tlsverify=false"], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_CERT_PATH": "{home}/tls/client"}),
    (["--tlsverify", "-H", "tcp://127.0.0.1:9", "--tlscacert", "{home}/tls/client/ca.pem",
      "--tlscert", "{home}/tls/client/cert.pem", "--tlskey", "{home}/tls/client/key.pem"], {}),
    (["--tlsverify", "-H", "tcp://127.0.0.1:9", "--tlscacert={home}/tls/client/ca.pem"],
     {"DOCKER_CERT_PATH": "{home}/only-ca"}),
    (["--tlsverify", "-H", "tcp://127.0.0.1:9", "--tlscert={home}/nope.pem"], {"DOCKER_CERT_PATH": "{home}/only-ca"}),
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "{home}/only-ca"}),
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "{home}/nowhere"}),
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1"}),  # ~/.docker/ca.pem: none
    ([], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1", "DOCKER_CONFIG": "{home}/tls/client"}),
    # the default cert path is DOCKER_CONFIG's, not --config's
    (["--config", "{home}/tls/client"], {"DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1"}),
    ([], {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "{home}/tls/client"}),  # no host: tcp://localhost:2376
    ([], {"DOCKER_HOST": "unix:///tmp/x.sock", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "{home}/tls/client"}),
]

_FILE_KEYS = (("ca", "ca.pem"), ("cert", "cert.pem"), ("key", "key.pem"))


def as_inspect(endpoint: Endpoint) -> dict[str, object]:
    """The fields of ``docker context inspect`` that decide the connection."""
    tls = endpoint.tls
    files = sorted(name for attr, name in _FILE_KEYS if tls is not None and getattr(tls, attr) is not None)
    return {
        "Name": endpoint.context,
        "Host": endpoint.host,
        "SkipTLSVerify": tls is not None and not tls.verify,
        "TLSMaterial": files,
    }


def docker_inspect(argv: list[str], env: dict[str, str]) -> dict[str, object] | str:
    done = subprocess.run(["docker", *argv, "context", "inspect"], env=env, capture_output=True, text=True,
                          timeout=30, cwd="/")
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[0]
    found = json.loads(done.stdout)[0]
    return {
        "Name": found["Name"],
        "Host": found["Endpoints"]["docker"]["Host"],
        "SkipTLSVerify": found["Endpoints"]["docker"]["SkipTLSVerify"],
        "TLSMaterial": sorted(found["TLSMaterial"].get("docker", [])),
    }


def ours(argv: list[str], env: dict[str, str]) -> dict[str, object] | UsageError:
    options, rest = split_global_options(argv)
    assert rest == []
    try:
        return as_inspect(resolve_endpoint(options, env))
    except UsageError as err:
        return err


@needs_docker_cli
@pytest.mark.parametrize(("argv", "extra"), CASES, ids=lambda v: json.dumps(v) if isinstance(v, list) else "")
def test_same_endpoint_as_docker_context_inspect(home, argv, extra):
    env = environ_for(home, **extra)
    argv = [arg.replace("{home}", str(home)) for arg in argv]
    expected = docker_inspect(argv, env)
    got = ours(argv, env)
    if isinstance(expected, str):
        assert isinstance(got, UsageError), f"docker failed ({expected}); csdocker resolved {got}"
        assert got.message.endswith(expected)  # docker's own line, after "Failed to initialize: ..."
        assert got.exit_code == ExitCode.ERROR  # the docker CLI exits 1 for these
    else:
        assert not isinstance(got, UsageError), f"docker resolved {expected}; csdocker failed: {got}"
        assert got == expected


def test_precedence_without_the_cli(home):
    """The same order, spelled out: -H / --context > DOCKER_HOST > DOCKER_CONTEXT > currentContext."""
    def resolved(argv: list[str], **extra: str) -> tuple[str, str]:
        endpoint = resolve_endpoint(split_global_options(argv)[0], environ_for(home, **extra))
        return endpoint.context, endpoint.host

    assert resolved([]) == ("home-ctx", "tcp://home.example:1")
    assert resolved([], DOCKER_CONTEXT="env-ctx") == ("env-ctx", "tcp://env.example:3")
    assert resolved([], DOCKER_CONTEXT="env-ctx", DOCKER_HOST="tcp://x:9") == ("default", "tcp://x:9")
    assert resolved(["-c", "flag-ctx"], DOCKER_HOST="tcp://x:9") == ("flag-ctx", "unix:///run/flag.sock")
    assert resolved(["-H", "tcp://y:8"], DOCKER_CONTEXT="env-ctx", DOCKER_HOST="tcp://x:9") == ("default", "tcp://y:8")
    assert resolved(["--config", f"{home}/other-config"]) == ("other-ctx", "tcp://other.example:2")
    assert resolved([], DOCKER_CONFIG=f"{home}/empty-config") == ("default", DEFAULT_HOST)
    with pytest.raises(UsageError, match=r"^conflicting options: cannot specify both --host and --context$"):
        resolved(["-H", "tcp://y:8", "-c", "env-ctx"])


def test_stored_context_tls_files_and_verification(home):
    endpoint = resolve_endpoint(split_global_options(["-c", "tls-ctx"])[0], environ_for(home))
    assert endpoint.tls is not None
    assert endpoint.tls.verify
    for path in (endpoint.tls.ca, endpoint.tls.cert, endpoint.tls.key):
        assert path is not None
        assert Path(path).is_file()
        assert str(home / ".docker" / "contexts" / "tls") in path
    skip = resolve_endpoint(split_global_options(["-c", "skip-ctx"])[0], environ_for(home))
    assert skip.tls is not None
    assert not skip.tls.verify
    assert skip.tls.ca is None


def test_invalid_ca_and_encrypted_key_are_refused_before_connecting(tmp_path):
    material = make_tls_material(tmp_path / "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ca.pem").write_text("not a certificate\n")
    env = {"HOME": str(tmp_path), "DOCKER_HOST": "tcp://127.0.0.1:9", "DOCKER_TLS_VERIFY": "1",
           "DOCKER_CERT_PATH": str(bad)}
    with pytest.raises(EndpointError, match=r"ca\.pem seems invalid") as caught:
        resolve_endpoint(split_global_options([])[0], env)
    assert caught.value.exit_code == ExitCode.ERROR

    encrypted = tmp_path / "enc"
    encrypted.mkdir()
    shutil.copy(material.ca, encrypted / "ca.pem")
    shutil.copy(material.cert, encrypted / "cert.pem")
    (encrypted / "key.pem").write_text(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
    with pytest.raises(EndpointError, match="private key is encrypted"):
        resolve_endpoint(split_global_options([])[0], {**env, "DOCKER_CERT_PATH": str(encrypted)})
    # Over a local socket the material is not used, so it is not checked either (as the CLI).
    unix = resolve_endpoint(split_global_options([])[0], {**env, "DOCKER_HOST": "unix:///x.sock",
                                                          "DOCKER_CERT_PATH": str(bad)})
    assert unix.host == "unix:///x.sock"


def test_malformed_config_json_is_not_fatal(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    endpoint = resolve_endpoint(split_global_options([])[0], {"HOME": "/nonexistent", "DOCKER_CONFIG": str(tmp_path)})
    assert (endpoint.context, endpoint.host) == ("default", DEFAULT_HOST)


@pytest.mark.parametrize(("given", "tls", "expected"), [
    ("", False, "unix:///var/run/docker.sock"),
    ("", True, "tcp://localhost:2376"),
    ("tcp://", False, "tcp://localhost:2375"),
    ("tcp://", True, "tcp://localhost:2375"),
    ("10.0.0.1", False, "tcp://10.0.0.1:2375"),
    ("tcp://[::1]:2376", False, "tcp://[::1]:2376"),
    ("tcp://h:99/base", False, "tcp://h:99/base"),
    ("unix://", False, "unix:///var/run/docker.sock"),
    ("ssh://me@box", False, "ssh://me@box"),
])
def test_parse_daemon_host(given, tls, expected):
    assert parse_daemon_host(given, default_to_tls=tls) == expected


@pytest.mark.parametrize(("given", "message"), [
    ("bogus://x", "invalid bind address format: bogus://x"),
    ("tcp://a://b", "invalid proto, expected tcp: a://b"),
    ("tcp://[::1]", "invalid bind address format: [::1]"),  # Go's quirk, kept
    ("h:abc", 'parse "tcp://h:abc": invalid port ":abc" after host'),
])
def test_parse_daemon_host_errors(given, message):
    with pytest.raises(EndpointError) as caught:
        parse_daemon_host(given, default_to_tls=False)
    assert caught.value.message == f"Failed to initialize: unable to resolve docker endpoint: {message}"
