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

from cloudshell_docker.commands.passthrough import exec_docker, require_docker
from cloudshell_docker.credentials.session import credential_session
from cloudshell_docker.errors import UsageError
from cloudshell_docker.imagebuild.args import BUILD_OWN_FLAGS, BuildArgs, BuildCommand, parse_build_args
from cloudshell_docker.imagebuild.buildkit import BUILDKIT_VARIABLE, buildkit_environ, check_buildkit, not_a_boolean
from cloudshell_docker.imagebuild.clicheck import check_builtin_buildkit_flags
from cloudshell_docker.imagebuild.leaks import refuse_leaks
from cloudshell_docker.imagebuild.needs import needs_credentials
from cloudshell_docker.imagebuild.secretfds import secret_sources
from cloudshell_docker.imagebuild.secretfiles import (
    CONFIG_SECRET_ID,
    CREDENTIALS_SECRET_ID,
    config_file,
    credentials_file,
)
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


def _without_own_options(argv: Sequence[str]) -> list[str]:
    """``argv`` without csdocker's options, read leniently (for a command line the parser refused)."""
    by_name = {name: flag for flag in BUILD_OWN_FLAGS for name in flag.names}
    kept: list[str] = []
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "--":
            return [*kept, word, *words]
        flag = by_name.get(word.partition("=")[0])
        if flag is None:
            kept.append(word)
        elif flag.takes_value and "=" not in word and words:
            words.pop(0)
    return kept


def _parse(prefix: Sequence[str], command: BuildCommand, usage_environ: Mapping[str, str]) -> BuildArgs:
    """The build's argv; a command line the docker CLI refuses goes to it, for its own words and status."""
    try:
        return parse_build_args(command.args)
    except UsageError as err:
        if any(name in err.message for flag in BUILD_OWN_FLAGS for name in flag.names):
            raise  # a csdocker option's own mistake: said in csdocker's words
        # Every flag of every build CLI is in csdocker's table: the CLI refuses this too, before it builds.
        exec_docker([*prefix, *command.words, *_without_own_options(command.args)], usage_environ)


def build_command(prefix: Sequence[str], command: BuildCommand, global_options: GlobalOptions,
                  environ: Mapping[str, str] | None = None, cwd: str | None = None) -> NoReturn:
    """Exec the docker CLI's build with the secrets; raises CsDockerError for everything refused.

    Everything that can be checked is checked before the credentials source is chosen (and long
    before a fetch or an MFA prompt): a command line the CLI refuses goes to it (or is refused in
    its words); a build that mounts none of csdocker's secrets goes to it unchanged.
    """
    environ = dict(os.environ if environ is None else environ)
    # For the CLI's help and usage errors: docker build's help lists BuildKit's flags only when it is on.
    usage_environ = {**environ, BUILDKIT_VARIABLE: environ.get(BUILDKIT_VARIABLE) or "1"}
    parsed = _parse(prefix, command, usage_environ)
    if parsed.help_requested:
        from cloudshell_docker.imagebuild.helptext import build_help_head

        sys.stdout.write(build_help_head())
        exec_docker([*prefix, *command.words, *parsed.kept], usage_environ)
    if len(parsed.positionals) != 1 or not_a_boolean(environ):
        # The CLI refuses anything but exactly one PATH | URL | - with its own words and usage, and a
        # DOCKER_BUILDKIT that is no boolean ("expects boolean value", exit 1): no credentials are
        # fetched (nor an MFA code asked for) for a build that cannot start.
        exec_docker([*prefix, *command.words, *parsed.kept], environ if not_a_boolean(environ) else usage_environ)
    refuse_leaks(parsed.build_args, parsed.secrets, ())
    if not needs_credentials(parsed, cwd):
        # No stage this build builds mounts csdocker's secrets: nothing is lost without them.
        exec_docker([*prefix, *command.words, *parsed.kept], environ)

    cli_environ = buildkit_environ(environ)
    docker, _tried = require_docker(cli_environ)
    config_args = ["--config", global_options.config] if global_options.config else []
    if check_buildkit(docker, via_buildx=command.via_buildx, config_args=config_args, environ=cli_environ):
        check_builtin_buildkit_flags(parsed.kept, command.words)

    session = credential_session(parsed.own, environ, SOURCE_FLAGS)  # checks the options; fetches nothing yet
    region = session.region
    added = [CREDENTIALS_SECRET_ID, *([CONFIG_SECRET_ID] if region else [])]
    refuse_leaks(parsed.build_args, parsed.secrets, added)

    creds = session.fetch()
    secrets = {CREDENTIALS_SECRET_ID: credentials_file(creds)}
    if region:
        secrets[CONFIG_SECRET_ID] = config_file(region)
    session.warn_if_no_region(f"the build gets no '{CONFIG_SECRET_ID}' secret")
    sources = secret_sources(secrets, environ)
    exec_docker(build_argv(prefix, command, parsed.kept, sources.paths), cli_environ)
