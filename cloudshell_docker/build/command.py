"""``csdocker build`` without error handling: the docker CLI's build, with the AWS credentials as a BuildKit secret.

docker-py cannot drive BuildKit's session (the channel secrets travel on), so the
build is the docker CLI's: csdocker checks the command line, makes sure the CLI will
use BuildKit, fetches the credentials, puts them in memory files and execs the CLI
with ``--secret id=aws,src=/dev/fd/N`` (and ``id=aws-config`` when a region is
known). The CLI's output, progress, signals and exit code are its own, and no
csdocker process stays behind.

The credentials never enter the CLI's argv (only the /dev/fd paths do) nor its
environment (csdocker adds none; what the user exported is theirs).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from cloudshell_docker.build.args import BuildCommand, parse_build_args
from cloudshell_docker.build.buildkit import BUILDKIT_VARIABLE, buildkit_environ, check_buildkit
from cloudshell_docker.build.leaks import refuse_leaks
from cloudshell_docker.build.secretfds import secret_sources
from cloudshell_docker.build.secretfiles import CONFIG_SECRET_ID, CREDENTIALS_SECRET_ID, config_file, credentials_file
from cloudshell_docker.commands.passthrough import exec_docker, require_docker
from cloudshell_docker.credentials.session import credential_session
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.own import SOURCE_FLAGS

__all__ = ["build_argv", "build_command"]


def build_argv(prefix: Sequence[str], command: BuildCommand, kept: Sequence[str],
               sources: Mapping[str, str]) -> list[str]:
    """The CLI's argv: global options, the command words, the secrets, then the user's build flags.

    The secrets go first so that a ``--`` among the user's words cannot turn them into positionals.
    """
    secrets = [word for secret_id, src in sources.items() for word in ("--secret", f"id={secret_id},src={src}")]
    return [*prefix, *command.words, *secrets, *kept]


def build_command(prefix: Sequence[str], command: BuildCommand, global_options: GlobalOptions,
                  environ: Mapping[str, str] | None = None) -> NoReturn:
    """Exec the docker CLI's build with the secrets; raises CsDockerError for everything refused."""
    environ = dict(os.environ if environ is None else environ)
    parsed = parse_build_args(command.args)
    # For the CLI's help and usage errors: docker build's help lists BuildKit's flags only when it is on.
    usage_environ = {**environ, BUILDKIT_VARIABLE: environ.get(BUILDKIT_VARIABLE) or "1"}
    if parsed.help_requested:
        from cloudshell_docker.build.helptext import build_help_head

        sys.stdout.write(build_help_head())
        exec_docker([*prefix, *command.words, *parsed.kept], usage_environ)
    if len(parsed.positionals) != 1:
        # The CLI refuses anything but exactly one PATH | URL | - with its own words and usage:
        # no credentials are fetched (nor an MFA code asked for) for a build that cannot start.
        exec_docker([*prefix, *command.words, *parsed.kept], usage_environ)

    session = credential_session(parsed.own, environ, SOURCE_FLAGS)  # checks the options; fetches nothing yet
    region = session.region
    added = [CREDENTIALS_SECRET_ID, *([CONFIG_SECRET_ID] if region else [])]
    refuse_leaks(parsed.build_args, parsed.secrets, added)

    cli_environ = buildkit_environ(environ)
    docker, _tried = require_docker(cli_environ)
    config_args = ["--config", global_options.config] if global_options.config else []
    check_buildkit(docker, via_buildx=command.via_buildx, config_args=config_args, environ=cli_environ)

    creds = session.fetch()
    secrets = {CREDENTIALS_SECRET_ID: credentials_file(creds)}
    if region:
        secrets[CONFIG_SECRET_ID] = config_file(region)
    session.warn_if_no_region(f"the build gets no '{CONFIG_SECRET_ID}' secret")
    sources = secret_sources(secrets, environ)
    exec_docker(build_argv(prefix, command, parsed.kept, sources.paths), cli_environ)
