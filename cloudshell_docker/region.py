"""The region a container gets: --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["resolve_region"]


def resolve_region(explicit: str | None, environ: Mapping[str, str], profile: str | None = None) -> str | None:
    """The region, or None when none is configured anywhere."""
    raise NotImplementedError
