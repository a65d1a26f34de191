"""The attach stream taken apart byte-exact: frames over a real socket, split at every awkward place."""

from __future__ import annotations

import os
import random
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator

import pytest

from cloudshell_docker.attach.detachkeys import EscapeFilter
from cloudshell_docker.attach.streams import StreamFailure, copy_frames, copy_raw, copy_stdin
from cloudshell_docker.engine.api import Hijacked


def frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


@pytest.fixture
def pair() -> Iterator[tuple[Hijacked, socket.socket]]:
    ours, engine_side = socket.socketpair()
    yield Hijacked(ours), engine_side
    ours.close()
    engine_side.close()


def feed(sock: socket.socket, data: bytes, chunks: list[int]) -> threading.Thread:
    """Send ``data`` in pieces of the given sizes (cycled), then close: what the engine does."""

    def send() -> None:
        view, i = memoryview(data), 0
        while view:
            size = chunks[i % len(chunks)]
            sock.sendall(view[:size])
            view = view[size:]
            i += 1
        sock.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


class Sink:
    """A temporary file behind a descriptor: what was written, exactly."""

    def __init__(self) -> None:
        self.fd, self.path = tempfile.mkstemp(prefix="csdt-sink-")

    def read(self) -> bytes:
        with open(self.path, "rb") as handle:
            return handle.read()

    def close(self) -> None:
        os.close(self.fd)
        os.unlink(self.path)


@pytest.fixture
def sinks() -> Iterator[tuple[Sink, Sink]]:
    out, err = Sink(), Sink()
    yield out, err
    out.close()
    err.close()


@pytest.mark.parametrize("chunks", [[1], [3, 5, 7], [8], [9], [4096], [65536, 1, 200000], [1 << 20]])
def test_frames_split_anywhere_keep_streams_apart(pair, sinks, chunks):
    conn, engine_side = pair
    out, err = sinks
    rng = random.Random(sum(chunks))
    sizes = (0, 1, 7, 8, 9, 100, 4096) if min(chunks) < 100 else (0, 1, 7, 8, 9, 100, 4096, 32768, 70000)
    expected_out, expected_err, stream = bytearray(), bytearray(), bytearray()
    for _ in range(300):
        kind = rng.choice((1, 2, 0))
        payload = rng.randbytes(rng.choice(sizes))
        stream += frame(kind, payload)
        (expected_err if kind == 2 else expected_out).extend(payload)
    sender = feed(engine_side, bytes(stream), chunks)
    copy_frames(conn, out.fd, err.fd)
    sender.join()
    assert out.read() == bytes(expected_out)
    assert err.read() == bytes(expected_err)


def test_every_byte_value_survives(pair, sinks):
    conn, engine_side = pair
    out, err = sinks
    every = bytes(range(256)) * 64
    sender = feed(engine_side, frame(1, every) + frame(2, every[::-1]), [100])
    copy_frames(conn, out.fd, err.fd)
    sender.join()
    assert out.read() == every
    assert err.read() == every[::-1]


def test_unattached_stream_is_dropped(pair, sinks):
    conn, engine_side = pair
    out, _ = sinks
    sender = feed(engine_side, frame(2, b"to nobody") + frame(1, b"to stdout"), [5])
    copy_frames(conn, out.fd, None)
    sender.join()
    assert out.read() == b"to stdout"


def test_bytes_read_ahead_by_http_come_first(sinks):
    ours, engine_side = socket.socketpair()
    out, err = sinks
    whole = frame(1, b"hello ") + frame(2, b"oops") + frame(1, b"world")
    conn = Hijacked(ours, None, whole[:11])  # the header and part of the first payload were buffered
    sender = feed(engine_side, whole[11:], [3])
    copy_frames(conn, out.fd, err.fd)
    sender.join()
    ours.close()
    engine_side.close()
    assert (out.read(), err.read()) == (b"hello world", b"oops")


def test_torn_header_at_the_end_is_dropped(pair, sinks):
    conn, engine_side = pair
    out, err = sinks
    sender = feed(engine_side, frame(1, b"done") + b"\x01\x00\x00", [2])
    copy_frames(conn, out.fd, err.fd)
    sender.join()
    assert out.read() == b"done"


def test_engine_error_in_stream(pair, sinks):
    conn, engine_side = pair
    out, err = sinks
    sender = feed(engine_side, frame(1, b"a") + frame(3, b"the engine broke"), [4])
    with pytest.raises(StreamFailure) as failure:
        copy_frames(conn, out.fd, err.fd)
    sender.join()
    assert failure.value.message == "error from daemon in stream: the engine broke"
    assert failure.value.exit_code == 1
    assert out.read() == b"a"


def test_unknown_stream_number(pair, sinks):
    conn, engine_side = pair
    out, err = sinks
    sender = feed(engine_side, frame(7, b"x"), [64])
    with pytest.raises(StreamFailure, match=r"^Unrecognized input header: 7$"):
        copy_frames(conn, out.fd, err.fd)
    sender.join()


def test_closed_stdout_is_the_docker_cli_broken_pipe(pair):
    conn, engine_side = pair
    read_end, write_end = os.pipe()
    os.close(read_end)
    sender = feed(engine_side, frame(1, b"nobody reads this"), [64])
    with pytest.raises(StreamFailure) as failure:
        copy_frames(conn, write_end, None)
    sender.join()
    os.close(write_end)
    assert failure.value.message == "write /dev/stdout: broken pipe"


def test_tty_stream_is_copied_raw(pair, sinks):
    conn, engine_side = pair
    out, _ = sinks
    data = random.Random(1).randbytes(300000) + frame(1, b"not a frame")
    sender = feed(engine_side, data, [1000, 3])
    copy_raw(conn, out.fd)
    sender.join()
    assert out.read() == data


def test_stdin_reaches_the_engine_then_eof(pair):
    conn, engine_side = pair
    read_end, write_end = os.pipe()
    data = random.Random(2).randbytes(1 << 20)
    received = bytearray()

    def collect() -> None:
        while chunk := engine_side.recv(65536):
            received.extend(chunk)

    collector = threading.Thread(target=collect)
    collector.start()
    writer = threading.Thread(target=lambda: (os.write(write_end, data) and None, os.close(write_end)))
    writer.start()
    detached = copy_stdin(conn, read_end, None)
    conn.close_write()  # what the runner does at stdin's EOF: the engine sees the end
    writer.join()
    collector.join(timeout=10)
    os.close(read_end)
    assert detached is False
    assert bytes(received) == data


def test_stdin_detach_keys_stop_the_copy(pair):
    conn, engine_side = pair
    read_end, write_end = os.pipe()
    os.write(write_end, b"ls\r\x10\x11after")
    detached = copy_stdin(conn, read_end, EscapeFilter(b"\x10\x11"))
    os.close(write_end)
    os.close(read_end)
    engine_side.settimeout(2)
    assert detached is True
    assert engine_side.recv(100) == b"ls\r"  # the keys themselves never reach the container


@pytest.mark.parametrize("source", ["file", "file-at-offset", "pipe", "socket"])
def test_stdin_from_files_pipes_and_sockets(pair, tmp_path, source):
    # Files go by sendfile, pipes by splice, anything else through a buffer: the bytes are the same.
    conn, engine_side = pair
    data = random.Random(8).randbytes(3 << 20)
    received = bytearray()
    chunks = iter(lambda: engine_side.recv(65536), b"")
    collector = threading.Thread(target=lambda: [received.extend(chunk) for chunk in chunks])
    collector.start()
    closers = []
    if source.startswith("file"):
        path = tmp_path / "stdin"
        path.write_bytes(data)
        in_fd = os.open(path, os.O_RDONLY)
        if source == "file-at-offset":
            os.lseek(in_fd, 1000, os.SEEK_SET)  # what a script's earlier read left: the rest is sent
            data = data[1000:]
        closers.append(in_fd)
    elif source == "pipe":
        in_fd, write_end = os.pipe()
        threading.Thread(target=lambda: (os.write(write_end, data), os.close(write_end))).start()
        closers.append(in_fd)
    else:
        reader, writer = socket.socketpair()
        threading.Thread(target=lambda: (writer.sendall(data), writer.close())).start()
        in_fd = reader.fileno()
        closers.append(reader)
    assert copy_stdin(conn, in_fd, None) is False
    conn.close_write()
    collector.join(timeout=20)
    for item in closers:
        item.close() if hasattr(item, "close") else os.close(item)
    assert bytes(received) == data
