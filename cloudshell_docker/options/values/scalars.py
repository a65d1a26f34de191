"""Single-valued flag types: what pflag's bool/int/duration and docker's bytes/decimal accept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudshell_docker.options.values.gocompat import (
    GoValueError,
    go_float_to_int64,
    go_parse_bool,
    go_parse_duration,
    go_parse_float,
    go_parse_int,
    go_parse_uint,
)

if TYPE_CHECKING:
    from fractions import Fraction

__all__ = [
    "parse_bool",
    "parse_bytes",
    "parse_duration",
    "parse_int",
    "parse_memswap",
    "parse_nano_cpus",
    "parse_string",
    "parse_uint16",
    "parse_uint64",
    "ram_in_bytes",
]

_BINARY = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
# big.Int has no size limit; strconv's range check gets one no argument can reach (an argv
# string is at most 128 KiB, under 2**20 bits even in hex).
_RATIONAL_BITS = 1 << 20


def parse_string(text: str) -> str:
    return text


def parse_bool(text: str) -> bool:
    return go_parse_bool(text)


def parse_int(text: str) -> int:
    """pflag's int and int64: base prefixes (0x, 0o, 0b, leading 0) and underscores allowed."""
    return go_parse_int(text, 0, 64)


def parse_uint16(text: str) -> int:
    return go_parse_uint(text, 0, 16)


def parse_uint64(text: str) -> int:
    return go_parse_uint(text, 0, 64)


def parse_duration(text: str) -> int:
    """A Go duration (``1m30s``, ``500ms``) in nanoseconds, as the API wants it."""
    return go_parse_duration(text)


def ram_in_bytes(text: str) -> int:
    """go-units RAMInBytes: ``512m``, ``1g``, ``512MiB``, ``1.5 GB``, ``100b``: binary multiples always."""
    separators = "01234567890. "
    sep = max(text.rfind(char) for char in separators)
    if sep == -1:
        raise GoValueError(f"invalid size: '{text}'")
    if text[sep] != " ":
        number, suffix = text[: sep + 1], text[sep + 1 :]
    else:
        number, suffix = text[:sep], text[sep + 1 :]
    size = go_parse_float(number)
    if size < 0:
        raise GoValueError(f"invalid size: '{text}'")
    if not suffix:
        return go_float_to_int64(size)
    lowered = suffix.lower()
    bad = GoValueError(f"invalid suffix: '{lowered if len(suffix) <= 3 else suffix}'")
    if len(suffix) > 3:
        raise bad
    if lowered[0] == "b":
        if len(lowered) > 1:
            raise bad
        return go_float_to_int64(size)
    if lowered[0] not in _BINARY:
        raise bad
    size *= float(_BINARY[lowered[0]])
    if (len(lowered) == 2 and lowered[1] != "b") or (len(lowered) == 3 and lowered[1:] != "ib"):
        raise bad
    return go_float_to_int64(size)


def parse_bytes(text: str) -> int:
    """docker's MemBytes (``-m``, ``--shm-size``, ``--kernel-memory``...)."""
    return ram_in_bytes(text)


def parse_memswap(text: str) -> int:
    """MemSwapBytes: ``-1`` means unlimited; otherwise a size."""
    if text == "-1":
        return -1
    return ram_in_bytes(text)


def _go_rational(text: str) -> Fraction | None:
    """big.Rat.SetString for the forms people type: ``1.5``, ``3/2``, ``2e-1``, ``0x10``."""
    from fractions import Fraction  # only for --cpus: start-up time matters

    try:
        if "/" in text:
            num, den = text.split("/", 1)
            if not den or den[:1] in "+-":
                return None
            numerator = _go_rational_integer(num)
            denominator = _go_rational_integer(den)
            if numerator is None or denominator is None or denominator == 0:
                return None
            return Fraction(numerator, denominator)
        if text.strip() != text or not text:
            return None
        lowered = text.lower().lstrip("+-")
        if lowered.startswith(("0x", "0b", "0o")):
            integer = _go_rational_integer(text)
            return None if integer is None else Fraction(integer)
        if lowered in ("inf", "infinity", "nan"):
            return None
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def _go_rational_integer(text: str) -> int | None:
    try:
        return go_parse_int(text, 0, _RATIONAL_BITS)
    except GoValueError:
        return None


def parse_nano_cpus(text: str) -> int:
    """``--cpus 1.5`` -> 1500000000: a rational number of CPUs, whole in nanoCPUs."""
    value = _go_rational(text)
    if value is None:
        raise GoValueError(f"failed to parse {text} as a rational number")
    nano = value * 1_000_000_000
    if nano.denominator != 1:
        raise GoValueError("value is too precise")
    wrapped = int(nano) & ((1 << 64) - 1)  # big.Int.Int64 keeps the low 64 bits
    return wrapped - (1 << 64) if wrapped >= 1 << 63 else wrapped
