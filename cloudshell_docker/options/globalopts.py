"""docker's global options (``csdocker -H HOST run ...``), split off before the subcommand. Pure.

The docker CLI parses these with pflag, non-interspersed: options up to the
first argument that is not one, which is the subcommand. This follows its
grammar (``--opt=value``, ``--opt value``, ``-Hvalue``, ``-H=value``, grouped
shorthands ``-Dv``, bools with ``=false``, ``--`` ends the options) and its
error wording, so that ``alias docker=csdocker`` parses a command line the
same way docker would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.pflag import Flag, FlagTable, parse

__all__ = ["GLOBAL_FLAGS", "LOG_LEVELS", "GlobalOptions", "check_log_level", "split_global_options"]


@dataclass(frozen=True)
class GlobalOptions:
    """The docker CLI's global options, as given (None: not given)."""

    config: str | None = None  # --config DIR
    context: str | None = None  # -c / --context NAME
    hosts: tuple[str, ...] = ()  # -H / --host (repeatable in docker's parser; more than one is refused later)
    debug: bool = False  # -D
    log_level: str | None = None  # -l / --log-level
    tls: bool | None = None  # --tls (None: not given; DOCKER_TLS decides)
    tlscacert: str | None = None
    tlscert: str | None = None
    tlskey: str | None = None
    tlsverify: bool | None = None  # --tlsverify (None: not given; DOCKER_TLS_VERIFY decides)
    version: bool = False  # -v / --version: handed to the docker CLI


# logrus's level names (docker's --log-level is parsed by logrus.ParseLevel).
LOG_LEVELS = ("panic", "fatal", "error", "warn", "warning", "info", "debug", "trace")


def check_log_level(options: GlobalOptions) -> None:
    """UsageError (exit 1, as docker) for a --log-level that docker would refuse at start-up."""
    level = options.log_level
    if level and level.lower() not in LOG_LEVELS:
        raise UsageError(f"Unable to parse logging level: {level}", exit_code=ExitCode.ERROR)


def _unquote(value: str) -> str:
    # docker's opts.QuotedString (--tlscacert/--tlscert/--tlskey): one pair of
    # matching surrounding quotes is dropped.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# Each value as the parser converted it: a string, or a bool for a boolean flag.
Setter = Callable[[GlobalOptions, Any], GlobalOptions]


# docker's global flags, and how each value lands in GlobalOptions. -h/--help is a global flag
# too: the options end there, and csdocker's own help answers it.
_SETTERS: dict[str, Setter] = {
    "--config": lambda o, v: replace(o, config=str(v)),
    "--context": lambda o, v: replace(o, context=str(v)),
    "--host": lambda o, v: replace(o, hosts=(*o.hosts, str(v))),
    "--log-level": lambda o, v: replace(o, log_level=str(v)),
    "--tlscacert": lambda o, v: replace(o, tlscacert=_unquote(str(v))),
    "--tlscert": lambda o, v: replace(o, tlscert=_unquote(str(v))),
    "--tlskey": lambda o, v: replace(o, tlskey=_unquote(str(v))),
    "--debug": lambda o, v: replace(o, debug=bool(v)),
    "--tls": lambda o, v: replace(o, tls=bool(v)),
    "--tlsverify": lambda o, v: replace(o, tlsverify=bool(v)),
    "--version": lambda o, v: replace(o, version=bool(v)),
}
GLOBAL_FLAGS = FlagTable([
    Flag("--config"), Flag("--context", "-c"), Flag("--host", "-H"), Flag("--log-level", "-l"),
    Flag("--tlscacert"), Flag("--tlscert"), Flag("--tlskey"),
    Flag("--debug", "-D", takes_value=False), Flag("--tls", takes_value=False),
    Flag("--tlsverify", takes_value=False), Flag("--version", "-v", takes_value=False),
])
_HELP = ("--help", "-h")


def split_global_options(argv: Sequence[str]) -> tuple[GlobalOptions, list[str]]:
    """(global options, the rest starting at the subcommand). UsageError for a bad one."""
    parsed = parse(argv, GLOBAL_FLAGS, interspersed=False, stop_before=_HELP)
    options = GlobalOptions()
    for name, value in parsed.converted.items:
        options = _SETTERS[name](options, value)
    return options, list(parsed.positionals)
