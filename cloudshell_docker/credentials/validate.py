"""The one check every credential set passes before csdocker uses it, whatever its source.

An answer is not fully trusted (a container endpoint may be any https host; a cache file,
a credential_process, a profile may hold anything), and the values end up in places that
parse them: export lines a shell evaluates, a dotenv file docker reads, HTTP headers, the
environment of a container. So each value must have the shape AWS gives it:

* AccessKeyId: IAM's ``AccessKeyIdType``, 16 to 128 characters of ``[\\w]`` (ASCII letters,
  digits, underscore). Real keys are 20 upper-case letters and digits (``AKIA...``,
  ``ASIA...``); the documented type is kept, not the habit, so that an S3-compatible or test
  service with lower-case keys of that length still works.
* SecretAccessKey and Token: printable ASCII, no whitespace (real ones are base64 and
  ``/+=``); at most 1 KiB and 16 KiB (a real secret has 40 characters, a session token a
  few hundred to about 2 KiB; STS gives no maximum, so the token's is generous).

A refusal names the source and the field, never the value: the value is what is suspect,
and it may be a real secret with one bad byte.
"""

from __future__ import annotations

import re

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CredentialError

__all__ = ["MAX_SECRET_CHARS", "MAX_TOKEN_CHARS", "check_credentials", "field_problem"]

MAX_SECRET_CHARS = 1024
MAX_TOKEN_CHARS = 16 * 1024
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9_]{16,128}")
# Printable ASCII without the space: "!" (0x21) to "~" (0x7e).
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


def field_problem(name: str, value: object, *, optional: bool = False) -> str | None:
    """Why ``value`` is not an acceptable ``name`` (AccessKeyId, SecretAccessKey, Token), or None."""
    if value is None or value == "":
        return None if optional else "is empty"
    if not isinstance(value, str):
        return "is not a string"
    if name == "AccessKeyId":
        if _ACCESS_KEY_ID.fullmatch(value) is None:
            return "is not 16 to 128 letters, digits or underscores"
        return None
    limit = MAX_TOKEN_CHARS if name == "Token" else MAX_SECRET_CHARS
    if len(value) > limit:
        return f"is longer than {limit} characters"
    if _PRINTABLE.fullmatch(value) is None:
        return "holds whitespace, control or non-ASCII characters"
    return None


def check_credentials(creds: AwsCredentials, origin: str) -> AwsCredentials:
    """``creds`` unchanged, or CredentialError ``<origin> gave a malformed <field> (<why>)``."""
    for name, value, optional in (
        ("AccessKeyId", creds.access_key_id, False),
        ("SecretAccessKey", creds.secret_access_key, False),
        ("Token", creds.session_token, True),
    ):
        problem = field_problem(name, value, optional=optional)
        if problem is not None:
            raise CredentialError(f"{origin} gave a malformed {name}: it {problem}")
    return creds
