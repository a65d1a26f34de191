"""One call as the client sends it (client.encode_request), decoded. Pure."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Request", "decode_request"]


@dataclass(frozen=True)
class Request:
    client_pids: tuple[int, int]  # the client's pid and parent pid
    umask: int
    cwd: bytes
    launcher: str
    ignored_signals: tuple[int, ...]
    argv: tuple[str, ...]
    environ: dict[bytes, bytes]


def decode_request(body: bytes) -> Request:
    """ValueError for a body that is not one."""
    fields = body.split(b"\0")
    if len(fields) < 6:
        raise ValueError("short request")
    pids, umask, cwd, launcher, ignored, count = fields[:6]
    pid, _, ppid = pids.partition(b",")
    argc = int(count)
    if argc < 0 or len(fields) < 6 + argc:
        raise ValueError("bad argument count")
    argv = tuple(arg.decode("utf-8", "surrogateescape") for arg in fields[6:6 + argc])
    environ: dict[bytes, bytes] = {}
    for item in fields[6 + argc:]:
        name, sep, value = item.partition(b"=")
        if sep and name:
            environ[name] = value
    return Request(
        client_pids=(int(pid), int(ppid)),
        umask=int(umask) & 0o777,
        cwd=cwd,
        launcher=launcher.decode("utf-8", "surrogateescape"),
        ignored_signals=tuple(int(sig) for sig in ignored.split(b",") if sig),
        argv=argv,
        environ=environ,
    )
