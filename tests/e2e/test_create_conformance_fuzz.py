"""Random command lines built from flag values the CLI accepts and refuses: csdocker means what docker means.

Each combination (fixed seed: the same ones every run) goes through the docker CLI
against the recording proxy in fake mode (API 1.41 or 1.50, chosen at random) and
through parse_run_args -> translate -> adapt_to_api; the create body and query, or
the error line and exit status, must be the same. Combinations of flags are where
ordering bugs hide (which error comes first, which value wins).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import translate
from tests.support.runargs_cases import Case
from tests.support.runargs_oracle import SOCKET, _replace_strings, normalise_unstable, observe_cli, prepare_case
from tests.support.translation import translate_context

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")

VALUES: dict[str, list[str]] = {
    "--add-host": ["a:1.2.3.4", "b=::1", "x", "h:[::1]", "h=[1.2.3.4]", ":1.2.3.4", "h:host-gateway", "a:b:c"],
    "-a": ["stdin", "STDOUT", "err", "stderr"],
    "--blkio-weight": ["10", "0", "1000", "5", "0x20", "-1", "1001"],
    "--cap-add": ["net_admin", "ALL", "cap_chown", "sys_time", ""],
    "--cap-drop": ["all", "chown", "CAP_KILL"],
    "--cgroupns": ["host", "private", "", "x"],
    "--cpus": ["0.5", "1", "1.123456789", "1.1234567891", "-1", "1e3", ".5", "5.", "0x1", "1/3"],
    "--cpu-shares": ["0", "1024", "-5", "0b101", "1e3", "08", "0_1"],
    "--device": ["/dev/null", "/dev/null:/x", "/dev/null:r", "/dev/null:/x:rw", "x", "/dev/null:x", ":/x",
                 "/dev/null::r", "/dev/null:/x:rr", "a.com/bb=c-d", "ab/bc=d"],
    "--dns": ["1.1.1.1", "::1", "1.1.1", " 1.1.1.1 ", "fe80::1%eth0", "001.1.1.1"],
    "--dns-search": ["a.b", "a", ".", "-a", "a..b", "a.b.", "1.2", "a_b"],
    "-e": ["A=1", "A", "=1", "A==", "PATH", " A=1", "A B=1"],
    "--entrypoint": ["", "sh", "sh -c"],
    "--expose": ["80", "80/udp", "80-81", "81-80", "x", "80:80", "/tcp", "80/"],
    "--gpus": ["all", "1", "0", "-1", "device=0,1", "\"device=0,1\"", "driver=x", "count=all", "capabilities=a",
               "options=a=b", "x", "\""],
    "--health-interval": ["1s", "0", "1", "-1s", "1.5h", "1h1m", ".5s", "1e3s", "+1s"],
    "--health-retries": ["1", "-1", "0", "x"],
    "--init": ["true"],
    "--ip": ["1.2.3.4"],
    "--ip6": ["::5"],
    "-l": ["a=b", "a", "=a", " a=b", "a b"],
    "--link": ["a", "a:b", "/a:/b/c", "", "a:b:c"],
    "--log-opt": ["a=b", "a", "=b"],
    "--log-driver": ["none", "json-file", ""],
    "-m": ["1", "1b", "1k", "1kb", "1kib", "1K", "1KiB", "1.5m", "1 m", "1m ", " 1m", "1mm", "1x", "-1", "1e3", "1.",
           "0x10", "1_0", "inf", "1e400"],
    "--memory-swap": ["-1", "-2", "1g", "0"],
    "--memory-swappiness": ["-1", "0", "100", "101", "-2"],
    "--mount": ["type=bind,src=/a,dst=/b", "dst=/b", "type=tmpfs,dst=/t,tmpfs-size=1x",
                "type=volume,dst=/v,volume-opt=a", "type=VOLUME,dst=/v", "Type=bind,Src=/a,Dst=/b",
                "type=bind,src=/a,dst=/b,consistency=Cached", "type=npipe,dst=/x", "dst=/x,ro=0", "type=,dst=/x",
                "dst=/x,volume-label=,volume-opt==b"],
    "--network": ["host", "bridge", "none", "n1", "name=n1", "name=n1,ip=1.2.3.4",
                  "name=n1,link-local-ip=1.1.1.1,link-local-ip=2.2.2.2", "container:", "default",
                  "name=n1,mac-address=02:42:ac:11:00:02", " name = n1 "],
    "--network-alias": ["a"],
    "-p": ["80", "8080:80", "1.2.3.4::80", "::80", "[::1]:80:80", "[::1:80:80", "80-81", "8080-8081:80", "8080:80-81",
           "65536:80", "0:80", "80/SCTP", "published=1,target=2", "target=2", "mode=host,target=2", "a=b", ":80"],
    "--pid": ["host", "container:a", "container", "private"],
    "--restart": ["no", "always", "on-failure", "on-failure:0", "on-failure:-1", "on-failure:x", ":1", "a:b:c",
                  "unless-stopped"],
    "--security-opt": ["no-new-privileges", "no-new-privileges:true", "no-new-privileges=false", "label=user:x",
                       "label:disable", "apparmor", "seccomp=builtin", "systempaths=unconfined", "x="],
    "--shm-size": ["64m", "0"],
    "--stop-timeout": ["-1", "10"],
    "--storage-opt": ["size=1g", "a", "=b"],
    "--sysctl": ["net.a=1", "kernel.sem=1", "fs.mqueue.x=1", "vm.x=1", "=1", "net.a"],
    "--tmpfs": ["/a", "/a:ro", "/a:", ":x"],
    "--ulimit": ["nofile=1", "nofile=1:2", "nofile=-1", "nofile=-1:-1", "nofile=1:-1", "nofile=-1:1", "x=1",
                 "nofile=", "nofile=1:", "core=0x10"],
    "-v": ["/a:/b", "/a", "a:/b", "./a:/b", "~/a:/b", "/a:/b:ro", "/a:/b:ro,z", "/a:/b:nocopy", "c:/a:/b", "ab", "a",
           "/a:/b:c:d", ":/a", "/a:", "/a::ro"],
    "--volumes-from": ["a", "a:ro"],
    "--userns": ["host", "", "x"],
    "--uts": ["host", "x"],
    "--platform": ["linux", "linux/amd64", "amd64", "Linux/AMD64", "linux/arm/v7", "linux/arm64/8", "windows", "x/y",
                   "linux//", "linux/amd64/v1", "linux(1.0)/amd64", "*"],
    "--pull": ["never", "missing", "", "x"],  # not "always": it pulls before the API-version checks
    "-w": ["/a", "a", ""],
    "--mac-address": ["02:42:ac:11:00:02", "x"],
}
BOOLS = ["-i", "-t", "-d", "--rm", "-P", "--privileged", "--read-only", "--init", "--no-healthcheck",
         "--oom-kill-disable", "-q", "--sig-proxy=false", "--init=false", "--rm=0"]
SEED = 20240601
COUNT = 150


def combinations() -> list[tuple[tuple[str, ...], str]]:
    rng = random.Random(SEED)
    made = []
    for _ in range(COUNT):
        argv: list[str] = []
        for _flag in range(rng.randint(1, 4)):
            if rng.random() < 0.25:
                argv.append(rng.choice(BOOLS))
                continue
            flag = rng.choice(sorted(VALUES))
            value = rng.choice(VALUES[flag])
            form = rng.random()
            if flag.startswith("--") or form < 0.5:
                argv += [flag, value]
            else:
                argv.append(f"{flag}={value}" if form < 0.75 else flag + value)
        made.append(((*argv, "local/busybox"), rng.choice(["1.41", "1.50"])))
    return made


def csdocker_view(case: Case, version: str, root: Path) -> dict[str, Any]:
    host = f"unix://{SOCKET}"
    cwd, env = prepare_case(case, root, host)
    try:
        spec = translate(parse_run_args(case.argv), translate_context(env, str(cwd), host))
        spec = adapt_to_api(spec, version)
    except UsageError as err:
        return {"exit": int(err.exit_code), "error": err.message}
    query = {key: value for key, value in (("name", spec.name), ("platform", spec.platform)) if value}
    return {"body": normalise_unstable(_replace_strings(spec.config, str(cwd), "{CWD}")), "query": query}


@pytest.mark.slow
@pytest.mark.parametrize(("argv", "version"), combinations())
def test_random_combination_means_the_same(argv: tuple[str, ...], version: str, tmp_path: Path) -> None:
    case = Case("fuzz", argv)
    observed = observe_cli(case, version)
    if "body" in observed:
        observed["body"] = normalise_unstable(observed["body"])
    assert csdocker_view(case, version, tmp_path) == observed
