"""The label on every container a relay serves (``csdocker run --inject relay``).

``csdocker exec`` recognises such a container by it: the container has its credentials from its
relay (the URL and token in its environment), and must not be handed static ones that contradict them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cloudshell_docker.relay.network import OWNER_LABEL

__all__ = ["RELAY_LABELS", "is_relay_container"]

RELAY_LABELS: Mapping[str, str] = {OWNER_LABEL: "relay-container"}


def is_relay_container(labels: Mapping[str, str] | None) -> bool:
    """Whether a container with ``labels`` was created by ``csdocker run --inject relay``."""
    given = labels or {}
    return bool(given) and all(given.get(key) == value for key, value in RELAY_LABELS.items())
