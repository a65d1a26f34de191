"""adapt_to_api beyond the recorded cases: the daemon's OS, the console size rule, no shared state."""

from __future__ import annotations

import pytest

from cloudshell_docker.engine.apiversions import MAX_API_VERSION, MIN_API_VERSION, version_tuple
from cloudshell_docker.errors import UsageError
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate

IMAGE = "local/busybox"
HERMETIC = TranslateContext()


def spec_for(*options: str):
    return translate(parse_run_args([*options, IMAGE]), HERMETIC)


def test_versions_compare_numerically():
    assert version_tuple("1.9") < version_tuple("1.41") < version_tuple("1.50")
    assert version_tuple(MIN_API_VERSION) < version_tuple(MAX_API_VERSION)


@pytest.mark.parametrize("flag", [("--cpu-count", "2"), ("--cpu-percent", "5"), ("--io-maxbandwidth", "1m"),
                                  ("--io-maxiops", "3")])
def test_windows_only_flags_depend_on_the_daemons_os(flag):
    spec = spec_for(*flag)
    with pytest.raises(UsageError) as caught:
        adapt_to_api(spec, "1.41")
    assert caught.value.exit_code == 1
    assert caught.value.message == (f'"{flag[0]}" is only supported on a Docker daemon running on windows, '
                                    "but the Docker daemon is running on linux")
    assert adapt_to_api(spec, "1.41", os_type="windows").config["HostConfig"] != spec_for().config["HostConfig"]


def test_the_first_refused_flag_in_name_order_is_reported():
    spec = spec_for("--health-cmd", "x", "--health-start-interval", "1s", "--annotation", "a=b")
    with pytest.raises(UsageError) as caught:
        adapt_to_api(spec, "1.41")
    assert caught.value.message.startswith('"--annotation" requires API version 1.43')


def test_a_refused_flag_is_refused_whatever_its_value():
    with pytest.raises(UsageError):
        adapt_to_api(spec_for("--health-start-interval", "0s"), "1.43")
    assert adapt_to_api(spec_for("--health-start-interval", "0s"), "1.44").config.get("Healthcheck") is None


@pytest.mark.parametrize(("version", "platform", "sent"), [
    ("1.41", "linux/amd64", False), ("1.42", "linux/amd64", True), ("1.41", None, True),
    ("1.41", "windows/amd64", True),
])
def test_console_size_with_a_linux_platform_before_1_42(version, platform, sent):
    """The CLI sends [0, 0] even on a terminal then (checked against it in test_create_conformance)."""
    options = ("--platform", platform) if platform else ()
    adapted = adapt_to_api(spec_for(*options), version)
    assert adapted.send_console_size is sent
    assert adapted.config["HostConfig"]["ConsoleSize"] == [0, 0]


def test_adapting_leaves_the_input_untouched():
    spec = spec_for("--kernel-memory", "10m", "--network", "csdt-n", "--mac-address", "02:42:ac:11:00:02")
    before = repr(spec.config)
    adapted = adapt_to_api(spec, "1.50")
    assert "MacAddress" not in adapted.config
    assert "KernelMemory" not in adapted.config["HostConfig"]
    assert repr(spec.config) == before
