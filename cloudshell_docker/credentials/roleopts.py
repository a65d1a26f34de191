"""The AssumeRole options as typed, checked before any call and turned into the call's parameters. Pure.

The checks follow STS's own constraints (patterns and lengths from the AssumeRole API
reference), so that a typo costs a clear line instead of a round trip and a ValidationError.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import SourceOptions

__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "AssumeRoleSettings",
    "assume_role_params",
    "assume_role_settings",
    "check_mfa_code",
    "default_session_name",
]

MIN_DURATION = 900
MAX_DURATION = 43200
MAX_POLICY_ARNS = 10
MAX_TAGS = 50

_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}", re.ASCII)
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy/[\x21-\x7e]{1,2000}", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_SOURCE_IDENTITY = _SESSION_NAME
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_MFA_CODE = re.compile(r"\d{6}", re.ASCII)
# STS allows Unicode letters, digits, spaces and _.:/=+-@ in tag keys and values.
_TAG_KEY = re.compile(r"[\w .:/=+@-]{1,128}")
_TAG_VALUE = re.compile(r"[\w .:/=+@-]{0,256}")
_NAME_CHARS = "letters, digits and _+=,.@-"


@dataclass(frozen=True)
class AssumeRoleSettings:
    """Checked AssumeRole options. ``policy`` is the inline policy, compacted JSON."""

    role_arn: str
    session_name: str | None = None
    duration: int | None = None
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_token: str | None = field(default=None, repr=False)
    policy_arns: tuple[str, ...] = ()
    policy: str | None = None
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    profile: str | None = None

    @property
    def policy_digest(self) -> str | None:
        return hashlib.sha256(self.policy.encode()).hexdigest() if self.policy is not None else None


def _check(pattern: re.Pattern[str], value: str | None, message: str) -> str | None:
    if value is not None and not pattern.fullmatch(value):
        raise UsageError(message)
    return value


def _duration(value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d+", value, re.ASCII):
        raise UsageError(f"invalid --duration {value!r}: expected a whole number of seconds")
    seconds = int(value)
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise UsageError(f"invalid --duration {value}: must be between {MIN_DURATION} and {MAX_DURATION} seconds")
    return seconds


def _tags(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    tags: list[tuple[str, str]] = []
    seen: set[str] = set()
    for value in values:
        key, sep, tag_value = value.partition("=")
        if not sep or not key:
            raise UsageError(f"invalid --tag {value!r}: expected KEY=VALUE")
        if not _TAG_KEY.fullmatch(key) or not _TAG_VALUE.fullmatch(tag_value):
            raise UsageError(
                f"invalid --tag {value!r}: keys (1-128 characters) and values (0-256) may hold "
                "letters, digits, spaces and _.:/=+-@"
            )
        if key.lower() in seen:  # STS compares tag keys without case
            raise UsageError(f"invalid --tag {value!r}: the key {key!r} is given twice")
        seen.add(key.lower())
        tags.append((key, tag_value))
    if len(tags) > MAX_TAGS:
        raise UsageError(f"too many --tag options: STS accepts at most {MAX_TAGS}")
    return tuple(tags)


def _policy(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as err:
        raise UsageError(f"cannot read --policy file {path}: {err.strerror or type(err).__name__}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--policy file {path} is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except ValueError as err:
        where = f" (line {err.lineno})" if isinstance(err, json.JSONDecodeError) else ""
        raise UsageError(f"--policy file {path} is not valid JSON{where}") from None
    if not isinstance(document, dict):
        raise UsageError(f"--policy file {path} is not a JSON object (a policy document)")
    # STS counts the policy's plaintext against its size limit: send it without the layout.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def assume_role_settings(options: SourceOptions) -> AssumeRoleSettings:
    """Check the AssumeRole options; UsageError names the first bad one."""
    role_arn = options.role_arn
    if not role_arn:
        raise UsageError("--source sts needs --role-arn")
    if not _ROLE_ARN.fullmatch(role_arn):
        raise UsageError(f"invalid --role-arn {role_arn!r}: expected arn:aws:iam::ACCOUNT_ID:role/NAME")
    _check(_SESSION_NAME, options.session_name,
           f"invalid --session-name {options.session_name!r}: 2 to 64 {_NAME_CHARS}")
    _check(_EXTERNAL_ID, options.external_id, "invalid --external-id: 2 to 1224 letters, digits and _+=,.@:/-")
    _check(_MFA_SERIAL, options.mfa_serial,
           f"invalid --mfa-serial {options.mfa_serial!r}: expected an MFA device ARN or serial number")
    _check(_MFA_CODE, options.mfa_token, "invalid --mfa-token: expected the 6-digit code")
    if options.mfa_token is not None and options.mfa_serial is None:
        raise UsageError("--mfa-token needs --mfa-serial")
    _check(_SOURCE_IDENTITY, options.source_identity,
           f"invalid --source-identity {options.source_identity!r}: 2 to 64 {_NAME_CHARS}")
    for arn in options.policy_arns:
        _check(_POLICY_ARN, arn, f"invalid --policy-arn {arn!r}: expected arn:aws:iam::ACCOUNT_ID|aws:policy/NAME")
    if len(options.policy_arns) > MAX_POLICY_ARNS:
        raise UsageError(f"too many --policy-arn options: STS accepts at most {MAX_POLICY_ARNS}")
    return AssumeRoleSettings(
        role_arn=role_arn,
        session_name=options.session_name,
        duration=_duration(options.duration),
        external_id=options.external_id,
        mfa_serial=options.mfa_serial,
        mfa_token=options.mfa_token,
        policy_arns=tuple(options.policy_arns),
        policy=_policy(options.policy_file),
        source_identity=options.source_identity,
        tags=_tags(options.tags),
        profile=options.profile,
    )


def check_mfa_code(code: str) -> str | None:
    """``code`` without surrounding blanks, or None when it is not six digits."""
    code = code.strip()
    return code if _MFA_CODE.fullmatch(code) else None


def default_session_name(now: datetime) -> str:
    """``csdocker-20261128T154200Z``: tells sessions apart in CloudTrail, and fits STS's pattern."""
    return "csdocker-" + now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def assume_role_params(settings: AssumeRoleSettings, session_name: str, token_code: str | None) -> dict[str, Any]:
    """The keyword arguments of ``sts.assume_role`` for ``settings``."""
    params: dict[str, Any] = {"RoleArn": settings.role_arn, "RoleSessionName": session_name}
    if settings.duration is not None:
        params["DurationSeconds"] = settings.duration
    if settings.external_id is not None:
        params["ExternalId"] = settings.external_id
    if settings.mfa_serial is not None:
        params["SerialNumber"] = settings.mfa_serial
        if token_code is not None:
            params["TokenCode"] = token_code
    if settings.policy_arns:
        params["PolicyArns"] = [{"arn": arn} for arn in settings.policy_arns]
    if settings.policy is not None:
        params["Policy"] = settings.policy
    if settings.source_identity is not None:
        params["SourceIdentity"] = settings.source_identity
    if settings.tags:
        params["Tags"] = [{"Key": key, "Value": value} for key, value in settings.tags]
    return params
