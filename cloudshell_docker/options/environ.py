"""csdocker's own options from ``CSDOCKER_<OPTION>`` variables: the one place they are read. Pure.

Every own option (``options.own.OWN_FLAGS``) has a variable: ``--role-arn`` is ``CSDOCKER_ROLE_ARN``,
``--no-cache`` is ``CSDOCKER_NO_CACHE``. The rules:

* a flag on the command line wins over its variable;
* an empty variable counts as not set (``CSDOCKER_INJECT= csdocker run ...`` turns a default off);
* a switch takes Go's ParseBool words (``1 t T TRUE true True 0 f F FALSE false False``), as
  docker's own boolean variables do;
* a repeatable option (``--tag``, ``--policy-arn``) holds a comma-separated list (items trimmed,
  empty items dropped: no ARN and no STS tag may hold a comma, while a tag value may hold spaces),
  and the option given on the command line REPLACES the variable's list rather than adding to it:
  a command line must be able to say exactly which tags a session gets without unsetting anything;
* a value that cannot be right (an unknown ``--source``, a switch that is not a boolean) is an
  error naming the variable; later checks of a value that came from a variable name it too
  (``attributed``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import CHOICES, OWN_FLAGS, OwnFlag, OwnValue
from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_bool

__all__ = ["PREFIX", "Merged", "attributed", "merge_own", "variable_for"]

PREFIX = "CSDOCKER_"


_NAME_BY_DEST = {flag.dest: flag.name for flag in OWN_FLAGS}


def variable_for(flag: OwnFlag) -> str:
    """``--role-arn`` -> ``CSDOCKER_ROLE_ARN``; by the option's first name, whatever a command spells it
    (build's ``--no-sts-cache`` is ``CSDOCKER_NO_CACHE``)."""
    return PREFIX + _NAME_BY_DEST.get(flag.dest, flag.name).removeprefix("--").replace("-", "_").upper()


@dataclass(frozen=True)
class Merged:
    """Own option values (by ``OwnFlag.dest``), and for those read from a variable, its name."""

    values: dict[str, OwnValue] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # dest -> "CSDOCKER_..."


def _from_variable(flag: OwnFlag, name: str, text: str) -> OwnValue:
    if not flag.takes_value:
        try:
            return go_parse_bool(text)
        except GoValueError:
            raise UsageError(f"invalid value {text!r} for {name}: expected a boolean "
                             "(1, t, true, TRUE, True, 0, f, false, FALSE, False)") from None
    choices = CHOICES.get(flag.dest)
    if choices is not None and text not in choices:
        raise UsageError(f"invalid value {text!r} for {name}: expected one of {', '.join(choices)}")
    if flag.repeatable:
        return tuple(item.strip() for item in text.split(",") if item.strip())
    return text


def merge_own(
    given: Mapping[str, OwnValue],
    environ: Mapping[str, str],
    flags: Sequence[OwnFlag] = OWN_FLAGS,
) -> Merged:
    """The command line's own values over the variables' (UsageError naming a bad variable)."""
    values: dict[str, OwnValue] = {}
    origins: dict[str, str] = {}
    for flag in flags:
        if flag.dest in given:
            values[flag.dest] = given[flag.dest]
            continue
        name = variable_for(flag)
        text = environ.get(name, "")
        if not text:
            continue
        values[flag.dest] = _from_variable(flag, name, text)
        origins[flag.dest] = name
    return Merged(values, origins)


@contextlib.contextmanager
def attributed(origins: Mapping[str, str], flags: Sequence[OwnFlag] = OWN_FLAGS) -> Iterator[None]:
    """Checks made inside name the variable when the option they complain of came from one:
    ``invalid --duration 'x'`` becomes ``invalid --duration 'x' (from CSDOCKER_DURATION)``."""
    try:
        yield
    except UsageError as err:
        by_dest = {flag.dest: flag for flag in flags}
        message = err.message
        for dest, variable in origins.items():
            flag = by_dest.get(dest)
            if flag is not None and _mentions(message, flag.name):
                err.args = (f"{message} (from {variable})",)
                break
        raise


def _mentions(message: str, option: str) -> bool:
    start = message.find(option)
    while start >= 0:
        end = start + len(option)
        if end == len(message) or not (message[end].isalnum() or message[end] == "-"):
            return True
        start = message.find(option, end)
    return False
