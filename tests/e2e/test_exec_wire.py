"""On the wire, through a recording proxy in front of the engine: ``csdocker exec`` makes the docker CLI's
calls in the CLI's order (inspect, exec create, start hijacked or detached, exec inspect) with the CLI's
exec create body; the only difference is the credentials in that body's Env."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker, remove_containers, unique_name
from tests.support.proc import CSDOCKER, clean_env
from tests.support.recorder import EngineRecorder, RecordedRequest

pytestmark = pytest.mark.engine

_ID = re.compile(r"[0-9a-f]{64}")
_CREDENTIALS = ("AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_REGION=",
                "AWS_DEFAULT_REGION=", "AWS_CREDENTIAL_EXPIRATION=")


@pytest.fixture(scope="module")
def box(busybox: str) -> Iterator[str]:
    name = unique_name("exec-wire")
    docker("run", "-d", "--name", name, busybox, "sleep", "3600", check=True)
    yield name
    remove_containers(name)


def calls(requests: list[RecordedRequest]) -> list[tuple[str, str]]:
    """(method, path) of every call after the ping, IDs blanked."""
    return [(r.method, _ID.sub("ID", r.path)) for r in requests if r.path != "/_ping"]


def record(args: list[str], *, ours: bool, endpoint: CredentialsEndpoint) -> tuple[list[RecordedRequest], int]:
    with EngineRecorder() as rec:
        if ours:
            argv = [*CSDOCKER, "exec", *args]
            env = clean_env({"DOCKER_HOST": rec.docker_host, "AWS_REGION": "eu-west-1", **endpoint.environ()})
        else:
            argv = ["docker", "exec", *args]
            env = clean_env({"DOCKER_HOST": rec.docker_host})
        done = subprocess.run(argv, env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        return list(rec.requests), done.returncode


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["-i"],
        ["-t"],
        ["-d"],
        ["-u", "1000:1000", "-w", "/etc", "--privileged"],
        ["-e", "A=1", "-e", "AWS_REGION=mine", "--env-file", "{env_file}"],
        ["--detach-keys", "ctrl-a,b"],
        ["-di", "-e=X=1"],
    ],
    ids=["plain", "i", "t", "d", "user-workdir-privileged", "env", "detach-keys", "cluster"],
)
def test_the_clis_calls_and_create_body(endpoint, box, tmp_path: Path, flags):
    env_file = tmp_path / "vars"
    env_file.write_text("B=2\n")
    args = [flag.format(env_file=env_file) for flag in flags] + [box, "sh", "-c", "exit 3"]
    mine, my_status = record(args, ours=True, endpoint=endpoint)
    theirs, their_status = record(args, ours=False, endpoint=endpoint)
    assert my_status == their_status  # (a non-root --privileged exec cannot start here: 126 both ways)
    assert calls(mine) == calls(theirs)
    my_create, their_create = (next(r for r in found if r.path.endswith("/exec") and r.method == "POST").json()
                               for found in (mine, theirs))
    env = my_create.pop("Env") or []
    their_env = their_create.pop("Env") or []
    assert [entry for entry in env if not entry.startswith(_CREDENTIALS) or entry in their_env] == their_env
    assert {entry.split("=", 1)[0] for entry in env} >= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert my_create == their_create
    my_start, their_start = (next(r for r in found if r.path.endswith("/start")) for found in (mine, theirs))
    assert my_start.json() == their_start.json()
    assert ("upgrade" in my_start.headers) == ("upgrade" in their_start.headers)
