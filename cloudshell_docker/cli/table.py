"""The command table: every command csdocker handles itself, one entry each, as data.

Dispatch (``cli.main``), the top-level help (``cli.tophelp``), the command server's preload
(``server.serve.preload``) and the launcher's routing list (``launcher/csdocker``'s ``own_commands``,
held against this table by tests/unit/test_command_table.py) all follow from it. An entry says:

* ``name`` and ``words``: every spelling of the command (``container run`` is ``run``); ``claims``:
  further first words its entry looks at and may decline (``buildx --builder B build`` is a build,
  ``buildx ls`` is not);
* ``entry``: the function that does it, imported only when it is called (start-up time is a
  feature: ``run`` loads nothing of Typer or of the build); it returns the exit status, or None
  when the command line is not csdocker's after all (``pull`` of a Docker Hub image): the docker
  CLI gets it unchanged;
* ``flags``: where its flag table lives (``module:NAME``, for the reader and a test);
* ``exits``: its exit-status policy (``cli.exits.ExitPolicy``), which ``cli.exits.guarded`` applies to
  every error;
* ``cold``: whether the launcher must run it in a Python of its own, never in a command server's
  child (a build replaces itself by the docker CLI, which must be the very process the caller started);
* ``preload``: what the command server imports ahead so that its children start with it loaded.

Adding a command: one ``Command`` here, and its words in the launcher's list (the test names the line).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cloudshell_docker.cli.exits import EXEC_EXITS, QUERY_EXITS, RUN_EXITS, TRANSFER_EXITS, ExitPolicy
from cloudshell_docker.options.globalopts import GlobalOptions

__all__ = ["COMMANDS", "Call", "Command", "find_command", "launcher_words"]


@dataclass(frozen=True)
class Call:
    """One command line: all of it (``args``), from the command's words on (``rest``), the words' count."""

    args: Sequence[str]
    rest: Sequence[str]
    words: int
    options: GlobalOptions

    @property
    def argv(self) -> list[str]:
        """What follows the command's words."""
        return list(self.rest[self.words:])

    @property
    def prefix(self) -> list[str]:
        """The global options before the command, as typed."""
        return list(self.args[:len(self.args) - len(self.rest)])


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[tuple[str, ...], ...]
    summary: str
    entry: Callable[[Call], int | None]
    flags: str | None
    exits: ExitPolicy
    cold: bool = False
    preload: tuple[str, ...] = ()
    claims: tuple[tuple[str, ...], ...] = ()


def _run(call: Call) -> int:
    from cloudshell_docker.attach.signals import take_back_termination_signals
    from cloudshell_docker.run.command import run_command

    take_back_termination_signals()  # as the docker CLI's main asks for INT and TERM at its start

    # argv goes to the docker-run parser untouched: click would drop a "--" that pflag takes as a value.
    return run_command(call.argv, call.options)


def _exec(call: Call) -> int:
    from cloudshell_docker.attach.signals import take_back_termination_signals
    from cloudshell_docker.exec.command import exec_command

    take_back_termination_signals()

    return exec_command(call.argv, call.options)


def _build(call: Call) -> int | None:
    from cloudshell_docker.imagebuild.args import split_build_command

    command = split_build_command(call.rest)
    if command is None:
        return None  # another command of those words (``buildx ls``)
    from cloudshell_docker.imagebuild.command import build_command

    build_command(call.prefix, command, call.options)  # execs the docker CLI, or raises


def _transfer(call: Call) -> int | None:
    import os

    from cloudshell_docker.commands.pullpush import plan_transfer, transfer_command

    name = call.rest[call.words - 1]
    transfer = plan_transfer("pull" if name == "pull" else "push", call.argv, os.environ)
    if transfer is None:
        return None  # not an ECR private image, or a flag csdocker does not take over
    from cloudshell_docker.attach.signals import take_back_termination_signals

    take_back_termination_signals()
    return transfer_command(transfer, call.options)


def _compose(call: Call) -> int:
    from cloudshell_docker.compose.command import compose_command
    from cloudshell_docker.compose.model import ComposeRefused

    try:
        compose_command(call.prefix, call.argv, call.options)  # execs docker compose, or raises
    except ComposeRefused as refused:
        return refused.status  # compose's own refusal of the project: its words (printed) and status


def _typer(call: Call) -> int:
    from cloudshell_docker.cli.app import app

    app(args=list(call.rest), obj=call.options, prog_name="csdocker")  # Typer exits
    return 0


_ENGINE = ("cloudshell_docker.engine.api", "cloudshell_docker.engine.connect",
           "cloudshell_docker.credentials.container", "cloudshell_docker.credentials.mfa")

COMMANDS: tuple[Command, ...] = (
    Command("run", (("run",), ("container", "run")),
            "Run a container with the AWS credentials injected",
            _run, "cloudshell_docker.run.flags:RUN_FLAGS", RUN_EXITS,
            preload=(*_ENGINE, "cloudshell_docker.run.command", "cloudshell_docker.run.runner",
                     "cloudshell_docker.attach.terminal", "cloudshell_docker.registry.ecr",
                     "cloudshell_docker.options.values.mounts", "cloudshell_docker.options.values.jsoncompact")),
    Command("exec", (("exec",), ("container", "exec")),
            "Run a command in a running container with fresh credentials",
            _exec, "cloudshell_docker.exec.flags:EXEC_FLAGS", EXEC_EXITS,
            preload=(*_ENGINE, "cloudshell_docker.exec.command")),
    Command("build", (("build",), ("image", "build"), ("builder", "build"), ("buildx", "build")),
            "The docker CLI's BuildKit build, the credentials as build secrets",
            _build, "cloudshell_docker.imagebuild.flags:BUILD_TABLE", RUN_EXITS, cold=True, claims=(("buildx",),)),
    Command("pull", (("pull",), ("image", "pull")),
            "Pull an ECR private image with a fresh ECR token",
            _transfer, "cloudshell_docker.commands.pullpush:PULL_FLAGS", TRANSFER_EXITS,
            preload=("cloudshell_docker.commands.pullpush",)),
    Command("push", (("push",), ("image", "push")),
            "Push an ECR private image with a fresh ECR token",
            _transfer, "cloudshell_docker.commands.pullpush:PUSH_FLAGS", TRANSFER_EXITS,
            preload=("cloudshell_docker.commands.pullpush",)),
    Command("env", (("env",),),
            'Print the credentials as export lines: eval "$(csdocker env)"',
            _typer, "cloudshell_docker.options.own:SOURCE_FLAGS", QUERY_EXITS),
    Command("whoami", (("whoami",),),
            "Show who the credentials are: identity, source, region, expiry",
            _typer, "cloudshell_docker.options.own:SOURCE_FLAGS", QUERY_EXITS),
    Command("compose", (("compose",),),
            "Docker Compose, every service given AWS credentials (relay mode: kept fresh)",
            _compose, "cloudshell_docker.compose.flags:GLOBAL_TABLE", RUN_EXITS, cold=True),
)


def find_command(rest: Sequence[str]) -> tuple[Command, int] | None:
    """The command ``rest`` (the command line after docker's global options) starts with, and how many
    of its words name it; None: the docker CLI's."""
    for command in COMMANDS:
        for words in (*command.words, *command.claims):
            if tuple(rest[:len(words)]) == words:
                return command, len(words)
    return None


def launcher_words() -> list[str]:
    """Every spelling of every command, as the launcher lists them (``container run``)."""
    return [" ".join(words) for command in COMMANDS for words in command.words]
