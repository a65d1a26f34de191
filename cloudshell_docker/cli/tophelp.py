"""``csdocker --help``: every command csdocker handles itself, from the command table."""

from __future__ import annotations

from cloudshell_docker import __version__
from cloudshell_docker.cli.table import COMMANDS

__all__ = ["top_help"]


def top_help() -> str:
    width = max(len(command.name) for command in COMMANDS)
    lines = [
        "Usage:  csdocker [DOCKER OPTIONS] COMMAND [ARG...]",
        "",
        f"csdocker {__version__}: docker with the host's temporary AWS credentials, for the commands below.",
        "Any other command is handed to the docker CLI unchanged (docker --help lists them), so",
        "`alias docker=csdocker` is safe. docker's global options (-H, --context, --config, -D, ...) apply.",
        "",
        "csdocker's commands:",
    ]
    for command in COMMANDS:
        also = [" ".join(words) for words in command.words[1:]]
        lines.append(f"  {command.name:<{width}}  {command.summary}")
        if also:
            lines.append(f"  {'':<{width}}  also: {', '.join(also)}")
    lines += [
        "",
        "pull and push of any other image, and every other command, are the docker CLI's.",
        "Run 'csdocker COMMAND --help' for a command's options, csdocker's own among them; a CSDOCKER_*",
        "variable sets each own option's default (CSDOCKER_ROLE_ARN for --role-arn, ...), a flag wins.",
    ]
    return "\n".join(lines) + "\n"
