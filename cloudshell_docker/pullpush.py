"""``csdocker pull`` and ``csdocker push`` of ECR private images: the engine API, with a fresh ECR token.

Only what csdocker can do as the docker CLI does is taken over: one ECR private reference,
and the flags in ``TAKEN_OVER``. Any other command line (another registry, ``-a``, ``push
--platform``, content trust, ``--help``, a flag the table does not know) goes to the docker CLI
unchanged, which judges it. csdocker's own credential options (``--role-arn``, ``--profile``,
...) choose the identity the token is asked with.

The output is the docker CLI's: ``Using default tag: latest``, the engine's progress on stdout
(status lines off a terminal), the pulled reference as the last line (``-q``: alone); an error is
one line on stderr and exit status 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode, UsageError
from cloudshell_docker.globalopts import GlobalOptions
from cloudshell_docker.imageref import ImageRef, InvalidReference, parse_image
from cloudshell_docker.options import OWN_FLAGS, OwnFlag, source_options
from cloudshell_docker.redact import redact
from cloudshell_docker.registry.ecrhost import parse_ecr_host

__all__ = ["PULL_FLAGS", "PUSH_FLAGS", "TAKEN_OVER", "Flag", "Transfer", "plan_transfer", "transfer_command"]

Command = Literal["pull", "push"]


@dataclass(frozen=True)
class Flag:
    name: str  # long form
    short: str | None  # the one letter of -X
    takes_value: bool
    dest: str


# docker pull / docker push (CLI 28), as data.
PULL_FLAGS = (
    Flag("--all-tags", "a", False, "all_tags"),
    Flag("--disable-content-trust", None, False, "disable_content_trust"),
    Flag("--platform", None, True, "platform"),
    Flag("--quiet", "q", False, "quiet"),
)
PUSH_FLAGS = PULL_FLAGS
# What csdocker does itself; a flag outside this set, given, leaves the command to the docker CLI.
TAKEN_OVER: Mapping[Command, frozenset[str]] = {
    "pull": frozenset({"quiet", "disable_content_trust", "platform"}),
    "push": frozenset({"quiet", "disable_content_trust"}),
}
_TABLES: Mapping[Command, tuple[Flag, ...]] = {"pull": PULL_FLAGS, "push": PUSH_FLAGS}
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_OWN = tuple(flag for flag in OWN_FLAGS if not flag.run_only)


@dataclass
class _Parsed:
    flags: dict[str, str | bool] = field(default_factory=dict)
    own: dict[str, str | bool | tuple[str, ...]] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)
    own_seen: list[str] = field(default_factory=list)
    docker_judges: bool = False  # something only docker's own parser can answer (help, odd syntax)


def _bool(text: str) -> bool | None:
    return True if text in _TRUE else False if text in _FALSE else None


def _set_own(parsed: _Parsed, flag: OwnFlag, value: str | bool) -> None:
    parsed.own_seen.append(flag.name)
    if flag.repeatable:
        previous = parsed.own.get(flag.dest, ())
        parsed.own[flag.dest] = (*(previous if isinstance(previous, tuple) else ()), str(value))
    else:
        parsed.own[flag.dest] = value


def _split(argv: Sequence[str], table: tuple[Flag, ...]) -> _Parsed:
    """pflag's reading of ``argv`` (interspersed, as cobra's default), with csdocker's own options."""
    longs = {flag.name: flag for flag in table}
    shorts = {flag.short: flag for flag in table if flag.short}
    owns = {flag.name: flag for flag in _OWN}
    parsed = _Parsed()
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            parsed.positionals.extend(args[i:])
            break
        if not arg.startswith("-") or arg == "-":
            parsed.positionals.append(arg)
            continue
        if arg.startswith("--"):
            name, has_value, value = arg.partition("=")
            flag = longs.get(name) or owns.get(name)
            if flag is None:
                parsed.docker_judges = True  # --help, an unknown flag: docker's words
                continue
            if flag.takes_value:
                if not has_value:
                    if i >= len(args):
                        parsed.docker_judges = True
                        continue
                    value = args[i]
                    i += 1
                setting: str | bool = value
            else:
                truth = _bool(value) if has_value else True
                if truth is None:
                    parsed.docker_judges = True
                    continue
                setting = truth
            if isinstance(flag, OwnFlag):
                _set_own(parsed, flag, setting)
            else:
                parsed.flags[flag.dest] = setting
            continue
        cluster = arg[1:]
        if all(char in shorts and not shorts[char].takes_value for char in cluster):
            for char in cluster:
                parsed.flags[shorts[char].dest] = True
        else:
            parsed.docker_judges = True  # -h, -q=false, an unknown shorthand
    return parsed


@dataclass(frozen=True)
class Transfer:
    """A pull or push csdocker makes itself."""

    command: Command
    ref: ImageRef
    quiet: bool
    platform: str | None
    default_tag: bool  # no tag or digest was given: "Using default tag: latest"
    own: Mapping[str, str | bool | tuple[str, ...]]


def _content_trust(environ: Mapping[str, str]) -> bool:
    return _bool(environ.get("DOCKER_CONTENT_TRUST", "")) is True


def plan_transfer(command: Command, argv: Sequence[str], environ: Mapping[str, str]) -> Transfer | None:
    """The pull or push csdocker makes itself, or None: hand ``argv`` to the docker CLI.

    UsageError when csdocker's own options are given to a command line it must leave to docker.
    """
    parsed = _split(argv, _TABLES[command])
    transfer = _transfer(command, parsed, environ)
    if transfer is None and parsed.own_seen:
        raise UsageError(f"{parsed.own_seen[0]} is for csdocker {command} of one ECR private image "
                         f"(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) without -a; "
                         f"this command line goes to the docker CLI, which does not know it")
    return transfer


def _transfer(command: Command, parsed: _Parsed, environ: Mapping[str, str]) -> Transfer | None:
    if parsed.docker_judges or len(parsed.positionals) != 1:
        return None
    if any(value is not False for dest, value in parsed.flags.items() if dest not in TAKEN_OVER[command]):
        return None
    if _content_trust(environ) and not parsed.flags.get("disable_content_trust"):
        return None  # signed pulls and pushes are the docker CLI's
    try:
        ref = parse_image(parsed.positionals[0])
    except InvalidReference:
        return None
    if ref is None or parse_ecr_host(ref.domain) is None or (command == "push" and ref.digest):
        return None
    platform = parsed.flags.get("platform") or environ.get("DOCKER_DEFAULT_PLATFORM") or None
    return Transfer(command=command, ref=ref, quiet=bool(parsed.flags.get("quiet")),
                    platform=str(platform).lower() if platform else None,
                    default_tag=ref.tag is None and ref.digest is None, own=dict(parsed.own))


def _write(fd: int, text: str) -> None:
    data = memoryview(text.encode())
    while data:
        data = data[os.write(fd, data):]


def _run(transfer: Transfer, options: GlobalOptions) -> int:
    from cloudshell_docker.credentials import select_source
    from cloudshell_docker.engine.api import Engine
    from cloudshell_docker.engine.connect import connect
    from cloudshell_docker.pull import ProgressDisplay
    from cloudshell_docker.redact import register_secret
    from cloudshell_docker.registry.auth import RegistryAuth

    environ = dict(os.environ)
    out = sys.stdout.fileno()
    sys.stdout.flush()
    ref = transfer.ref
    if transfer.default_tag and not transfer.quiet:
        _write(out, "Using default tag: latest\n")  # the CLI says so before it asks anyone anything
    source_opts = source_options(transfer.own)
    source = select_source(source_opts, environ)  # every option checked before any network call
    engine = Engine(connect(options, environ))

    def credentials():  # noqa: ANN202 - a closure: the AWS credentials, fetched only if ECR is asked
        creds = source.fetch()
        register_secret(creds.secret_access_key)
        register_secret(creds.session_token)
        return creds

    auth = RegistryAuth(credentials, profile=source_opts.profile).for_registry(ref.domain, engine)
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


def transfer_command(transfer: Transfer, options: GlobalOptions) -> int:
    """Make the pull or push; return the docker CLI's exit status for it. Errors: one line on stderr
    (the engine's words as the docker CLI prints them; csdocker's own with its name)."""
    try:
        return _run(transfer, options)
    except EngineError as err:
        sys.stderr.write(redact(err.message) + "\n")
    except CsDockerError as err:
        sys.stderr.write(f"csdocker: {redact(err.message)}\n")
        if isinstance(err, UsageError):
            return int(ExitCode.DOCKER)  # docker's status for a bad flag value
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as err:  # a bug: still one line, never a traceback that could hold a secret
        sys.stderr.write(f"csdocker: internal error: {type(err).__name__}: {redact(str(err))}\n")
    sys.stderr.flush()
    return int(ExitCode.ERROR)
