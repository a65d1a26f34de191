"""``csdocker pull`` and ``csdocker push`` of ECR private images: the engine API, with a fresh ECR token.

Only what csdocker can do as the docker CLI does is taken over: one ECR private reference,
and the flags in ``TAKEN_OVER``. Any other command line (another registry, ``-a``, ``push
--platform``, content trust, ``--help``, a flag the table does not know) goes to the docker CLI
unchanged, which judges it. csdocker's own credential options (``--role-arn``, ``--profile``,
...) choose the identity the token is asked with.

The output is the docker CLI's: ``Using default tag: latest``, the engine's progress on stdout
(status lines off a terminal), the pulled reference as the last line (``-q``: alone); an error is
one line on stderr and exit status 1 (``cli.exits.guarded`` prints it, by ``cli.exits.TRANSFER_EXITS``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.own import SOURCE_FLAGS, OwnValues
from cloudshell_docker.options.pflag import Flag, FlagTable, ParsedArgs, parse
from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_bool
from cloudshell_docker.options.values.reference import ImageRef, InvalidReference, parse_image
from cloudshell_docker.registry.ecrhost import parse_ecr_host

__all__ = ["PULL_FLAGS", "PUSH_FLAGS", "TAKEN_OVER", "Transfer", "plan_transfer", "transfer_command"]

Command = Literal["pull", "push"]


# docker pull / docker push (CLI 28), as data for the pflag parser.
PULL_FLAGS = FlagTable((
    Flag("--all-tags", "-a", takes_value=False),
    Flag("--disable-content-trust", takes_value=False),
    Flag("--platform"),
    Flag("--quiet", "-q", takes_value=False),
))
PUSH_FLAGS = PULL_FLAGS
# What csdocker does itself; any other flag, given, leaves the command to the docker CLI.
TAKEN_OVER: Mapping[Command, frozenset[str]] = {
    "pull": frozenset({"--quiet", "--disable-content-trust", "--platform"}),
    "push": frozenset({"--quiet", "--disable-content-trust"}),
}
_TABLES: Mapping[Command, FlagTable] = {"pull": PULL_FLAGS, "push": PUSH_FLAGS}
_HELP = ("--help", "-h")


def _own_given(argv: Sequence[str]) -> str | None:
    """The first of csdocker's own options in ``argv`` (as typed, before any ``--``)."""
    for arg in argv:
        if arg == "--":
            return None
        name = arg.partition("=")[0]
        if any(name == flag.name for flag in SOURCE_FLAGS):
            return name
    return None


@dataclass(frozen=True)
class Transfer:
    """A pull or push csdocker makes itself."""

    command: Command
    ref: ImageRef
    quiet: bool
    platform: str | None
    default_tag: bool  # no tag or digest was given: "Using default tag: latest"
    own: OwnValues


def _content_trust(environ: Mapping[str, str]) -> bool:
    try:
        return go_parse_bool(environ.get("DOCKER_CONTENT_TRUST", ""))
    except GoValueError:
        return False


def plan_transfer(command: Command, argv: Sequence[str], environ: Mapping[str, str]) -> Transfer | None:
    """The pull or push csdocker makes itself, or None: hand ``argv`` to the docker CLI.

    UsageError when csdocker's own options are given to a command line it must leave to docker
    (or that docker's grammar refuses: then in pflag's words).
    """
    own = _own_given(argv)
    try:
        parsed = parse(argv, _TABLES[command], own=SOURCE_FLAGS, interspersed=True, stop_before=_HELP)
    except UsageError:
        if own is not None:
            raise
        return None  # the docker CLI says what is wrong, in its words
    transfer = _transfer(command, parsed, environ)
    if transfer is None and own is not None:
        raise UsageError(f"{own} is for csdocker {command} of one ECR private image "
                         f"(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) without -a; "
                         f"this command line goes to the docker CLI, which does not know it")
    return transfer


def _transfer(command: Command, parsed: ParsedArgs, environ: Mapping[str, str]) -> Transfer | None:
    if len(parsed.positionals) != 1 or parsed.positionals[0] in _HELP:
        return None
    taken = TAKEN_OVER[command]
    table = _TABLES[command]
    for name, value in parsed.converted.items:
        flag = table.by_long(name)
        if name not in taken and (flag is None or flag.takes_value or value is True):
            return None  # given, and not csdocker's to do (``-a=false`` is as good as absent)
    # docker's default for --disable-content-trust: not DOCKER_CONTENT_TRUST
    if not parsed.switch("--disable-content-trust", not _content_trust(environ)):
        return None  # signed pulls and pushes are the docker CLI's
    try:
        ref = parse_image(parsed.positionals[0])
    except InvalidReference:
        return None
    if ref is None or parse_ecr_host(ref.domain) is None or (command == "push" and ref.digest):
        return None
    platform = parsed.text("--platform") or environ.get("DOCKER_DEFAULT_PLATFORM", "")
    return Transfer(command=command, ref=ref, quiet=parsed.switch("--quiet"),
                    platform=platform.lower() or None,
                    default_tag=ref.tag is None and ref.digest is None, own=dict(parsed.own))


def _write(fd: int, text: str) -> None:
    data = memoryview(text.encode())
    while data:
        data = data[os.write(fd, data):]


def transfer_command(transfer: Transfer, options: GlobalOptions) -> int:
    """Make the pull or push; 0, or an exception for ``cli.exits.guarded`` to print (EngineError:
    the engine's words, as the docker CLI prints them; any other CsDockerError: csdocker's own)."""
    from cloudshell_docker.credentials.session import credential_session
    from cloudshell_docker.engine.api import Engine
    from cloudshell_docker.engine.connect import connect
    from cloudshell_docker.registry.auth import RegistryAuth
    from cloudshell_docker.run.pull import ProgressDisplay

    environ = dict(os.environ)
    out = sys.stdout.fileno()
    sys.stdout.flush()
    ref = transfer.ref
    if transfer.default_tag and not transfer.quiet:
        _write(out, "Using default tag: latest\n")  # the CLI says so before it asks anyone anything
    session = credential_session(transfer.own, environ, SOURCE_FLAGS)  # every option checked before any network call
    engine = Engine(connect(options, environ))
    # The AWS credentials are fetched only if ECR is asked (a credential helper may win).
    auth = RegistryAuth.from_session(session).for_registry(ref.domain, engine)
    display = ProgressDisplay(None if transfer.quiet else out, is_terminal=os.isatty(out))
    if transfer.command == "pull":
        messages = engine.pull(ref.name, tag=ref.pull_tag, platform=transfer.platform, auth_config=auth)
    else:
        messages = engine.push(ref.name, tag=ref.tag or "latest", auth_config=auth)
    for message in messages:
        display.show(message)
    if transfer.command == "pull" or transfer.quiet:
        _write(out, ref.familiar_string() + "\n")
    return 0
