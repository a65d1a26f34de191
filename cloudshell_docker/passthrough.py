"""Hand a command line that is not csdocker's to the docker CLI, unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

__all__ = ["exec_docker"]


def exec_docker(argv: Sequence[str]) -> NoReturn:
    """Replace this process with ``docker ARGV...``; exit 127 when there is no docker CLI."""
    raise NotImplementedError
