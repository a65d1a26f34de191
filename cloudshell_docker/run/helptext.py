"""The help of ``csdocker run`` (and ``exec``): csdocker's own options with their variables, then docker's."""

from __future__ import annotations

from collections.abc import Sequence

from cloudshell_docker.options.environ import variable_for
from cloudshell_docker.options.own import OWN_FLAGS, OwnFlag

__all__ = ["own_option_lines", "run_help"]


def own_option_lines(flags: Sequence[OwnFlag] = OWN_FLAGS) -> list[str]:
    """One line per own option: name, value, help, and the CSDOCKER_* variable that sets its default."""
    lines = []
    for flag in flags:
        name = f"{', '.join(flag.names)} {flag.metavar}".rstrip()
        lines.append(f"  {name:<34} {flag.help} (env: {variable_for(flag)})")
    return lines


def run_help() -> str:
    lines = [
        "Usage:  csdocker run [OPTIONS] IMAGE [COMMAND] [ARG...]",
        "",
        "Run a container as `docker run` does, with temporary AWS credentials injected",
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION).",
        "",
        "csdocker options (mix freely with docker run's; a CSDOCKER_* variable sets the default,",
        "a flag wins; a repeatable option's variable is a comma-separated list that the flags replace):",
        *own_option_lines(),
        "",
        "Every `docker run` flag is accepted too: see `docker run --help`.",
    ]
    return "\n".join(lines)
