"""--mount, -v and --device values, one by one (found by scripts/mutation.sh).

Each value goes through csdocker's parser and translator (cwd {CWD} = /work/cwd); each expectation
(tests/unit/data/mounts_cli.json) is what the docker CLI 28.2.2 sent to the recording engine
(tests/support/recorder.py) for ``docker run FLAG VALUE`` at API 1.41 (the readonly-recursive
bind at 1.50, which it needs), or the error line it printed after ``docker: ``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate

CWD = "/work/cwd"
RECORDED = json.loads((Path(__file__).parent / "data" / "mounts_cli.json").read_text())


def created(flag: str, value: str, keys: tuple[str, ...], api: str = "1.41") -> dict[str, Any] | str:
    """The fields ``keys`` of the create body (HostConfig's or the top level's), or the error line."""
    context = TranslateContext(environ={}, cwd=CWD, daemon_host="unix:///run/docker.sock")
    try:
        spec = adapt_to_api(translate(parse_run_args((flag, value, "local/busybox")), context), api)
    except UsageError as err:
        return err.message
    host = spec.config.get("HostConfig", {})
    return {key: spec.config[key] if key in spec.config else host.get(key) for key in keys}


@pytest.mark.parametrize(("value", "expected"), RECORDED["--mount"], ids=[value for value, _ in RECORDED["--mount"]])
def test_mount(value, expected):
    assert created("--mount", value, ("Mounts",)) == expected


def test_mount_readonly_recursive_needs_api_1_44():
    value = "type=bind,src=/tmp,dst=/m,bind-recursive=readonly,readonly,bind-propagation=rprivate"
    assert created("--mount", value, ("Mounts",), api="1.50") == {"Mounts": [
        {"Type": "bind", "Source": "/tmp", "Target": "/m", "ReadOnly": True,
         "BindOptions": {"Propagation": "rprivate", "ReadOnlyForceRecursive": True}}]}
    assert created("--mount", value, ("Mounts",)) == "bind-recursive=readonly requires API v1.44 or later"


@pytest.mark.parametrize(("value", "expected"), RECORDED["-v"], ids=[value or "empty" for value, _ in RECORDED["-v"]])
def test_volume(value, expected):
    assert created("-v", value, ("Volumes", "Binds")) == expected


@pytest.mark.parametrize(("value", "expected"), RECORDED["--device"], ids=[value for value, _ in RECORDED["--device"]])
def test_device(value, expected):
    assert created("--device", value, ("Devices", "DeviceRequests")) == expected
