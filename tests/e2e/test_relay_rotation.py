"""The relay's proof: a real aws CLI in a container keeps working across upstream rotations.

The upstream is a container credentials endpoint whose credentials live 60 s; a fake STS on
the host accepts only credentials that endpoint issued and that have not expired. Five
containers call ``aws sts get-caller-identity`` every 10 s at the same time:

* relay, ``--network host`` (the relay on 127.0.0.1);
* relay, the default bridge (the container also joins csdocker-relay; the relay on 169.254.170.2);
* relay, ``--network host``, an upstream whose clock is 90 s behind the host's, and one 90 s ahead;
* env mode (the credentials as variables), which must fail with the expiry error once they expire.

The relay containers run for more than two lifetimes (>= 130 s) and must never fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay.network import MANAGED_NETWORK, ensure_network
from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import docker
from tests.support.fakests import FakeSts
from tests.support.relay_run import (
    container_env,
    env_mode_argv,
    loop_script,
    parse_calls,
    relayed_argv,
    upstream_env,
)

pytestmark = [pytest.mark.engine, pytest.mark.slow]

LIFETIME = 60
DURATION = 150  # more than two lifetimes, with room for slow calls
INTERVAL = 10


def secrets_in(text: str, endpoint: CredentialsEndpoint) -> list[str]:
    return [value for issued in endpoint.issued
            for value in (issued.access_key_id, issued.secret_access_key, issued.token) if value in text]


@pytest.mark.timeout(420)
def test_relay_keeps_the_aws_cli_working_across_rotations_and_env_mode_expires(awscli, names):
    engine = Engine(connect(GlobalOptions(), {}))
    ensure_network(engine)  # the fake STS for the bridge container listens on its gateway
    with (
        CredentialsEndpoint(lifetime=LIFETIME) as upstream,
        CredentialsEndpoint(lifetime=LIFETIME, clock_skew=-90) as skewed,
        CredentialsEndpoint(lifetime=LIFETIME, clock_skew=90) as ahead,
        FakeSts(upstream) as sts,
        FakeSts(upstream, host=MANAGED_NETWORK.gateway) as sts_gateway,
        FakeSts(skewed) as sts_skewed,
        FakeSts(ahead) as sts_ahead,
    ):
        runs = {
            "relay-host": (upstream, relayed_argv, ["--network", "host"], sts.url, False),
            "relay-bridge": (upstream, relayed_argv, [], sts_gateway.url, False),
            "relay-skewed": (skewed, relayed_argv, ["--network", "host"], sts_skewed.url, False),
            "relay-ahead": (ahead, relayed_argv, ["--network", "host"], sts_ahead.url, False),
            "env-host": (upstream, env_mode_argv, ["--network", "host"], sts.url, True),
        }
        container = {kind: names.new(kind) for kind in runs}
        started = time.monotonic()
        processes = {}
        for kind, (endpoint, argv, network, url, stop) in runs.items():
            script = loop_script(url, DURATION, INTERVAL, stop_on_error=stop)
            command = argv(["--name", container[kind], *network, "--entrypoint", "sh", awscli, "-c", script])
            processes[kind] = subprocess.Popen(command, env=upstream_env(endpoint), stdout=subprocess.DEVNULL,
                                               stderr=subprocess.PIPE)
        for kind, process in processes.items():
            _, stderr = process.communicate(timeout=DURATION + 120)
            assert process.returncode == (3 if kind == "env-host" else 0), (kind, stderr.decode())
        elapsed = time.monotonic() - started

        calls = {kind: parse_calls(docker("logs", container[kind]).stdout) for kind in runs}
        inspected = {kind: docker("inspect", container[kind]).stdout for kind in runs}

    summary = {}
    issuers = {"relay-host": upstream, "relay-bridge": upstream, "relay-skewed": skewed, "relay-ahead": ahead}
    for kind, issuer in issuers.items():
        seen = calls[kind]
        failures = [call for call in seen if not call.ok]
        assert failures == [], (kind, failures)
        assert seen[-1].epoch - seen[0].epoch >= 2 * LIFETIME, (kind, seen)
        keys = list(dict.fromkeys(call.key_id for call in seen))
        assert set(keys) <= {issued.access_key_id for issued in issuer.issued}
        assert len(keys) >= 3, (kind, keys)  # at least two rotations, seen from inside the container
        # No AWS secret in `docker inspect`: only the relay's URL and its per-run token.
        assert secrets_in(inspected[kind], issuer) == []
        env = container_env(container[kind])
        assert "AWS_SECRET_ACCESS_KEY" not in env
        assert "AWS_ACCESS_KEY_ID" not in env
        assert env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        summary[kind] = {"calls": len(seen), "seconds": seen[-1].epoch - seen[0].epoch, "rotations": len(keys) - 1}

    host_uri = container_env(container["relay-host"])["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    bridge_uri = container_env(container["relay-bridge"])["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert host_uri.startswith("http://127.0.0.1:")
    assert bridge_uri.startswith("http://169.254.170.2:")
    networks = json.loads(inspected["relay-bridge"])[0]["NetworkSettings"]["Networks"]
    assert set(networks) == {"bridge", MANAGED_NETWORK.name}  # the user's network kept, the relay's added

    env_calls = calls["env-host"]
    assert env_calls[0].ok
    assert not env_calls[-1].ok
    # AWS's ExpiredToken, or the CLI's own refusal: env mode also sets AWS_CREDENTIAL_EXPIRATION.
    assert ("ExpiredToken" in env_calls[-1].text
            or "refreshed credentials are still expired" in env_calls[-1].text), env_calls[-1]
    assert all(call.ok for call in env_calls[:-1])
    assert len({call.key_id for call in env_calls if call.ok}) == 1  # env mode never sees a new set
    assert secrets_in(inspected["env-host"], upstream)  # the contrast: env mode's secret is in inspect
    summary["env-host"] = {"calls": len(env_calls), "failed_after": env_calls[-1].epoch - env_calls[0].epoch}
    sys.stderr.write(f"\nrelay rotation proof ({elapsed:.0f} s): {json.dumps(summary)}\n")
