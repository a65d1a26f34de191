"""``csdocker run`` without error handling, in three steps:

    prepare(argv, global options)  parse, own options (CSDOCKER_* too), translate, region, the source
    target.connect()               the engine (engine.target: the first import of the docker SDK)
    strategy.open(spec, engine)    inject (env or relay, run.inject) and run the container (run.runner)

Errors propagate as CsDockerError; ``cli`` prints them and picks the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cloudshell_docker.credentials.session import CredentialSession, open_session, session_region
from cloudshell_docker.engine.target import EngineTarget
from cloudshell_docker.options.environ import attributed, merge_own
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.options.own import RunOwnOptions, run_own_options
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
    own: RunOwnOptions
    origins: Mapping[str, str]  # own options read from CSDOCKER_* variables: dest -> variable
    region: str | None
    target: EngineTarget
    environ: Mapping[str, str]


def prepare(argv: Sequence[str], global_options: GlobalOptions, environ: Mapping[str, str]) -> PreparedRun | None:
    """Parse and translate ``argv``; None when it asked for help (printed)."""
    parsed = parse_run_args(argv)
    if parsed.help_requested:
        from cloudshell_docker.run.helptext import run_help

        print(run_help())
        return None
    target = EngineTarget(global_options, environ)
    context = TranslateContext(environ=environ, cwd=os.getcwd(), docker_config_dir=global_options.config,
                               daemon_host=target.host)
    spec = translate(parsed, context)
    merged = merge_own(parsed.own, environ)
    with attributed(merged.origins):
        own = run_own_options(merged.values)
    region = session_region(own.source, environ)
    return PreparedRun(parsed, spec, own, merged.origins, region, target, environ)


def strategy_for(prepared: PreparedRun) -> InjectionStrategy:
    """Choose the source (every option checked, nothing fetched) and how it reaches the container."""
    with attributed(prepared.origins):
        if prepared.own.inject == "relay":
            from cloudshell_docker.relay.prompt import PromptGate

            # An MFA code may be asked for once, before the container owns the terminal;
            # the relay's later refreshes must never prompt.
            gate = PromptGate()
            return RelayInjection(_session(prepared, gate), gate)
        return EnvInjection(_session(prepared, None))


def _session(prepared: PreparedRun, prompt: Callable[[str], str] | None) -> CredentialSession:
    return open_session(prepared.own.source, prepared.environ, prepared.region, prompt=prompt)


def run_command(argv: Sequence[str], global_options: GlobalOptions) -> int:
    """Run ``csdocker run ARGV``; return the exit status."""
    prepared = prepare(argv, global_options, dict(os.environ))
    if prepared is None:
        return 0
    if prepared.own.dry_run:
        from cloudshell_docker.run.dryrun import dry_run

        return dry_run(prepared.parsed, prepared.own, prepared.region, global_options,
                       prepared.spec.config.get("Env") or ())
    strategy = strategy_for(prepared)
    # The engine before the credentials: a daemon that cannot be reached should fail the run
    # before anyone is asked for an MFA code or STS is called.
    engine = prepared.target.connect()
    from cloudshell_docker.run.apiversion import adapt_to_api
    from cloudshell_docker.run.runner import run
    from cloudshell_docker.run.terminal import Terminal

    spec = adapt_to_api(prepared.spec, engine.api_version)
    with strategy.open(spec, engine) as injection:
        return run(injection.apply(spec), engine, Terminal.from_stdio(), injection.hooks)
