"""argv of ``csdocker run`` -> ParsedRun. Pure: no daemon, no files, no environment."""

from __future__ import annotations

from collections.abc import Sequence

from cloudshell_docker.runargs.spec import ParsedRun

__all__ = ["parse_run_args"]


def parse_run_args(argv: Sequence[str]) -> ParsedRun:
    """Split ``[OPTIONS] IMAGE [COMMAND] [ARG...]``; raise UsageError for a bad flag."""
    raise NotImplementedError
