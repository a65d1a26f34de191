"""The command line: dispatch, and the one place that prints errors and picks exit codes.

Every command csdocker handles itself is an entry of the command table (``cli.table.COMMANDS``):
``main`` splits docker's global options, finds the command, and runs its entry through ``guarded``
with the command's exit-status policy. A command line that is none of csdocker's (``ps``, ``build``
of a builder group, ``pull`` of a Docker Hub image, ``--version``) is handed to the docker CLI
unchanged (``commands.passthrough``), so ``alias docker=csdocker`` is safe. The top-level help is
csdocker's own (``cli.tophelp``, from the table); Typer (``cli.app``) is imported only for ``env``
and ``whoami``: ``run``, ``exec``, the build and the passthrough start without it (start-up time is
a feature).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import NoReturn

from cloudshell_docker.cli.exits import PASSTHROUGH_EXITS, Status, guarded
from cloudshell_docker.cli.table import Call, find_command
from cloudshell_docker.console import print_error
from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.launcher.lazy import defer_charset_detection
from cloudshell_docker.options.globalopts import split_global_options
from cloudshell_docker.stdfds import open_closed_standard_fds

__all__ = ["guarded", "main"]

def _exit(status: Status) -> NoReturn:
    sys.exit(0 if status is None else status)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``csdocker`` entry point."""
    open_closed_standard_fds()  # first, as the docker CLI's runtime does: nothing may take their numbers
    if argv is None:  # the process's own entry (a server's child: the server froze its preload)
        # Start-up time: what is loaded so far lives as long as the process; without this, the
        # collector's full passes over it during the command's imports are ~2% of a cold call.
        gc.freeze()
    defer_charset_detection()  # start-up time: see launcher.lazy
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        options, rest = split_global_options(args)
    except CsDockerError as err:
        print_error(err.message)
        sys.exit(int(err.exit_code))
    if not options.version and (not rest or rest[0].startswith("-")):  # nothing, or docker's -h/--help
        from cloudshell_docker.cli.tophelp import top_help

        sys.stdout.write(top_help())
        sys.exit(0)
    found = None if options.version else find_command(rest)
    if found is not None:
        command, words = found
        call = Call(args, rest, words, options)
        status = guarded(lambda: command.entry(call), command.exits, debug=options.debug)
        if status is not None:
            _exit(status)
    from cloudshell_docker.commands.passthrough import exec_docker

    # Returns only by raising: no docker CLI to hand the command to.
    _exit(guarded(lambda: exec_docker(args), PASSTHROUGH_EXITS, debug=options.debug))
