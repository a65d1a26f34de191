"""inject_env: credential variables reach Config.Env; what the user set explicitly wins."""

from __future__ import annotations

import pytest

from cloudshell_docker.run.inject import inject_env
from cloudshell_docker.run.spec import RunSpec

CREDS = {
    "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret/value+with=chars",
    "AWS_SESSION_TOKEN": "token==",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def spec_with_env(env: list[str] | None) -> RunSpec:
    config: dict[str, object] = {"Image": "img", "HostConfig": {}}
    if env is not None:
        config["Env"] = env
    return RunSpec(image="img", config=config)


@pytest.mark.parametrize("env", [None, []])
def test_all_variables_added_when_user_set_none(env):
    out = inject_env(spec_with_env(env), CREDS)
    assert sorted(out.config["Env"]) == sorted(f"{k}={v}" for k, v in CREDS.items())


def test_user_env_kept_in_order_and_first():
    out = inject_env(spec_with_env(["A=1", "B=2"]), CREDS)
    assert out.config["Env"][:2] == ["A=1", "B=2"]
    assert len(out.config["Env"]) == 2 + len(CREDS)


@pytest.mark.parametrize(
    "explicit",
    [
        "AWS_REGION=us-east-2",  # -e NAME=value
        "AWS_REGION",  # -e NAME with no value on the host: the CLI sends the bare name
        "AWS_REGION=",  # set, empty
    ],
)
def test_explicit_user_value_wins(explicit):
    out = inject_env(spec_with_env([explicit]), CREDS)
    env = out.config["Env"]
    assert explicit in env
    assert not [e for e in env if e.startswith("AWS_REGION=") and e != explicit]
    assert "AWS_DEFAULT_REGION=eu-west-1" in env


def test_original_spec_untouched():
    spec = spec_with_env(["A=1"])
    inject_env(spec, CREDS)
    assert spec.config["Env"] == ["A=1"]


def test_other_config_kept():
    spec = RunSpec(image="img", config={"Image": "img", "Cmd": ["true"], "HostConfig": {"AutoRemove": True}})
    out = inject_env(spec, CREDS)
    assert out.config["Cmd"] == ["true"]
    assert out.config["HostConfig"] == {"AutoRemove": True}
