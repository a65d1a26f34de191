"""The assumed-role cache end to end: csdocker processes, moto behind a counting proxy, a fresh cache dir.

What reached moto is counted at the network edge (tests.support.countproxy), not in csdocker.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.countproxy import CountingProxy
from tests.support.moto import MotoServer
from tests.support.proc import CSDOCKER, clean_env, run_csdocker
from tests.support.stsmoto import create_role, parse_sh_exports, sts_env


@pytest.fixture
def sts(moto: MotoServer, tmp_path: Path) -> Iterator[tuple[CountingProxy, dict[str, str], str]]:
    """(the proxy that counts, the environment for csdocker, a role ARN)."""
    role_arn = create_role(moto.url)
    with CountingProxy(moto.url) as proxy:
        yield proxy, sts_env(tmp_path, proxy.url), role_arn


def cache_dir(env: dict[str, str]) -> Path:
    return Path(env["XDG_CACHE_HOME"]) / "csdocker" / "sts"


def entries(env: dict[str, str]) -> list[Path]:
    directory = cache_dir(env)
    return sorted(directory.glob("*.json")) if directory.exists() else []


def env_run(env: dict[str, str], *args: str) -> tuple[dict[str, str], str]:
    done = run_csdocker(["env", *args], env=env)
    assert done.returncode == 0, done.stderr.decode()
    return parse_sh_exports(done.stdout.decode()), done.stderr.decode()


@pytest.mark.slow
def test_one_hundred_sequential_runs_make_one_assume_role_call(sts):
    proxy, env, role_arn = sts
    keys = set()
    for _ in range(100):
        exported, stderr = env_run(env, "--role-arn", role_arn)
        keys.add(exported["AWS_ACCESS_KEY_ID"])
        assert stderr == ""
    assert proxy.count("AssumeRole") == 1
    assert len(keys) == 1
    [entry] = entries(env)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_dir(env).stat().st_mode) == 0o700
    assert entry.stat().st_uid == os.geteuid()


@pytest.mark.slow
def test_twenty_parallel_first_runs_make_one_assume_role_call(sts):
    proxy, env, role_arn = sts
    assert not cache_dir(env).exists()
    procs = [subprocess.Popen([*CSDOCKER, "env", "--role-arn", role_arn], env=clean_env(env),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(20)]
    outputs = [proc.communicate(timeout=180) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 20, [err.decode() for _, err in outputs]
    assert proxy.count("AssumeRole") == 1
    keys = {parse_sh_exports(out.decode())["AWS_ACCESS_KEY_ID"] for out, _ in outputs}
    assert len(keys) == 1
    assert len(entries(env)) == 1


def test_no_cache_calls_sts_every_run_and_writes_nothing(sts):
    proxy, env, role_arn = sts
    keys = {env_run(env, "--role-arn", role_arn, "--no-cache")[0]["AWS_ACCESS_KEY_ID"] for _ in range(3)}
    assert proxy.count("AssumeRole") == 3
    assert len(keys) == 3
    assert entries(env) == []


def test_another_session_option_or_caller_is_another_entry(sts):
    proxy, env, role_arn = sts
    env_run(env, "--role-arn", role_arn)
    env_run(env, "--role-arn", role_arn, "--session-name", "csdt-other")
    env_run(env, "--role-arn", role_arn, "--duration", "900")
    env_run({**env, "AWS_ACCESS_KEY_ID": "AKIDCSDTOTHER002"}, "--role-arn", role_arn)
    assert proxy.count("AssumeRole") == 4
    for args in ([], ["--session-name", "csdt-other"], ["--duration", "900"]):
        env_run(env, "--role-arn", role_arn, *args)
    assert proxy.count("AssumeRole") == 4
    assert len(entries(env)) == 4


@pytest.mark.parametrize("damage", ["corrupt", "loose-file", "loose-dir"])
def test_a_damaged_entry_is_replaced_with_one_warning(sts, damage):
    proxy, env, role_arn = sts
    first, _ = env_run(env, "--role-arn", role_arn)
    [entry] = entries(env)
    if damage == "corrupt":
        entry.write_bytes(entry.read_bytes()[:40])
    elif damage == "loose-file":
        entry.chmod(0o644)
    else:
        cache_dir(env).chmod(0o755)
    second, stderr = env_run(env, "--role-arn", role_arn)
    assert proxy.count("AssumeRole") == 2
    assert second["AWS_ACCESS_KEY_ID"] != first["AWS_ACCESS_KEY_ID"]
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("csdocker: warning: ")
    assert first["AWS_SECRET_ACCESS_KEY"] not in stderr
    [entry] = entries(env)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_dir(env).stat().st_mode) == 0o700
    third, stderr = env_run(env, "--role-arn", role_arn)
    assert (third, stderr, proxy.count("AssumeRole")) == (second, "", 2)


def test_run_and_env_share_the_cache(sts, busybox):
    proxy, env, role_arn = sts
    seen = []
    for _ in range(3):
        done = run_csdocker(["run", "--rm", "--role-arn", role_arn, busybox, "sh", "-c", "echo $AWS_ACCESS_KEY_ID"],
                            env=env)
        assert done.returncode == 0, done.stderr
        seen.append(done.stdout.decode().strip())
    exported, _ = env_run(env, "--role-arn", role_arn)
    assert proxy.count("AssumeRole") == 1
    assert set(seen) == {exported["AWS_ACCESS_KEY_ID"]}
