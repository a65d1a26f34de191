"""argv of ``csdocker run`` -> ParsedRun. Pure: no daemon, no files, no environment.

The syntax is pflag's, as the docker CLI configures it for ``run`` (options stop at
the first argument that is not a flag): ``--flag=value``, ``--flag value``,
``-e=X``, ``-eX``, clusters such as ``-itd``, booleans with ``=true``/``=false``,
``--`` ending the options, and a value flag taking the next word whatever it
looks like (``-e --rm`` sets an environment variable called ``--rm``).
csdocker's own options (options.OWN_FLAGS, long only) may appear anywhere before IMAGE.
Each docker flag value is checked as pflag checks it, so the first bad one
fails with the CLI's words.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.own import OwnFlag, own_flag
from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_bool, go_quote, go_quote_rune
from cloudshell_docker.run.flags import DockerFlag, by_long_name, by_short_name
from cloudshell_docker.run.spec import ParsedRun

__all__ = ["parse_run_args"]


def _invalid(value: str, display: str, err: GoValueError) -> UsageError:
    return UsageError(f"invalid argument {go_quote(value)} for {go_quote(display)} flag: {err}")


class _Parser:
    def __init__(self) -> None:
        self.flags: list[tuple[str, str | bool]] = []
        self.own: dict[str, str | bool | tuple[str, ...]] = {}
        self.docker_args: list[str] = []

    def set_docker(self, flag: DockerFlag, spelled: str, value: str | bool) -> None:
        """pflag's Set: check the value now, keep it as typed."""
        display = flag.display if spelled in (flag.name, flag.short) else spelled
        text = "true" if value is True else str(value)
        try:
            flag.kind.convert(text)
        except GoValueError as err:
            raise _invalid(text, display, err) from None
        self.flags.append((flag.name, value))

    def set_own(self, flag: OwnFlag, value: str | bool) -> None:
        if not flag.takes_value:
            text = "true" if value is True else str(value)
            try:
                value = go_parse_bool(text)
            except GoValueError as err:
                raise _invalid(text, flag.name, err) from None
        if flag.repeatable:
            previous = self.own.get(flag.dest, ())
            assert isinstance(previous, tuple)
            self.own[flag.dest] = (*previous, str(value))
        else:
            self.own[flag.dest] = value

    def long(self, arg: str, rest: list[str]) -> None:
        """``--name``, ``--name=value``, ``--name value``; ``rest`` is consumed in place."""
        body = arg[2:]
        if not body or body[0] in "-=":
            raise UsageError(f"bad flag syntax: {arg}")
        name, has_value, inline = body.partition("=")
        spelled = "--" + name
        own = own_flag(spelled)
        flag = by_long_name(spelled)
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
        else:
            assert flag is not None
            self.set_docker(flag, spelled, value)
            self.docker_args.extend(consumed)

    def short(self, arg: str, rest: list[str]) -> None:
        """A cluster such as ``-itd``, ``-e=X``, ``-eX``, ``-p8080:80`` or ``-e X``."""
        self.docker_args.append(arg)
        shorthands = arg[1:]
        while shorthands:
            char = shorthands[0]
            flag = by_short_name("-" + char)
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
                self.docker_args.append(value)
            else:
                raise UsageError(f"flag needs an argument: {go_quote_rune(char)} in -{shorthands}")
            self.set_docker(flag, "-" + char, value)


def parse_run_args(argv: Sequence[str]) -> ParsedRun:
    """Split ``[OPTIONS] IMAGE [COMMAND] [ARG...]``; raise UsageError for a bad flag."""
    parser = _Parser()
    rest = list(argv)
    positional: list[str] | None = None
    while rest:
        arg = rest.pop(0)
        if arg == "" or arg[0] != "-" or arg == "-":
            positional = [arg, *rest]
            break
        if arg == "--":
            parser.docker_args.append(arg)
            positional = rest
            break
        if arg.startswith("--"):
            parser.long(arg, rest)
        else:
            parser.short(arg, rest)
    help_requested = False
    for name, value in parser.flags:
        if name == "--help":
            help_requested = value is True or go_parse_bool(str(value))
    if not positional and not help_requested:
        raise UsageError("'docker run' requires at least 1 argument", exit_code=ExitCode.ERROR)
    image, *command = positional or [""]
    return ParsedRun(
        image=image,
        command=tuple(command),
        flags=tuple(parser.flags),
        own=dict(parser.own),
        docker_args=tuple(parser.docker_args),
        help_requested=help_requested,
    )
