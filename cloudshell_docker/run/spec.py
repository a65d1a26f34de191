"""What the ``docker run`` command line means: the parsed form and the run specification."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from cloudshell_docker.options.own import OwnValues
from cloudshell_docker.options.pflag import FlagValues

__all__ = ["ParsedRun", "PullPolicy", "RunSpec"]

PullPolicy = Literal["always", "missing", "never"]


@dataclass(frozen=True)
class ParsedRun:
    """``csdocker run`` argv split into its parts; nothing is validated beyond the syntax.

    ``converted``: the docker flags in the order typed, each as (canonical long name, value),
    the value as the parser converted it (a bool for ``--rm``/``--rm=false``; read by type with
    ``FlagValues``' readers). ``docker_args`` is argv up to IMAGE with csdocker's own options
    taken out, exactly as typed (for ``--dry-run``).
    """

    image: str
    command: tuple[str, ...]
    own: OwnValues = field(default_factory=dict)
    docker_args: tuple[str, ...] = ()
    help_requested: bool = False
    converted: FlagValues = field(default_factory=FlagValues)


@dataclass(frozen=True)
class RunSpec:
    """Everything the runner needs to create and run one container.

    ``config`` is the JSON body of ``POST /containers/create`` exactly as the docker
    CLI would send it (``Image``, ``Cmd``, ``Env``, ... at the top level, plus
    ``HostConfig`` and ``NetworkingConfig``), written for the newest API version
    csdocker knows; ``run.apiversion.adapt_to_api`` rewrites it for the engine's version.
    The other fields are the client-side behaviour of ``docker run``.
    """

    image: str
    config: Mapping[str, Any]
    name: str | None = None
    platform: str | None = None
    detach: bool = False
    interactive: bool = False  # -i: keep stdin open
    tty: bool = False  # -t
    attach_stdin: bool = False
    attach_stdout: bool = True
    attach_stderr: bool = True
    auto_remove: bool = False  # --rm
    sig_proxy: bool = True
    detach_keys: str | None = None
    cidfile: str | None = None
    pull: PullPolicy = "missing"
    quiet: bool = False
    # The docker flags given (canonical long names): the CLI refuses some by the
    # daemon's API version or OS whatever their value (``adapt_to_api`` checks).
    flags_given: frozenset[str] = frozenset()
    # False when the CLI would send HostConfig.ConsoleSize as [0, 0] even on a
    # terminal (a linux --platform on an API older than 1.42); the runner honours it.
    send_console_size: bool = True

    def with_config(self, **changes: Any) -> RunSpec:
        """A copy whose top-level ``config`` keys are replaced by ``changes``."""
        return replace(self, config={**self.config, **changes})
