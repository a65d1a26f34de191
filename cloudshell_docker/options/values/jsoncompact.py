"""encoding/json.Compact: a seccomp profile inlined as the CLI sends it, refused with Go's words.

The CLI sends the file's JSON with insignificant whitespace removed and nothing
else changed (key order, number spelling, escapes); a malformed file fails with
Go's scanner message (``invalid character 'o' in literal null (expecting 'u')``).
Python's json module words its errors differently and rewrites what it parses,
so this is Go's scanner, as a small state machine over the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudshell_docker.options.values.gocompat import GoValueError, go_quote

__all__ = ["go_json_compact"]

_SPACE = b" \t\r\n"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"

Step = Callable[[int], "Step | None"]  # None: skip the byte (insignificant space)


def _quote_char(byte: int) -> str:
    if byte == ord("'"):
        return "'\\''"
    if byte == ord('"'):
        return "'\"'"
    return "'" + go_quote(chr(byte))[1:-1] + "'"


class _Scanner:
    def __init__(self) -> None:
        self.stack: list[str] = []  # "key", "value" (inside an object), "array"
        self.end_top = False
        self.step: Step = self.begin_value

    def fail(self, byte: int, context: str) -> GoValueError:
        return GoValueError(f"invalid character {_quote_char(byte)} {context}")

    def begin_value_or_empty(self, c: int) -> Step | None:
        if c in _SPACE:
            return None
        if c == ord("]"):
            return self.end_value(c)
        return self.begin_value(c)

    def begin_value(self, c: int) -> Step | None:
        if c in _SPACE:
            return None
        if c == ord("{"):
            self.stack.append("key")
            return self.begin_string_or_empty
        if c == ord("["):
            self.stack.append("array")
            return self.begin_value_or_empty
        if c == ord('"'):
            return self.in_string
        if c == ord("-"):
            return self.negative
        if c == ord("0"):
            return self.zero
        if c in b"123456789":
            return self.number
        literals = {ord("t"): "rue", ord("f"): "alse", ord("n"): "ull"}
        if c in literals:
            word = {ord("t"): "true", ord("f"): "false", ord("n"): "null"}[c]
            return self.literal(word, literals[c])
        raise self.fail(c, "looking for beginning of value")

    def begin_string_or_empty(self, c: int) -> Step | None:
        if c in _SPACE:
            return None
        if c == ord("}"):
            self.stack[-1] = "value"
            return self.end_value(c)
        return self.begin_string(c)

    def begin_string(self, c: int) -> Step | None:
        if c in _SPACE:
            return None
        if c == ord('"'):
            return self.in_string
        raise self.fail(c, "looking for beginning of object key string")

    def end_value(self, c: int) -> Step | None:
        if not self.stack:
            self.end_top = True
            self.step = self.end_top_step
            return self.end_top_step(c)
        if c in _SPACE:
            self.step = self.end_value
            return None
        top = self.stack[-1]
        if top == "key":
            if c == ord(":"):
                self.stack[-1] = "value"
                return self.begin_value
            raise self.fail(c, "after object key")
        if top == "value":
            if c == ord(","):
                self.stack[-1] = "key"
                return self.begin_string
            if c == ord("}"):
                return self.pop()
            raise self.fail(c, "after object key:value pair")
        if c == ord(","):
            return self.begin_value
        if c == ord("]"):
            return self.pop()
        raise self.fail(c, "after array element")

    def pop(self) -> Step:
        self.stack.pop()
        if not self.stack:
            self.end_top = True
            return self.end_top_step
        return self.end_value

    def end_top_step(self, c: int) -> Step | None:
        if c not in _SPACE:
            raise self.fail(c, "after top-level value")
        return None

    def in_string(self, c: int) -> Step:
        if c == ord('"'):
            return self.end_value
        if c == ord("\\"):
            return self.in_string_escape
        if c < 0x20:
            raise self.fail(c, "in string literal")
        return self.in_string

    def in_string_escape(self, c: int) -> Step:
        if c in b'bfnrt\\/"':
            return self.in_string
        if c == ord("u"):
            return self.unicode_escape(4)
        raise self.fail(c, "in string escape code")

    def unicode_escape(self, remaining: int) -> Step:
        def step(c: int) -> Step:
            if c not in _HEX:
                raise self.fail(c, "in \\u hexadecimal character escape")
            return self.in_string if remaining == 1 else self.unicode_escape(remaining - 1)

        return step

    def negative(self, c: int) -> Step | None:
        if c == ord("0"):
            return self.zero
        if c in b"123456789":
            return self.number
        raise self.fail(c, "in numeric literal")

    def number(self, c: int) -> Step | None:
        if c in _DIGITS:
            return self.number
        return self.zero(c)

    def zero(self, c: int) -> Step | None:
        if c == ord("."):
            return self.dot
        if c in b"eE":
            return self.exponent
        return self.end_value(c)

    def dot(self, c: int) -> Step:
        if c in _DIGITS:
            return self.fraction
        raise self.fail(c, "after decimal point in numeric literal")

    def fraction(self, c: int) -> Step | None:
        if c in _DIGITS:
            return self.fraction
        if c in b"eE":
            return self.exponent
        return self.end_value(c)

    def exponent(self, c: int) -> Step:
        if c in b"+-":
            return self.exponent_sign
        return self.exponent_sign(c)

    def exponent_sign(self, c: int) -> Step:
        if c in _DIGITS:
            return self.exponent_digits
        raise self.fail(c, "in exponent of numeric literal")

    def exponent_digits(self, c: int) -> Step | None:
        if c in _DIGITS:
            return self.exponent_digits
        return self.end_value(c)

    def literal(self, word: str, rest: str) -> Step:
        def step(c: int) -> Step:
            if c != ord(rest[0]):
                raise self.fail(c, f"in literal {word} (expecting {_quote_char(ord(rest[0]))})")
            return self.end_value if len(rest) == 1 else self.literal(word, rest[1:])

        return step


def go_json_compact(data: bytes) -> str:
    """``data`` without insignificant whitespace; GoValueError with Go's message when it is not JSON."""
    scanner = _Scanner()
    out = bytearray()
    for byte in data:
        following = scanner.step(byte)
        if following is None:
            continue  # whitespace between tokens
        scanner.step = following
        out.append(byte)
    if not scanner.end_top:
        scanner.step(ord(" "))  # as Go does at the end: it completes a trailing number, or fails as it would
        if not scanner.end_top:
            raise GoValueError("unexpected end of JSON input")
    # encoding/json sends invalid UTF-8 in a string as U+FFFD
    return out.decode("utf-8", errors="replace")
