"""Last line of defence: scrub known secret values out of anything csdocker prints."""

from __future__ import annotations

__all__ = ["redact", "register_secret"]

_secrets: set[str] = set()

# Shorter strings are too likely to be ordinary words of a message.
_MIN_SECRET_LEN = 8


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that ``redact`` hides it from now on."""
    if value and len(value) >= _MIN_SECRET_LEN:
        _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
