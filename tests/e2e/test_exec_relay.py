"""``csdocker exec`` into a container created by ``csdocker run --inject relay`` (csdocker's label): the
command gets no static secret, with CSDOCKER_INJECT or without; a relay that is gone is reported (125);
``--inject env`` on the command line is the one way to give such a command credentials of its own.
And the same commands into a container of the env kind, with CSDOCKER_INJECT=relay and without."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker, unique_name
from tests.support.proc import CSDOCKER
from tests.support.relay_run import REGION, followers_of, port_refuses, upstream_env

pytestmark = pytest.mark.engine

SHOW = "env | grep '^AWS_' | sort"


@pytest.fixture
def upstream() -> Iterator[CredentialsEndpoint]:
    with CredentialsEndpoint() as server:
        yield server


def csdocker(upstream: CredentialsEndpoint, args: Sequence[str], extra: Mapping[str, str] | None = None,
             ) -> subprocess.CompletedProcess[str]:
    env = upstream_env(upstream, {"AWS_REGION": REGION, **(extra or {})})
    return subprocess.run([*CSDOCKER, *args], env=env, capture_output=True, text=True,
                          timeout=90, stdin=subprocess.DEVNULL)


def aws_vars(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def wait_for(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_relay_container_keeps_its_relay_whatever_csdocker_inject_says(busybox, names, upstream):
    name = names.new("relay-exec")
    started = csdocker(upstream, ["run", "-d", "--inject", "relay", "--region", REGION, "--name", name,
                                  busybox, "sleep", "300"])
    assert started.returncode == 0, started.stderr
    labels = json.loads(docker("inspect", name, check=True).stdout)[0]["Config"]["Labels"]
    assert labels == {"csdocker.managed": "relay-container"}
    issued_before = len(upstream.issued)
    for extra in ({}, {"CSDOCKER_INJECT": "relay"}, {"CSDOCKER_INJECT": "env"}):
        done = csdocker(upstream, ["exec", name, "sh", "-c", SHOW], extra)
        assert done.returncode == 0, (extra, done.stderr)
        seen = aws_vars(done.stdout)
        assert "AWS_SECRET_ACCESS_KEY" not in seen
        assert set(seen) == {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                             "AWS_REGION", "AWS_DEFAULT_REGION"}
    assert len(upstream.issued) == issued_before  # exec fetched nothing: the relay serves the container
    # The command line's --inject env is a choice: the command gets credentials of its own.
    own = csdocker(upstream, ["exec", "--inject", "env", name, "sh", "-c", SHOW])
    assert aws_vars(own.stdout)["AWS_SECRET_ACCESS_KEY"] == upstream.issued[-1].secret_access_key
    # The follower goes (as when the machine rebooted): exec says so, and starts nothing.
    url = aws_vars(csdocker(upstream, ["exec", name, "sh", "-c", SHOW]).stdout)["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    container_id = docker("inspect", "-f", "{{.Id}}", name, check=True).stdout.strip()
    followers = followers_of(container_id)
    assert len(followers) == 1
    for pid in followers:
        os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: port_refuses(url))
    gone = csdocker(upstream, ["exec", name, "sh", "-c", "echo ran"])
    assert gone.returncode == 125
    assert gone.stdout == ""
    assert gone.stderr.count("\n") == 1
    assert f"container {name} gets its AWS credentials from a csdocker relay" in gone.stderr
    assert "no longer answers" in gone.stderr
    assert "csdocker exec --inject env" in gone.stderr


def test_an_env_container_gets_fresh_credentials_with_csdocker_inject_relay_or_without(busybox, names, upstream):
    name = names.new("env-exec")
    started = csdocker(upstream, ["run", "-d", "--region", REGION, "--name", name, busybox, "sleep", "300"])
    assert started.returncode == 0, started.stderr
    started_with = upstream.issued[-1].access_key_id
    for extra in ({}, {"CSDOCKER_INJECT": "relay"}):
        upstream.rotate()  # the credentials the container was started with have run out
        done = csdocker(upstream, ["exec", name, "sh", "-c", SHOW], extra)
        assert done.returncode == 0, (extra, done.stderr)
        assert done.stderr == ""  # a default from the environment is no reason to warn
        assert aws_vars(done.stdout)["AWS_SECRET_ACCESS_KEY"] == upstream.issued[-1].secret_access_key
        assert aws_vars(done.stdout)["AWS_ACCESS_KEY_ID"] != started_with
    told = csdocker(upstream, ["exec", "--inject", "relay", name, "true"])
    assert told.returncode == 0
    assert "has no credential relay" in told.stderr


class Listener:
    """A TCP listener on 127.0.0.1 that only counts who connects (an address an image might choose)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_a_relay_label_and_url_from_the_image_are_not_trusted_and_the_host_sends_nothing(
        busybox, names, upstream, listener):
    # An image carrying csdocker's label and a relay-shaped URL to an address of its choosing.
    url = f"http://127.0.0.1:{listener.port}/v1/credentials"
    image = unique_name("fake-relay-image")
    source = names.new("img-src")
    docker("create", "--name", source, busybox, check=True)
    docker("commit", "--change", "LABEL csdocker.managed=relay-container",
           "--change", f"ENV AWS_CONTAINER_CREDENTIALS_FULL_URI={url}",
           "--change", "ENV AWS_CONTAINER_AUTHORIZATION_TOKEN=chosen-by-the-image", source, image, check=True)
    try:
        name = names.new("fake-relay")
        docker("run", "-d", "--name", name, image, "sleep", "300", check=True)
        done = csdocker(upstream, ["exec", name, "sh", "-c", SHOW])
        assert done.returncode == 0, done.stderr
        # Not a relay container: the command gets its credentials as variables, as any other container.
        assert aws_vars(done.stdout)["AWS_SECRET_ACCESS_KEY"] == upstream.issued[-1].secret_access_key
        # The label set on the container itself (not the image's) with a URL that is not the relay's form.
        labelled = names.new("odd-url")
        docker("run", "-d", "--name", labelled, "--label", "csdocker.managed=relay-container",
               "-e", f"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:{listener.port}/reached-from-the-host",
               "-e", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t", busybox, "sleep", "300", check=True)
        refused = csdocker(upstream, ["exec", labelled, "echo", "ran"])
        assert refused.returncode == 125
        assert "is not one csdocker serves" in refused.stderr
        assert refused.stdout == ""
    finally:
        docker("rm", "-f", *names, timeout=60)
        docker("rmi", image, timeout=60)
    assert listener.connections == 0
