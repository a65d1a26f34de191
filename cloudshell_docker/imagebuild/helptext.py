"""The head of ``csdocker build --help``: csdocker's own options; the docker CLI's help follows it."""

from __future__ import annotations

from cloudshell_docker.imagebuild.args import BUILD_OWN_FLAGS
from cloudshell_docker.options.environ import variable_for

__all__ = ["build_help_head"]


def build_help_head() -> str:
    lines = [
        "csdocker build: the docker CLI's BuildKit build, with the AWS credentials as the secrets 'aws'",
        "(a shared-credentials file) and 'aws-config' (the region), e.g.",
        "  RUN --mount=type=secret,id=aws,target=/root/.aws/credentials aws s3 cp ...",
        "",
        "csdocker options (mix freely with docker build's; a CSDOCKER_* variable sets the default, a flag wins):",
    ]
    for flag in BUILD_OWN_FLAGS:
        if not flag.run_only:
            spelled = f"{', '.join(flag.names)} {flag.metavar}".rstrip()
            lines.append(f"  {spelled:<34} {flag.help} (env: {variable_for(flag)})")
    return "\n".join(lines) + "\n\n"
