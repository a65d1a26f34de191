"""--mount: parse (one handler a key), validate, serialise; the CLI's words and its encoder's field order.

The bodies themselves are compared with the docker CLI's in test_runargs_oracle; these pin the
error messages of every refusal and what the serialiser leaves out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.values.gocompat import GoValueError
from cloudshell_docker.options.values.mounts import parse_mount
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("target=/t,bogus", "invalid field 'bogus' must be a key=value pair"),
        ("target=/t,Bogus=1", "unexpected key 'bogus' in 'Bogus=1'"),
        ("target=/t,ro=maybe", "invalid value for ro: maybe"),
        ("target=/t,volume-nocopy=q", "invalid value for volume-nocopy: q"),
        ("type=bind,target=/t,bind-recursive=x",
         'invalid value for bind-recursive: x (must be "enabled", "disabled", "writable", or "readonly")'),
        ("type=tmpfs,target=/t,tmpfs-size=x", "invalid value for tmpfs-size: x"),
        ("type=tmpfs,target=/t,tmpfs-mode=9", "invalid value for tmpfs-mode: 9"),
        ("type=,target=/t", "type is required"),
        ("type=bind,src=/s", "target is required"),
        ("type=bind,target=/t,volume-label=a=b", "cannot mix 'volume-*' options with mount type 'bind'"),
        ("type=volume,target=/t,bind-propagation=rslave", "cannot mix 'bind-*' options with mount type 'volume'"),
        ("type=bind,target=/t,bind-recursive=writable",
         "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"),
        ("type=bind,target=/t,ro,bind-recursive=readonly",
         "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"),
    ],
)
def test_refusals_in_the_clis_words(value, message):
    with pytest.raises(GoValueError) as refused:
        parse_mount(value)
    assert str(refused.value) == message


def test_the_first_bad_field_is_the_one_named():
    with pytest.raises(GoValueError, match="unexpected key 'a'"):
        parse_mount("a=1,ro=maybe")


def test_bare_keys_mean_true_and_later_fields_win():
    assert parse_mount("type=bind,src=./s,dst=/d,ro,bind-nonrecursive,readonly=false") == {
        "Type": "bind", "Source": "./s", "Target": "/d", "BindOptions": {"NonRecursive": True}}
    assert parse_mount("target=/t,volume-nocopy") == {
        "Type": "volume", "Target": "/t", "VolumeOptions": {"NoCopy": True, "DriverConfig": {}}}


def test_an_options_group_appears_once_one_of_its_keys_is_given_even_empty():
    assert parse_mount("target=/t,volume-nocopy=false") == {
        "Type": "volume", "Target": "/t", "VolumeOptions": {"DriverConfig": {}}}
    # bind-recursive=enabled is the default: it makes no bind options, so a volume may carry it.
    assert parse_mount("target=/t,bind-recursive=enabled") == {"Type": "volume", "Target": "/t"}


def test_options_are_serialised_in_the_go_structs_field_order():
    volume = parse_mount("target=/t,volume-opt=o=1,volume-driver=local,volume-label=l=2,volume-nocopy")
    assert list(volume["VolumeOptions"]) == ["NoCopy", "Labels", "DriverConfig"]
    assert list(volume["VolumeOptions"]["DriverConfig"]) == ["Name", "Options"]
    bind = parse_mount("type=bind,target=/t,ro,bind-recursive=readonly,bind-nonrecursive,bind-propagation=rprivate")
    assert list(bind["BindOptions"]) == ["Propagation", "NonRecursive", "ReadOnlyForceRecursive"]
    tmpfs = parse_mount("type=tmpfs,target=/t,tmpfs-mode=700,tmpfs-size=1k")
    assert tmpfs["TmpfsOptions"] == {"SizeBytes": 1024, "Mode": 0o700}
    assert list(tmpfs["TmpfsOptions"]) == ["SizeBytes", "Mode"]


# Pinned where the tests above left room (found by scripts/mutation.sh):
# Each value goes through csdocker's parser and translator (cwd {CWD} = /work/cwd); each expectation
# (tests/unit/data/mounts_cli.json) is what the docker CLI 28.2.2 sent to the recording engine
# (tests/support/recorder.py) for ``docker run FLAG VALUE`` at API 1.41 (the readonly-recursive
# bind at 1.50, which it needs), or the error line it printed after ``docker: ``.


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
