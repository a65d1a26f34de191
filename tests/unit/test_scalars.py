"""Single-valued flag types, value by value (found by scripts/mutation.sh).

Every expected value and error text here is what the docker CLI 28.2.2 sent to the
recording engine (tests/support/recorder.py) or printed, for ``docker run FLAG VALUE``:
the field named in each table (NanoCpus, Memory, MemorySwap, BlkioWeight, CpuShares) or
the text after ``invalid argument "VALUE" for "FLAG" flag: ``.
"""

from __future__ import annotations

import pytest

from cloudshell_docker.options.values.gocompat import GoValueError
from cloudshell_docker.options.values.scalars import (
    parse_bytes,
    parse_int,
    parse_memswap,
    parse_nano_cpus,
    parse_uint16,
    parse_uint64,
    ram_in_bytes,
)

Expected = int | str  # a value, or Go's error text


def outcome(parse: object, text: str) -> Expected:
    try:
        return parse(text)  # type: ignore[operator,no-any-return]
    except GoValueError as err:
        return str(err)


def rational(text: str) -> str:
    return f"failed to parse {text} as a rational number"


# --cpus -> NanoCpus: big.Rat's syntax (base prefixes, fractions, exponents, underscores between
# digits), whole nanoCPUs, and the low 64 bits of what does not fit.
CPUS = [
    ("0x10", 16_000_000_000), ("0X10", 16_000_000_000), ("0b11", 3_000_000_000), ("0o7", 7_000_000_000),
    ("-0x2", -2_000_000_000), ("+2", 2_000_000_000), ("-3/2", -1_500_000_000), ("0x1/0x2", 500_000_000),
    ("1.5e0", 1_500_000_000), ("1_0", 10_000_000_000), ("1_0.5", 10_500_000_000), ("1.5_0", 1_500_000_000),
    ("0_7", 7_000_000_000), ("1_0e1", 100_000_000_000), ("1_0/2", 5_000_000_000), ("2/1_0", 200_000_000),
    ("0x_1", 1_000_000_000), ("3/1", 3_000_000_000), ("010/1", 8_000_000_000), ("0.000000001", 1),
    ("9223372036854775808/1000000000", -9223372036854775808), ("0x8" + "0" * 1023 + "/1", 0),
    ("9223372037", -9223372036709551616), ("18446744074", 290448384),
    ("9223372036.854775808", -9223372036854775808), ("1e400", 0), ("1e1_0", -8446744073709551616),
    ("inf", rational("inf")), ("nan", rational("nan")), ("Infinity", rational("Infinity")),
    ("1/0", rational("1/0")), ("3/", rational("3/")), ("3/-2", rational("3/-2")), (" 1", rational(" 1")),
    ("", rational("")), ("0x", rational("0x")), ("0.5/2", rational("0.5/2")), ("_1", rational("_1")),
    ("1__0", rational("1__0")), ("1_", rational("1_")), ("1_.5", rational("1_.5")), ("1._5", rational("1._5")),
    ("1e_1", rational("1e_1")), ("1/2/3", rational("1/2/3")),
]


@pytest.mark.parametrize(("text", "expected"), CPUS, ids=[repr(text) for text, _ in CPUS])
def test_cpus(text, expected):
    assert outcome(parse_nano_cpus, text) == expected


def test_cpus_more_precise_than_a_nanocpu():
    assert outcome(parse_nano_cpus, "0.0000000001") == "value is too precise"
    assert outcome(parse_nano_cpus, "1/3") == "value is too precise"


# -m -> Memory (go-units RAMInBytes: binary multiples whatever the spelling).
MEMORY = [
    ("512m", 536870912), ("1g", 1073741824), ("512MiB", 536870912), ("1.5 GB", 1610612736), ("100b", 100),
    ("100B", 100), ("7", 7), ("1kb", 1024), ("1kib", 1024), ("1KiB", 1024), ("1t", 1099511627776),
    ("1p", 1125899906842624), ("1 ", 1), ("1.5", 1), ("1e3", 1000), ("1mb", 1048576), ("1gb", 1073741824),
    ("1Mb", 1048576), ("2 m", 2097152), ("0.5k", 512), ("1.5b", 1), ("9e18", 9000000000000000000),
    ("1e19", -9223372036854775808), ("0", 0),
    ("1x", "invalid suffix: 'x'"), ("1bb", "invalid suffix: 'bb'"), ("1kbb", "invalid suffix: 'kbb'"),
    ("1kxb", "invalid suffix: 'kxb'"), ("1kix", "invalid suffix: 'kix'"), ("1abcd", "invalid suffix: 'abcd'"),
    ("1ABCD", "invalid suffix: 'ABCD'"), ("1X", "invalid suffix: 'x'"), ("1KXB", "invalid suffix: 'kxb'"),
    ("1kibb", "invalid suffix: 'kibb'"), ("1KIBB", "invalid suffix: 'KIBB'"),
    (" 1", 'strconv.ParseFloat: parsing " 1": invalid syntax'),
    ("-1", "invalid size: '-1'"), ("m", "invalid size: 'm'"),
]


@pytest.mark.parametrize(("text", "expected"), MEMORY, ids=[repr(text) for text, _ in MEMORY])
def test_memory(text, expected):
    assert outcome(ram_in_bytes, text) == expected
    assert outcome(parse_bytes, text) == expected


@pytest.mark.parametrize(("text", "expected"), [("-1", -1), ("1g", 1073741824), ("-2", "invalid size: '-2'")])
def test_memory_swap(text, expected):
    assert outcome(parse_memswap, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0x10", 16), ("65535", 65535), ("010", 8),
     ("65536", 'strconv.ParseUint: parsing "65536": value out of range'),
     ("-1", 'strconv.ParseUint: parsing "-1": invalid syntax')],
)
def test_blkio_weight(text, expected):
    assert outcome(parse_uint16, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0x10", 16), ("010", 8), ("0b11", 3), ("1_000", 1000), ("-9223372036854775808", -9223372036854775808),
     ("9223372036854775808", 'strconv.ParseInt: parsing "9223372036854775808": value out of range')],
)
def test_cpu_shares(text, expected):
    assert outcome(parse_int, text) == expected


def test_io_maxiops_is_a_uint64():
    # The CLI parses it everywhere (and only then says it is for Windows daemons).
    assert outcome(parse_uint64, "18446744073709551615") == 18446744073709551615
    assert outcome(parse_uint64, "18446744073709551616") == (
        'strconv.ParseUint: parsing "18446744073709551616": value out of range')
