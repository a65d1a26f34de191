"""The label on every container a relay serves (``csdocker run --inject relay``).

``csdocker exec`` recognises such a container by it: the container has its credentials from its
relay (the URL and token in its environment), and must not be handed static ones that contradict them.
A container's labels and environment include its image's: an image can carry the label and a
"relay" URL of its choosing. So the label counts only when the image does not carry it, and the
relay's URL and token only when they are not the image's own (``trusted_relay_container``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudshell_docker.relay.network import OWNER_LABEL

__all__ = ["RELAY_LABELS", "is_relay_container", "trusted_relay_container"]

RELAY_LABELS: Mapping[str, str] = {OWNER_LABEL: "relay-container"}


def is_relay_container(labels: Mapping[str, str] | None) -> bool:
    """Whether a container with ``labels`` was created by ``csdocker run --inject relay``."""
    given = labels or {}
    return bool(given) and all(given.get(key) == value for key, value in RELAY_LABELS.items())


def trusted_relay_container(config: Mapping[str, Any], image_config: Mapping[str, Any] | None) -> bool:
    """Whether a container's ``Config`` says it is a relay container, in words its image did not put there.

    ``image_config``: the ``Config`` of the container's image (None when the engine has no such
    image: nothing can be told apart then, and nothing is trusted).
    """
    from cloudshell_docker.credentials.container import FULL_URI_VAR, TOKEN_VAR

    if not is_relay_container(config.get("Labels")) or image_config is None:
        return False
    if is_relay_container(image_config.get("Labels")):
        return False
    relay_entries = {entry for entry in _strings(config.get("Env"))
                     if entry.partition("=")[0] in (FULL_URI_VAR, TOKEN_VAR)}
    return not relay_entries & set(_strings(image_config.get("Env")))


def _strings(values: Iterable[Any] | None) -> list[str]:
    return [value for value in values or () if isinstance(value, str)]
