"""Asking the person at the terminal for an MFA code: on /dev/tty, never on stdin (the container's)."""

from __future__ import annotations

import io
import os

from cloudshell_docker.errors import CredentialError

__all__ = ["tty_prompt", "use_terminal"]

# The terminal of a csdocker call run by the command server, whose child has no /dev/tty of its own.
_terminal_fd: int | None = None


def use_terminal(fd: int) -> None:
    """Ask on ``fd`` (the caller's /dev/tty, handed over) instead of opening /dev/tty."""
    global _terminal_fd
    _terminal_fd = fd


def tty_prompt(text: str) -> str:
    """Write ``text`` to the controlling terminal and read one line back from it."""
    try:
        fd = os.dup(_terminal_fd) if _terminal_fd is not None else os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise CredentialError(
            "an MFA code is needed but there is no terminal to ask it on: give it with --mfa-token"
        ) from None
    with io.TextIOWrapper(io.FileIO(fd, "r+"), encoding="utf-8", write_through=True) as tty:
        tty.write(text)
        tty.flush()
        line = tty.readline()
    if not line:
        raise CredentialError("no MFA code was entered (end of input on the terminal)")
    return line.strip()
