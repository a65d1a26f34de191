"""Image references: distribution/reference's grammar, as the docker CLI reads them.

One parser for every command that takes an image (run now; pull, push and ECR logins
later). ``parse_image`` is ParseAnyReference: an image ID (64 hex digits) or a bare
digest is not a name and gives None (never pulled); a name is normalised into an
``ImageRef`` (``busybox`` -> ``docker.io/library/busybox``); anything else is an
``InvalidReference`` with the CLI's words. Go's ``\\w`` is ASCII, hence ``re.ASCII``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudshell_docker.options.values.gocompat import GoValueError

__all__ = ["DEFAULT_DOMAIN", "ImageRef", "InvalidReference", "parse_image"]

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_HOST = rf"(?:{_DOMAIN_NAME}|\[(?:[a-fA-F0-9:]+)\])"
_DOMAIN_AND_PORT = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_NAME = rf"(?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME}"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_ANCHORED_NAME = re.compile(rf"(?:({_DOMAIN_AND_PORT})/)?({_REMOTE_NAME})", re.ASCII)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_ANY_DIGEST = re.compile(_DIGEST, re.ASCII)
_DIGEST_SIZES = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_MAX = 255

DEFAULT_DOMAIN = "docker.io"
_LEGACY_DEFAULT_DOMAIN = "index.docker.io"
_OFFICIAL_PREFIX = "library/"


class InvalidReference(GoValueError):
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
    def tagged(self) -> bool:
        """Whether a tag names the image (the one given, or ``latest`` when there is no digest):
        what content trust would look up."""
        return self.tag is not None or self.digest is None

    @property
    def familiar_name(self) -> str:
        """The short form people type (``busybox``, ``user/app``, ``host:5000/app``)."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        if self.path.startswith(_OFFICIAL_PREFIX) and "/" not in self.path[len(_OFFICIAL_PREFIX):]:
            return self.path[len(_OFFICIAL_PREFIX):]
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


def _check_digest(digest: str) -> None:
    """go-digest's Validate for the algorithms it knows."""
    algorithm, _, encoded = digest.partition(":")
    size = _DIGEST_SIZES.get(algorithm)
    if size is None:
        raise InvalidReference("unsupported digest algorithm")
    if len(encoded) != size:
        raise InvalidReference("invalid checksum digest length")
    if not re.fullmatch(r"[a-f0-9]+", encoded):
        raise InvalidReference("invalid checksum digest format")


def _is_digest(image: str) -> bool:
    if not _ANY_DIGEST.fullmatch(image):
        return False
    try:
        _check_digest(image)
    except InvalidReference:
        return False  # not a digest after all: read as a name (``sha256:<32 hex>`` is a tag)
    return True


def _split_docker_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: a first component with ``.`` or ``:``, ``localhost`` or an upper-case
    letter is a registry; otherwise the name is on Docker Hub."""
    first, sep, rest = name.partition("/")
    if not sep or (not any(c in first for c in ".:") and first != "localhost" and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, rest
    if domain == _LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = _OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse_image(image: str) -> ImageRef | None:
    """ParseAnyReference: None for an image ID or a digest, else the normalised name;
    InvalidReference with the CLI's words."""
    if _IDENTIFIER.fullmatch(image) or _is_digest(image):
        return None
    domain, remainder = _split_docker_domain(image)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidReference(f"invalid reference format: repository name ({remote}) must be lowercase")
    full = f"{domain}/{remainder}"
    match = _REFERENCE.fullmatch(full)
    if match is None:
        if _REFERENCE.fullmatch(full.lower()):
            raise InvalidReference("repository name must be lowercase")
        raise InvalidReference("invalid reference format")
    name, tag, digest = match.groups()
    name_match = _ANCHORED_NAME.fullmatch(name)
    if len(name_match.group(2) if name_match else name) > _NAME_MAX:
        raise InvalidReference(f"repository name must not be more than {_NAME_MAX} characters")
    if digest:
        _check_digest(digest)
    return ImageRef(domain=domain, path=name[len(domain) + 1:], tag=tag, digest=digest)
