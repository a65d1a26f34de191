"""Drive the credential relay as ``csdocker run --inject relay`` does, the docker CLI creating the container.

    python -m tests.support.relay_driver [--detach] [--env-mode] [--region R] [--info FILE] -- DOCKER-CREATE-ARGS...

The relay's source is the container credentials endpoint this process's environment names
(AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN), as for csdocker.
The container is made with ``docker create`` (the relay's variables pass through its
environment, ``-e NAME``, never its argv), then ``hooks.created``; it is started and waited
for through the engine, so that killing this process leaves nothing of the relay running;
``--detach`` prints the ID and hands over to the detached follower as ``-d`` does. ``--info``
gets a JSON object: the relay's ``url`` and this process's ``pid``, then the ``follower`` pid.
``--env-mode`` injects the source's credentials as variables instead (csdocker's default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from cloudshell_docker.credentials import credential_env
from cloudshell_docker.credentials.container import ContainerEndpointSource
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.relay import prepare_relay

__all__ = ["DRIVER", "network_mode"]

DRIVER = [sys.executable, "-m", "tests.support.relay_driver"]


def network_mode(create_args: Sequence[str]) -> str:
    mode = "default"
    args = list(create_args)
    for index, arg in enumerate(args):
        if arg in ("--network", "--net") and index + 1 < len(args):
            mode = args[index + 1]
        elif arg.startswith(("--network=", "--net=")):
            mode = arg.split("=", 1)[1]
    return mode


def write_info(path: str | None, info: dict[str, object]) -> None:
    if path:
        Path(path).write_text(json.dumps(info))


def env_mode(engine: Engine, source: ContainerEndpointSource, region: str | None, create_args: list[str]) -> int:
    variables = credential_env(source.fetch(), region)
    docker_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    docker_env.update(variables)
    names = [arg for name in variables for arg in ("-e", name)]
    created = subprocess.run(["docker", "create", *names, *create_args], env=docker_env, capture_output=True,
                             text=True)
    if created.returncode != 0:
        sys.stderr.write(created.stderr)
        return 125
    container_id = created.stdout.strip()
    waiter = engine.wait(container_id, "next-exit")
    engine.start(container_id)
    return waiter.result().status_code


def main(argv: Sequence[str]) -> int:
    split = list(argv).index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="relay_driver")
    parser.add_argument("--detach", action="store_true")
    parser.add_argument("--env-mode", action="store_true")
    parser.add_argument("--region")
    parser.add_argument("--info")
    options = parser.parse_args(argv[:split])
    create_args = list(argv[split + 1:])
    environ = dict(os.environ)
    engine = Engine(connect(GlobalOptions(), environ))
    config = {"HostConfig": {"NetworkMode": network_mode(create_args), "AutoRemove": "--rm" in create_args}}
    if options.env_mode:
        return env_mode(engine, ContainerEndpointSource(environ), options.region, create_args)
    prepared = prepare_relay(ContainerEndpointSource(environ), options.region, config, engine)
    info: dict[str, object] = {"url": prepared.hooks.url, "pid": os.getpid()}
    write_info(options.info, info)
    docker_env = {k: v for k, v in environ.items() if not k.startswith("AWS_")}
    docker_env.update(prepared.env)
    names = [arg for name in prepared.env for arg in ("-e", name)]
    created = subprocess.run(["docker", "create", *names, *create_args], env=docker_env, capture_output=True,
                             text=True)
    if created.returncode != 0:
        sys.stderr.write(created.stderr)
        prepared.close()
        return 125
    container_id = created.stdout.strip()
    detached = False
    try:
        prepared.hooks.created(container_id)
        waiter = engine.wait(container_id, "next-exit")
        engine.start(container_id)
        if options.detach:
            print(container_id, flush=True)
            detached = True
            return 0
        return waiter.result().status_code
    finally:
        prepared.hooks.finished(container_id, detached)
        if prepared.hooks.follower_pid is not None:
            info["follower"] = prepared.hooks.follower_pid
            write_info(options.info, info)
        prepared.close()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except CsDockerError as err:
        sys.stderr.write(f"relay_driver: {err.message}\n")
        sys.exit(int(err.exit_code))
