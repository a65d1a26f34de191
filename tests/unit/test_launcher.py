"""bin/csdocker, the sh launcher: which command lines go straight to docker and which to Python.

A stand-in interpreter (named in csdocker-client's first line, as pip writes it) and a stand-in
docker report what reached them. The oracle for every command line sent to docker is Python's
own dispatch: ``python -m cloudshell_docker`` with the same stand-in docker must hand it the same
argv. Going to Python is always right (Python decides again), so the risk is only one way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cloudshell_docker.cli.table import COMMANDS, launcher_words
from cloudshell_docker.launcher import LAUNCHER
from tests.support.launcher import install_launcher

FAKE = """#!/bin/sh
printf '%s\\n' "{name}"
for arg in "$@"; do printf '[%s]\\n' "$arg"; done
printf 'chain=%s\\n' "${{CSDOCKER_EXEC_CHAIN-unset}}"
"""


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    python = fakes / "python"
    python.write_text(FAKE.format(name="python"))
    docker_dir = tmp_path / "dockerbin"
    docker_dir.mkdir()
    docker = docker_dir / "docker"
    docker.write_text(FAKE.format(name="docker"))
    for path in (python, docker):
        path.chmod(0o755)
    launcher = install_launcher(tmp_path / "bin", interpreter=str(python))
    return {"launcher": launcher, "docker_dir": docker_dir, "python": python}


def launch(world: dict[str, Path], args: list[str], **env: str) -> list[str]:
    environ = {"PATH": f"{world['docker_dir']}:/usr/bin:/bin", "CSDOCKER_SERVER": "0", **env}
    done = subprocess.run([str(world["launcher"]), *args], env=environ, capture_output=True, text=True, timeout=30,
                          check=True, stdin=subprocess.DEVNULL)
    return done.stdout.splitlines()


def own_commands() -> list[str]:
    text = LAUNCHER.read_text()
    block = text.split("own_commands='", 1)[1].split("'", 1)[0]
    return [line for line in block.splitlines() if line]


TO_DOCKER = [
    ["ps"],
    ["ps", "-a", "--format", "{{.Names}}"],
    ["images"],
    ["logs", "x"],
    ["container", "ls"],
    ["container", "inspect", "run"],
    ["image", "ls"],
    ["volume", "run"],
    ["volume", "--help"],
    ["buildx", "ls"],
    ["-H", "unix:///x.sock", "ps"],
    ["--host", "unix:///x.sock", "version"],
    ["--host=unix:///x.sock", "images"],
    ["-D", "info"],
    ["--debug", "--tls", "--tlsverify", "info"],
    ["--context", "default", "-l", "error", "ps"],
    ["--config", "/tmp/cfg", "--tlscacert", "a", "--tlscert", "b", "--tlskey", "c", "ps"],
    ["", "two words", "$HOME", "*"],
    ["network", "create", "--", "-x"],
    ["help", "run"],
    ["compose", "ps"],
    ["compose", "-f", "x.yml", "-p", "p", "--profile", "web", "logs", "s"],
    ["compose", "--project-directory=d", "--dry-run", "config", "--format", "json"],
    ["-H", "unix:///x.sock", "compose", "down", "-v"],
    # The fast path (a first word that starts none of csdocker's commands): words near its own, globs.
    ["containers", "run"],
    ["composer"],
    ["?un"],
    ["r*", "x"],
    ["container*", "run"],
    ["[a-z]*"],
]

TO_PYTHON = [
    [],
    ["run", "--rm", "busybox"],
    ["env"],
    ["whoami", "--role-arn", "x"],
    ["container", "run", "busybox"],
    ["-H", "unix:///x.sock", "run", "busybox"],
    ["--context=default", "container", "run"],
    ["-v"],
    ["--version"],
    ["-h"],
    ["--help"],
    ["-Dv"],
    ["-Hunix:///x.sock", "ps"],
    ["--debug=false", "ps"],
    ["--", "ps"],
    ["-H"],
    ["--bogus", "ps"],
    ["buildx", "--builder", "b", "build", "."],
    ["image", "--help"],
    ["compose"],
    ["compose", "up", "-d"],
    ["compose", "-f", "x.yml", "run", "--rm", "s"],
    ["compose", "--role-arn", "x", "ps"],
    ["compose", "-fx.yml", "ps"],
    ["compose", "--help"],
    ["--context", "compose", "compose", "exec", "s", "sh"],
    ["compose", "-p", "build", "build"],
]


@pytest.mark.parametrize("args", TO_DOCKER, ids=repr)
def test_others_go_straight_to_docker_as_python_would_send_them(world, args):
    out = launch(world, args)
    assert out[0] == "docker"
    assert out[1:-1] == [f"[{arg}]" for arg in args]
    pid, _, tried = out[-1].removeprefix("chain=").partition(":")
    assert pid.isdigit()
    assert tried == str(world["docker_dir"] / "docker")
    # The oracle: Python's dispatch hands the same command line to the same docker.
    python = subprocess.run([sys.executable, "-m", "cloudshell_docker", *args], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PATH": f"{world['docker_dir']}:/usr/bin:/bin"})
    assert python.stdout.splitlines()[:-1] == out[:-1]


@pytest.mark.parametrize("args", TO_PYTHON, ids=repr)
def test_own_commands_and_undecided_options_go_to_python(world, args):
    out = launch(world, args)
    assert out[0] == "python"
    # python -P -c CODE LAUNCHER ARGS...: the launcher's path stands in for sys.argv[0].
    assert out[1] == "[-P]"
    assert out[2] == "[-c]"
    assert "cloudshell_docker.cli" in out[3]
    assert out[4:4 + 1 + len(args)] == [f"[{world['launcher']}]", *(f"[{arg}]" for arg in args)]


def test_with_the_server_on_own_commands_go_to_the_client(world):
    out = launch(world, ["run", "x"], CSDOCKER_SERVER="1")
    assert out[:4] == ["python", "[-S]", "[-P]", f"[{world['launcher'].parent / 'csdocker-client'}]"]
    assert out[4:7] == [f"[{world['launcher']}]", "[run]", "[x]"]


def test_no_docker_on_path_goes_to_python_for_its_message(world, tmp_path):
    assert launch(world, ["ps"], PATH=str(tmp_path / "empty"))[0] == "python"


def test_the_launchers_list_is_every_spelling_of_the_command_table():
    # A command added to the table and not to the launcher (or the other way round) fails here.
    assert own_commands() == launcher_words()
    assert all(len(entry.split()) <= 2 for entry in own_commands())


@pytest.mark.parametrize("words", [words for command in COMMANDS for words in command.words], ids=" ".join)
def test_each_spelling_goes_to_the_server_unless_the_table_says_cold(world, words):
    cold = next(command.cold for command in COMMANDS if words in command.words)
    # "up": an argument each command keeps (compose hands only some subcommands to Python, up among them).
    out = launch(world, [*words, "up"], CSDOCKER_SERVER="1")
    assert out[:2] == (["python", "[-P]"] if cold else ["python", "[-S]"])


def test_a_symlink_to_the_launcher_finds_its_client(world, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "csdocker").symlink_to(world["launcher"])
    done = subprocess.run([str(elsewhere / "csdocker"), "run"], capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "CSDOCKER_SERVER": "0"}, stdin=subprocess.DEVNULL)
    assert done.stdout.splitlines()[0] == "python"


def test_the_docker_that_is_the_launcher_itself_is_skipped(world, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    (first / "docker").symlink_to(world["launcher"])
    out = launch(world, ["ps"], PATH=f"{first}:{world['docker_dir']}:/usr/bin:/bin")
    assert out[0] == "docker"


def test_a_docker_script_that_starts_csdocker_is_skipped(world, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    wrapper = first / "docker"
    wrapper.write_text("#!/bin/sh\n# a wrapper\nexec python3 -m cloudshell_docker \"$@\"\n")
    wrapper.chmod(0o755)
    out = launch(world, ["ps"], PATH=f"{first}:{world['docker_dir']}:/usr/bin:/bin")
    assert out[0] == "docker"
    assert out[-1].endswith(f":{world['docker_dir'] / 'docker'}")


def test_a_candidate_tried_earlier_in_this_exec_chain_is_skipped(world, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    other = first / "docker"
    other.write_text(FAKE.format(name="first-docker"))
    other.chmod(0o755)
    path = f"{first}:{world['docker_dir']}:/usr/bin:/bin"
    # The marker names the launcher's parent (a wrapper that forks): it counts.
    marker = f"{os.getpid()}:{other}"
    out = launch(world, ["ps"], PATH=path, CSDOCKER_EXEC_CHAIN=marker)
    assert out[0] == "docker"
    assert out[-1].split(":", 1)[1] == f"{other}:{world['docker_dir'] / 'docker'}"
    # A marker of some unrelated process does not.
    assert launch(world, ["ps"], PATH=path, CSDOCKER_EXEC_CHAIN=f"1:{other}")[0] == "first-docker"


def test_empty_path_entries_are_the_working_directory(world, tmp_path):
    tools = tmp_path / "tools"  # awk alone: /usr/bin has a docker of its own
    tools.mkdir()
    (tools / "awk").symlink_to(shutil.which("awk") or "/usr/bin/awk")
    done = subprocess.run([str(world["launcher"]), "ps"], capture_output=True, text=True, timeout=30,
                          cwd=world["docker_dir"], env={"PATH": f"{tools}::{tmp_path}/none", "CSDOCKER_SERVER": "0"},
                          stdin=subprocess.DEVNULL)
    assert done.stdout.splitlines()[0] == "docker"
    assert done.stdout.splitlines()[-1].endswith(":./docker")


def test_a_docker_that_is_no_script_is_execd_without_awk(world, tmp_path):
    # A program (no "#!" first line) cannot be a script that starts csdocker: the shell's own `read`
    # of its first line decides, no awk is started (there is none on this PATH). printenv as docker
    # prints the exec chain's marker, as Python's passthrough hands it over.
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(shutil.which("printenv") or "/usr/bin/printenv", only / "docker")
    out = launch(world, ["CSDOCKER_EXEC_CHAIN"], PATH=str(only))
    pid, _, tried = out[0].partition(":")
    assert pid.isdigit()
    assert tried == str(only / "docker")
    python = subprocess.run([sys.executable, "-m", "cloudshell_docker", "CSDOCKER_EXEC_CHAIN"], capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL, env={**os.environ, "PATH": str(only)})
    assert python.stdout.partition(":")[2].strip() == tried


def test_a_script_that_names_csdocker_past_its_first_line_is_still_read_by_awk(world, tmp_path):
    # "#!" first line: awk reads on, as before; the launcher's own copy is one such script.
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(LAUNCHER, first / "docker")
    out = launch(world, ["ps"], PATH=f"{first}:{world['docker_dir']}:/usr/bin:/bin")
    assert out[0] == "docker"
    assert out[-1].endswith(f":{world['docker_dir'] / 'docker'}")
