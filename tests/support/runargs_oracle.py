"""What the docker CLI sends for a ``docker run`` command line: recorded, stored, compared.

The docker CLI (28.2.2) runs against the recording proxy in fake mode
(tests/support/recorder.py), which answers as an engine of a chosen API version
(1.41 like the engine here, 1.50 like the CLI's own), so every case is recorded
without creating anything: the create body and query, or the CLI's error line
and exit status. ``python -m tests.support.runargs_oracle`` writes them to
tests/unit/data/runargs_oracle.json; the unit tests compare csdocker's
translation with that file, and an end-to-end test re-records a sample to prove
the file still tells the truth about the CLI installed here.

Bodies are stored as differences from the no-flag body of the same API version,
with the case's working directory as ``{CWD}`` and the daemon socket as ``{SOCKET}``.
"""

from __future__ import annotations

import copy
import json
import os
import pty
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.recorder import EngineRecorder
from tests.support.runargs_cases import CASES, Case

__all__ = [
    "ORACLE_FILE",
    "SOCKET",
    "apply_delta",
    "body_delta",
    "load_oracle",
    "normalise_unstable",
    "observe_cli",
    "prepare_case",
    "record_all",
]

ORACLE_FILE = Path(__file__).resolve().parents[1] / "unit" / "data" / "runargs_oracle.json"
SOCKET = "{SOCKET}"
CWD = "{CWD}"
VERSIONS = ("1.41", "1.50")


def prepare_case(case: Case, root: Path, host: str) -> tuple[Path, dict[str, str]]:
    """The case's working directory (its files written) and environment (a private docker config)."""
    cwd = root / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    config_dir = root / "docker-config"
    config_dir.mkdir(exist_ok=True)
    if case.config is not None:
        text = json.dumps(case.config).replace("{HOST}", host)
        (config_dir / "config.json").write_text(text)
    home = root / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "DOCKER_CONFIG": str(config_dir)}
    env.update(case.env)
    return cwd, env


def _replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_strings(item, old, new) for item in value]
    if isinstance(value, dict):
        return {_replace_strings(k, old, new): _replace_strings(v, old, new) for k, v in value.items()}
    return value


def observe_cli(case: Case, api_version: str) -> dict[str, Any]:
    """Run ``docker run ARGV`` against a fake engine of ``api_version``; what it sent or said."""
    with tempfile.TemporaryDirectory(prefix="csdt-oracle-") as tmp, \
            EngineRecorder(fake_api_version=api_version) as recorder:
        root = Path(tmp)
        cwd, env = prepare_case(case, root, recorder.docker_host)
        env["DOCKER_HOST"] = recorder.docker_host
        # A terminal on stdin, as -t needs; stdout stays a pipe, so ConsoleSize stays [0, 0].
        controller, terminal = pty.openpty()
        try:
            done = subprocess.run(["docker", "run", *case.argv], env=env, cwd=cwd, stdin=terminal,
                                  capture_output=True, text=True, timeout=60)
        finally:
            os.close(terminal)
            os.close(controller)
        creates = recorder.creates()
        if creates:
            request = creates[0]
            body = _replace_strings(request.json(), str(cwd), CWD)
            body = _replace_strings(body, recorder.path, SOCKET)
            return {"body": body, "query": _replace_strings(request.query, str(cwd), CWD)}
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        first = lines[0] if lines else ""
        return {"exit": done.returncode, "error": first.removeprefix("docker: ")}


def body_delta(body: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` as changes to ``base``: top-level and HostConfig keys set, and keys removed."""
    delta: dict[str, Any] = {}
    removed = []
    for key in body:
        if key == "HostConfig":
            continue
        if key not in base or body[key] != base[key]:
            delta[key] = body[key]
    host, base_host = body.get("HostConfig", {}), base.get("HostConfig", {})
    host_delta = {key: value for key, value in host.items() if key not in base_host or base_host[key] != value}
    if host_delta:
        delta["HostConfig"] = host_delta
    removed += [key for key in base if key not in body]
    removed += [f"HostConfig.{key}" for key in base_host if key not in host]
    if removed:
        delta["$removed"] = sorted(removed)
    return delta


def apply_delta(base: Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(dict(base))
    for key, value in delta.items():
        if key == "HostConfig":
            body["HostConfig"].update(copy.deepcopy(value))
        elif key != "$removed":
            body[key] = copy.deepcopy(value)
    for path in delta.get("$removed", []):
        if path.startswith("HostConfig."):
            body["HostConfig"].pop(path.split(".", 1)[1], None)
        else:
            body.pop(path, None)
    return body


def normalise_unstable(body: Mapping[str, Any]) -> dict[str, Any]:
    """The docker CLI fills Env and Binds from Go maps: their order changes from run to run."""
    body = copy.deepcopy(dict(body))
    if body.get("Env"):
        body["Env"] = sorted(body["Env"])
    host = body.get("HostConfig") or {}
    if host.get("Binds"):
        host["Binds"] = sorted(host["Binds"])
    return body


def record_all(cases: tuple[Case, ...] = CASES, versions: tuple[str, ...] = VERSIONS) -> dict[str, Any]:
    baseline_case = Case("baseline", ("local/busybox",))
    every_version = sorted({*versions, *(v for case in cases for v in case.versions)}, key=lambda v: v.split("."))
    baselines = {version: observe_cli(baseline_case, version)["body"] for version in every_version}
    recorded: dict[str, Any] = {}
    for case in cases:
        per_version = {}
        for version in case.versions or versions:
            observation = observe_cli(case, version)
            if "body" in observation:
                base = baselines[version]
                observation = {"delta": body_delta(observation["body"], base), "query": observation["query"]}
            per_version[version] = observation
        recorded[case.id] = per_version
        print(f"{case.id}: {json.dumps(per_version)[:160]}", file=sys.stderr)
    version_line = subprocess.run(["docker", "version", "--format", "{{.Client.Version}}"],
                                  capture_output=True, text=True).stdout.strip()
    return {"docker_cli": version_line, "baseline": baselines, "cases": recorded}


def load_oracle() -> dict[str, Any]:
    return json.loads(ORACLE_FILE.read_text())


if __name__ == "__main__":
    data = record_all()
    ORACLE_FILE.parent.mkdir(parents=True, exist_ok=True)
    ORACLE_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {ORACLE_FILE} ({len(data['cases'])} cases)", file=sys.stderr)
