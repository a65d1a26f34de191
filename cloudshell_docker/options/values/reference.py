"""The image argument: distribution/reference's grammar, as the CLI checks it before creating."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudshell_docker.options.values.gocompat import GoValueError

__all__ = ["ImageReference", "parse_image_reference"]

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*"
_HOST = r"(?:" + _DOMAIN_NAME + r"|\[(?:[a-fA-F0-9:]+)\])"
_DOMAIN_AND_PORT = _HOST + r"(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"
_PATH_COMPONENT = _ALNUM + r"(?:" + _SEPARATOR + _ALNUM + r")*"
_REMOTE_NAME = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_NAME = r"(?:" + _DOMAIN_AND_PORT + r"/)?" + _REMOTE_NAME
_REFERENCE = re.compile(r"(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?", re.ASCII)
_ANCHORED_NAME = re.compile(r"(?:(" + _DOMAIN_AND_PORT + r")/)?(" + _REMOTE_NAME + r")", re.ASCII)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_DIGEST_SIZES = {"sha256": 64, "sha384": 96, "sha512": 128}


@dataclass(frozen=True)
class ImageReference:
    named: bool  # a repository name (not a bare image ID or digest)
    tagged: bool  # a name without a digest: content trust would look its tag up


def _check_digest(digest: str) -> None:
    algorithm, _, encoded = digest.partition(":")
    size = _DIGEST_SIZES.get(algorithm)
    if size is None:
        raise GoValueError("unsupported digest algorithm")
    if len(encoded) != size:
        raise GoValueError("invalid checksum digest length")
    if not re.fullmatch(r"[a-f0-9]+", encoded):
        raise GoValueError("invalid checksum digest format")


def _split_docker_domain(name: str) -> tuple[str, str]:
    maybe_domain, sep, remote = name.partition("/")
    if not sep:
        return "docker.io", "library/" + name
    if maybe_domain == "localhost" or any(c in maybe_domain for c in ".:") or maybe_domain.lower() != maybe_domain:
        domain = maybe_domain
    elif maybe_domain == "index.docker.io":
        domain = "docker.io"
    else:
        domain, remote = "docker.io", name
    if domain == "docker.io" and "/" not in remote:
        remote = "library/" + remote
    return domain, remote


def parse_image_reference(image: str) -> ImageReference:
    """ParseAnyReference: an image ID, a digest, or a normalised name; GoValueError with the CLI's words."""
    if _IDENTIFIER.fullmatch(image):
        return ImageReference(named=False, tagged=False)
    if re.fullmatch(_DIGEST, image):
        try:
            _check_digest(image)
            return ImageReference(named=False, tagged=False)
        except GoValueError:
            pass
    domain, remainder = _split_docker_domain(image)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise GoValueError(f"invalid reference format: repository name ({remote}) must be lowercase")
    full = f"{domain}/{remainder}"
    match = _REFERENCE.fullmatch(full)
    if match is None:
        if full == "":
            raise GoValueError("repository name must have at least one component")
        if _REFERENCE.fullmatch(full.lower()):
            raise GoValueError("repository name must be lowercase")
        raise GoValueError("invalid reference format")
    name_match = _ANCHORED_NAME.fullmatch(match.group(1))
    path = name_match.group(2) if name_match else match.group(1)
    if len(path) > 255:
        raise GoValueError("repository name must not be more than 255 characters")
    if match.group(3):
        _check_digest(match.group(3))
    return ImageReference(named=True, tagged=bool(match.group(2)) or not match.group(3))
