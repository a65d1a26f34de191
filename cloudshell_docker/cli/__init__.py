"""The command line: dispatch, and the one place that prints errors and picks exit codes.

``csdocker run``, ``exec``, ``env`` and ``whoami`` are csdocker's, and so are ``pull`` and ``push`` of
an ECR private image (``commands.pullpush``); a build (``build``, ``image build``,
``builder build``, ``buildx build``) is handed to the docker CLI with the credentials as a
BuildKit secret; every other command line is handed to the docker CLI unchanged, so
``alias docker=csdocker`` is safe. Typer (in ``cli.app``) is imported only for ``env``,
``whoami`` and help: ``run``, ``exec``, the build and the passthrough start without it (start-up
time is a feature).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from cloudshell_docker.console import print_docker_error, print_error, print_traceback
from cloudshell_docker.errors import CredentialError, CsDockerError, EngineError, ExitCode, UsageError
from cloudshell_docker.launcher.lazy import defer_charset_detection
from cloudshell_docker.options.globalopts import GlobalOptions, split_global_options
from cloudshell_docker.stdfds import open_closed_standard_fds

__all__ = ["COMMANDS", "build_entry", "exec_entry", "guarded", "guarded_transfer", "main", "may_be_build", "run_entry",
           "transfer_entry"]

COMMANDS = ("run", "exec", "env", "whoami")


def may_be_build(rest: Sequence[str]) -> bool:
    """A cheap first look, so that other commands (``image ls``) import nothing of the build;
    ``build.args.split_build_command`` decides (``buildx [ROOT FLAGS] build``)."""
    return rest[:1] in (["build"], ["buildx"]) or rest[:2] in (["image", "build"], ["builder", "build"])


def _guard(action: Callable[[], int], on_error: Callable[[CsDockerError], int], *, bug_status: ExitCode,
           debug: bool) -> int:
    """Run ``action``; ``on_error`` prints a CsDockerError and picks its status; a bug is one line
    (its traceback only when asked for, redacted) and ``bug_status``."""
    try:
        return action()
    except CsDockerError as err:
        return on_error(err)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as err:
        if debug:
            print_traceback(err)
        print_error(f"internal error: {type(err).__name__}: {err}")
        return int(bug_status)


def guarded(action: Callable[[], int], *, for_run: bool, debug: bool = False, engine_words: bool = False) -> int:
    """Run ``action``; turn every failure into one line on stderr and an exit status.

    For ``run`` an error keeps its own code (125, or docker's 1 for some usage errors);
    ``env`` and ``whoami`` exit 1 when the credentials cannot be had and 2 for bad usage.
    ``debug`` (docker's ``-D``): an internal error (a bug) also shows its traceback, redacted.
    ``engine_words``: an EngineError is printed bare, as the docker command csdocker stands in for
    prints the engine's refusals (``docker exec``: "Error response from daemon: ...").
    """
    def on_error(err: CsDockerError) -> int:
        if engine_words and isinstance(err, EngineError):
            print_docker_error(err.message)
        else:
            print_error(err.message)
        if for_run:
            return int(err.exit_code)
        return int(ExitCode.ERROR if isinstance(err, CredentialError) else ExitCode.USAGE)

    return _guard(action, on_error, bug_status=ExitCode.DOCKER if for_run else ExitCode.ERROR, debug=debug)


def run_entry(argv: list[str], options: GlobalOptions) -> int:
    from cloudshell_docker.run.command import run_command
    from cloudshell_docker.run.signals import take_back_termination_signals

    take_back_termination_signals()

    return guarded(lambda: run_command(argv, options), for_run=True, debug=options.debug)


def build_entry(prefix: list[str], rest: list[str], options: GlobalOptions) -> None:
    """Exec the build (``build``, ``image build``, ``builder build``, ``buildx build``) with the
    credentials as a secret; exit on an error; return when ``rest`` is another command of those words."""
    from cloudshell_docker.build.args import split_build_command

    command = split_build_command(rest)
    if command is None:
        return
    from cloudshell_docker.build.command import build_command

    def action() -> int:
        build_command(prefix, command, options)  # execs the docker CLI, or raises

    sys.exit(guarded(action, for_run=True))


def transfer_entry(command: str, argv: list[str], options: GlobalOptions) -> None:
    """``pull``/``push`` of an ECR private image: made here, then exit; anything else: return."""
    import os

    from cloudshell_docker.commands.pullpush import plan_transfer, transfer_command

    try:
        transfer = plan_transfer(command, argv, os.environ)  # type: ignore[arg-type]
    except CsDockerError as err:
        print_error(err.message)
        sys.exit(int(err.exit_code))
    if transfer is not None:
        from cloudshell_docker.run.signals import take_back_termination_signals

        take_back_termination_signals()
        sys.exit(guarded_transfer(lambda: transfer_command(transfer, options), debug=options.debug))


def guarded_transfer(action: Callable[[], int], *, debug: bool = False) -> int:
    """``guarded`` for ``pull``/``push``: the docker CLI's statuses (1; 125 for a bad flag value), and
    the engine's refusals in its own words, without csdocker's name, as the docker CLI prints them."""
    def on_error(err: CsDockerError) -> int:
        if isinstance(err, EngineError):
            print_docker_error(err.message)
            return int(ExitCode.ERROR)
        print_error(err.message)
        return int(ExitCode.DOCKER if isinstance(err, UsageError) else ExitCode.ERROR)

    return _guard(action, on_error, bug_status=ExitCode.ERROR, debug=debug)


def exec_entry(argv: list[str], options: GlobalOptions) -> int:
    from cloudshell_docker.exec.command import exec_command
    from cloudshell_docker.run.signals import take_back_termination_signals

    take_back_termination_signals()

    return guarded(lambda: exec_command(argv, options), for_run=True, debug=options.debug, engine_words=True)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``csdocker`` entry point."""
    open_closed_standard_fds()  # first, as the docker CLI's runtime does: nothing may take their numbers
    defer_charset_detection()  # start-up time: see launcher.lazy
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        options, rest = split_global_options(args)
    except CsDockerError as err:
        print_error(err.message)
        sys.exit(int(err.exit_code))
    if rest[:2] in (["container", "run"], ["container", "exec"]):
        rest = rest[1:]
    if not options.version and may_be_build(rest):
        build_entry(args[:len(args) - len(rest)], rest, options)  # returns only when it is not a build
    if rest[:2] in (["image", "pull"], ["image", "push"]):
        rest = rest[1:]
    if rest[:1] in (["pull"], ["push"]) and not options.version:
        transfer_entry(rest[0], rest[1:], options)  # returns when docker's CLI is to do it
    if options.version or (rest and rest[0] not in COMMANDS and not rest[0].startswith("-")):
        from cloudshell_docker.commands.passthrough import exec_docker

        try:
            exec_docker(args)  # returns only by raising: no docker CLI to hand the command to
        except CsDockerError as err:
            print_error(err.message)
            sys.exit(int(err.exit_code))
    if rest[:1] == ["run"]:
        # argv goes to the docker-run parser untouched: click would drop a "--"
        # that docker (pflag) would take as a flag's value.
        sys.exit(run_entry(rest[1:], options))
    if rest[:1] == ["exec"]:
        sys.exit(exec_entry(rest[1:], options))
    from cloudshell_docker.cli.app import app

    app(args=rest, obj=options, prog_name="csdocker")
    sys.exit(0)  # not reached: Typer exits
