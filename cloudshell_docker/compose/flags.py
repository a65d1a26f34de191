"""docker compose's flags as data: its global flags, and those of the subcommands csdocker reads.

From ``docker compose --help`` (Docker Compose v2.40) and its hidden flags (``--verbose``,
``--no-ansi``, ``--workdir``); csdocker only needs each word's kind (flag, value, positional).
csdocker's own options stand with compose's global flags; where an own option's name is a
compose flag (``--profile``, ``--dry-run``) compose's meaning wins, and the own option is
spelled by its alias (``--aws-profile``) or not available here.
"""

from __future__ import annotations

from dataclasses import replace

from cloudshell_docker.options.own import OWN_FLAGS, OwnFlag
from cloudshell_docker.options.pflag import Flag, FlagTable

__all__ = ["COMPOSE_OWN_FLAGS", "EXEC_TABLE", "GLOBAL_TABLE", "RUN_TABLE"]


def _value(name: str, short: str | None = None) -> Flag:
    return Flag(name, short, takes_value=True)


def _bool(name: str, short: str | None = None) -> Flag:
    return Flag(name, short, takes_value=False)


GLOBAL_TABLE = FlagTable((
    _bool("--all-resources"),
    _value("--ansi"),
    _bool("--compatibility"),
    _bool("--dry-run"),
    _value("--env-file"),
    _value("--file", "-f"),
    _value("--parallel"),
    _value("--profile"),
    _value("--progress"),
    _value("--project-directory"),
    _value("--project-name", "-p"),
    _bool("--help", "-h"),
    # hidden
    _bool("--verbose"),
    _bool("--no-ansi"),
    _value("--workdir"),
))

RUN_TABLE = FlagTable((
    _bool("--build"), _value("--cap-add"), _value("--cap-drop"), _bool("--detach", "-d"), _bool("--dry-run"),
    _value("--entrypoint"), _value("--env", "-e"), _value("--env-from-file"), _bool("--interactive", "-i"),
    _value("--label", "-l"), _value("--name"), _bool("--no-TTY", "-T"), _bool("--no-deps"),
    _value("--publish", "-p"), _value("--pull"), _bool("--quiet", "-q"), _bool("--quiet-build"),
    _bool("--quiet-pull"), _bool("--remove-orphans"), _bool("--rm"), _bool("--service-ports", "-P"),
    _bool("--use-aliases"), _value("--user", "-u"), _value("--volume", "-v"), _value("--workdir", "-w"),
    _bool("--tty", "-t"), _bool("--help", "-h"),
))

EXEC_TABLE = FlagTable((
    _bool("--detach", "-d"), _bool("--dry-run"), _value("--env", "-e"), _value("--index"),
    _bool("--no-tty", "-T"), _bool("--privileged"), _value("--user", "-u"), _value("--workdir", "-w"),
    _bool("--interactive", "-i"), _bool("--tty", "-t"), _bool("--help", "-h"),
))


def _compose_own(flag: OwnFlag) -> OwnFlag | None:
    """``flag`` as ``csdocker compose`` takes it: a name compose has is dropped (its alias stays)."""
    names = [name for name in flag.names if GLOBAL_TABLE.by_long(name) is None]
    if not names:
        return None
    return replace(flag, name=names[0], aliases=tuple(names[1:]))


# The dests stay those of OWN_FLAGS, so their CSDOCKER_* variables are read as for every command.
COMPOSE_OWN_FLAGS: tuple[OwnFlag, ...] = tuple(
    own for own in (_compose_own(flag) for flag in OWN_FLAGS) if own is not None
)
