"""Which registry host names are ECR private registries, and what they say: account, region, endpoint kind.

The forms AWS documents for ``docker login``: ``ACCOUNT.dkr.ecr.REGION.<dns suffix>``, its
FIPS variant ``dkr.ecr-fips``, and the dual-stack ``ACCOUNT.dkr-ecr.REGION.on.aws``. ECR
Public (``public.ecr.aws``) is not one: it is pulled anonymously.

The DNS suffix follows the region's partition, as botocore's ``data/partitions.json`` says
(``PARTITIONS`` below, checked against botocore's file by the unit tests): ``cn-*`` regions
only under ``amazonaws.com.cn``, ``us-gov-*`` and the commercial ones under ``amazonaws.com``,
the ISO partitions under their own suffixes. A region no partition's pattern matches belongs
to ``aws``, as botocore resolves it. A host whose suffix is not its region's partition's is
no ECR registry (csdocker would otherwise ask one partition's ECR for a token for another's
host). The dual-stack ``on.aws`` names serve the ``aws`` and ``aws-us-gov`` partitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PARTITIONS", "EcrHost", "Partition", "parse_ecr_host", "partition_of"]


@dataclass(frozen=True)
class Partition:
    """A row of botocore's partitions.json: its id, its regions' pattern, its DNS suffix."""

    id: str
    region_regex: str
    dns_suffix: str


# botocore 1.43 data/partitions.json, in its order (the first whose pattern matches is the region's).
PARTITIONS: tuple[Partition, ...] = (
    Partition("aws", r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$", "amazonaws.com"),
    Partition("aws-cn", r"^cn\-\w+\-\d+$", "amazonaws.com.cn"),
    Partition("aws-eusc", r"^eusc\-(de)\-\w+\-\d+$", "amazonaws.eu"),
    Partition("aws-iso", r"^us\-iso\-\w+\-\d+$", "c2s.ic.gov"),
    Partition("aws-iso-b", r"^us\-isob\-\w+\-\d+$", "sc2s.sgov.gov"),
    Partition("aws-iso-e", r"^eu\-isoe\-\w+\-\d+$", "cloud.adc-e.uk"),
    Partition("aws-iso-f", r"^us\-isof\-\w+\-\d+$", "csp.hci.ic.gov"),
    Partition("aws-us-gov", r"^us\-gov\-\w+\-\d+$", "amazonaws.com"),
)
_DUAL_STACK_PARTITIONS = ("aws", "aws-us-gov")

_REGION = r"[a-z]+(?:-[a-z]+)+-[0-9]+"
_SUFFIXES = "|".join(sorted({re.escape(partition.dns_suffix) for partition in PARTITIONS}))
_IPV4_ONLY = re.compile(rf"^([0-9]{{12}})\.dkr\.ecr(-fips)?\.({_REGION})\.({_SUFFIXES})$")
_DUAL_STACK = re.compile(rf"^([0-9]{{12}})\.dkr-ecr(-fips)?\.({_REGION})\.on\.aws$")


@dataclass(frozen=True)
class EcrHost:
    """An ECR private registry: whose (``account``), where (``region``), and how its API is reached."""

    host: str
    account: str
    region: str
    fips: bool = False
    dual_stack: bool = False


def partition_of(region: str) -> Partition:
    """The partition ``region`` is in, as botocore decides it (``aws`` when no pattern matches)."""
    for partition in PARTITIONS:
        if re.match(partition.region_regex, region, re.ASCII):
            return partition
    return PARTITIONS[0]


def parse_ecr_host(domain: str) -> EcrHost | None:
    """The ECR registry ``domain`` (an image reference's registry part) names, or None.

    A port, a path or a trailing dot make it something else: ECR is always served on 443
    under exactly these names; so does a suffix of another partition than the region's.
    """
    host = domain.lower()
    match = _IPV4_ONLY.match(host)
    if match is not None:
        account, fips, region, suffix = match.groups()
        if partition_of(region).dns_suffix != suffix:
            return None
        return EcrHost(host=host, account=account, region=region, fips=bool(fips))
    match = _DUAL_STACK.match(host)
    if match is not None:
        account, fips, region = match.groups()
        if partition_of(region).id not in _DUAL_STACK_PARTITIONS:
            return None
        return EcrHost(host=host, account=account, region=region, fips=bool(fips), dual_stack=True)
    return None
