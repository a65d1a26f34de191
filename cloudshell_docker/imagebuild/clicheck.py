"""A build's flags checked as the docker CLI that will run it checks them, before any credentials are fetched. Pure.

csdocker's own parse (``args``) knows every flag of every CLI that can run a BuildKit build
and checks only the syntax. Once the CLI is known, this module refuses what that CLI would
refuse at its own parse, with its words: a CLI with BuildKit built in (18.09 to 22.x, read
from 20.10) has no buildx flag (``--load``, ``--push``, ...) and checks the values of
``--tag``, ``--add-host``, ``--build-arg``, ``--label``, ``--ulimit``, the sizes and the
numbers the moment they are typed (pflag's Set). A CLI that builds through the buildx plugin
checks its flags in buildx, later; csdocker leaves those to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from cloudshell_docker.errors import DockerUsageError, UsageError
from cloudshell_docker.imagebuild.flags import BUILTIN_BUILDKIT_FLAGS
from cloudshell_docker.options import pflag
from cloudshell_docker.options.values.gocompat import GoValueError, go_parse_ip, go_quote
from cloudshell_docker.options.values.lists import validate_env, validate_label
from cloudshell_docker.options.values.reference import InvalidReference, parse_image
from cloudshell_docker.options.values.scalars import parse_bytes, parse_int, parse_memswap
from cloudshell_docker.options.values.ulimit import parse_ulimit

__all__ = ["BUILTIN_BUILDKIT_TABLE", "check_builtin_buildkit_flags", "validate_extra_host_2010", "validate_tag"]

_HEX_ID = re.compile(r"[a-f0-9]{64}")


def validate_tag(value: str) -> str:
    """distribution/reference's ParseNormalizedNamed, with the words of the CLI 20.10's copy of it."""
    if _HEX_ID.fullmatch(value):
        raise GoValueError(f"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings")
    try:
        parse_image(value)
    except InvalidReference as err:
        if str(err).startswith("invalid reference format: repository name ("):
            raise GoValueError("invalid reference format: repository name must be lowercase") from None
        raise
    return value


def validate_extra_host_2010(value: str) -> str:
    """The CLI 20.10's ValidateExtraHost: ``host:ip`` only (``host=ip`` came with 25.0)."""
    host, sep, address = value.partition(":")
    if not sep or not host:
        raise GoValueError(f"bad format for add-host: {go_quote(value)}")
    if address != "host-gateway" and go_parse_ip(address.strip()) is None:
        raise GoValueError(f"invalid IP address in add-host: {go_quote(address)}")
    return value


_CHECKS: dict[str, Any] = {
    "--tag": validate_tag,
    "--add-host": validate_extra_host_2010,
    "--build-arg": validate_env,
    "--label": validate_label,
    "--ulimit": parse_ulimit,
    "--memory": parse_bytes,
    "--shm-size": parse_bytes,
    "--memory-swap": parse_memswap,
    "--cpu-shares": parse_int,
    "--cpu-period": parse_int,
    "--cpu-quota": parse_int,
}

BUILTIN_BUILDKIT_TABLE = pflag.FlagTable(
    replace(flag, convert=_CHECKS[flag.name]) if flag.name in _CHECKS else flag for flag in BUILTIN_BUILDKIT_FLAGS
)


def check_builtin_buildkit_flags(kept: Sequence[str], words: Sequence[str]) -> None:
    """DockerUsageError, in the CLI's words and layout, for what a CLI with BuildKit built in refuses
    at its parse; ``kept`` is the build's argv without csdocker's options, ``words`` the command's."""
    try:
        pflag.parse(kept, BUILTIN_BUILDKIT_TABLE, interspersed=True)
    except UsageError as err:
        raise DockerUsageError(f"{err.message}\nSee 'docker {' '.join(words)} --help'.") from None
