"""``csdocker compose up -d`` + ``down`` against ``docker compose up -d`` + ``down``, credentials passed by hand.

    python benchmarks/compose.py [--runs N] [--inject env|relay]

The example project (examples/compose/, worker + mock) on this machine's engine, with a
container credentials endpoint on 127.0.0.1 as the source. docker's side gets the same
credentials by hand: an override file with them (the best a user can do without csdocker;
written before the clock starts). The two sides alternate (one interleaved run), so the machine's
load weighs on both alike; medians are printed, and their ratio (the target is <= 1.3). csdocker is
this tree's launcher (bin/csdocker), as installed.
Needs Docker Compose v2 (``DOCKER_CONFIG``: ``scripts/testbed.sh compose`` puts it in
/var/lib/csdocker-testbed/compose-docker-config) and the images local/aws-cli and local/busybox.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.endpoint import CredentialsEndpoint  # noqa: E402
from tests.support.launcher import install_launcher  # noqa: E402

EXAMPLE = REPO / "examples" / "compose" / "compose.yaml"


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--inject", choices=("env", "relay"), default="env")
    options = parser.parse_args()
    base = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CSDOCKER_"))}
    base.setdefault("DOCKER_CONFIG", "/var/lib/csdocker-testbed/compose-docker-config")
    base.update({"AWS_CLI_IMAGE": "local/aws-cli", "MOCK_IMAGE": "local/busybox", "PYTHONPATH": str(REPO),
                 "CSDOCKER_SERVER": "0"})
    with CredentialsEndpoint() as endpoint, tempfile.TemporaryDirectory() as scratch:
        # csdocker as installed (bin/csdocker, the launcher): `down` goes straight to docker compose.
        csdocker = [str(install_launcher(Path(scratch) / "bin"))]
        issued = endpoint.current()
        by_hand = Path(scratch) / "by-hand.json"  # docker's side: the credentials written by hand
        variables = {"AWS_ACCESS_KEY_ID": issued.access_key_id, "AWS_SECRET_ACCESS_KEY": issued.secret_access_key,
                     "AWS_SESSION_TOKEN": issued.token, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
        by_hand.write_text(json.dumps({"services": {"worker": {"environment": variables}}}))
        ours_env = {**base, **endpoint.environ(), "AWS_REGION": "us-east-1", "CSDOCKER_INJECT": options.inject}
        times: dict[str, list[float]] = {"csdocker": [], "docker": [], "csdocker up": [], "docker up": []}
        for run in range(options.runs + 1):  # the first pair warms caches and is dropped
            project = f"csdt-bench-{os.getpid()}-{run}"
            ours_argv = [*csdocker, "compose", "-p", project + "a", "-f", str(EXAMPLE)]
            theirs_argv = ["docker", "compose", "-p", project + "b", "-f", str(EXAMPLE), "-f", str(by_hand)]
            ours_up = ours = timed([*ours_argv, "up", "-d"], ours_env)
            ours += timed([*ours_argv, "down", "-t", "0", "-v"], ours_env)
            theirs_up = theirs = timed([*theirs_argv, "up", "-d"], base)
            theirs += timed([*theirs_argv, "down", "-t", "0", "-v"], base)
            if run:
                times["csdocker"].append(ours)
                times["docker"].append(theirs)
                times["csdocker up"].append(ours_up)
                times["docker up"].append(theirs_up)
    ours_median = statistics.median(times["csdocker"])
    theirs_median = statistics.median(times["docker"])
    print(f"csdocker compose up -d + down ({options.inject}): {ours_median * 1000:7.0f} ms (median of {options.runs})")
    print(f"docker compose up -d + down (by hand): {theirs_median * 1000:7.0f} ms")
    print(f"ratio: {ours_median / theirs_median:.2f} (target <= 1.3)")
    print(f"up -d alone: csdocker {statistics.median(times['csdocker up']) * 1000:.0f} ms, "
          f"docker {statistics.median(times['docker up']) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
