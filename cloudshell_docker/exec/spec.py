"""argv of ``csdocker exec`` -> ParsedExec -> ExecSpec. Pure but for reading ``--env-file``.

The syntax is pflag's as the docker CLI configures it for exec: options stop at CONTAINER (not
interspersed), everything after it is the command. csdocker's own options may stand among the flags.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.exec.flags import EXEC_FLAGS
from cloudshell_docker.options import pflag
from cloudshell_docker.options.own import OWN_FLAGS, OwnValues
from cloudshell_docker.options.pflag import FlagValues
from cloudshell_docker.options.values.gocompat import GoValueError
from cloudshell_docker.options.values.kvfile import read_kv_file

__all__ = ["ExecSpec", "ParsedExec", "exec_spec", "parse_exec_args"]


@dataclass(frozen=True)
class ParsedExec:
    """``csdocker exec`` argv split into its parts; ``docker_args``: the flags as typed, without csdocker's."""

    container: str
    command: tuple[str, ...]
    own: OwnValues = field(default_factory=dict)
    docker_args: tuple[str, ...] = ()
    help_requested: bool = False
    converted: FlagValues = field(default_factory=FlagValues)  # the flags' values, as the parser converted them


def parse_exec_args(argv: Sequence[str]) -> ParsedExec:
    """Split ``[OPTIONS] CONTAINER COMMAND [ARG...]``; UsageError (the CLI's words) for a bad flag."""
    parsed = pflag.parse(argv, EXEC_FLAGS, own=OWN_FLAGS, interspersed=False)
    result = ParsedExec(container="", command=(), own=dict(parsed.own),
                        docker_args=parsed.kept[: len(parsed.kept) - len(parsed.positionals)],
                        converted=parsed.converted)
    if parsed.switch("--help"):
        return replace(result, help_requested=True)
    if len(parsed.positionals) < 2:
        raise UsageError("'docker exec' requires at least 2 arguments", exit_code=ExitCode.ERROR)
    container, *command = parsed.positionals
    return replace(result, container=container, command=tuple(command))


@dataclass(frozen=True)
class ExecSpec:
    """Everything the exec runner needs: the create body (as the docker CLI sends it) and the client side."""

    container: str
    config: Mapping[str, Any]
    detach: bool = False
    tty: bool = False
    attach_stdin: bool = False
    detach_keys: str | None = None  # as given (--detach-keys, else config.json's), for the stdin filter

    def with_env(self, env: Sequence[str]) -> ExecSpec:
        return ExecSpec(self.container, {**self.config, "Env": list(env)}, self.detach, self.tty,
                        self.attach_stdin, self.detach_keys)


def user_env(parsed: ParsedExec, environ: Mapping[str, str], cwd: str) -> list[str]:
    """--env-file's lines, then -e's (a bare NAME takes the caller's value), as the CLI collects them.
    A file that cannot be read is the CLI's error and exit status 1."""
    lines: list[str] = []
    for path in parsed.converted.all("--env-file"):
        try:
            lines.extend(read_kv_file(path, cwd, environ.get))
        except GoValueError as err:
            raise UsageError(str(err), exit_code=ExitCode.ERROR) from None
    for entry in parsed.converted.all("--env"):
        name, sep, _ = entry.partition("=")
        if not sep and name in environ:
            entry = f"{name}={environ[name]}"
        lines.append(entry)
    return lines


def exec_spec(parsed: ParsedExec, environ: Mapping[str, str], cwd: str | None = None) -> ExecSpec:
    """The exec create body the docker CLI would send for ``parsed`` (detach keys filled in later)."""
    detach = parsed.converted.switch("--detach")
    tty = parsed.converted.switch("--tty")
    attach_stdin = not detach and parsed.converted.switch("--interactive")
    env = user_env(parsed, environ, cwd if cwd is not None else os.getcwd())
    config: dict[str, Any] = {
        "User": parsed.converted.text("--user"),
        "Privileged": parsed.converted.switch("--privileged"),
        "Tty": tty,
        "AttachStdin": attach_stdin,
        "AttachStdout": not detach,
        "AttachStderr": not detach,
        "Detach": detach,
        "DetachKeys": parsed.converted.text("--detach-keys"),
        "Env": env or None,
        "WorkingDir": parsed.converted.text("--workdir"),
        "Cmd": list(parsed.command),
    }
    return ExecSpec(parsed.container, config, detach=detach, tty=tty, attach_stdin=attach_stdin,
                    detach_keys=parsed.converted.text("--detach-keys") or None)
