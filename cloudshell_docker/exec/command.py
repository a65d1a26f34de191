"""``csdocker exec`` without error handling: prepare, connect, look at the container, inject, run.

    prepare    parse (exec's flag table), own options (CSDOCKER_* too), --env-file, region, the source
    connect    the engine (engine.target); ``docker exec`` exits 1 for every failure of the engine's
    container  inspect it first, as the CLI does ("No such container" before anything else); a
               container created by ``csdocker run --inject relay`` keeps its relay: nothing static
               is injected, and a relay that no longer answers is reported instead (125)
    inject     otherwise fresh credentials in the exec's own Env (the env strategy's session),
               never in the container's configuration; the user's -e/--env-file win
    run        exec.runner

Errors propagate as CsDockerError; ``cli`` prints them and picks the exit code.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cloudshell_docker.console import warn
from cloudshell_docker.credentials.model import credential_names, env_names, under_users_env
from cloudshell_docker.credentials.session import CommandOptions, CredentialSession, command_options
from cloudshell_docker.engine.target import EngineTarget
from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode
from cloudshell_docker.exec.flags import EXEC_HELP
from cloudshell_docker.exec.spec import ExecSpec, ParsedExec, exec_spec, parse_exec_args
from cloudshell_docker.options.globalopts import GlobalOptions

if TYPE_CHECKING:
    from cloudshell_docker.engine.api import Engine

__all__ = ["PreparedExec", "exec_command", "exec_help", "prepare"]

T = TypeVar("T")


@dataclass(frozen=True)
class PreparedExec:
    parsed: ParsedExec
    spec: ExecSpec
    options: CommandOptions
    target: EngineTarget

    @property
    def env_asked_for(self) -> bool:
        """``--inject env`` on the command line itself (not from CSDOCKER_INJECT): an explicit choice."""
        return self.options.own.inject == "env" and "inject" in self.parsed.own


def exec_help() -> str:
    from cloudshell_docker.run.helptext import own_option_lines

    return "\n".join([
        "Usage:  csdocker exec [OPTIONS] CONTAINER COMMAND [ARG...]",
        "",
        "Execute a command in a running container as `docker exec` does, with fresh AWS credentials",
        "in the command's own environment (the container's configuration is not changed). A container",
        "created by `csdocker run --inject relay` keeps its relay: nothing static is added.",
        "",
        "Options:",
        *(f"  {name:<26} {text}" for name, text in EXEC_HELP),
        "",
        "csdocker options (a CSDOCKER_* variable sets the default, a flag wins):",
        *own_option_lines(),
    ])


def prepare(argv: Sequence[str], global_options: GlobalOptions, environ: Mapping[str, str]) -> PreparedExec | None:
    """Parse ``argv`` and read what it names; None when it asked for help (printed)."""
    parsed = parse_exec_args(argv)
    if parsed.help_requested:
        print(exec_help())
        return None
    spec = exec_spec(parsed, environ)
    return PreparedExec(parsed, spec, command_options(parsed.own, environ), EngineTarget(global_options, environ))


def exec_command(argv: Sequence[str], global_options: GlobalOptions) -> int:
    """Run ``csdocker exec ARGV``; return the exit status."""
    prepared = prepare(argv, global_options, dict(os.environ))
    if prepared is None:
        return 0
    if prepared.options.own.dry_run:
        return dry_run(prepared, global_options)
    session = prepared.options.open_session()
    engine = _engine_step(prepared.target.connect)
    from cloudshell_docker.attach.terminal import Terminal
    from cloudshell_docker.exec.runner import run_exec

    terminal = Terminal.from_stdio()
    spec = _cleaned(prepared.spec, engine)
    info = _engine_step(lambda: engine.inspect_container(spec.container))
    if info is None:
        raise EngineError(f"Error response from daemon: No such container: {spec.container}",
                          exit_code=ExitCode.ERROR)
    # As the CLI: after the inspect (no such container first), before the exec is created (and credentials fetched).
    terminal.check_tty(not spec.detach and spec.attach_stdin, spec.tty)
    if _takes_an_exec(info):  # else the engine's own refusal follows: no credentials for it
        spec = spec.with_env(under_users_env(spec.config.get("Env") or (), _variables(prepared, session, info, engine)))
    return run_exec(spec, engine, terminal)


def _cleaned(spec: ExecSpec, engine: Engine) -> ExecSpec:
    """The container reference as the docker CLI's client puts it in the API path (``/name`` is ``name``)."""
    from cloudshell_docker.options.values.apipath import container_in_path

    placed = container_in_path(spec.container, f"/v{engine.api_version}")
    if placed.reference is None:
        raise EngineError(placed.error or "", exit_code=ExitCode.ERROR)
    return dataclasses.replace(spec, container=placed.reference)


def _engine_step(step: Callable[[], T]) -> T:
    """``step()``; an engine failure exits 1, as every failure of ``docker exec`` does."""
    try:
        return step()
    except EngineError as err:
        if err.exit_code == ExitCode.ERROR:
            raise
        raise EngineError(err.message, exit_code=ExitCode.ERROR) from None


def _takes_an_exec(info: Mapping[str, Any]) -> bool:
    """The container (its inspect) is running and not paused: a command can start in it (otherwise the
    engine's create says why). Not the exec's own "Running" (``exec.runner``: has the command ended)."""
    state = info.get("State") or {}
    return isinstance(state, Mapping) and bool(state.get("Running")) and not state.get("Paused")


def _variables(prepared: PreparedExec, session: CredentialSession, info: Mapping[str, Any],
               engine: Engine) -> dict[str, str]:
    """What the command gets: nothing for a relay container (checked), else the credentials.

    A relay container is one csdocker's label says is one, the label and the relay's URL and token
    not being its image's (an image could otherwise make this host send its token, or call an
    address of its choosing): see ``relay.label.trusted_relay_container``.
    """
    from cloudshell_docker.relay.label import is_relay_container, trusted_relay_container

    config = info.get("Config") or {}
    name = str(info.get("Name") or prepared.spec.container).lstrip("/")
    if is_relay_container(config.get("Labels")) and not prepared.env_asked_for:
        image = _engine_step(lambda: engine.inspect_image(str(info.get("Image") or "")))
        image_config: Mapping[str, Any] | None = None
        if image is not None:  # an image without a Config (docker import) carries nothing
            image_config = image.get("Config") if isinstance(image.get("Config"), Mapping) else {}
        if trusted_relay_container(config, image_config):
            check_relay(name, config.get("Env") or ())
            return {}
    if prepared.options.own.inject == "relay" and "inject" in prepared.parsed.own:
        warn(f"container {name} has no credential relay (it was not created by csdocker run --inject relay): "
             "the command gets its credentials as variables")
    variables = session.environment()
    session.warn_if_no_region("the command")
    return variables


def check_relay(name: str, env: Sequence[str]) -> None:
    """CsDockerError (125) unless the container's relay hands out credentials."""
    from cloudshell_docker.relay.probe import relay_problem, relay_settings

    settings = relay_settings(env)
    problem = "it has no relay address in its environment" if settings is None else relay_problem(*settings)
    if problem is not None:
        raise CsDockerError(
            f"container {name} gets its AWS credentials from a csdocker relay, and {problem}: recreate it with "
            "csdocker run --inject relay, or give this command credentials of its own with csdocker exec --inject env"
        )


def dry_run(prepared: PreparedExec, global_options: GlobalOptions) -> int:
    """``docker exec -e AWS_... <flags> CONTAINER COMMAND``, and how to set the variables (stderr)."""
    from cloudshell_docker.run.dryrun import env_hint, global_args

    given = env_names(prepared.spec.config.get("Env") or ())
    names = credential_names(prepared.options.region is not None)
    refs = [arg for name in names if name not in given for arg in ("-e", name)]
    parsed = prepared.parsed
    argv = ["docker", *global_args(global_options), "exec", *refs, *parsed.docker_args,
            parsed.container, *parsed.command]
    sys.stdout.write(shlex.join(argv) + "\n")
    sys.stdout.flush()
    hint = env_hint(prepared.options.own)
    sys.stderr.write(f"csdocker: the command reads the credentials from the environment: {hint}\n"
                     "csdocker: note: a container created with --inject relay gets none of them: it keeps its relay\n")
    sys.stderr.flush()
    return 0
