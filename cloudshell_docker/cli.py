"""The command line: a thin Typer layer, and the one place that prints errors and picks exit codes.

``csdocker run``, ``env`` and ``whoami`` are csdocker's; every other command line is
handed to the docker CLI unchanged, so ``alias docker=csdocker`` is safe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated, NoReturn

import typer

from cloudshell_docker import __version__
from cloudshell_docker.errors import CredentialError, CsDockerError, ExitCode
from cloudshell_docker.globalopts import GlobalOptions, split_global_options
from cloudshell_docker.options import SourceOptions
from cloudshell_docker.redact import redact

__all__ = ["app", "main"]

COMMANDS = ("run", "env", "whoami")

app = typer.Typer(
    name="csdocker",
    help=f"csdocker {__version__}: docker run, with the host's temporary AWS credentials injected. "
    "Any other command is handed to the docker CLI unchanged.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def print_error(message: str) -> None:
    sys.stderr.write(f"csdocker: {redact(message)}\n")
    sys.stderr.flush()


def guarded(action: Callable[[], int], *, for_run: bool) -> int:
    """Run ``action``; turn every failure into one line on stderr and an exit status."""
    try:
        return action()
    except CsDockerError as err:
        print_error(err.message)
        if for_run:
            return int(err.exit_code)
        return int(ExitCode.ERROR if isinstance(err, CredentialError) else ExitCode.USAGE)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as err:  # a bug: still one line, never a traceback that could hold a secret
        print_error(f"internal error: {type(err).__name__}: {err}")
        return int(ExitCode.DOCKER if for_run else ExitCode.ERROR)


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


def run_entry(argv: list[str], options: GlobalOptions) -> int:
    from cloudshell_docker.runcmd import run_command

    return guarded(lambda: run_command(argv, options), for_run=True)


SourceOpt = Annotated[str, typer.Option("--source", metavar="auto|endpoint|sts|chain",
                                        help="Force one credential source.")]
RoleArnOpt = Annotated[str | None, typer.Option("--role-arn", metavar="ARN", help="Assume this IAM role.")]
SessionNameOpt = Annotated[str | None, typer.Option("--session-name", metavar="NAME",
                                                    help="Role session name.")]
DurationOpt = Annotated[str | None, typer.Option("--duration", metavar="SECONDS",
                                                 help="Session duration in seconds.")]
ExternalIdOpt = Annotated[str | None, typer.Option("--external-id", metavar="ID")]
MfaSerialOpt = Annotated[str | None, typer.Option("--mfa-serial", metavar="ARN")]
MfaTokenOpt = Annotated[str | None, typer.Option("--mfa-token", metavar="CODE")]
PolicyArnOpt = Annotated[list[str] | None, typer.Option("--policy-arn", metavar="ARN",
                                                        help="Managed session policy (repeatable).")]
PolicyOpt = Annotated[str | None, typer.Option("--policy", metavar="FILE", help="Inline session policy file.")]
SourceIdentityOpt = Annotated[str | None, typer.Option("--source-identity", metavar="ID")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", metavar="KEY=VALUE",
                                                  help="Session tag (repeatable).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", metavar="NAME", help="AWS profile.")]
RegionOpt = Annotated[str | None, typer.Option("--region", metavar="REGION", help="AWS region.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not use the assumed-role cache.")]


def make_source_options(
    source: str,
    role_arn: str | None,
    session_name: str | None,
    duration: str | None,
    external_id: str | None,
    mfa_serial: str | None,
    mfa_token: str | None,
    policy_arn: list[str] | None,
    policy: str | None,
    source_identity: str | None,
    tag: list[str] | None,
    profile: str | None,
    region: str | None,
    no_cache: bool,
) -> SourceOptions:
    from cloudshell_docker.options import source_options

    values: dict[str, str | bool | tuple[str, ...]] = {"source": source, "no_cache": no_cache}
    for key, value in (
        ("role_arn", role_arn), ("session_name", session_name), ("duration", duration),
        ("external_id", external_id), ("mfa_serial", mfa_serial), ("mfa_token", mfa_token),
        ("policy_file", policy), ("source_identity", source_identity), ("profile", profile),
        ("region", region),
    ):
        if value is not None:
            values[key] = value
    values["policy_arns"] = tuple(policy_arn or ())
    values["tags"] = tuple(tag or ())
    return source_options(values)


@app.command()
def env(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", metavar="sh|fish|powershell|dotenv|json",
                                     help='Output format. sh: eval "$(csdocker env)"; '
                                          "fish: csdocker env --format fish | source; "
                                          "powershell: csdocker env --format powershell | Invoke-Expression; "
                                          "dotenv: NAME=value lines as docker run --env-file reads them; "
                                          "json: one object of the variables.")] = "sh",
    source: SourceOpt = "auto",
    role_arn: RoleArnOpt = None,
    session_name: SessionNameOpt = None,
    duration: DurationOpt = None,
    external_id: ExternalIdOpt = None,
    mfa_serial: MfaSerialOpt = None,
    mfa_token: MfaTokenOpt = None,
    policy_arn: PolicyArnOpt = None,
    policy: PolicyOpt = None,
    source_identity: SourceIdentityOpt = None,
    tag: TagOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Print the credentials as export lines (eval "$(csdocker env)"), for other tools."""
    from cloudshell_docker.envcmd import env_command

    def action() -> int:
        options = make_source_options(source, role_arn, session_name, duration, external_id, mfa_serial,
                                      mfa_token, policy_arn, policy, source_identity, tag, profile,
                                      region, no_cache)
        return env_command(options, fmt)

    raise typer.Exit(guarded(action, for_run=False))


@app.command()
def whoami(
    ctx: typer.Context,
    source: SourceOpt = "auto",
    role_arn: RoleArnOpt = None,
    session_name: SessionNameOpt = None,
    duration: DurationOpt = None,
    external_id: ExternalIdOpt = None,
    mfa_serial: MfaSerialOpt = None,
    mfa_token: MfaTokenOpt = None,
    policy_arn: PolicyArnOpt = None,
    policy: PolicyOpt = None,
    source_identity: SourceIdentityOpt = None,
    tag: TagOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Show who the credentials are: identity, source, region, time left."""
    from cloudshell_docker.whoami import whoami_command

    def action() -> int:
        options = make_source_options(source, role_arn, session_name, duration, external_id, mfa_serial,
                                      mfa_token, policy_arn, policy, source_identity, tag, profile,
                                      region, no_cache)
        return whoami_command(options)

    raise typer.Exit(guarded(action, for_run=False))


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``csdocker`` entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        options, rest = split_global_options(args)
    except CsDockerError as err:
        print_error(err.message)
        sys.exit(int(err.exit_code))
    if rest[:2] == ["container", "run"]:
        rest = ["run", *rest[2:]]
    if options.version or (rest and rest[0] not in COMMANDS and not rest[0].startswith("-")):
        from cloudshell_docker.passthrough import exec_docker

        try:
            exec_docker(args)  # returns only by raising: no docker CLI to hand the command to
        except CsDockerError as err:
            print_error(err.message)
            sys.exit(int(err.exit_code))
    if rest[:1] == ["run"]:
        # argv goes to the docker-run parser untouched: click would drop a "--"
        # that docker (pflag) would take as a flag's value.
        sys.exit(run_entry(rest[1:], options))
    app(args=rest, obj=options, prog_name="csdocker")
    sys.exit(0)  # not reached: Typer exits
