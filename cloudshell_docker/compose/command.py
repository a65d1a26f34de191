"""``csdocker compose`` without error handling: read the project once, add csdocker's override, exec ``docker compose``.

    parse        compose's globals and csdocker's options (``argv``)
    model        ``docker compose ... config --format json``, once, started first (``model``)
    plan         which services get what (``policy``)
    credentials  fetched once per source, before compose starts (MFA prompts then; ``sessions``)
    override     one more compose file in a sealed memfd, the last ``-f /dev/fd/N`` (``override``)
    exec         ``docker compose`` replaces csdocker: its output, errors and exit status are its own

The subcommands that create containers (``up``, ``create``, ``run``, ``scale``, ``watch``) get the
override; ``build`` gets the ``aws``/``aws-config`` BuildKit secrets; ``exec`` gives the exec fresh
credentials (as ``-e NAME``, their values in compose's environment: compose takes an exec's
variables no other way); ``start``/``restart`` make sure a relay service's relay lives; every other
subcommand goes to ``docker compose`` unchanged (the launcher sends most of them there directly).
This module stays light: compose reads the model while the rest (``additions``) is imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import NoReturn

from cloudshell_docker.commands.passthrough import exec_docker, require_docker
from cloudshell_docker.compose.argv import CREATING, ComposeArgs, parse_compose_args
from cloudshell_docker.compose.flags import EXEC_TABLE, RUN_TABLE
from cloudshell_docker.compose.model import PendingModel
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.pflag import parse

__all__ = ["HANDLED", "compose_command", "left_to_compose"]

HANDLED = CREATING | {"build", "exec", "start", "restart"}


def left_to_compose(args: ComposeArgs) -> bool:
    """compose answers this command line by itself: a help request, or one it refuses in its own words."""
    if args.subcommand not in HANDLED or args.asks_help:
        return True
    if args.subcommand in ("run", "exec"):
        try:
            parsed = parse(args.args, RUN_TABLE if args.subcommand == "run" else EXEC_TABLE)
        except UsageError:
            return True
        return parsed.given("--help") or not parsed.positionals
    words = args.args[:args.args.index("--")] if "--" in args.args else args.args
    return any(word in ("--help", "-h") for word in words)


def compose_command(prefix: Sequence[str], argv: Sequence[str], global_options: GlobalOptions,
                    environ: Mapping[str, str] | None = None) -> NoReturn:
    """Exec ``docker compose`` with csdocker's additions; raises CsDockerError for everything refused."""
    environ = dict(os.environ if environ is None else environ)
    args = parse_compose_args(argv)
    if left_to_compose(args):
        exec_docker([*prefix, "compose", *args.parsed.kept], environ)
    if "-" in args.files:
        raise UsageError("csdocker compose cannot read a compose file from standard input (-f -): "
                         "compose would be asked for it twice; give it a path")
    docker, _tried = require_docker(environ)
    pending = PendingModel(docker, prefix, args.globals_kept, environ, all_profiles=args.subcommand == "run")
    try:
        from cloudshell_docker.compose.additions import exec_with_additions
    except BaseException:
        pending.cancel()
        raise
    exec_with_additions(args, pending, prefix, global_options, environ)
