"""Will the CLI build with BuildKit? DOCKER_BUILDKIT, the CLI's version, buildx; probed with stand-in CLIs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.imagebuild.buildkit import buildkit_environ, check_buildkit, parse_cli_version


@pytest.mark.parametrize(("value", "expected"), [(None, "1"), ("", "1"), ("1", "1"), ("true", "true"), ("T", "T")])
def test_buildkit_is_switched_on_unless_the_user_said_otherwise(value, expected):
    environ = {"PATH": "/bin"} if value is None else {"PATH": "/bin", "DOCKER_BUILDKIT": value}
    assert buildkit_environ(environ) == {"PATH": "/bin", "DOCKER_BUILDKIT": expected}


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "f"])
def test_buildkit_turned_off_is_refused(value):
    with pytest.raises(UsageError, match=f"DOCKER_BUILDKIT={value} turns BuildKit off") as caught:
        buildkit_environ({"DOCKER_BUILDKIT": value})
    assert caught.value.exit_code == ExitCode.DOCKER


def test_a_buildkit_value_that_is_not_a_boolean_is_refused():
    with pytest.raises(UsageError, match="not a boolean"):
        buildkit_environ({"DOCKER_BUILDKIT": "yes"})


@pytest.mark.parametrize(("text", "version"), [
    ("Docker version 20.10.24+dfsg1, build 297e128\n", (20, 10)),
    ("Docker version 28.2.2, build e6534b4\n", (28, 2)),
    ("Docker version 18.09.1-ce, build 4c52b90\n", (18, 9)),
    ("Docker version dev, build unknown\n", None),
    ("", None),
])
def test_parse_cli_version(text, version):
    assert parse_cli_version(text) == version


def _cli(tmp_path: Path, version: str, buildx_status: int) -> str:
    """A stand-in docker CLI: its --version, and whether `buildx version` works; it logs every call."""
    path = tmp_path / "docker"
    path.write_text(f"""#!/bin/sh
echo "$@" >> {tmp_path}/calls
case "$*" in
  --version) echo "Docker version {version}, build x" ;;
  *"buildx version") exit {buildx_status} ;;
  *) exit 99 ;;
esac
""")
    path.chmod(0o755)
    return str(path)


def _calls(tmp_path: Path) -> list[str]:
    calls = tmp_path / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.parametrize(("version", "buildx", "via_buildx", "ok", "calls"), [
    ("20.10.24", 1, False, True, ["--version"]),  # BuildKit built in: no plugin needed, none asked
    ("19.03.5", 1, False, True, ["--version"]),
    ("28.2.2", 1, False, False, ["--version", "--config /c buildx version"]),
    ("28.2.2", 0, False, True, ["--version", "--config /c buildx version"]),
    ("23.0.0", 1, False, False, ["--version", "--config /c buildx version"]),
    ("20.10.24", 1, True, False, ["--config /c buildx version"]),  # buildx named: it must be there
    ("20.10.24", 0, True, True, ["--config /c buildx version"]),
    ("dev", 1, False, False, ["--version", "--config /c buildx version"]),  # unknown: only buildx will do
    ("17.06.0", 0, False, False, ["--version"]),
])
def test_check_buildkit(tmp_path, version, buildx, via_buildx, ok, calls):
    docker = _cli(tmp_path, version, buildx)
    if ok:
        check_buildkit(docker, via_buildx=via_buildx, config_args=["--config", "/c"], environ=dict(os.environ))
    else:
        with pytest.raises(UsageError) as caught:
            check_buildkit(docker, via_buildx=via_buildx, config_args=["--config", "/c"], environ=dict(os.environ))
        assert caught.value.exit_code == ExitCode.DOCKER
        assert "\n" not in caught.value.message
    assert _calls(tmp_path) == calls
