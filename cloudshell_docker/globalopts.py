"""docker's global options (``csdocker -H HOST run ...``), split off before the subcommand. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["GlobalOptions", "split_global_options"]


@dataclass(frozen=True)
class GlobalOptions:
    """The docker CLI's global options, as given (None: not given)."""

    config: str | None = None  # --config DIR
    context: str | None = None  # -c / --context NAME
    hosts: tuple[str, ...] = ()  # -H / --host (repeatable in docker; one is used)
    debug: bool = False  # -D
    log_level: str | None = None  # -l / --log-level
    tls: bool = False
    tlscacert: str | None = None
    tlscert: str | None = None
    tlskey: str | None = None
    tlsverify: bool | None = None
    version: bool = False  # -v / --version: handed to the docker CLI


def split_global_options(argv: Sequence[str]) -> tuple[GlobalOptions, list[str]]:
    """(global options, the rest starting at the subcommand). UsageError for a bad one."""
    raise NotImplementedError
