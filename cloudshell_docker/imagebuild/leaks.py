"""Refuse the command lines that would put AWS credentials where they do not belong. Pure.

A ``--build-arg`` is stored in the image's history for anyone who pulls it; with only
a name (``--build-arg AWS_SECRET_ACCESS_KEY``) the CLI takes the value from its own
environment. A user's ``--secret id=aws`` would make it unclear which credentials a
RUN step sees.

The names refused as build arguments are those botocore (and the other AWS SDKs, which
read the same variables) takes credentials from, ahead of or instead of the shared
credentials file csdocker's secret is:

- the credentials themselves: the key pair, the session token (and its legacy name
  ``AWS_SECURITY_TOKEN``), the container endpoint's ``AWS_CONTAINER_AUTHORIZATION_TOKEN``,
  a service's bearer token ``AWS_BEARER_TOKEN_<SERVICE>``;
- where credentials are fetched from: the container endpoint's
  ``AWS_CONTAINER_CREDENTIALS_FULL_URI``/``_RELATIVE_URI`` (ECS's relative URI is itself
  the capability: whoever reaches 169.254.170.2 with it gets the task's role), the token
  files ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` and ``AWS_WEB_IDENTITY_TOKEN_FILE``,
  the legacy ``AWS_CREDENTIAL_FILE`` and the login cache ``AWS_LOGIN_CACHE_DIRECTORY``.

``AWS_SHARED_CREDENTIALS_FILE`` and ``AWS_CONFIG_FILE`` pass: they say where a step
finds csdocker's own secrets (``/run/secrets/aws``). Names that only choose
(``AWS_PROFILE``, ``AWS_ROLE_ARN``, ``AWS_REGION``) hold no secret.

A ``--secret`` value is one CSV record for the CLI, which reads only up to the first
line break: a control character would let ``id=aws,src=F\nx`` be read one way here and
another way there, so any is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence

from cloudshell_docker.credentials.model import is_credential_bearing
from cloudshell_docker.errors import UsageError
from cloudshell_docker.imagebuild.secretfiles import CREDENTIALS_SECRET_ID

__all__ = ["refuse_leaks", "secret_id"]


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


def _control_character(text: str) -> str | None:
    return next((char for char in text if ord(char) < 0x20 or ord(char) == 0x7F), None)


def refuse_leaks(build_args: Sequence[str], secrets: Sequence[str], added_ids: Collection[str]) -> None:
    """UsageError (exit 125) for a credential ``--build-arg`` or a ``--secret`` whose id csdocker adds."""
    for value in build_args:
        name = value.partition("=")[0]
        if is_credential_bearing(name):
            raise UsageError(f"--build-arg {name} would store AWS credentials (or where to fetch them) in the image's "
                             "history and point the build's AWS tools away from csdocker's: csdocker "
                             f"gives them to the build as the secret '{CREDENTIALS_SECRET_ID}' ({_MOUNT})")
    for spec in secrets:
        char = _control_character(spec)
        if char is not None:
            raise UsageError(f"a --secret value holds the control character {char!r}: the docker CLI would read "
                             "only up to it, so its id could not be checked")
        found = secret_id(spec)
        if found in added_ids:
            raise UsageError(f"--secret id={found} clashes with the secret '{found}' that csdocker adds with the "
                             f"AWS credentials: give yours another id")
