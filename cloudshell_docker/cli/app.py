"""The Typer app: ``run`` (its argv goes to the docker-run parser untouched), ``env``, ``whoami``.

``env`` and ``whoami`` take csdocker's credential options, declared once in
``options.OWN_FLAGS`` (the table ``run``'s parser reads too) and turned here into Typer
options, so the three commands cannot drift apart.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from cloudshell_docker import __version__
from cloudshell_docker.cli import guarded, run_entry
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.own import OWN_FLAGS, OwnFlag, SourceOptions, source_options

__all__ = ["app"]

app = typer.Typer(
    name="csdocker",
    help=f"csdocker {__version__}: docker run, with the host's temporary AWS credentials injected. "
    "Any other command is handed to the docker CLI unchanged.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def global_options(ctx: typer.Context) -> GlobalOptions:
    return ctx.obj if isinstance(ctx.obj, GlobalOptions) else GlobalOptions()


@app.command(
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "allow_interspersed_args": False,
        "help_option_names": [],
    },
    add_help_option=False,
)
def run(ctx: typer.Context) -> None:
    """Run a container with AWS credentials: csdocker run [OPTIONS] IMAGE [COMMAND] [ARG...]."""
    raise typer.Exit(run_entry(list(ctx.args), global_options(ctx)))


def _typer_parameter(flag: OwnFlag) -> inspect.Parameter:
    """The Typer declaration of one of csdocker's own options."""
    option = typer.Option(*flag.names, metavar=flag.metavar or None, help=flag.help)
    if not flag.takes_value:
        annotation: Any = Annotated[bool, option]
        default: Any = False
    elif flag.repeatable:
        annotation, default = Annotated[list[str] | None, option], None
    else:
        annotation, default = Annotated[str | None, option], None
    return inspect.Parameter(flag.dest, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


_SOURCE_FLAGS = tuple(flag for flag in OWN_FLAGS if not flag.run_only)
_SOURCE_PARAMETERS = [_typer_parameter(flag) for flag in _SOURCE_FLAGS]


def _source_options(values: dict[str, Any]) -> SourceOptions:
    given: dict[str, str | bool | tuple[str, ...]] = {}
    for flag in _SOURCE_FLAGS:
        value = values[flag.dest]
        if flag.repeatable:
            given[flag.dest] = tuple(value or ())
        elif value is not None:
            given[flag.dest] = value
    return source_options(given)


# Typer hands its Context to a parameter annotated with it: the global options (-D) are its obj.
_CONTEXT = "csdocker_context"
_CONTEXT_PARAMETER = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)


def with_source_options(command: Callable[..., int]) -> Callable[..., None]:
    """A Typer command that takes the credential options and calls ``command(options, ...)``.

    ``command``'s first parameter receives the SourceOptions; its other parameters are
    Typer's as declared. Errors become one line and an exit status (``guarded``).
    """
    own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]

    @functools.wraps(command)
    def typer_command(**values: Any) -> None:
        ctx: typer.Context = values.pop(_CONTEXT)

        def action() -> int:
            options = _source_options({flag.dest: values.pop(flag.dest) for flag in _SOURCE_FLAGS})
            return command(options, **values)

        raise typer.Exit(guarded(action, for_run=False, debug=global_options(ctx).debug))

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


@app.command("env")
@with_source_options
def env_cmd(
    options: SourceOptions,
    fmt: Annotated[str, typer.Option("--format", metavar="sh|fish|powershell|dotenv|json", help=FORMAT_HELP)] = "sh",
) -> int:
    """Print the credentials as export lines (eval "$(csdocker env)"), for other tools."""
    from cloudshell_docker.commands.env import env_command

    return env_command(options, fmt)


@app.command("whoami")
@with_source_options
def whoami_cmd(options: SourceOptions) -> int:
    """Show who the credentials are: identity, source, region, time left."""
    from cloudshell_docker.commands.whoami import whoami_command

    return whoami_command(options)
