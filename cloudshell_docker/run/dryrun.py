"""``csdocker run --dry-run``: the equivalent docker command, credentials as -e NAME references.

    $ csdocker run --dry-run --role-arn arn:aws:iam::123456789012:role/x --rm amazon/aws-cli s3 ls
    docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN ... --rm amazon/aws-cli s3 ls

stdout holds only the command, shell-quoted; stderr says how to put the variables
into the environment it reads them from (``eval "$(csdocker env ...)"``). Nothing is
fetched and nothing is created.

The references come right after ``run``, before the user's own flags: placed after
them they could land behind a ``--`` that ends the options, or be taken as the value
of a flag. ``-e AWS_SESSION_TOKEN`` and ``-e AWS_CREDENTIAL_EXPIRATION`` are always
there: whether the credentials have them is only known once they are fetched, and
docker passes ``-e NAME`` only when NAME is set in its environment (``csdocker env``
unsets both when the credentials have none), so the container gets exactly what
``csdocker run`` would give it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from typing import TextIO

from cloudshell_docker.credentials.model import credential_names, env_names
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.own import OWN_FLAGS, RunOwnOptions
from cloudshell_docker.run.spec import ParsedRun

__all__ = ["dry_run", "env_hint", "global_args", "render_docker_command"]

# A one-time MFA code is worthless by the time the hint is used: csdocker env asks for a new one.
_NOT_IN_HINT = ("mfa_token",)


def global_args(options: GlobalOptions) -> list[str]:
    """docker's global options as they would be typed before ``run``."""
    args: list[str] = []
    if options.config is not None:
        args += ["--config", options.config]
    if options.context is not None:
        args += ["--context", options.context]
    for host in options.hosts:
        args += ["-H", host]
    if options.debug:
        args.append("-D")
    if options.log_level is not None:
        args += ["--log-level", options.log_level]
    for name, value in (("--tls", options.tls), ("--tlsverify", options.tlsverify)):
        if value is not None:
            args.append(name if value else f"{name}=false")
    for name, path in (("--tlscacert", options.tlscacert), ("--tlscert", options.tlscert),
                       ("--tlskey", options.tlskey)):
        if path is not None:
            args += [name, path]
    return args


def _names_given(parsed: ParsedRun, user_env: Iterable[str]) -> set[str]:
    # From the translated Env when the caller has it (it holds --env-file's entries too),
    # and from the -e flags as typed.
    given = env_names(user_env)
    given.update(entry.split("=", 1)[0] for entry in parsed.converted.texts("--env"))
    return given


def credential_refs(parsed: ParsedRun, region: str | None, user_env: Iterable[str] = ()) -> list[str]:
    """The ``-e NAME`` arguments, without the names the user set explicitly."""
    names = credential_names(bool(region))
    given = _names_given(parsed, user_env)
    return [arg for name in names if name not in given for arg in ("-e", name)]


def render_docker_command(
    parsed: ParsedRun,
    own: RunOwnOptions,
    region: str | None,
    global_options: GlobalOptions | None = None,
    user_env: Iterable[str] = (),
) -> str:
    """The docker CLI command line equivalent to this ``csdocker run``, shell-quoted.

    ``user_env`` is the container's Env as translated from the user's ``-e`` and
    ``--env-file`` (``RunSpec.config["Env"]``): names in it are not repeated.
    """
    argv = [
        "docker",
        *global_args(global_options or GlobalOptions()),
        "run",
        *credential_refs(parsed, region, user_env),
        *parsed.docker_args,
        parsed.image,
        *parsed.command,
    ]
    return shlex.join(argv)


def env_hint(own: RunOwnOptions) -> str:
    """``eval "$(csdocker env ...)"`` with the same credential options."""
    args = ["csdocker", "env"]
    source = own.source
    for flag in OWN_FLAGS:
        if flag.run_only or flag.dest in _NOT_IN_HINT:
            continue
        value = getattr(source, flag.dest)
        if flag.dest == "source" and value == "auto":
            continue
        if isinstance(value, tuple):
            for item in value:
                args += [flag.name, item]
        elif value is True:
            args.append(flag.name)
        elif isinstance(value, str):
            args += [flag.name, value]
    return f'eval "$({shlex.join(args)})"'


def dry_run(
    parsed: ParsedRun,
    own: RunOwnOptions,
    region: str | None,
    global_options: GlobalOptions | None = None,
    user_env: Iterable[str] = (),
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Print the command on stdout and how to set its variables on stderr; return 0."""
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    out.write(render_docker_command(parsed, own, region, global_options, user_env) + "\n")
    out.flush()
    notes = [f"csdocker: the command reads the credentials from the environment: {env_hint(own)}"]
    if own.inject == "relay":
        notes.append("csdocker: note: --inject relay has no docker CLI equivalent; "
                     "the command passes the credentials as variables")
    err.write("".join(note + "\n" for note in notes))
    err.flush()
    return 0
