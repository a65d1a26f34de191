"""A process-wide local time zone for one block: for code that must not depend on it."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

__all__ = ["local_zone"]


@contextlib.contextmanager
def local_zone(name: str) -> Iterator[None]:
    """TZ=``name`` (and time.tzset) inside the block; the previous zone after it."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
