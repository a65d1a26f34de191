"""csdocker run (or exec) against docker run (or exec) on the same engine: stream throughput and start-up time.

    python benchmarks/run_bench.py                 # 1 GiB each way, 5 interleaved rounds, 9 start-ups
    python benchmarks/run_bench.py --size 256MiB --rounds 3 --startups 15 --log-driver json-file
    python benchmarks/run_bench.py --command exec  # the same through exec, in one running container

Three measures, each as csdocker's figure next to the docker CLI's, runs interleaved (csdocker,
docker, csdocker, docker, ...) so that a machine busy with other work hurts both alike; medians:

* stdout: ``run --rm IMAGE head -c SIZE /dev/zero`` with stdout to /dev/null;
* stdin:  ``run -i --rm IMAGE sh -c 'cat >/dev/null'`` with stdin from a SIZE file;
* start-up: ``csdocker run --rm IMAGE true`` against ``docker run --rm -e AWS_...=... IMAGE true``
  (the same five variables, so both create the same container).

With ``--command exec`` the three are ``exec BOX head ...``, ``exec -i BOX sh -c 'cat >/dev/null'`` and
``exec BOX true`` in a container started for the benchmark (and removed after it).

The throughput ratio is csdocker's throughput over docker's (1.0: as fast; the goal is >= 0.9),
twice: over the whole command ("wall"), and net of each program's fixed cost ("net": the same
command moving 0 bytes, timed in the same interleaved rounds, is subtracted), since csdocker's
longer start-up (Python, credentials) is not a matter of the stream.
``--log-driver none`` (the default here) keeps the engine's own json log of 1 GiB out of the
measure, which would otherwise be the slowest part of both. csdocker gets its credentials from a
credentials endpoint on 127.0.0.1 served by the test support code, as in the tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.endpoint import CredentialsEndpoint  # noqa: E402
from tests.support.proc import CSDOCKER, clean_env  # noqa: E402

UNITS = {"": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30}


def parse_size(text: str) -> int:
    number = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return int(float(number) * UNITS[text[len(number):].lower()])


def timed(command: Sequence[str], env: dict[str, str], *, stdin: int | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])} ... failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    return elapsed


def interleaved(rounds: int, ours: Callable[[], float], theirs: Callable[[], float]) -> tuple[list[float], list[float]]:
    ours_times, theirs_times = [], []
    for i in range(rounds):
        # Alternate who goes first, so neither always runs on a warmer (or busier) machine.
        order = ((ours_times, ours), (theirs_times, theirs)) if i % 2 == 0 else ((theirs_times, theirs),
                                                                                  (ours_times, ours))
        for times, measure in order:
            times.append(measure())
    return ours_times, theirs_times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1GiB", help="bytes through each stream (default 1GiB)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per stream (default 5)")
    parser.add_argument("--startups", type=int, default=9, help="start-up runs of each (default 9)")
    parser.add_argument("--image", default="local/busybox")
    parser.add_argument("--log-driver", default="none", help="the containers' log driver (default none)")
    parser.add_argument("--command", choices=("run", "exec"), default="run", help="what to measure (default run)")
    args = parser.parse_args(argv)
    size = parse_size(args.size)
    if args.command == "exec":
        box = f"csdt-bench-{os.getpid()}"
        subprocess.run(["docker", "run", "-d", "--name", box, "--log-driver", args.log_driver, args.image,
                        "sleep", "3600"], check=True, capture_output=True)
        try:
            return measure(args, size, (box,), ())
        finally:
            subprocess.run(["docker", "rm", "-f", box], capture_output=True)
    return measure(args, size, ("--rm", "--log-driver", args.log_driver, args.image), ("--rm", args.image))


def measure(args: argparse.Namespace, size: int, target: tuple[str, ...], startup_target: tuple[str, ...]) -> int:
    """The three measures; ``target``: the arguments before the command (run's flags and image, or exec's
    container), ``startup_target`` likewise for the start-up (``target`` when empty)."""
    startup_target = startup_target or target

    with CredentialsEndpoint(lifetime=3600) as endpoint:
        creds = endpoint.current()
        ours_env = clean_env({"AWS_REGION": "eu-west-1", **endpoint.environ()})
        theirs_env = clean_env()
        aws = {"AWS_ACCESS_KEY_ID": creds.access_key_id, "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
               "AWS_SESSION_TOKEN": creds.token, "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
        # docker gets the variables by name (-e NAME): their values stay out of its argv.
        theirs_env.update(aws)
        env_flags = [flag for name in aws for flag in ("-e", name)]

        def ours(*run_args: str) -> list[str]:
            return [*CSDOCKER, args.command, *run_args]

        def theirs(*run_args: str) -> list[str]:
            return ["docker", args.command, *run_args]

        results: dict[str, tuple[float, float]] = {}
        engine = subprocess.run(["docker", "version", "-f", "{{.Server.Version}}"], capture_output=True,
                                text=True).stdout.strip()
        print(f"engine {engine}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {args.size} per stream, "
              f"{args.rounds} rounds, log driver {args.log_driver}, docker {args.command}", flush=True)

        for label, count in (("stdout", size), ("stdout-0", 0)):
            out_cmd = (*target, "head", "-c", str(count), "/dev/zero")
            o, t = interleaved(args.rounds, lambda cmd=out_cmd: timed(ours(*cmd), ours_env),
                               lambda cmd=out_cmd: timed(theirs(*env_flags, *cmd), theirs_env))
            results[label] = (statistics.median(o), statistics.median(t))

        in_cmd = ("-i", *target, "sh", "-c", "cat >/dev/null")
        for label, count in (("stdin", size), ("stdin-0", 0)):
            with tempfile.NamedTemporaryFile(prefix="csdt-bench-") as data:
                data.truncate(count)  # sparse: reading it costs nothing, the copy is what is measured
                data.flush()

                def feed(command: list[str], env: dict[str, str], path: str = data.name) -> float:
                    with open(path, "rb") as stdin:
                        return timed(command, env, stdin=stdin.fileno())

                o, t = interleaved(args.rounds, lambda: feed(ours(*in_cmd), ours_env),
                                   lambda: feed(theirs(*env_flags, *in_cmd), theirs_env))
                results[label] = (statistics.median(o), statistics.median(t))

        up_cmd = (*startup_target, "true")
        o, t = interleaved(args.startups, lambda: timed(ours(*up_cmd), ours_env),
                           lambda: timed(theirs(*env_flags, *up_cmd), theirs_env))
        results["startup"] = (statistics.median(o), statistics.median(t))

    mib = size / (1 << 20)
    for stream in ("stdout", "stdin"):
        ours_s, theirs_s = results[stream]
        ours_0, theirs_0 = results[f"{stream}-0"]
        ours_net, theirs_net = max(ours_s - ours_0, 1e-9), max(theirs_s - theirs_0, 1e-9)
        print(f"{stream:7} csdocker {ours_s:6.2f} s (0 bytes: {ours_0:.2f} s, net {mib / ours_net:7.1f} MiB/s)   "
              f"docker {theirs_s:6.2f} s (0 bytes: {theirs_0:.2f} s, net {mib / theirs_net:7.1f} MiB/s)   "
              f"ratio wall {theirs_s / ours_s:.2f}, net {theirs_net / ours_net:.2f}")
    ours_s, theirs_s = results["startup"]
    print(f"startup csdocker {ours_s * 1000:8.0f} ms   docker {theirs_s * 1000:8.0f} ms   "
          f"(median of {args.startups}; csdocker includes fetching credentials)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
