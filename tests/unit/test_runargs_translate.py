"""translate: the client-side half of RunSpec, and what translation takes from its context.

The create body itself is compared with the docker CLI's in test_runargs_oracle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudshell_docker.engine.endpoint import resolve_endpoint
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.globalopts import split_global_options
from cloudshell_docker.run.flags import docker_flag
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate

IMAGE = "local/busybox"


def spec_for(*options: str, context: TranslateContext | None = None, command: tuple[str, ...] = ()):
    return translate(parse_run_args([*options, IMAGE, *command]), context or TranslateContext())


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), {"detach": False, "interactive": False, "tty": False, "attach_stdin": False, "attach_stdout": True,
                  "attach_stderr": True, "auto_remove": False, "sig_proxy": True, "detach_keys": None, "cidfile": None,
                  "pull": "missing", "quiet": False, "name": None, "platform": None}),
        (("-it", "--rm"), {"interactive": True, "tty": True, "attach_stdin": True, "auto_remove": True}),
        (("-itd",), {"detach": True, "interactive": True, "tty": True, "attach_stdin": False, "attach_stdout": False,
                         "attach_stderr": False}),
        (("-a", "stderr"), {"attach_stdin": False, "attach_stdout": False, "attach_stderr": True}),
        (("-a", "STDIN"), {"attach_stdin": True, "attach_stdout": False, "attach_stderr": False, "interactive": False}),
        (("--sig-proxy=false", "--detach-keys", "ctrl-a,a"), {"sig_proxy": False, "detach_keys": "ctrl-a,a"}),
        (("--cidfile", "/tmp/x.cid", "--name", "csdt-n"), {"cidfile": "/tmp/x.cid", "name": "csdt-n"}),
        (("--pull", "always", "-q"), {"pull": "always", "quiet": True}),
        (("--pull=",), {"pull": "never"}),
        (("--platform", "linux/x86_64"), {"platform": "linux/amd64"}),
        (("--name", "", "--detach-keys", ""), {"name": None, "detach_keys": None}),
    ],
)
def test_client_side_fields(options, expected):
    spec = spec_for(*options)
    assert {key: getattr(spec, key) for key in expected} == expected
    assert spec.image == IMAGE


def test_flags_given_are_the_canonical_names():
    spec = spec_for("--net", "host", "-e", "A=1", "--dns-opt", "x", "-e", "B=2")
    assert spec.flags_given == {"--network", "--env", "--dns-option"}


def test_bare_env_name_takes_the_callers_value_from_the_context_only():
    context = TranslateContext(environ={"FROM_HOST": "v"})
    assert spec_for("-e", "FROM_HOST", "-e", "PATH", context=context).config["Env"] == ["FROM_HOST=v", "PATH"]


def test_relative_paths_resolve_against_the_context_cwd(tmp_path: Path):
    (tmp_path / "vars.env").write_text("A=1\n")
    context = TranslateContext(cwd=str(tmp_path))
    spec = spec_for("-v", "./data:/d", "--env-file", "vars.env", "--mount", "type=bind,src=./m,dst=/m",
                    context=context)
    assert spec.config["HostConfig"]["Binds"] == [f"{tmp_path}/data:/d"]
    assert spec.config["HostConfig"]["Mounts"][0]["Source"] == f"{tmp_path}/m"
    assert spec.config["Env"] == ["A=1"]


def _config(directory: Path, host_key: str = "default", proxy: str = "http://p:1") -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"proxies": {host_key: {"httpProxy": proxy}}}))
    return str(directory)


def _endpoint_config(argv: list[str], environ: dict[str, str]) -> dict:
    return dict(resolve_endpoint(split_global_options(argv)[0], environ).config)


def test_proxies_come_from_the_config_the_endpoint_loaded_in_the_clis_order(tmp_path: Path):
    explicit = _config(tmp_path / "explicit", proxy="http://explicit:1")
    from_env = _config(tmp_path / "env", proxy="http://env:1")
    _config(tmp_path / "home" / ".docker", proxy="http://home:1")
    home = {"HOME": str(tmp_path / "home")}
    cases = [
        (["--config", explicit], {**home, "DOCKER_CONFIG": from_env}, "explicit"),
        ([], {**home, "DOCKER_CONFIG": from_env}, "env"),
        ([], home, "home"),
    ]
    for argv, environ, which in cases:
        context = TranslateContext(environ=environ, docker_config=_endpoint_config(argv, environ))
        env = spec_for(context=context).config["Env"]
        assert sorted(env) == [f"HTTP_PROXY=http://{which}:1", f"http_proxy=http://{which}:1"]


def test_translation_reads_no_config_file_of_its_own(tmp_path: Path):
    # Without the endpoint's config there are no proxies, whatever HOME and DOCKER_CONFIG hold.
    _config(tmp_path / "home" / ".docker", proxy="http://home:1")
    home = str(tmp_path / "home")
    context = TranslateContext(environ={"HOME": home, "DOCKER_CONFIG": f"{home}/.docker"})
    assert spec_for(context=context).config.get("Env") in (None, [])


def test_proxies_keyed_by_the_daemon_host():
    config = {"proxies": {
        "default": {"httpProxy": "http://default:1"}, "tcp://10.0.0.1:2375": {"httpProxy": "http://remote:1"}}}
    by_env = TranslateContext(environ={"DOCKER_HOST": "tcp://10.0.0.1:2375"}, docker_config=config)
    by_field = TranslateContext(daemon_host="tcp://10.0.0.1:2375", docker_config=config)
    local = TranslateContext(docker_config=config)
    assert "HTTP_PROXY=http://remote:1" in spec_for(context=by_env).config["Env"]
    assert "HTTP_PROXY=http://remote:1" in spec_for(context=by_field).config["Env"]
    assert "HTTP_PROXY=http://default:1" in spec_for(context=local).config["Env"]


def test_content_trust_is_refused_when_it_would_apply():
    trusting = TranslateContext(environ={"DOCKER_CONTENT_TRUST": "1"})
    with pytest.raises(UsageError) as caught:
        spec_for(context=trusting)
    assert "content trust" in caught.value.message
    assert caught.value.exit_code == 125
    with pytest.raises(UsageError):
        spec_for("--disable-content-trust=false")
    assert spec_for("--disable-content-trust", context=trusting).image == IMAGE
    digest = "local/busybox@sha256:" + "a" * 64
    assert translate(parse_run_args([digest]), trusting).image == digest


def test_use_api_socket_mounts_the_daemon_socket():
    spec = spec_for("--use-api-socket", context=TranslateContext(daemon_host="unix:///run/user/docker.sock"))
    assert spec.config["HostConfig"]["Mounts"] == [
        {"Type": "bind", "Source": "/run/user/docker.sock", "Target": "/var/run/docker.sock", "BindOptions": {}}]


def test_use_api_socket_needs_a_unix_socket():
    with pytest.raises(UsageError) as caught:
        spec_for("--use-api-socket", context=TranslateContext(daemon_host="tcp://10.0.0.1:2376"))
    assert caught.value.message == ("flag --use-api-socket can only be used with unix sockets: "
                                    "docker endpoint tcp://10.0.0.1:2376 incompatible")


def test_use_api_socket_refuses_to_copy_registry_credentials():
    context = TranslateContext(docker_config={"auths": {"example.com": {"auth": "dXNlcjpwYXNz"}}})
    with pytest.raises(UsageError) as caught:
        spec_for("--use-api-socket", context=context)
    assert "registry credentials" in caught.value.message
    assert "dXNlcjpwYXNz" not in caught.value.message
    assert spec_for("--use-api-socket", "-e", "DOCKER_CONFIG=/cfg", context=context).config["Env"] == [
        "DOCKER_CONFIG=/cfg"]


def test_each_value_is_converted_once_by_the_parser_and_the_translation_reads_it(monkeypatch):
    kind = docker_flag("--memory").kind
    original = kind.convert
    calls: list[str] = []

    def counting(text: str):
        calls.append(text)
        return original(text)

    object.__setattr__(kind, "convert", counting)  # a frozen row of the table: restored below
    try:
        spec = spec_for("--memory", "1g")
    finally:
        object.__setattr__(kind, "convert", original)
    assert calls == ["1g"]
    assert spec.config["HostConfig"]["Memory"] == 1 << 30


def test_translation_does_not_share_state_between_calls():
    first = spec_for("--mount", "type=tmpfs,dst=/t", "--gpus", "all")
    first.config["HostConfig"]["Mounts"].append("mutated")
    second = spec_for("--mount", "type=tmpfs,dst=/t", "--gpus", "all")
    assert second.config["HostConfig"]["Mounts"] == [{"Type": "tmpfs", "Target": "/t"}]


def _handed_on() -> set[str]:
    from dataclasses import fields

    from cloudshell_docker.run.translate import _Translation

    return {item.name for item in fields(_Translation)} - {"flags", "context", "parsed", "body"}


def test_each_step_reads_only_what_an_earlier_step_wrote():
    from cloudshell_docker.run.translate import STEPS

    handed_on = _handed_on()
    written: set[str] = set()
    for step in STEPS:
        assert step.reads <= written, f"{step.build.__name__} reads {sorted(step.reads - written)} before any write"
        assert step.writes <= handed_on
        written |= step.writes
    assert written == handed_on  # every field handed on has a step that writes it


def test_each_step_declares_the_shared_fields_its_code_uses():
    """Read from the steps' source: a field assigned is declared written, a field read is declared."""
    import ast
    import inspect
    import textwrap

    from cloudshell_docker.run.translate import STEPS

    handed_on = _handed_on()
    for step in STEPS:
        tree = ast.parse(textwrap.dedent(inspect.getsource(step.build)))
        used = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr in handed_on
                and isinstance(node.value, ast.Name) and node.value.id == "state"]
        stored = {node.attr for node in used if isinstance(node.ctx, ast.Store)}
        loaded = {node.attr for node in used if isinstance(node.ctx, ast.Load)}
        name = step.build.__name__
        assert stored == step.writes, f"{name} assigns {sorted(stored)}, declares {sorted(step.writes)}"
        assert step.reads <= loaded <= step.reads | step.writes, f"{name} reads {sorted(loaded)}"
