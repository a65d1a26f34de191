"""The lines csdocker itself writes to stderr: errors and warnings, always redacted.

Everything csdocker says in its own name goes through here, prefixed ``csdocker:`` so
that it stands apart from the docker CLI's and the container's output.
"""

from __future__ import annotations

import sys
import traceback
from typing import TextIO

from cloudshell_docker.redact import redact

__all__ = ["print_error", "print_traceback", "warn"]


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


def print_traceback(err: BaseException, *, stream: TextIO | None = None) -> None:
    """``err``'s full traceback, its causes included (for ``-D``), redacted as a whole.

    Redacted before it is split into lines, so that no registered secret survives in any
    line: in an exception's message, a chained cause, or a quoted source line.
    """
    out = sys.stderr if stream is None else stream
    out.write(redact("".join(traceback.format_exception(err))))
    out.flush()
