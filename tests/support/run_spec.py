"""Drive ``runner.run`` with a RunSpec given as JSON, against the real engine: ``csdocker run`` without
the parser, the translator and the credentials, so the runner can be compared with ``docker run`` alone.

    python -m tests.support.run_spec '{"image": "local/busybox", "config": {...}, "tty": true}'
    python -m tests.support.run_spec @spec.json

``make_spec(...)`` builds the JSON the docker CLI's create body would hold for the few flags the runner
tests use; ``spec_command(spec)`` is the argv that runs the driver.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["docker_client", "make_spec", "spec_command", "spec_for"]

DRIVER = [sys.executable, "-m", "tests.support.run_spec"]


def make_spec(
    image: str,
    *command: str,
    tty: bool = False,
    interactive: bool = False,
    detach: bool = False,
    attach: Sequence[str] = (),
    rm: bool = False,
    name: str | None = None,
    cidfile: str | None = None,
    pull: str = "missing",
    quiet: bool = False,
    env: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    sig_proxy: bool = True,
    detach_keys: str | None = None,
    host_config: Mapping[str, Any] | None = None,
    entrypoint: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The RunSpec (as JSON) for ``docker run [flags] IMAGE COMMAND...`` with the flags named here."""
    if attach:
        stdin, stdout, stderr = ("stdin" in attach) or interactive, ("stdout" in attach), ("stderr" in attach)
    else:
        stdin, stdout, stderr = interactive, True, True
    if detach:
        stdin = stdout = stderr = False
    host = {
        "AutoRemove": rm,
        "ContainerIDFile": cidfile or "",
        "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
        "NetworkMode": "default",
        "LogConfig": {"Type": "", "Config": {}},
        "ConsoleSize": [0, 0],
        **(host_config or {}),
    }
    config: dict[str, Any] = {
        "Hostname": "",
        "Domainname": "",
        "User": "",
        "AttachStdin": stdin,
        "AttachStdout": stdout,
        "AttachStderr": stderr,
        "Tty": tty,
        "OpenStdin": interactive,
        "StdinOnce": interactive and stdin,
        "Env": list(env),
        "Cmd": list(command) or None,
        "Image": image,
        "Volumes": None,
        "WorkingDir": "",
        "Entrypoint": list(entrypoint) if entrypoint is not None else None,
        "OnBuild": None,
        "Labels": dict(labels or {}),
        "HostConfig": host,
        "NetworkingConfig": {"EndpointsConfig": {}},
    }
    return {
        "image": image,
        "config": config,
        "name": name,
        "detach": detach,
        "interactive": interactive,
        "tty": tty,
        "attach_stdin": stdin,
        "attach_stdout": stdout,
        "attach_stderr": stderr,
        "auto_remove": rm,
        "sig_proxy": sig_proxy,
        "detach_keys": detach_keys,
        "cidfile": cidfile,
        "pull": pull,
        "quiet": quiet,
    }


_VALUE_FLAGS = {"--name", "-a", "--attach", "--cidfile", "--pull", "--detach-keys", "-l", "--label", "--dns",
                "--network", "--log-driver", "-e", "--env", "--entrypoint", "--platform"}


def spec_for(args: Sequence[str]) -> dict[str, Any]:
    """``make_spec`` for a ``docker run`` command line that uses only the flags the runner tests use.

    A stand-in for csdocker's parser and translator, no more: an unknown flag is a test bug.
    """
    kwargs: dict[str, Any] = {"attach": [], "labels": {}, "env": [], "host_config": {}}
    rest = list(args)
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        value: str | None = None
        if "=" in flag:
            flag, value = flag.split("=", 1)
        elif flag in _VALUE_FLAGS:
            value = rest.pop(0)
        if flag in ("-it", "-ti"):
            kwargs.update(interactive=True, tty=True)
        elif flag in ("-i", "--interactive"):
            kwargs["interactive"] = True
        elif flag in ("-t", "--tty"):
            kwargs["tty"] = True
        elif flag in ("-d", "--detach"):
            kwargs["detach"] = True
        elif flag == "--rm":
            kwargs["rm"] = True
        elif flag in ("-q", "--quiet"):
            kwargs["quiet"] = True
        elif flag == "--sig-proxy":
            kwargs["sig_proxy"] = value != "false"
        elif flag == "--oom-kill-disable":
            kwargs["host_config"]["OomKillDisable"] = True
        elif flag in ("-a", "--attach"):
            kwargs["attach"].append(value)
        elif flag in ("-l", "--label"):
            key, _, label = str(value).partition("=")
            kwargs["labels"][key] = label
        elif flag in ("-e", "--env"):
            kwargs["env"].append(value)
        elif flag == "--dns":
            kwargs["host_config"].setdefault("Dns", []).append(value)
        elif flag == "--network":
            kwargs["host_config"]["NetworkMode"] = value
        elif flag == "--log-driver":
            kwargs["host_config"]["LogConfig"] = {"Type": value, "Config": {}}
        elif flag == "--entrypoint":
            kwargs["entrypoint"] = [value]
        elif flag in ("--name", "--cidfile", "--pull", "--detach-keys", "--platform"):
            kwargs[flag[2:].replace("-", "_")] = value
        else:
            raise ValueError(f"spec_for does not know {flag}")
    platform = kwargs.pop("platform", None)
    spec = make_spec(rest[0], *rest[1:], **kwargs)
    spec["platform"] = platform
    return spec


def spec_command(spec: Mapping[str, Any]) -> list[str]:
    return [*DRIVER, json.dumps(spec)]


def docker_client() -> Any:
    """A client for the engine csdocker would use (``engine.connect``, or docker-py's default)."""
    try:
        from cloudshell_docker.engine.connect import connect
        from cloudshell_docker.globalopts import GlobalOptions

        return connect(GlobalOptions(), os.environ)
    except NotImplementedError:
        import docker

        return docker.APIClient(version="auto")


def main(argv: Sequence[str]) -> int:
    from cloudshell_docker.cli import guarded
    from cloudshell_docker.engine.api import Engine
    from cloudshell_docker.runargs.spec import RunSpec
    from cloudshell_docker.runner import run
    from cloudshell_docker.terminal import Terminal

    if len(argv) != 1:
        sys.stderr.write("usage: python -m tests.support.run_spec JSON|@FILE\n")
        return 2
    text = argv[0]
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as handle:
            text = handle.read()
    spec = RunSpec(**json.loads(text))

    def action() -> int:
        return run(spec, Engine(docker_client()), Terminal.from_stdio())

    return guarded(action, for_run=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
