"""Detach keys: parsed as the docker CLI parses them; spotted in stdin exactly where its escape proxy spots them."""

from __future__ import annotations

import random

import pytest

from cloudshell_docker.attach.detachkeys import (
    DEFAULT_DETACH_KEYS,
    EscapeFilter,
    configured_detach_keys,
    detach_sequence,
    parse_detach_keys,
)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("ctrl-p,ctrl-q", b"\x10\x11"),
        ("ctrl-@", b"\x00"),
        ("ctrl-a,ctrl-z", b"\x01\x1a"),
        ("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", b"\x1b\x1c\x1d\x1e\x1f"),
        ("a,b", b"ab"),
        ("ctrl-x,x", b"\x18x"),
        ("DEL", b"\x7f"),
        ("q", b"q"),
    ],
)
def test_parse(keys, expected):
    assert parse_detach_keys(keys) == expected


@pytest.mark.parametrize(("keys", "bad"), [("foo", "foo"), ("ctrl-P", "ctrl-P"), ("ctrl-p,", ""), ("é", "é")])
def test_parse_refuses_with_the_cli_words(keys, bad):
    with pytest.raises(ValueError, match=rf"^Unknown character: '{bad}'$"):
        parse_detach_keys(keys)


def test_default_is_ctrl_p_ctrl_q():
    assert parse_detach_keys("ctrl-p,ctrl-q") == DEFAULT_DETACH_KEYS


class GoEscapeProxy:
    """A line-by-line model of moby/term's escapeProxy.Read (the docker CLI's), the oracle here."""

    def __init__(self, keys: bytes, reads: list[bytes], bufsize: int) -> None:
        self.keys, self.reads, self.bufsize = keys, list(reads), bufsize
        self.pos = 0
        self.held = b""

    def read(self) -> tuple[bytes, bool, bool]:
        """(bytes returned, escape error, the source is exhausted)."""
        keys = self.keys
        if keys and self.pos == len(keys):
            return b"", True, False
        buf = bytearray(self.bufsize)
        n = 0
        if self.held:
            n = min(len(self.held), len(buf))
            buf[:n] = self.held[:n]
            self.held = self.held[n:]
        exhausted = not self.reads
        if self.reads:
            chunk = self.reads.pop(0)
            room = len(buf) - n
            if len(chunk) > room:
                self.reads.insert(0, chunk[room:])
                chunk = chunk[:room]
            buf[n : n + len(chunk)] = chunk
            n += len(chunk)
        i = 0
        while i < n:
            if buf[i] == keys[self.pos]:
                self.pos += 1
                if self.pos == len(keys):
                    return bytes(buf[: max(i + 1 - self.pos, 0)]), True, False
                i += 1
                continue
            if i < self.pos:
                preserve = keys[: self.pos] + bytes(buf[:n])
                n = min(len(buf), len(preserve))
                buf[:n] = preserve[:n]
                i += self.pos
                self.held += preserve[n:]
            self.pos = 0
            i += 1
        n = max(n - self.pos, 0)
        return bytes(buf[:n]), False, exhausted and not self.held

    def run(self) -> tuple[bytes, bool]:
        out = bytearray()
        while True:
            data, escaped, done = self.read()
            out += data
            if escaped:
                return bytes(out), True
            if done:
                return bytes(out), False


def ours(keys: bytes, reads: list[bytes]) -> tuple[bytes, bool]:
    escape = EscapeFilter(keys)
    out = bytearray()
    for chunk in reads:
        data, detached = escape.feed(chunk)
        out += data
        if detached:
            return bytes(out), True
    return bytes(out), False


@pytest.mark.parametrize("keys", [b"\x10\x11", b"\x18x", b"aa", b"q"])
def test_same_as_the_cli_proxy_on_random_typing(keys):
    rng = random.Random(keys)
    alphabet = sorted(set(keys) | {ord("z"), ord("\r")})
    for _ in range(3000):
        text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, rng.randint(0, 4))))
        reads = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if b > a]
        assert ours(keys, reads) == GoEscapeProxy(keys, reads, bufsize=32 * 1024).run(), reads


@pytest.mark.parametrize(
    ("reads", "expected"),
    [
        ([b"ls\r\x10\x11"], (b"ls\r", True)),
        ([b"ab\x10", b"\x11cd"], (b"ab", True)),  # held across reads, then dropped
        ([b"\x10", b"x"], (b"\x10x", False)),  # not the sequence: the held key goes out after all
        ([b"\x10\x10\x11"], (b"\x10\x10\x11", False)),  # the CLI does not restart a match on the failing key
        ([b"\x10"], (b"", False)),  # a lone ctrl-p waits for what follows
    ],
)
def test_examples(reads, expected):
    assert ours(DEFAULT_DETACH_KEYS, reads) == expected


def test_longer_sequence_broken_across_reads_sends_what_was_typed():
    # With three or more keys the CLI's proxy can send a key twice (it prepends the whole held
    # prefix although part of it is still in the current read): a bug not worth copying.
    reads = [b"\razba", b"b\r", b"z"]
    assert GoEscapeProxy(b"abc", reads, bufsize=32 * 1024).run() == (b"\razbabb\rz", False)
    assert ours(b"abc", reads) == (b"".join(reads), False)


def test_no_keys_passes_everything():
    assert EscapeFilter(b"").feed(b"\x10\x11") == (b"\x10\x11", False)


@pytest.mark.parametrize(("given", "config", "expected"), [
    ("ctrl-a", {"detachKeys": "ctrl-b"}, "ctrl-a"),  # --detach-keys wins
    (None, {"detachKeys": "ctrl-b"}, "ctrl-b"),  # else config.json's
    ("", {"detachKeys": "ctrl-b"}, "ctrl-b"),
    (None, {}, ""),  # else the default
])
def test_the_keys_in_force_are_the_flags_then_config_jsons(given, config, expected):
    assert configured_detach_keys(given, config) == expected


@pytest.mark.parametrize(("keys", "expected"), [("", DEFAULT_DETACH_KEYS), ("ctrl-x,x", b"\x18x"),
                                                ("nonsense", DEFAULT_DETACH_KEYS)])
def test_the_sequence_watched_for_falls_back_to_the_default(keys, expected):
    assert detach_sequence(keys) == expected
