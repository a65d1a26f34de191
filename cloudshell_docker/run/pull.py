"""Pull an image the way ``docker run`` does, its progress on stderr as the docker CLI shows it.

On a terminal each layer keeps its own line, rewritten in place; elsewhere only
the status lines are printed (no progress bars).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from cloudshell_docker.engine.api import Engine
from cloudshell_docker.options.values.reference import ImageRef

__all__ = ["ProgressDisplay", "pull_image"]


class ProgressDisplay:
    """Writes pull progress messages to ``fd`` (None: discard, as ``--quiet`` does)."""

    def __init__(self, fd: int | None, *, is_terminal: bool) -> None:
        self.fd = fd
        self.is_terminal = is_terminal
        self.lines: dict[str, int] = {}  # layer id -> its line, counted from the first

    def write(self, text: str) -> None:
        if self.fd is None or not text:
            return
        data = memoryview(text.encode())
        while data:
            data = data[os.write(self.fd, data):]

    def show(self, message: Mapping[str, Any]) -> None:
        if "aux" in message:
            return
        layer = str(message.get("id") or "")
        has_progress = message.get("progressDetail") is not None
        progress_text = str(message.get("progress") or "")
        diff = 0
        if layer and (has_progress or progress_text):
            if layer not in self.lines:
                self.lines[layer] = len(self.lines)
                if self.is_terminal:
                    self.write("\n")
            diff = len(self.lines) - self.lines[layer]
            if self.is_terminal and diff:
                self.write(f"\x1b[{diff}A")
        else:
            self.lines = {}  # anything else ends the block of layer lines
        self.write(self.render(message, has_progress, progress_text, layer))
        if layer and self.is_terminal and diff:
            self.write(f"\x1b[{diff}B")

    def render(self, message: Mapping[str, Any], has_progress: bool, progress_text: str, layer: str) -> str:
        stream = str(message.get("stream") or "")
        status = str(message.get("status") or "")
        endl = ""
        text = ""
        if self.is_terminal and not stream and has_progress:
            text += "\x1b[2K\r"
            endl = "\r"
        elif has_progress and _moving(message.get("progressDetail")):
            return ""  # no progress bars off a terminal
        if layer:
            text += f"{layer}: "
        if message.get("from"):
            text += f"(from {message['from']}) "
        if (has_progress and self.is_terminal) or progress_text:
            return text + f"{status} {progress_text}{endl}"
        if stream:
            return text + f"{stream}{endl}"
        return text + f"{status}{endl}\n"


def _moving(detail: Any) -> bool:
    if not isinstance(detail, Mapping):
        return False
    return int(detail.get("current") or 0) > 0 or int(detail.get("total") or 0) > 0


def pull_image(engine: Engine, ref: ImageRef, *, platform: str | None, display: ProgressDisplay) -> None:
    """Pull ``ref`` (by its full name, as the docker CLI asks); EngineError when the engine cannot."""
    messages: Iterable[Mapping[str, Any]] = engine.pull(ref.name, tag=ref.pull_tag, platform=platform)
    for message in messages:
        display.show(message)
