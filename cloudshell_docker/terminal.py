"""The caller's terminal: is it one, raw mode, window size. Replaceable in tests."""

from __future__ import annotations

__all__ = ["Terminal"]


class Terminal:
    @classmethod
    def from_stdio(cls) -> Terminal:
        return cls()
