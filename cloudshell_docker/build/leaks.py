"""Refuse the command lines that would put AWS credentials where they do not belong. Pure.

A ``--build-arg`` is stored in the image's history for anyone who pulls it; with only
a name (``--build-arg AWS_SECRET_ACCESS_KEY``) the CLI takes the value from its own
environment. A user's ``--secret id=aws`` would make it unclear which credentials a
RUN step sees.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence

from cloudshell_docker.build.secretfiles import CREDENTIALS_SECRET_ID
from cloudshell_docker.credentials.model import CREDENTIAL_VARIABLES
from cloudshell_docker.errors import UsageError

__all__ = ["CREDENTIAL_VARIABLES", "refuse_leaks", "secret_id"]


_MOUNT = f"RUN --mount=type=secret,id={CREDENTIALS_SECRET_ID},target=/root/.aws/credentials ..."


def secret_id(spec: str) -> str | None:
    """The ``id`` of a ``--secret`` value (CSV of key=value, keys case-insensitive, the last wins)."""
    try:
        fields = next(csv.reader([spec]), [])
    except csv.Error:
        return None  # the CLI reports it
    found = None
    for item in fields:
        key, has_value, value = item.partition("=")
        if has_value and key.lower() == "id":
            found = value
    return found


def refuse_leaks(build_args: Sequence[str], secrets: Sequence[str], added_ids: Collection[str]) -> None:
    """UsageError (exit 125) for a credential ``--build-arg`` or a ``--secret`` whose id csdocker adds."""
    for value in build_args:
        name = value.partition("=")[0]
        if name in CREDENTIAL_VARIABLES:
            raise UsageError(f"--build-arg {name} would store the credentials in the image's history: csdocker "
                             f"gives them to the build as the secret '{CREDENTIALS_SECRET_ID}' ({_MOUNT})")
    for spec in secrets:
        found = secret_id(spec)
        if found in added_ids:
            raise UsageError(f"--secret id={found} clashes with the secret '{found}' that csdocker adds with the "
                             f"AWS credentials: give yours another id")
