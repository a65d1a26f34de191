"""The relay under faults, end to end: the upstream failing, csdocker killed, ``-d`` and the container stopping."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.network import MANAGED_NETWORK, ensure_network
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.fakests import FakeSts
from tests.support.relay_run import (
    Call,
    container_env,
    followers_of,
    loop_script,
    parse_calls,
    port_refuses,
    processes_mentioning,
    relayed_argv,
    upstream_env,
)

pytestmark = pytest.mark.engine


def calls_of(name: str) -> list[Call]:
    return parse_calls(docker("logs", name).stdout)


def wait_for(condition, timeout: float, what: str, step: float = 0.5):
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(step)


def sts_for(network: list[str], endpoint: CredentialsEndpoint) -> FakeSts:
    if network == ["--network", "host"]:
        return FakeSts(endpoint)
    ensure_network(Engine(connect(GlobalOptions(), {})))
    return FakeSts(endpoint, host=MANAGED_NETWORK.gateway)


NETWORKS = [pytest.param(["--network", "host"], id="host"), pytest.param([], id="bridge")]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_upstream_outage_is_a_500_the_sdk_retries_and_service_resumes_when_it_is_back(awscli, names):
    name = names.new("relay-outage")
    with CredentialsEndpoint(lifetime=12) as upstream, FakeSts(upstream) as sts:
        script = loop_script(sts.url, 45, 3)
        process = subprocess.Popen(
            relayed_argv(["--name", name, "--network", "host", "--entrypoint", "sh", awscli, "-c", script]),
            env=upstream_env(upstream), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: len(calls_of(name)) >= 2, 60, "the first calls")
            upstream.mode = "error500"  # longer than the 12 s the relay's copy lasts
            wait_for(lambda: any(not call.ok for call in calls_of(name)), 60, "a failing call")
            time.sleep(8)
            upstream.mode = "ok"
            _, stderr = process.communicate(timeout=150)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, stderr.decode()
    calls = calls_of(name)
    failed = [call for call in calls if not call.ok]
    first_failure = calls.index(failed[0])
    last_failure = calls.index(failed[-1])
    # The relay said 500, and only that it has no credentials now; the SDK retried and then reported it.
    assert "500" in failed[0].text
    assert "CredentialsUnavailable" in failed[0].text
    assert "failed with HTTP 500" not in failed[0].text
    assert "127.0.0.1" not in failed[0].text
    # The reason went to csdocker's own stderr, once the container was done.
    assert stderr.decode().splitlines()[-1].startswith(
        "csdocker: warning: the credential relay's source failed during the run: container credentials endpoint at ")
    assert all(call.ok for call in calls[:first_failure])
    # Service resumed once the upstream was back, with a new set.
    after = calls[last_failure + 1:]
    assert len(after) >= 3
    assert all(call.ok for call in after)
    assert after[-1].key_id != calls[0].key_id


@pytest.mark.slow
@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.timeout(200)
def test_killed_csdocker_takes_the_relay_with_it_and_the_sdk_fails_fast_and_clearly(awscli, names, network):
    name = names.new("relay-killed")
    with CredentialsEndpoint(lifetime=900) as upstream, sts_for(network, upstream) as sts:
        script = loop_script(sts.url, 120, 2, stop_on_error=True)
        process = subprocess.Popen(
            relayed_argv(["--name", name, *network, "--entrypoint", "sh", awscli, "-c", script]),
            env=upstream_env(upstream), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(calls_of(name)) >= 2, 60, "the first calls")
            url = container_env(name)["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
            killed_at = time.time()
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert port_refuses(url)
        # The container outlives csdocker (as with docker run); its next call fails, and says why.
        status = docker("wait", name, timeout=90)
        assert status.stdout.strip() == "3"
    calls = calls_of(name)
    assert all(call.ok for call in calls[:-1])
    failure = calls[-1]
    assert not failure.ok
    assert "container-role" in failure.text
    assert "Could not connect to the endpoint URL" in failure.text
    after = failure.epoch - killed_at
    sys.stderr.write(f"\nkilled csdocker: the container's call failed {after:.0f} s after the kill\n")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_detached_relay_keeps_serving_refreshes_and_exits_when_the_container_is_removed(awscli, names):
    name = names.new("relay-detached")
    with CredentialsEndpoint(lifetime=12) as upstream, FakeSts(upstream) as sts:
        script = loop_script(sts.url, 30, 4)
        argv = relayed_argv(["--name", name, "--network", "host", "--entrypoint", "sh", awscli, "-c", script],
                            detach=True)
        done = subprocess.run(argv, env=upstream_env(upstream), capture_output=True, timeout=90)
        assert done.returncode == 0, done.stderr.decode()
        container_id = done.stdout.decode().strip()
        assert container_id == json.loads(docker("inspect", name).stdout)[0]["Id"]
        # csdocker has returned; a follower (a fork of it) serves the container, and shows only its title.
        followers = followers_of(container_id)
        assert len(followers) == 1
        argv_text = Path(f"/proc/{followers[0]}/cmdline").read_bytes().rstrip(b"\0").decode()
        assert argv_text == f"csdocker relay {container_id[:12]}"
        assert processes_mentioning(name) == []
        url = container_env(name)["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        assert docker("wait", name, timeout=120).stdout.strip() == "0"
        calls = calls_of(name)
        assert calls
        assert all(call.ok for call in calls), calls
        assert len({call.key_id for call in calls}) >= 2  # the follower fetched a new set from the upstream
        # Stopped is not the end: the container may be started again. Removed is.
        time.sleep(2)
        assert followers_of(container_id) == followers
        assert not port_refuses(url)
        assert docker("rm", name, timeout=60).returncode == 0
        wait_for(lambda: followers_of(container_id) == [], 30, "the follower to exit")
        assert port_refuses(url)


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.timeout(200)
def test_a_detached_relay_of_an_rm_container_exits_when_the_container_is_stopped(awscli, names, network):
    name = names.new("relay-detached-rm")
    with CredentialsEndpoint(lifetime=900) as upstream, sts_for(network, upstream) as sts:
        script = loop_script(sts.url, 300, 2)
        argv = relayed_argv(["--rm", "--name", name, *network, "--entrypoint", "sh", awscli, "-c", script],
                            detach=True)
        done = subprocess.run(argv, env=upstream_env(upstream), capture_output=True, timeout=90)
        assert done.returncode == 0, done.stderr.decode()
        container_id = done.stdout.decode().strip()
        wait_for(lambda: len([c for c in calls_of(name) if c.ok]) >= 2, 60, "two good calls")
        url = container_env(name)["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        assert not port_refuses(url)
        assert len(followers_of(container_id)) == 1
        assert docker("stop", "-t", "1", name, timeout=60).returncode == 0  # --rm: stopped is removed
        wait_for(lambda: followers_of(container_id) == [], 30, "the follower to exit")
        assert port_refuses(url)
        wait_for(lambda: docker("inspect", name).returncode != 0, 30, "--rm to remove the container")


def test_a_detached_run_whose_container_is_already_gone_leaves_no_follower(busybox, names):
    name = names.new("relay-quick")
    with CredentialsEndpoint(lifetime=900) as upstream:
        argv = relayed_argv(["--rm", "--name", name, "--network", "host", busybox, "true"], detach=True)
        done = subprocess.run(argv, env=upstream_env(upstream), capture_output=True, timeout=90)
        assert done.returncode == 0, done.stderr.decode()
        container_id = done.stdout.decode().strip()
        wait_for(lambda: docker("inspect", name).returncode != 0, 30, "--rm to remove the container")
        wait_for(lambda: followers_of(container_id) == [], 30, "no follower")
