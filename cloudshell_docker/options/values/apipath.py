"""A container reference in an Engine API path, cleaned as the docker CLI's HTTP client cleans it.

The docker CLI builds ``/v1.41/containers/REF/json`` (and ``.../exec``) and its Go client sends
the path through ``path.Clean``: ``/name`` (what ``docker inspect -f '{{.Name}}'`` prints),
``name/``, ``./name``, ``x/../name`` all reach ``/containers/name/...``. docker-py sends the path
as it is built, and the engine answers ``//name`` with a redirect that a POST does not survive
("page not found"). ``container_in_path`` does the CLI's cleaning so that csdocker asks the
engine for the same container the CLI asks for, and says what the CLI meets when the cleaned
path leaves ``/containers/REF/`` (``..``, ``x/..``). Values in a request body
(``--volumes-from``, ``--network container:``, ``--link``, ``--pid``/``--ipc container:``) are
sent by the CLI unchanged: they are not this module's business.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ContainerPath", "container_in_path", "go_path_clean"]

# What the docker CLI prints when a cleaned path lands elsewhere (measured with docker 28).
LISTED = "json: cannot unmarshal array into Go value of type container.InspectResponse"
UNROUTED = "Error response from daemon: page not found"
EMPTY = "invalid container name or ID: value is empty"


def go_path_clean(path: str) -> str:
    """Go's ``path.Clean``: one slash between elements, ``.`` dropped, ``x/..`` folded, ``/..`` = ``/``."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for element in path.split("/"):
        if element in ("", "."):
            continue
        if element == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(element)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


@dataclass(frozen=True)
class ContainerPath:
    """The reference the engine sees (``reference``), or the CLI's error line when it sees none."""

    reference: str | None
    error: str | None = None


def container_in_path(reference: str, api_prefix: str = "/v1.41") -> ContainerPath:
    """Where ``GET {api_prefix}/containers/REFERENCE/json`` lands once cleaned as the CLI cleans it."""
    if reference == "":
        return ContainerPath(None, EMPTY)
    base = f"{api_prefix.rstrip('/')}/containers/"
    cleaned = go_path_clean(f"{base}{reference}/json")
    if cleaned == f"{base}json":
        # The container list's path: the CLI decodes a list where it wanted one container.
        return ContainerPath(None, LISTED)
    if not cleaned.startswith(base) or not cleaned.endswith("/json"):
        return ContainerPath(None, UNROUTED)
    return ContainerPath(cleaned[len(base):-len("/json")])
