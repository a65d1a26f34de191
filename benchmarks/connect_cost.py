"""What choosing and reaching the engine costs csdocker, and what the passthrough adds to a docker command.

    python benchmarks/connect_cost.py [--runs N]

Prints medians over N fresh processes (start-up time is a feature; the machine's
load shows in these numbers, so compare runs made side by side):
- import: importing cloudshell_docker.engine.connect (docker-py, requests, the run parser tables);
- connect (first): resolving the endpoint, building the client and the one ping;
- connect (warm): the same again in the same process;
- passthrough: ``csdocker --version`` (Python start-up, then exec docker) against ``docker --version``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

PROBE = r"""
import json, time
t0 = time.perf_counter()
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.options.globalopts import GlobalOptions
t1 = time.perf_counter()
connect(GlobalOptions(), {"HOME": "/nonexistent"}).close()
t2 = time.perf_counter()
warm = []
for _ in range(50):
    start = time.perf_counter()
    connect(GlobalOptions(), {"HOME": "/nonexistent"}).close()
    warm.append(time.perf_counter() - start)
print(json.dumps({"import": t1 - t0, "connect (first)": t2 - t1, "connect (warm)": sorted(warm)[25]}))
"""


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    rows = [json.loads(subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True,
                                      text=True).stdout) for _ in range(runs)]
    for key in rows[0]:
        print(f"{key:>18}: {statistics.median(row[key] for row in rows) * 1000:7.1f} ms")
    ours = statistics.median(wall([sys.executable, "-m", "cloudshell_docker", "--version"]) for _ in range(runs))
    theirs = statistics.median(wall(["docker", "--version"]) for _ in range(runs))
    print(f"{'passthrough':>18}: {ours * 1000:7.1f} ms (docker alone {theirs * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
