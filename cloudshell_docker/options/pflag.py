"""docker's flag syntax (spf13/pflag, as the docker CLI configures it): one parser, a table per command. Pure.

    parse(argv, table, own=OWN_FLAGS, interspersed=False) -> ParsedArgs

The grammar: ``--flag=value``, ``--flag value``, ``-e=X``, ``-eX``, ``-e X``, clusters such as
``-itd`` (a value flag inside a cluster takes the rest of the word, or the next one), booleans
given bare or as ``=true``/``=false``, ``--`` ending the options, and a value flag taking the
next word whatever it looks like (``-e --rm`` sets a variable called ``--rm``). A word that is
not a flag (or is ``-`` or empty) is a positional argument: with ``interspersed=False`` (``run``,
``exec``, docker's global options) the options end there, with ``interspersed=True`` (``build``,
``pull``, ``push``) parsing goes on after it. Each value is checked the moment it is typed, as
pflag's ``Set`` does, so the first bad one fails with the CLI's words.

csdocker's own options (long form only, by name or alias, ``options.own.OWN_FLAGS``) may stand wherever a flag may;
they are taken out of ``kept``, the command line as the docker CLI should see it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import OwnFlag, OwnValue, OwnValues
from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_bool, go_quote, go_quote_rune

__all__ = ["Flag", "FlagLike", "FlagTable", "FlagValues", "ParsedArgs", "parse"]

_T = TypeVar("_T")

class FlagLike(Protocol):
    """What the parser needs to know of a command's flag (a row of its table)."""

    @property
    def name(self) -> str: ...  # the canonical long spelling: "--env"

    @property
    def short(self) -> str | None: ...  # "-e", or None

    @property
    def aliases(self) -> tuple[str, ...]: ...  # hidden long spellings: ("--net",)

    @property
    def takes_value(self) -> bool: ...

    def check(self, value: str) -> Any:
        """pflag's Set: convert ``value``, or GoValueError with the CLI's words."""
        ...


@dataclass(frozen=True)
class Flag:
    """A plain flag row, for commands whose values csdocker only needs to read, not translate."""

    name: str
    short: str | None = None
    takes_value: bool = True
    aliases: tuple[str, ...] = ()
    convert: Callable[[str], Any] | None = None  # None: any string (a bool flag: Go's ParseBool)

    def check(self, value: str) -> Any:
        if self.convert is not None:
            return self.convert(value)
        return value if self.takes_value else go_parse_bool(value)


def display(flag: FlagLike) -> str:
    """How pflag names a flag in an error: ``-e, --env`` or ``--rm``."""
    return f"{flag.short}, {flag.name}" if flag.short else flag.name


class FlagTable:
    """A command's flags, looked up by any spelling."""

    def __init__(self, flags: Iterable[FlagLike]) -> None:
        self.flags: tuple[FlagLike, ...] = tuple(flags)
        self._long: dict[str, FlagLike] = {}
        self._short: dict[str, FlagLike] = {}
        for flag in self.flags:
            for spelling in (flag.name, *flag.aliases):
                self._long[spelling] = flag
            if flag.short:
                self._short[flag.short] = flag

    def by_long(self, spelled: str) -> FlagLike | None:
        """The flag spelled ``spelled`` (``--env``, or a hidden alias such as ``--net``)."""
        return self._long.get(spelled)

    def by_short(self, spelled: str) -> FlagLike | None:
        """The flag whose shorthand is ``spelled`` (``-e``)."""
        return self._short.get(spelled)

    def names(self) -> frozenset[str]:
        """Every long spelling (canonical and aliases)."""
        return frozenset(self._long)


@dataclass(frozen=True)
class FlagValues:
    """A command line's flags as their ``check`` (pflag's ``Set``) converted them, in the order typed:
    (canonical long name, value). Converted once, when parsed; every command reads them here, with
    the typed readers below (a reader of the wrong type for a flag is a bug: TypeError)."""

    items: tuple[tuple[str, Any], ...] = ()

    def given(self, name: str) -> bool:
        return any(flag == name for flag, _ in self.items)

    def all(self, name: str) -> list[Any]:
        """Every value of ``name``, in order (a list flag's entries)."""
        return [value for flag, value in self.items if flag == name]

    def last(self, name: str) -> Any:
        """The value given last (pflag: the last one wins); None when not given."""
        values = self.all(name)
        return values[-1] if values else None

    def _typed(self, name: str, default: _T, kind: type[_T]) -> _T:
        if not self.given(name):
            return default
        value = self.last(name)
        if not isinstance(value, kind):
            raise TypeError(f"{name} converts to {type(value).__name__}, not {kind.__name__}")
        return value

    def switch(self, name: str, default: bool = False) -> bool:
        """A boolean flag's setting (``--rm``, ``--rm=false``, ``-d=0``); ``default`` when not given."""
        return self._typed(name, default, bool)

    def text(self, name: str, default: str = "") -> str:
        """A string flag's last value; ``default`` when not given."""
        return self._typed(name, default, str)

    def number(self, name: str, default: int = 0) -> int:
        """A flag converted to a number (bytes, nanoseconds, a count); ``default`` when not given."""
        return self._typed(name, default, int)

    def texts(self, name: str) -> list[str]:
        """Every value of a string list flag (``-e``, ``-v``), in order."""
        values = self.all(name)
        if not all(isinstance(value, str) for value in values):
            raise TypeError(f"{name} does not convert to strings")
        return values


@dataclass(frozen=True)
class ParsedArgs:
    """A command line split by the grammar: the flags as typed (``flags``) and as converted (``converted``).

    ``flags``: the command's flags in the order typed, as (canonical long name, value), the value
    being the string given, or True for a boolean given bare. ``own``: csdocker's options by
    ``OwnFlag.dest`` (a repeatable one as a tuple). ``kept``: argv without csdocker's options, exactly
    as typed (what the docker CLI is to be given). ``positionals``: the arguments that are not flags
    (for a non-interspersed command: the first one and everything after it).
    """

    flags: tuple[tuple[str, str | bool], ...] = ()
    own: OwnValues = field(default_factory=dict)
    kept: tuple[str, ...] = ()
    positionals: tuple[str, ...] = ()
    converted: FlagValues = field(default_factory=FlagValues)

    def given(self, name: str) -> bool:
        return any(flag == name for flag, _ in self.flags)

    def values(self, name: str) -> list[str | bool]:
        """The values of ``name`` as typed."""
        return [value for flag, value in self.flags if flag == name]

    def last(self, name: str) -> Any:
        """The converted value given last; None when not given."""
        return self.converted.last(name)

    def all(self, name: str) -> list[Any]:
        return self.converted.all(name)

    def switch(self, name: str, default: bool = False) -> bool:
        return self.converted.switch(name, default)

    def text(self, name: str, default: str = "") -> str:
        return self.converted.text(name, default)


def _invalid(value: str, shown: str, err: GoValueError) -> UsageError:
    return UsageError(f"invalid argument {go_quote(value)} for {go_quote(shown)} flag: {err}")


class _Parser:
    def __init__(self, table: FlagTable, own: Sequence[OwnFlag], stop_before: Collection[str]) -> None:
        self.table = table
        self.own_by_name = {name: flag for flag in own for name in flag.names}
        self.stop_before = stop_before
        self.flags: list[tuple[str, str | bool]] = []
        self.converted: list[tuple[str, Any]] = []
        self.own: dict[str, OwnValue] = {}
        self.kept: list[str] = []

    def set_flag(self, flag: FlagLike, spelled: str, value: str | bool) -> None:
        shown = display(flag) if spelled in (flag.name, flag.short) else spelled
        text = "true" if value is True else str(value)
        try:
            converted = flag.check(text)
        except GoValueError as err:
            raise _invalid(text, shown, err) from None
        self.flags.append((flag.name, value))
        self.converted.append((flag.name, converted))

    def set_own(self, flag: OwnFlag, value: str | bool) -> None:
        if not flag.takes_value:
            text = "true" if value is True else str(value)
            try:
                value = go_parse_bool(text)
            except GoValueError as err:
                raise _invalid(text, flag.name, err) from None
        if flag.repeatable:
            previous = self.own.get(flag.dest, ())
            self.own[flag.dest] = (*(previous if isinstance(previous, tuple) else ()), str(value))
        else:
            self.own[flag.dest] = value

    def long(self, arg: str, rest: list[str]) -> None:
        """``--name``, ``--name=value``, ``--name value``; ``rest`` is consumed in place."""
        body = arg[2:]
        if not body or body[0] in "-=":
            raise UsageError(f"bad flag syntax: {arg}")
        name, has_value, inline = body.partition("=")
        spelled = "--" + name
        own = self.own_by_name.get(spelled)
        flag = self.table.by_long(spelled)
        if own is None and flag is None:
            raise UsageError(f"unknown flag: {spelled}")
        takes_value = own.takes_value if own is not None else flag is not None and flag.takes_value
        consumed = [arg]
        value: str | bool
        if has_value:
            value = inline
        elif not takes_value:
            value = True
        elif rest:
            value = rest.pop(0)
            consumed.append(value)
        else:
            raise UsageError(f"flag needs an argument: {arg}")
        if own is not None:
            self.set_own(own, value)
            return
        assert flag is not None
        self.set_flag(flag, spelled, value)
        self.kept.extend(consumed)

    def short(self, arg: str, rest: list[str]) -> None:
        """A cluster such as ``-itd``, ``-e=X``, ``-eX``, ``-p8080:80`` or ``-e X``."""
        self.kept.append(arg)
        shorthands = arg[1:]
        while shorthands:
            char = shorthands[0]
            flag = self.table.by_short("-" + char)
            if flag is None:
                raise UsageError(f"unknown shorthand flag: {go_quote_rune(char)} in -{shorthands}")
            value: str | bool
            if len(shorthands) > 2 and shorthands[1] == "=":
                value, shorthands = shorthands[2:], ""
            elif not flag.takes_value:
                value, shorthands = True, shorthands[1:]
            elif len(shorthands) > 1:
                value, shorthands = shorthands[1:], ""
            elif rest:
                value, shorthands = rest.pop(0), ""
                self.kept.append(value)
            else:
                raise UsageError(f"flag needs an argument: {go_quote_rune(char)} in -{shorthands}")
            self.set_flag(flag, "-" + char, value)

    def stops_at(self, arg: str) -> bool:
        """``arg`` is a flag the caller handles itself (docker's global ``--help``/``-h``): options end there."""
        if arg.startswith("--"):
            return arg.partition("=")[0] in self.stop_before
        return any(f"-{char}" in self.stop_before for char in self._cluster_before_a_value(arg[1:]))

    def _cluster_before_a_value(self, shorthands: str) -> str:
        letters = ""
        for index, char in enumerate(shorthands):
            letters += char
            flag = self.table.by_short("-" + char)
            if flag is None or flag.takes_value or shorthands[index + 1: index + 2] == "=":
                break
        return letters


def parse(
    argv: Sequence[str],
    table: FlagTable,
    *,
    own: Sequence[OwnFlag] = (),
    interspersed: bool = False,
    stop_before: Collection[str] = (),
) -> ParsedArgs:
    """Split ``argv`` by pflag's grammar with ``table``; UsageError (the CLI's words) for a bad flag.

    ``stop_before``: spellings (``--help``, ``-h``) at which the options end, that word included in
    the positionals, for a caller that answers them itself.
    """
    shadowed = sorted(table.names() & {name for flag in own for name in flag.names})
    if shadowed:
        raise ValueError(f"csdocker options shadow the command's own flags: {', '.join(shadowed)}")
    parser = _Parser(table, own, stop_before)
    rest = list(argv)
    positionals: list[str] = []
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            parser.kept.append(arg)
            positionals.extend(rest)
            parser.kept.extend(rest)
            break
        if arg == "" or arg[0] != "-" or arg == "-" or (stop_before and parser.stops_at(arg)):
            if not interspersed:
                positionals.extend([arg, *rest])
                parser.kept.extend([arg, *rest])
                break
            positionals.append(arg)
            parser.kept.append(arg)
            continue
        if arg.startswith("--"):
            parser.long(arg, rest)
        else:
            parser.short(arg, rest)
    return ParsedArgs(flags=tuple(parser.flags), own=dict(parser.own), kept=tuple(parser.kept),
                      positionals=tuple(positionals), converted=FlagValues(tuple(parser.converted)))
