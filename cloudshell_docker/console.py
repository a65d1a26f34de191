"""The lines csdocker itself writes to stderr: errors and warnings, always redacted.

Everything csdocker says in its own name goes through here, prefixed ``csdocker:`` so
that it stands apart from the docker CLI's and the container's output.
"""

from __future__ import annotations

import sys
from typing import TextIO

from cloudshell_docker.redact import redact

__all__ = ["print_error", "warn"]


def _write(line: str, stream: TextIO | None) -> None:
    out = sys.stderr if stream is None else stream  # looked up now: tests and the CLI swap sys.stderr
    out.write(f"csdocker: {redact(line)}\n")
    out.flush()


def print_error(message: str, *, stream: TextIO | None = None) -> None:
    """One error line on stderr (or ``stream``)."""
    _write(message, stream)


def warn(message: str, *, stream: TextIO | None = None) -> None:
    """One ``warning:`` line on stderr (or ``stream``)."""
    _write(f"warning: {message}", stream)
