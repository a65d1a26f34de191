"""The region a container gets: --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's.

botocore is imported only when the first three say nothing: start-up time is a feature.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from cloudshell_docker.errors import UsageError

__all__ = ["profile_region", "resolve_region"]

# botocore's own test for a region name: one DNS label, not all digits.
_REGION = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")


def resolve_region(explicit: str | None, environ: Mapping[str, str], profile: str | None = None) -> str | None:
    """The region, or None when none is configured anywhere."""
    if explicit is not None:
        if not _REGION.fullmatch(explicit):
            raise UsageError(f"invalid --region {explicit!r}: expected a region name such as eu-west-1")
        return explicit
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if environ.get(name):
            return environ[name]
    return profile_region(environ, profile)


def _config_path(environ: Mapping[str, str]) -> str:
    path = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    if path.startswith("~") and environ.get("HOME"):
        return environ["HOME"] + path[1:]
    return os.path.expanduser(path)


def profile_region(environ: Mapping[str, str], profile: str | None = None) -> str | None:
    """``region`` of the profile (``profile``, else AWS_PROFILE, else default) in the AWS config file."""
    from botocore.configloader import load_config
    from botocore.exceptions import BotoCoreError

    name = profile or environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"
    try:
        config = load_config(_config_path(environ))
    except (BotoCoreError, OSError, UnicodeDecodeError):
        # No readable config: no region from it. A broken file is the credential source's to report.
        return None
    region = config.get("profiles", {}).get(name, {}).get("region")
    return region if isinstance(region, str) and region else None
