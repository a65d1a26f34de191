"""The exit status ``docker run`` gives a failure, read from its message as the docker CLI reads it."""

from __future__ import annotations

from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode

__all__ = ["exit_code_for", "run_failure"]

_NOT_FOUND = ("executable file not found", "no such file or directory", "system cannot find the file specified")
_CANNOT_INVOKE = ("permission denied", "is a directory")


def exit_code_for(message: str) -> ExitCode:
    """127 when the command (or a file) is not found, 126 when it cannot be run, else 125."""
    if any(text in message for text in _NOT_FOUND):
        return ExitCode.NOT_FOUND
    if any(text in message for text in _CANNOT_INVOKE):
        return ExitCode.CANNOT_INVOKE
    return ExitCode.DOCKER


def run_failure(err: CsDockerError) -> EngineError:
    """``err`` as the docker CLI ends a run that failed to create or start: same words, its status."""
    return EngineError(err.message, exit_code=exit_code_for(err.message))
