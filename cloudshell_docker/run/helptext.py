"""The help of ``csdocker run``: csdocker's own options, then a pointer to docker run's."""

from __future__ import annotations

from cloudshell_docker.options.own import OWN_FLAGS

__all__ = ["run_help"]


def run_help() -> str:
    lines = [
        "Usage:  csdocker run [OPTIONS] IMAGE [COMMAND] [ARG...]",
        "",
        "Run a container as `docker run` does, with temporary AWS credentials injected",
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION).",
        "",
        "csdocker options (mix freely with docker run's):",
    ]
    for flag in OWN_FLAGS:
        name = f"{', '.join(flag.names)} {flag.metavar}".rstrip()
        lines.append(f"  {name:<34} {flag.help}")
    lines += ["", "Every `docker run` flag is accepted too: see `docker run --help`."]
    return "\n".join(lines)
