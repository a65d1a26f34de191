"""The one exception family csdocker raises, and the exit codes it maps to.

Every error message is written for the person at the terminal: one line, no
secret in it. ``cli`` is the only place that prints them and picks the exit code.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum

__all__ = [
    "CredentialError",
    "CsDockerError",
    "DockerUsageError",
    "EngineError",
    "ExitCode",
    "UsageError",
    "causes",
]


class ExitCode(IntEnum):
    """Exit statuses, following ``docker run`` where csdocker stands in for it."""

    OK = 0
    ERROR = 1  # env / whoami: the credentials could not be had
    USAGE = 2  # env / whoami: bad command line
    DOCKER = 125  # run: the run itself failed (bad flag, daemon error, no credentials)
    CANNOT_INVOKE = 126  # run: the container's command cannot be invoked
    NOT_FOUND = 127  # run: the container's command was not found
    INTERRUPTED = 130


class CsDockerError(Exception):
    """An error with a one-line message that is safe to show.

    ``exit_code`` is what the error means for ``csdocker run``; the other
    commands map it to their own codes in ``cli``.
    """

    exit_code: ExitCode = ExitCode.DOCKER

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class UsageError(CsDockerError):
    """A bad flag, a bad flag value, or a missing image name."""


class DockerUsageError(UsageError):
    """A usage error in the docker CLI's own words and layout, printed as it prints it (no ``csdocker:``)."""


class CredentialError(CsDockerError):
    """No usable credentials from the chosen source."""


class EngineError(CsDockerError):
    """The Docker engine refused, failed, or could not be reached."""


def causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and everything it wraps, each once (requests -> urllib3 -> OSError).

    Follows ``__cause__``, ``__context__``, a ``reason`` attribute (urllib3's errors)
    and exceptions passed as arguments (requests wraps urllib3's that way).
    """
    seen: set[int] = set()
    stack: list[BaseException] = [err]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for inner in (current.__cause__, current.__context__, getattr(current, "reason", None),
                      *(arg for arg in current.args if isinstance(arg, BaseException))):
            if isinstance(inner, BaseException):
                stack.append(inner)
