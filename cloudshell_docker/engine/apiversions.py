"""The Engine API versions csdocker speaks, and how two versions compare.

The engine connection negotiates within these limits; ``run.apiversion`` rewrites a
create body for the version negotiated. Both read them from here.
"""

from __future__ import annotations

__all__ = ["MAX_API_VERSION", "MIN_API_VERSION", "version_tuple"]

# The newest Engine API version csdocker speaks (that of the docker CLI 28.2 it is
# compared with). The engine connection negotiates min(this, the engine's).
MAX_API_VERSION = "1.50"
# The oldest it supports (docker.io 20.10, Debian 12's engine).
MIN_API_VERSION = "1.41"


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.41"`` -> (1, 41), compared as the API's versions package does (numerically, by part)."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
