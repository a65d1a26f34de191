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

from cloudshell_docker.errors import ExitCode, UsageError

__all__ = ["LOG_LEVELS", "GlobalOptions", "check_log_level", "split_global_options"]


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


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def _parse_bool(value: str, label: str) -> bool:
    # Go's strconv.ParseBool, with pflag's wording for a bad value.
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f'invalid argument "{value}" for "{label}" flag: '
                     f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _unquote(value: str) -> str:
    # docker's opts.QuotedString (--tlscacert/--tlscert/--tlskey): one pair of
    # matching surrounding quotes is dropped.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


Setter = Callable[[GlobalOptions, str], GlobalOptions]


@dataclass(frozen=True)
class _Flag:
    name: str
    short: str
    is_bool: bool
    apply: Setter

    @property
    def label(self) -> str:
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"


def _bool_setter(field: str) -> Callable[[_Flag], Setter]:
    def make(flag: _Flag) -> Setter:
        return lambda opts, value: replace(opts, **{field: _parse_bool(value, flag.label)})

    return make


def _flags() -> dict[str, _Flag]:
    flags = [
        _Flag("config", "", False, lambda o, v: replace(o, config=v)),
        _Flag("context", "c", False, lambda o, v: replace(o, context=v)),
        _Flag("host", "H", False, lambda o, v: replace(o, hosts=(*o.hosts, v))),
        _Flag("log-level", "l", False, lambda o, v: replace(o, log_level=v)),
        _Flag("tlscacert", "", False, lambda o, v: replace(o, tlscacert=_unquote(v))),
        _Flag("tlscert", "", False, lambda o, v: replace(o, tlscert=_unquote(v))),
        _Flag("tlskey", "", False, lambda o, v: replace(o, tlskey=_unquote(v))),
    ]
    for name, short, field in (("debug", "D", "debug"), ("tls", "", "tls"), ("tlsverify", "", "tlsverify"),
                               ("version", "v", "version")):
        placeholder = _Flag(name, short, True, lambda o, v: o)
        flags.append(replace(placeholder, apply=_bool_setter(field)(placeholder)))
    return {flag.name: flag for flag in flags}


_BY_NAME = _flags()
_BY_SHORT = {flag.short: flag for flag in _BY_NAME.values() if flag.short}
# docker's -h/--help is a global flag too; it is left in place (with what follows)
# for csdocker's own help to answer.
_HELP_LONG = "help"
_HELP_SHORT = "h"


def split_global_options(argv: Sequence[str]) -> tuple[GlobalOptions, list[str]]:
    """(global options, the rest starting at the subcommand). UsageError for a bad one."""
    options = GlobalOptions()
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return options, args[i + 1:]
        if len(arg) < 2 or not arg.startswith("-"):
            break  # the subcommand (or "-", or ""): options end here
        if arg.startswith("--"):
            name, has_value, value = arg[2:].partition("=")
            if not name or name.startswith(("-", "=")):
                raise UsageError(f"bad flag syntax: {arg}")
            if name == _HELP_LONG:
                break
            flag = _BY_NAME.get(name)
            if flag is None:
                raise UsageError(f"unknown flag: --{name}")
            if not has_value:
                if flag.is_bool:
                    value = "true"
                elif i + 1 < len(args):
                    i += 1
                    value = args[i]
                else:
                    raise UsageError(f"flag needs an argument: {arg}")
            options = flag.apply(options, value)
            i += 1
            continue
        shorthands = arg[1:]
        consumed_next = False
        while shorthands:
            letter = shorthands[0]
            if letter == _HELP_SHORT:
                return options, args[i:]
            flag = _BY_SHORT.get(letter)
            if flag is None:
                raise UsageError(f"unknown shorthand flag: '{letter}' in -{shorthands}")
            if len(shorthands) > 2 and shorthands[1] == "=":
                value, shorthands = shorthands[2:], ""
            elif flag.is_bool:
                value, shorthands = "true", shorthands[1:]
            elif len(shorthands) > 1:
                value, shorthands = shorthands[1:], ""
            elif i + 1 < len(args):
                value, shorthands, consumed_next = args[i + 1], "", True
            else:
                raise UsageError(f"flag needs an argument: '{letter}' in -{shorthands}")
            options = flag.apply(options, value)
        i += 2 if consumed_next else 1
    return options, args[i:]
