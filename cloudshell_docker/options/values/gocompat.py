"""The Go standard-library parsers the docker CLI leans on, with Go's acceptance rules and error texts.

A docker flag value is accepted or refused by Go code (strconv, time, net,
encoding/csv); csdocker must accept and refuse the same strings, with the
same words, or scripts that work with docker break with csdocker.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ipaddress

__all__ = [
    "GoValueError",
    "go_atoi",
    "go_csv_record",
    "go_format_ip",
    "go_parse_bool",
    "go_parse_duration",
    "go_parse_float",
    "go_parse_int",
    "go_parse_ip",
    "go_parse_mac",
    "go_parse_uint",
    "go_quote",
    "go_quote_rune",
]

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


class GoValueError(Exception):
    """A flag value Go would refuse; ``str()`` is Go's error text."""


def go_quote(text: str) -> str:
    """strconv.Quote: a double-quoted Go string literal."""
    out = ['"']
    escapes = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
               "\\": "\\\\", '"': '\\"'}
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def go_quote_rune(char: str) -> str:
    """%q of a single byte or rune: ``'x'``."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + go_quote(char)[1:-1] + "'"


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def go_parse_bool(text: str) -> bool:
    """strconv.ParseBool."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise GoValueError(f"strconv.ParseBool: parsing {go_quote(text)}: invalid syntax")


def _underscore_ok(text: str) -> bool:
    """Go's underscoreOK: '_' only between digits (a base prefix counts as a digit)."""
    saw = "^"
    i = 0
    if text[:1] in ("+", "-"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        i = 2
        saw = "0"
        hexadecimal = text[1].lower() == "x"
    while i < len(text):
        char = text[i]
        if char.isdigit() or (hexadecimal and char.lower() in "abcdef"):
            saw = "0"
        elif char == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def _parse_unsigned(text: str, base: int, func: str, original: str) -> int:
    def syntax() -> GoValueError:
        return GoValueError(f"strconv.{func}: parsing {go_quote(original)}: invalid syntax")

    if text == "":
        raise syntax()
    base0 = base == 0
    digits = text
    if base == 0:
        base = 10
        if text[0] == "0":
            if len(text) >= 3 and text[1].lower() == "b":
                base, digits = 2, text[2:]
            elif len(text) >= 3 and text[1].lower() == "o":
                base, digits = 8, text[2:]
            elif len(text) >= 3 and text[1].lower() == "x":
                base, digits = 16, text[2:]
            else:
                base, digits = 8, text[1:] or "0"
    if base0 and "_" in text:
        if not _underscore_ok(text):
            raise syntax()
        digits = digits.replace("_", "")
    if digits == "" or not all(c in "0123456789abcdefghijklmnopqrstuvwxyz"[:base] for c in digits.lower()):
        raise syntax()
    return int(digits, base)


def go_parse_int(text: str, base: int = 0, bits: int = 64, func: str = "ParseInt") -> int:
    """strconv.ParseInt(text, base, bits)."""
    body = text
    negative = False
    if body[:1] in ("+", "-"):
        negative = body[0] == "-"
        body = body[1:]
    value = _parse_unsigned(body, base, func, text)
    value = -value if negative else value
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not low <= value <= high:
        raise GoValueError(f"strconv.{func}: parsing {go_quote(text)}: value out of range")
    return value


def go_parse_uint(text: str, base: int = 0, bits: int = 64) -> int:
    """strconv.ParseUint(text, base, bits)."""
    value = _parse_unsigned(text, base, "ParseUint", text)
    if value >= 1 << bits:
        raise GoValueError(f"strconv.ParseUint: parsing {go_quote(text)}: value out of range")
    return value


def go_atoi(text: str) -> int:
    """strconv.Atoi."""
    return go_parse_int(text, 10, 64, func="Atoi")


_DECIMAL_FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][+-]?\d+")
_SPECIAL_FLOAT = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


def go_parse_float(text: str) -> float:
    """strconv.ParseFloat(text, 64)."""
    original = text
    if "_" in text:  # Go literal syntax: underscores between digits
        if not _underscore_ok(text):
            raise GoValueError(f"strconv.ParseFloat: parsing {go_quote(original)}: invalid syntax")
        text = text.replace("_", "")
    if _DECIMAL_FLOAT.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text):
        value = float(text)
    elif _HEX_FLOAT.fullmatch(text):
        sign = -1.0 if text.startswith("-") else 1.0
        value = sign * float.fromhex(text.lstrip("+-"))
    else:
        raise GoValueError(f"strconv.ParseFloat: parsing {go_quote(original)}: invalid syntax")
    if math.isinf(value) and not _SPECIAL_FLOAT.fullmatch(text):
        raise GoValueError(f"strconv.ParseFloat: parsing {go_quote(original)}: value out of range")
    return value


def go_float_to_int64(value: float) -> int:
    """int64(f) as amd64 does it: out-of-range and NaN give the minimum int64."""
    if math.isnan(value) or not INT64_MIN <= value < 2.0**63:
        return INT64_MIN
    return int(value)


_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


def go_parse_duration(text: str) -> int:
    """time.ParseDuration, in nanoseconds."""
    original = text

    def invalid() -> GoValueError:
        return GoValueError(f"time: invalid duration {go_quote(original)}")

    negative = False
    if text[:1] in ("-", "+"):
        negative = text[0] == "-"
        text = text[1:]
    if text == "0":
        return 0
    if text == "":
        raise invalid()
    total = 0
    while text:
        if not (text[0] == "." or (text[0].isascii() and text[0].isdigit())):
            raise invalid()
        match = re.match(r"[0-9]*", text)
        assert match is not None
        whole_digits = match.group()
        text = text[len(whole_digits):]
        whole = int(whole_digits) if whole_digits else 0
        if whole > 1 << 63:
            raise invalid()
        fraction, scale, has_fraction = 0, 1.0, False
        if text.startswith("."):
            text = text[1:]
            match = re.match(r"[0-9]*", text)
            assert match is not None
            fraction_digits = match.group()
            text = text[len(fraction_digits):]
            has_fraction = bool(fraction_digits)
            for digit in fraction_digits:  # Go stops accumulating once it would overflow
                if fraction > (INT64_MAX - 9) // 10:
                    break
                fraction = fraction * 10 + int(digit)
                scale *= 10
        if not whole_digits and not has_fraction:
            raise invalid()
        end = 0
        while end < len(text) and not (text[end] == "." or (text[end].isascii() and text[end].isdigit())):
            end += 1
        if end == 0:
            raise GoValueError(f"time: missing unit in duration {go_quote(original)}")
        unit_name, text = text[:end], text[end:]
        unit = _DURATION_UNITS.get(unit_name)
        if unit is None:
            raise GoValueError(f"time: unknown unit {go_quote(unit_name)} in duration {go_quote(original)}")
        if whole > (1 << 63) // unit:
            raise invalid()
        value = whole * unit
        if fraction > 0:
            value += int(float(fraction) * (float(unit) / scale))
            if value > 1 << 63:
                raise invalid()
        total += value
        if total > 1 << 63:
            raise invalid()
    if negative:
        return -total
    if total > INT64_MAX:
        raise invalid()
    return total


def go_parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """net.ParseIP: an address, or None (Go has no zones and no leading zeros here)."""
    if "%" in text or not text:
        return None
    import ipaddress  # only when an address is given: start-up time matters

    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def go_format_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """net.IP.String: IPv4-mapped IPv6 addresses print as IPv4."""
    if address.version == 6 and address.ipv4_mapped is not None:  # the Literal version narrows the type
        return str(address.ipv4_mapped)
    return str(address)


_HEX = set("0123456789abcdefABCDEF")


def go_parse_mac(text: str) -> bool:
    """Whether net.ParseMAC accepts ``text`` (EUI-48, EUI-64 or 20-octet IPoIB)."""
    if len(text) < 14:
        return False
    if text[2] in ":-":
        if (len(text) + 1) % 3:
            return False
        count = (len(text) + 1) // 3
        if count not in (6, 8, 20):
            return False
        separator = text[2]
        for i in range(count):
            group = text[3 * i:3 * i + 2]
            if len(group) != 2 or not set(group) <= _HEX:
                return False
            if i < count - 1 and text[3 * i + 2] != separator:
                return False
        return True
    if text[4] == ".":
        if (len(text) + 1) % 5:
            return False
        count = 2 * (len(text) + 1) // 5
        if count not in (6, 8, 20):
            return False
        for i in range(count // 2):
            group = text[5 * i:5 * i + 4]
            if len(group) != 4 or not set(group) <= _HEX:
                return False
            if i < count // 2 - 1 and text[5 * i + 4] != ".":
                return False
        return True
    return False


def go_csv_record(text: str) -> list[str]:
    """The first record encoding/csv's Reader reads from ``text`` (comma-separated, RFC 4180 quotes).

    Go refuses a bare quote inside an unquoted field and stray text after a
    closing quote; it skips empty lines and answers "EOF" when there is no record.
    """
    lines = text.split("\n")
    line_no = 0
    while line_no < len(lines) and lines[line_no].rstrip("\r") == "":
        line_no += 1
    if line_no >= len(lines):
        raise GoValueError("EOF")
    start_line = line_no + 1
    line = lines[line_no]
    fields: list[str] = []
    pos = 0

    def error(column: int, what: str, at_line: int) -> GoValueError:
        prefix = f"record on line {start_line}; " if at_line != start_line else ""
        return GoValueError(f"{prefix}parse error on line {at_line}, column {column}: {what}")

    def strip_eol(value: str) -> str:
        return value[:-1] if value.endswith("\r") else value

    line = strip_eol(line)
    while True:
        if pos < len(line) and line[pos] == '"':
            pos += 1
            value = []
            current_line = line_no
            while True:
                quote = line.find('"', pos)
                if quote < 0:
                    value.append(line[pos:])
                    current_line += 1
                    if current_line >= len(lines):
                        raise error(len(line) + 1, 'extraneous or missing " in quoted-field', current_line)
                    value.append("\n")
                    line = strip_eol(lines[current_line])
                    line_no = current_line
                    pos = 0
                    continue
                value.append(line[pos:quote])
                pos = quote + 1
                if pos < len(line) and line[pos] == '"':
                    value.append('"')
                    pos += 1
                    continue
                if pos >= len(line):
                    fields.append("".join(value))
                    return fields
                if line[pos] == ",":
                    pos += 1
                    fields.append("".join(value))
                    break
                raise error(len(line[:pos - 1].encode()) + 1, 'extraneous or missing " in quoted-field', line_no + 1)
            if pos >= len(line) and line.endswith(","):
                fields.append("")
                return fields
            continue
        end = line.find(",", pos)
        field = line[pos:] if end < 0 else line[pos:end]
        bare = field.find('"')
        if bare >= 0:
            raise error(len(line[:pos + bare].encode()) + 1, 'bare " in non-quoted-field', line_no + 1)
        fields.append(field)
        if end < 0:
            return fields
        pos = end + 1
