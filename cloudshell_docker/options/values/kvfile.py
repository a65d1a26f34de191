"""--env-file / --label-file: the docker CLI's line rules (comments, BOM, bare names looked up)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from cloudshell_docker.options.values.gocompat import GoValueError

__all__ = ["go_os_error", "parse_kv_file", "read_kv_file"]

_MAX_LINE = 64 * 1024  # bufio.Scanner's token limit


def _go_is_space(char: str) -> bool:
    if char in "\t\n\v\f\r \x85\xa0":
        return True
    return ord(char) > 0xFF and char.isspace()


def go_os_error(op: str, path: str, err: OSError) -> str:
    """How Go prints an *os.PathError: ``open PATH: no such file or directory``."""
    reason = os.strerror(err.errno) if err.errno is not None else str(err)
    if err.errno == errno.ENOENT:
        reason = "no such file or directory"
    return f"{op} {path}: {reason[:1].lower()}{reason[1:]}"


def parse_kv_file(content: bytes, lookup: Callable[[str], str | None] | None) -> list[str]:
    """The lines of a KEY=value file; a bare KEY is looked up (dropped when ``lookup`` has none)."""
    lines: list[str] = []
    raw_lines = content.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if len(raw) >= _MAX_LINE:
            raise GoValueError("bufio.Scanner: token too long")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            shown = " ".join(str(byte) for byte in raw)
            raise GoValueError(f"invalid utf8 bytes at line {number}: [{shown}]") from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        index = 0
        while index < len(text) and _go_is_space(text[index]):
            index += 1
        line = text[index:]
        if not line or line[0] == "#":
            continue
        key, sep, _ = line.partition("=")
        if not key:
            raise GoValueError(f"no variable name on line '{line}'")
        if " " in key or "\t" in key:
            raise GoValueError(f"variable '{key}' contains whitespaces")
        if sep:
            lines.append(line)
            continue
        if lookup is not None:
            value = lookup(line)
            if value is not None:
                lines.append(f"{key}={value}")
    return lines


def read_kv_file(path: str, cwd: str, lookup: Callable[[str], str | None] | None) -> list[str]:
    """Read and parse one file; GoValueError with the CLI's text when it cannot."""
    full = path if os.path.isabs(path) else os.path.join(cwd, path)
    try:
        with open(full, "rb") as handle:
            content = handle.read()
    except IsADirectoryError:
        raise GoValueError(f"invalid env file ({path}): read {path}: is a directory") from None
    except OSError as err:
        raise GoValueError(go_os_error("open", path, err)) from None
    try:
        return parse_kv_file(content, lookup)
    except GoValueError as err:
        raise GoValueError(f"invalid env file ({path}): {err}") from None
