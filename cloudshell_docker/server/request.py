"""One call as the client sends it (client.encode_request), decoded. Pure."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Request", "decode_request"]

_HEAD = 6  # fields before argv


@dataclass(frozen=True)
class Request:
    client_pids: tuple[int, int]  # the client's pid and parent pid
    umask: int
    launcher: str
    ignored_signals: tuple[int, ...]
    limits: tuple[tuple[int, int, int], ...]  # (resource, soft, hard)
    argv: tuple[str, ...]
    environ: dict[bytes, bytes]


def _limit(item: bytes) -> tuple[int, int, int]:
    number, soft, hard = (int(part) for part in item.split(b","))
    return number, soft, hard


def decode_request(body: bytes) -> Request:
    """ValueError for a body that is not one."""
    fields = body.split(b"\0")
    if len(fields) < _HEAD:
        raise ValueError("short request")
    pids, umask, launcher, ignored, limits, count = fields[:_HEAD]
    pid, _, ppid = pids.partition(b",")
    argc = int(count)
    if argc < 0 or len(fields) < _HEAD + argc:
        raise ValueError("bad argument count")
    argv = tuple(arg.decode("utf-8", "surrogateescape") for arg in fields[_HEAD:_HEAD + argc])
    environ: dict[bytes, bytes] = {}
    for item in fields[_HEAD + argc:]:
        name, sep, value = item.partition(b"=")
        if sep and name:
            environ[name] = value
    return Request(
        client_pids=(int(pid), int(ppid)),
        umask=int(umask) & 0o777,
        launcher=launcher.decode("utf-8", "surrogateescape"),
        ignored_signals=tuple(int(sig) for sig in ignored.split(b",") if sig),
        limits=tuple(_limit(item) for item in limits.split(b";") if item),
        argv=argv,
        environ=environ,
    )
