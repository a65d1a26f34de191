"""Helpers for the relay's end-to-end tests: the container's call loop, its log, the commands, processes.

The container runs ``aws sts get-caller-identity`` every ``interval`` seconds against a
``FakeSts`` and prints one line per call (``call N t=EPOCH rc=RC OUTPUT``); ``parse_calls``
reads them back. ``relayed_argv`` is the command that runs a container with the relay:
``csdocker run --inject relay`` or ``tests.support.relay_driver`` with the same docker arguments.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import REPO, docker
from tests.support.fakests import key_of_user_id
from tests.support.proc import CSDOCKER, clean_env
from tests.support.relay_driver import DRIVER

__all__ = [
    "REGION",
    "VIA",
    "Call",
    "container_env",
    "env_mode_argv",
    "followers_of",
    "loop_script",
    "parse_calls",
    "port_refuses",
    "processes_mentioning",
    "relayed_argv",
    "upstream_env",
]

# How the relay's end-to-end tests run containers: csdocker itself, or (CSDT_RELAY_VIA=driver) the
# relay driven directly with the docker CLI creating the container, as before csdocker could run them.
VIA = os.environ.get("CSDT_RELAY_VIA", "csdocker")
REGION = "us-east-1"

_LINE = re.compile(r"^call (\d+) t=(\d+) rc=(\d+) ?(.*)$")


@dataclass(frozen=True)
class Call:
    number: int
    epoch: int
    rc: int
    text: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def key_id(self) -> str:
        return key_of_user_id(self.text) if self.ok else ""


def loop_script(sts_url: str, duration: int, interval: int, *, stop_on_error: bool = False) -> str:
    """A /bin/sh loop for the aws-cli image (ENTRYPOINT aws: run it with --entrypoint sh -c)."""
    stop = 'if [ "$rc" -ne 0 ]; then echo stopped; exit 3; fi' if stop_on_error else ":"
    return (
        f"end=$(( $(date +%s) + {duration} )); n=0\n"
        "while :; do\n"
        "  n=$((n+1))\n"
        f"  out=$(aws sts get-caller-identity --endpoint-url {sts_url} --output text --query UserId 2>&1)\n"
        "  rc=$?\n"
        '  echo "call $n t=$(date +%s) rc=$rc $(echo "$out" | tr "\\n" " ")"\n'
        f"  {stop}\n"
        '  [ "$(date +%s)" -ge "$end" ] && break\n'
        f"  sleep {interval}\n"
        "done\n"
        "echo finished\n"
    )


def parse_calls(log: str) -> list[Call]:
    calls = []
    for line in log.splitlines():
        match = _LINE.match(line.strip())
        if match:
            calls.append(Call(int(match[1]), int(match[2]), int(match[3]), match[4].strip()))
    return calls


def upstream_env(endpoint: CredentialsEndpoint, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment whose container endpoint is ``endpoint``: csdocker's (the relay's) source."""
    env = clean_env({**endpoint.environ(), **(extra or {})})
    env["PYTHONPATH"] = str(REPO)
    return env


def relayed_argv(docker_args: Sequence[str], *, detach: bool = False, via: str | None = None) -> list[str]:
    """The command that runs ``docker run``-style ``docker_args`` with the relay."""
    if (via or VIA) == "csdocker":
        return [*CSDOCKER, "run", "--inject", "relay", "--region", REGION, *(["-d"] if detach else []),
                *docker_args]
    return [*DRIVER, *(["--detach"] if detach else []), "--region", REGION, "--", *docker_args]


def env_mode_argv(docker_args: Sequence[str], *, via: str | None = None) -> list[str]:
    """The same run with csdocker's default injection (the credentials as variables)."""
    if (via or VIA) == "csdocker":
        return [*CSDOCKER, "run", "--region", REGION, *docker_args]
    return [*DRIVER, "--env-mode", "--region", REGION, "--", *docker_args]


def container_env(name: str) -> dict[str, str]:
    """The container's environment as ``docker inspect`` shows it."""
    inspected = json.loads(docker("inspect", name, check=True).stdout)[0]
    return dict(entry.split("=", 1) for entry in inspected["Config"]["Env"] if "=" in entry)


def port_refuses(url: str) -> bool:
    """Whether a connection to the relay at ``url`` is refused (nothing listens any more)."""
    hostport = url.split("//", 1)[1].split("/", 1)[0]
    host, port = hostport.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return False
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False  # the listener closed with this connection queued: it is going; ask again


def followers_of(container_id: str) -> list[int]:
    """The detached relays serving ``container_id``, found by the title they show (and nothing else)."""
    from cloudshell_docker.relay.follower import follower_title

    return processes_mentioning(follower_title(container_id))


def processes_mentioning(text: str) -> list[int]:
    """Live (not zombie) processes whose argv contains ``text``, this one excluded."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found
