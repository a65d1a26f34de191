"""Image references as the docker CLI reads them: valid or not, named or an ID, familiar spelling.

The grammar is that of distribution/reference (which the docker CLI uses): a
name of path components, optionally behind a registry domain, then ``:tag`` and
``@digest``; an image ID (64 hex digits, or ``sha256:...``) is not a name and is
never pulled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ImageRef", "InvalidReference", "parse_image"]

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_REFERENCE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")
_DIGEST_ONLY = re.compile(rf"^{_DIGEST}$")
_NAME_MAX = 255

DEFAULT_DOMAIN = "docker.io"
OFFICIAL_PREFIX = "library/"


class InvalidReference(ValueError):
    """The docker CLI's message for an image reference it cannot read."""


@dataclass(frozen=True)
class ImageRef:
    """A named image reference, normalised (``docker.io/library/busybox``)."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """The short form people type (``busybox``, ``user/app``, ``host:5000/app``)."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        if self.path.startswith(OFFICIAL_PREFIX) and "/" not in self.path[len(OFFICIAL_PREFIX):]:
            return self.path[len(OFFICIAL_PREFIX):]
        return self.path

    def familiar_string(self, *, default_tag: bool = True) -> str:
        """``busybox:latest`` for ``busybox`` (a bare name gets ``latest``, as the CLI says it)."""
        tag = self.tag
        if tag is None and self.digest is None and default_tag:
            tag = "latest"
        text = self.familiar_name
        if tag is not None:
            text += f":{tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def pull_tag(self) -> str:
        """What ``POST /images/create`` takes as ``tag``: the digest, the tag, or ``latest``."""
        return self.digest or self.tag or "latest"


def _split_domain(name: str) -> tuple[str, str]:
    slash = name.find("/")
    first = name[:slash]
    if slash == -1 or (not any(c in first for c in ".:") and first != "localhost" and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, name[slash + 1:]
    if domain == "index.docker.io":
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse_image(image: str) -> ImageRef | None:
    """The named reference ``image`` stands for; None for an image ID; InvalidReference if unreadable."""
    if _IDENTIFIER.match(image) or _DIGEST_ONLY.match(image):
        return None
    domain, remainder = _split_domain(image)
    colon = remainder.find(":")
    remote = remainder[:colon] if colon > -1 else remainder
    if remote.lower() != remote:
        raise InvalidReference(f"invalid reference format: repository name ({remote}) must be lowercase")
    match = _REFERENCE.match(f"{domain}/{remainder}")
    if match is None:
        raise InvalidReference("invalid reference format")
    name, tag, digest = match.groups()
    if len(name) > _NAME_MAX:
        raise InvalidReference(f"repository name must not be more than {_NAME_MAX} characters")
    return ImageRef(domain=domain, path=name[len(domain) + 1:], tag=tag, digest=digest)
