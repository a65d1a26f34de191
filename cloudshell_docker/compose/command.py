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
from cloudshell_docker.compose.argv import CREATING, parse_compose_args
from cloudshell_docker.compose.model import PendingModel
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.globalopts import GlobalOptions

__all__ = ["HANDLED", "compose_command"]

HANDLED = CREATING | {"build", "exec", "start", "restart"}


def compose_command(prefix: Sequence[str], argv: Sequence[str], global_options: GlobalOptions,
                    environ: Mapping[str, str] | None = None) -> NoReturn:
    """Exec ``docker compose`` with csdocker's additions; raises CsDockerError for everything refused."""
    environ = dict(os.environ if environ is None else environ)
    args = parse_compose_args(argv)
    if args.subcommand not in HANDLED or args.asks_help:
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
