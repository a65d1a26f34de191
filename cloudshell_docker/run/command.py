"""``csdocker run`` without error handling, in three steps:

    prepare(argv, global options)  parse, own options (CSDOCKER_* too), translate, region, the source
    target.connect()               the engine (engine.target: the first import of the docker SDK)
    strategy.open(spec, engine)    inject (env or relay, run.inject) and run the container (run.runner)

Errors propagate as CsDockerError; ``cli`` prints them and picks the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cloudshell_docker.credentials.session import CommandOptions, command_options
from cloudshell_docker.engine.target import EngineTarget
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.run.inject import EnvInjection, InjectionStrategy, RelayInjection
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.spec import ParsedRun, RunSpec
from cloudshell_docker.run.translate import TranslateContext, translate

__all__ = ["PreparedRun", "prepare", "run_command", "strategy_for"]


@dataclass(frozen=True)
class PreparedRun:
    """A checked command line: what to create, with which options, on which engine."""

    parsed: ParsedRun
    spec: RunSpec
    options: CommandOptions
    target: EngineTarget


def prepare(argv: Sequence[str], global_options: GlobalOptions, environ: Mapping[str, str]) -> PreparedRun | None:
    """Parse and translate ``argv``; None when it asked for help (printed)."""
    parsed = parse_run_args(argv)
    if parsed.help_requested:
        from cloudshell_docker.run.helptext import run_help

        print(run_help())
        return None
    target = EngineTarget(global_options, environ)
    context = TranslateContext(environ=environ, cwd=os.getcwd(), docker_config=target.docker_config,
                               daemon_host=target.host)
    spec = translate(parsed, context)
    return PreparedRun(parsed, spec, command_options(parsed.own, environ), target)


def strategy_for(options: CommandOptions) -> InjectionStrategy:
    """Choose the source (every option checked, nothing fetched) and how it reaches the container."""
    if options.own.inject == "relay":
        from cloudshell_docker.relay.prompt import PromptGate

        # An MFA code may be asked for once, before the container owns the terminal;
        # the relay's later refreshes must never prompt.
        gate = PromptGate()
        return RelayInjection(options.open_session(prompt=gate), gate)
    return EnvInjection(options.open_session())


def run_command(argv: Sequence[str], global_options: GlobalOptions) -> int:
    """Run ``csdocker run ARGV``; return the exit status."""
    prepared = prepare(argv, global_options, dict(os.environ))
    if prepared is None:
        return 0
    options = prepared.options
    if options.own.dry_run:
        from cloudshell_docker.run.dryrun import dry_run

        return dry_run(prepared.parsed, options.own, options.region, global_options,
                       prepared.spec.config.get("Env") or ())
    strategy = strategy_for(options)
    # The engine before the credentials: a daemon that cannot be reached should fail the run
    # before anyone is asked for an MFA code or STS is called.
    engine = prepared.target.connect()
    from cloudshell_docker.attach.terminal import Terminal
    from cloudshell_docker.run.apiversion import adapt_to_api
    from cloudshell_docker.run.runner import run_container

    spec = adapt_to_api(prepared.spec, engine.api_version)
    with strategy.open(spec, engine) as injection:
        return run_container(injection.apply(spec), engine, Terminal.from_stdio(), injection.hooks,
                             injection.registry_auth)
