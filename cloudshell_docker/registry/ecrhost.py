"""Which registry host names are ECR private registries, and what they say: account, region, endpoint kind.

The forms AWS documents for ``docker login``: ``ACCOUNT.dkr.ecr.REGION.amazonaws.com``,
its FIPS variant ``dkr.ecr-fips``, the China partition's ``.amazonaws.com.cn``, and the
dual-stack ``ACCOUNT.dkr-ecr.REGION.on.aws``. ECR Public (``public.ecr.aws``) is not
one: it is pulled anonymously.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["EcrHost", "parse_ecr_host"]

_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
_IPV4_ONLY = re.compile(rf"^([0-9]{{12}})\.dkr\.ecr(-fips)?\.({_REGION})\.amazonaws\.com(\.cn)?$")
_DUAL_STACK = re.compile(rf"^([0-9]{{12}})\.dkr-ecr(-fips)?\.({_REGION})\.on\.aws$")


@dataclass(frozen=True)
class EcrHost:
    """An ECR private registry: whose (``account``), where (``region``), and how its API is reached."""

    host: str
    account: str
    region: str
    fips: bool = False
    dual_stack: bool = False


def parse_ecr_host(domain: str) -> EcrHost | None:
    """The ECR registry ``domain`` (an image reference's registry part) names, or None.

    A port, a path or a trailing dot make it something else: ECR is always served on 443
    under exactly these names.
    """
    host = domain.lower()
    match = _IPV4_ONLY.match(host)
    if match is not None:
        account, fips, region, _china = match.groups()
        return EcrHost(host=host, account=account, region=region, fips=bool(fips))
    match = _DUAL_STACK.match(host)
    if match is not None:
        account, fips, region = match.groups()
        return EcrHost(host=host, account=account, region=region, fips=bool(fips), dual_stack=True)
    return None
