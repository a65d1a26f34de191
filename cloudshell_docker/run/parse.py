"""argv of ``csdocker run`` -> ParsedRun. Pure: no daemon, no files, no environment.

The syntax is pflag's (``options.pflag``), as the docker CLI configures it for ``run``: options
stop at the first argument that is not a flag (IMAGE), and everything after IMAGE is the
container's. csdocker's own options (options.own.OWN_FLAGS, long only) may appear anywhere before
IMAGE. Each docker flag value is checked as pflag checks it, so the first bad one fails with the
CLI's words.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options import pflag
from cloudshell_docker.options.own import OWN_FLAGS
from cloudshell_docker.run.flags import RUN_FLAGS
from cloudshell_docker.run.spec import ParsedRun

__all__ = ["parse_run_args"]


def parse_run_args(argv: Sequence[str]) -> ParsedRun:
    """Split ``[OPTIONS] IMAGE [COMMAND] [ARG...]``; raise UsageError for a bad flag."""
    parsed = pflag.parse(argv, RUN_FLAGS, own=OWN_FLAGS, interspersed=False)
    help_requested = parsed.switch("--help")
    if not parsed.positionals and not help_requested:
        raise UsageError("'docker run' requires at least 1 argument", exit_code=ExitCode.ERROR)
    image, *command = parsed.positionals or ("",)
    return ParsedRun(
        image=image,
        command=tuple(command),
        own=dict(parsed.own),
        docker_args=parsed.kept[: len(parsed.kept) - len(parsed.positionals)],
        help_requested=help_requested,
        converted=parsed.converted,
    )
