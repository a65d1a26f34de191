"""The detached follower's process title: its argv, as ``ps`` and /proc/PID/cmdline show it.

The follower is a fork of ``csdocker run -d ...``: without this it would show the whole
command line (``--mfa-token 123456``, ``--role-arn``, ``-e`` values) for as long as the
container lives. Python keeps its own copies of the arguments, so the memory the kernel shows
(``arg_start``..``arg_end``, fields 48 and 49 of /proc/self/stat) is not used any more and
can be written over in place, as setproctitle(3) does. No privilege is needed (prctl's
PR_SET_MM would need CAP_SYS_RESOURCE), and re-executing is not an option: the follower's
secrets exist only in its memory.
"""

from __future__ import annotations

__all__ = ["set_title"]

_ARG_START_FIELD = 48  # 1-based, as proc(5) numbers them
_ARG_END_FIELD = 49


def _argv_area() -> tuple[int, int] | None:
    try:
        with open("/proc/self/stat", "rb") as handle:
            stat = handle.read()
        # The command name (field 2) is in parentheses and may hold spaces or ")": split after the last one.
        rest = stat.rsplit(b")", 1)[1].split()
        start, end = int(rest[_ARG_START_FIELD - 3]), int(rest[_ARG_END_FIELD - 3])
    except (OSError, ValueError, IndexError):
        return None
    if start <= 0 or end <= start:
        return None
    return start, end


def set_title(title: str) -> bool:
    """Replace this process's argv, as others see it, with ``title``; False where that cannot be done."""
    area = _argv_area()
    if area is None:
        return False
    import ctypes

    start, end = area
    size = end - start
    text = title.encode("utf-8", "replace")[: size - 1]
    # NUL-padded to the end, the last byte included: the kernel then shows exactly this range.
    ctypes.memmove(start, text + b"\0" * (size - len(text)), size)
    return True
