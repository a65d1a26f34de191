"""The command table (``cli.table``): dispatch, the top-level help, the server's preload, the flag tables
and ARCHITECTURE.md all follow it, so a command added in one place and missed in another fails here
(the launcher's list: tests/unit/test_launcher.py)."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from cloudshell_docker import cli
from cloudshell_docker.cli import table
from cloudshell_docker.cli.table import COMMANDS, Call, find_command
from cloudshell_docker.cli.tophelp import top_help

SPELLINGS = [(command.name, words) for command in COMMANDS for words in command.words]
ARCHITECTURE = Path(__file__).resolve().parents[2] / "ARCHITECTURE.md"


def test_names_and_spellings_are_each_one_commands():
    names = [command.name for command in COMMANDS]
    assert len(set(names)) == len(names)
    spellings = [words for _, words in SPELLINGS]
    assert len(set(spellings)) == len(spellings)
    assert all(command.words[0] == (command.name,) for command in COMMANDS)


@pytest.mark.parametrize(("name", "words"), SPELLINGS, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else value)
def test_main_runs_each_spelling_through_its_entry_with_the_rest_of_the_line(monkeypatch, name, words):
    calls: list[Call] = []

    def entry(call: Call) -> int:
        calls.append(call)
        return 7

    monkeypatch.setattr(table, "COMMANDS", tuple(
        dataclasses.replace(command, entry=entry) if command.name == name else command for command in COMMANDS))
    with pytest.raises(SystemExit) as exited:
        cli.main(["-D", *words, "--flag", "--", "x"])
    assert exited.value.code == 7
    assert [(call.argv, call.prefix, call.options.debug) for call in calls] == [(["--flag", "--", "x"], ["-D"], True)]


def test_an_entry_that_declines_hands_the_line_to_the_docker_cli(monkeypatch):
    handed: list[list[str]] = []
    import cloudshell_docker.commands.passthrough as passthrough

    def exec_docker(argv: list[str]) -> int:
        handed.append(argv)
        return 0

    monkeypatch.setattr(passthrough, "exec_docker", exec_docker)
    with pytest.raises(SystemExit):
        cli.main(["pull", "busybox"])  # not an ECR private image: the docker CLI's
    assert handed == [["pull", "busybox"]]


def test_other_command_lines_are_nobodys():
    assert find_command(["ps"]) is None
    assert find_command(["container", "ls"]) is None
    assert find_command(["image", "ls"]) is None
    found = find_command(["buildx", "--builder", "b", "build", "."])  # the build decides
    assert found is not None
    assert found[0].name == "build"


def test_the_top_level_help_lists_every_command_and_spelling():
    text = top_help()
    for name, words in SPELLINGS:
        assert f"  {name}  " in text or f"  {name} " in text
        assert " ".join(words) in text
    assert "<bool>" not in text


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], ["-D", "--help"]])
def test_csdocker_help_is_the_tables_and_exits_0(args):
    done = subprocess.run([sys.executable, "-m", "cloudshell_docker", *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout, done.stderr) == (0, top_help(), "")


def test_every_flag_table_and_preloaded_module_named_exists():
    for command in COMMANDS:
        if command.flags is not None:
            module, _, name = command.flags.partition(":")
            assert getattr(importlib.import_module(module), name), command.name
        for module in command.preload:
            assert importlib.util.find_spec(module) is not None, (command.name, module)


def test_the_server_preloads_what_the_table_names_for_warm_commands():
    from cloudshell_docker.server.serve import preload

    preload()
    for command in COMMANDS:
        if not command.cold:
            assert set(command.preload) <= set(sys.modules), command.name


def test_architecture_gives_every_commands_exit_statuses():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    statuses = text.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    for command in COMMANDS:
        assert f"`{command.name}`" in statuses, command.name
