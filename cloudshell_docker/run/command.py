"""``csdocker run`` without error handling: parse, choose credentials, inject, run.

Errors propagate as CsDockerError; ``cli`` prints them and picks the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from cloudshell_docker.console import warn
from cloudshell_docker.credentials import credential_env, select_source
from cloudshell_docker.credentials.region import resolve_region
from cloudshell_docker.engine.endpoint import Endpoint, config_dir, load_config_file, resolve_endpoint
from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.options.globalopts import GlobalOptions, check_log_level
from cloudshell_docker.options.own import run_own_options
from cloudshell_docker.redact import register_secret
from cloudshell_docker.run.inject import inject_env
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate

__all__ = ["run_command"]


def _resolve_endpoint(options: GlobalOptions, environ: dict[str, str]) -> Endpoint | CsDockerError:
    """The engine's endpoint (resolved once: translation needs its address for config.json's
    proxies and --use-api-socket, connect needs all of it), or the error, which is reported
    only once the command line has been checked, as the docker CLI does."""
    try:
        return resolve_endpoint(options, environ)
    except CsDockerError as err:
        return err


def _docker_config(endpoint: Endpoint | CsDockerError, options: GlobalOptions,
                   environ: dict[str, str]) -> Mapping[str, Any]:
    """config.json as the endpoint loaded it; read here only when the endpoint could not be
    resolved (its error comes after the command line's, and translation still needs the file)."""
    if isinstance(endpoint, CsDockerError):
        return load_config_file(config_dir(options, environ))
    return endpoint.config


def run_command(argv: Sequence[str], global_options: GlobalOptions) -> int:
    """Run ``csdocker run ARGV``; return the exit status."""
    environ = dict(os.environ)
    parsed = parse_run_args(argv)
    if parsed.help_requested:
        from cloudshell_docker.run.helptext import run_help

        print(run_help())
        return 0
    endpoint = _resolve_endpoint(global_options, environ)
    context = TranslateContext(environ=environ, cwd=os.getcwd(),
                               docker_config=_docker_config(endpoint, global_options, environ),
                               daemon_host=None if isinstance(endpoint, CsDockerError) else endpoint.host)
    spec = translate(parsed, context)
    own = run_own_options(parsed.own)
    region = resolve_region(own.source.region, environ, own.source.profile)

    if own.dry_run:
        from cloudshell_docker.run.dryrun import dry_run

        return dry_run(parsed, own, region, global_options, spec.config.get("Env") or ())

    gate = None
    if own.inject == "relay":
        from cloudshell_docker.relay.prompt import PromptGate

        # An MFA code may be asked for once, before the container owns the terminal;
        # the relay's later refreshes must never prompt.
        gate = PromptGate()
    source = select_source(own.source, environ, prompt=gate)

    # The engine first: a daemon that cannot be reached should fail the run
    # before anyone is asked for an MFA code or STS is called.
    from cloudshell_docker.engine.api import Engine
    from cloudshell_docker.engine.connect import connect
    from cloudshell_docker.run.apiversion import adapt_to_api
    from cloudshell_docker.run.runner import run_container
    from cloudshell_docker.run.terminal import Terminal

    if isinstance(endpoint, CsDockerError):
        check_log_level(global_options)  # the CLI checks the log level before the endpoint
        raise endpoint
    engine = Engine(connect(global_options, environ, endpoint))
    spec = adapt_to_api(spec, engine.api_version)

    if own.inject == "relay":
        from cloudshell_docker.relay import prepare_relay

        relay = prepare_relay(source, region, spec, engine, prompt_gate=gate)
        try:
            warn_if_no_region(region)
            return run_container(inject_env(spec, relay.env), engine, Terminal.from_stdio(), relay.hooks)
        finally:
            relay.close()  # also when the run failed before the container existed

    creds = source.fetch()
    register_secret(creds.secret_access_key)
    register_secret(creds.session_token)
    warn_if_no_region(region)
    return run_container(inject_env(spec, credential_env(creds, region)), engine, Terminal.from_stdio())


def warn_if_no_region(region: str | None) -> None:
    if region is None:
        warn("no AWS region configured (--region, AWS_REGION, AWS_DEFAULT_REGION or the profile); "
             "the container gets none")
