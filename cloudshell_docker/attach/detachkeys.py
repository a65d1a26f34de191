"""The detach key sequence (ctrl-p,ctrl-q or ``--detach-keys``) and the stdin filter that spots it.

With a TTY the docker CLI watches stdin itself: the sequence is never sent to the
container, a partial match is held back until it either completes (detach) or
fails (the held keys are sent after all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_DETACH_KEYS", "EscapeFilter", "configured_detach_keys", "detach_sequence", "parse_detach_keys"]

DEFAULT_DETACH_KEYS = b"\x10\x11"  # ctrl-p, ctrl-q

# "ctrl-@" is 0, "ctrl-a" is 1 ... "ctrl-_" is 31, as in the docker CLI's list.
_CTRL_NAMES = {f"ctrl-{c}": code for code, c in enumerate("@abcdefghijklmnopqrstuvwxyz[\\]^_")}


def parse_detach_keys(keys: str) -> bytes:
    """``"ctrl-p,ctrl-q"`` -> ``b"\\x10\\x11"``; a single character stands for itself; ValueError otherwise."""
    codes = bytearray()
    for key in keys.split(","):
        encoded = key.encode()
        if len(encoded) == 1:
            codes += encoded
        elif key in _CTRL_NAMES:
            codes.append(_CTRL_NAMES[key])
        elif key == "DEL":
            codes.append(127)
        else:
            raise ValueError(f"Unknown character: '{key}'")
    return bytes(codes)


def configured_detach_keys(given: str | None, general_config: Mapping[str, Any]) -> str:
    """The detach keys in force, as the docker CLI picks them: ``--detach-keys``, else config.json's
    ``detachKeys``; "" for the default."""
    return given or str(general_config.get("detachKeys") or "")


def detach_sequence(keys: str) -> bytes:
    """The bytes stdin is watched for: ``keys`` read, the default when there are none (or when they do not
    read: the engine refuses such keys at attach or exec create, before a session gets this far)."""
    if not keys:
        return DEFAULT_DETACH_KEYS
    try:
        return parse_detach_keys(keys)
    except ValueError:
        return DEFAULT_DETACH_KEYS


class EscapeFilter:
    """Feed it stdin as it is read; it passes on what goes to the container and says when to detach."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self.matched = 0  # how many keys of the sequence are being held back

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to send on, whether the sequence is now complete)."""
        keys = self.keys
        if not keys:
            return data, False
        matched = self.matched
        if matched == 0:
            start = data.find(keys[0])
            if start < 0:
                return data, False
        else:
            start = 0
        out = bytearray(data[:start])
        for byte in data[start:]:
            if byte == keys[matched]:
                matched += 1
                if matched == len(keys):
                    self.matched = 0
                    return bytes(out), True
                continue
            # Not the sequence after all: the held keys go out, and this byte with
            # them (the docker CLI does not retry it as the start of a new match).
            out += keys[:matched]
            out.append(byte)
            matched = 0
        self.matched = matched
        return bytes(out), False
