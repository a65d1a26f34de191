"""The Typer app of ``env`` and ``whoami`` (the command table's entries for them call it).

They take csdocker's credential options, declared once in ``options.own.SOURCE_FLAGS`` (the table
``run``'s, ``build``'s and ``pull``'s parsers read too) and turned here into Typer options, so the
commands cannot drift apart; their values go through ``credentials.session`` as every command's do.
The top-level help is not Typer's but ``cli.tophelp``'s.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from typing import Annotated, Any

import typer

from cloudshell_docker import __version__
from cloudshell_docker.cli.exits import QUERY_EXITS, guarded
from cloudshell_docker.credentials.session import CommandOptions, command_options
from cloudshell_docker.options.environ import variable_for
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.own import SOURCE_FLAGS, OwnFlag, OwnValue, OwnValues

__all__ = ["app"]

app = typer.Typer(
    name="csdocker",
    help=f"csdocker {__version__}: see csdocker --help.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


class _Command(typer.core.TyperCommand):
    """A Typer command whose help shows a switch as a switch: Typer (0.29, on its own click) labels every
    boolean option ``<bool>``, ``--help`` too, as if it took a value. An empty metavar shows nothing."""

    def get_params(self, ctx: Any) -> list[Any]:  # typer._click.core.Context -> its Parameters
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


def global_options(ctx: typer.Context) -> GlobalOptions:
    return ctx.obj if isinstance(ctx.obj, GlobalOptions) else GlobalOptions()


def _typer_parameter(flag: OwnFlag) -> inspect.Parameter:
    """The Typer declaration of one of csdocker's own options."""
    # The variable is named in the help text only: it is read in one place (options.environ), not by click.
    option = typer.Option(*flag.names, metavar=flag.metavar or None, help=f"{flag.help} (env: {variable_for(flag)})")
    if not flag.takes_value:
        annotation: Any = Annotated[bool, option]
        default: Any = False
    elif flag.repeatable:
        annotation, default = Annotated[list[str] | None, option], None
    else:
        annotation, default = Annotated[str | None, option], None
    return inspect.Parameter(flag.dest, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


_SOURCE_PARAMETERS = [_typer_parameter(flag) for flag in SOURCE_FLAGS]


def _given(values: dict[str, Any]) -> OwnValues:
    """The options given on the command line (a switch not given leaves its variable be)."""
    given: dict[str, OwnValue] = {}
    for flag in SOURCE_FLAGS:
        value = values[flag.dest]
        if flag.repeatable:
            if value:
                given[flag.dest] = tuple(value)
        elif value is not None and value is not False:
            given[flag.dest] = value
    return given


# Typer hands its Context to a parameter annotated with it: the global options (-D) are its obj.
_CONTEXT = "csdocker_context"
_CONTEXT_PARAMETER = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)


def with_source_options(command: Callable[..., int]) -> Callable[..., None]:
    """A Typer command that takes the credential options and calls ``command(options, ...)``.

    ``command``'s first parameter receives the CommandOptions (``credentials.session``: the options
    over their CSDOCKER_* variables, the region, the session to open); its other parameters are
    Typer's as declared. Errors become one line and an exit status (``guarded``).
    """
    own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]

    @functools.wraps(command)
    def typer_command(**values: Any) -> None:
        ctx: typer.Context = values.pop(_CONTEXT)

        def action() -> int:
            given = _given({flag.dest: values.pop(flag.dest) for flag in SOURCE_FLAGS})
            return command(command_options(given, os.environ, SOURCE_FLAGS), **values)

        raise typer.Exit(guarded(action, QUERY_EXITS, debug=global_options(ctx).debug) or 0)

    # Typer reads a command's options from its signature, and inspect honours __signature__;
    # a function's type does not declare that attribute, hence the ignore.
    typer_command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, *_SOURCE_PARAMETERS, _CONTEXT_PARAMETER])
    typer_command.__annotations__ = {}
    return typer_command


FORMAT_HELP = (
    'Output format. sh: eval "$(csdocker env)"; fish: csdocker env --format fish | source; '
    "powershell: csdocker env --format powershell | Invoke-Expression; "
    "dotenv: NAME=value lines as docker run --env-file reads them; json: one object of the variables."
)


@app.command("env", cls=_Command)
@with_source_options
def env_cmd(
    options: CommandOptions,
    fmt: Annotated[str, typer.Option("--format", metavar="sh|fish|powershell|dotenv|json", help=FORMAT_HELP)] = "sh",
) -> int:
    """Print the credentials as export lines (eval "$(csdocker env)"), for other tools."""
    from cloudshell_docker.commands.env import env_command

    return env_command(options, fmt)


@app.command("whoami", cls=_Command)
@with_source_options
def whoami_cmd(options: CommandOptions) -> int:
    """Show who the credentials are: identity, source, region, time left."""
    from cloudshell_docker.commands.whoami import whoami_command

    return whoami_command(options)
