"""csdocker's own options: one table, shared by ``run``'s parser and the other commands.

``csdocker run`` mixes these with ``docker run``'s flags in any order, so each is
described here as data (name, arity, repeatable) for the run argument parser,
and none of the names is a ``docker run`` flag (a unit test holds that).

``csdocker build`` mixes them with ``docker build``'s flags, three of which have the
same names (``--tag``, ``--no-cache``, ``--policy``): there docker's meaning wins and
csdocker's option is spelled by its alias (``--session-tag``, ``--no-sts-cache``,
``--session-policy``), which every command accepts; ``docker compose`` has ``--profile``
(``--aws-profile`` is csdocker's there) and ``--dry-run``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CHOICES",
    "OWN_FLAGS",
    "SOURCE_FLAGS",
    "OwnFlag",
    "OwnValue",
    "OwnValues",
    "RunOwnOptions",
    "SourceName",
    "SourceOptions",
    "own_flag",
    "run_own_options",
    "source_options",
]

SourceName = Literal["auto", "endpoint", "sts", "chain"]
InjectMode = Literal["env", "relay"]


@dataclass(frozen=True)
class OwnFlag:
    name: str  # the long form, e.g. "--role-arn"
    dest: str  # the key in the parsed values, e.g. "role_arn"
    takes_value: bool
    repeatable: bool = False
    metavar: str = ""
    help: str = ""
    run_only: bool = False  # meaningful only for the commands that start something (run, exec)
    aliases: tuple[str, ...] = ()  # other long forms, accepted by every command

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


OWN_FLAGS: tuple[OwnFlag, ...] = (
    OwnFlag("--source", "source", True, metavar="auto|endpoint|sts|chain",
            help="Force one credential source (default auto: --role-arn means sts; then the "
                 "container endpoint when its variables are set; then the default chain)."),
    OwnFlag("--role-arn", "role_arn", True, metavar="ARN", help="Assume this IAM role with STS."),
    OwnFlag("--session-name", "session_name", True, metavar="NAME",
            help="Role session name (default: csdocker-<UTC timestamp>)."),
    OwnFlag("--duration", "duration", True, metavar="SECONDS",
            help="Assumed-role session duration in seconds (900-43200)."),
    OwnFlag("--external-id", "external_id", True, metavar="ID", help="External ID for AssumeRole."),
    OwnFlag("--mfa-serial", "mfa_serial", True, metavar="ARN",
            help="MFA device serial; the code is asked for on the terminal unless --mfa-token is given."),
    OwnFlag("--mfa-token", "mfa_token", True, metavar="CODE", help="The current MFA code."),
    OwnFlag("--policy-arn", "policy_arns", True, repeatable=True, metavar="ARN",
            help="Managed policy that scopes the session down (repeatable)."),
    OwnFlag("--policy", "policy_file", True, metavar="FILE", aliases=("--session-policy",),
            help="Inline session policy (JSON file) that scopes the session down."),
    OwnFlag("--source-identity", "source_identity", True, metavar="ID",
            help="Source identity for AssumeRole."),
    OwnFlag("--tag", "tags", True, repeatable=True, metavar="KEY=VALUE", aliases=("--session-tag",),
            help="Session tag for AssumeRole (repeatable)."),
    OwnFlag("--profile", "profile", True, metavar="NAME", aliases=("--aws-profile",),
            help="AWS profile for the default chain (and for AssumeRole's own credentials)."),
    OwnFlag("--region", "region", True, metavar="REGION",
            help="Region for the container (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)."),
    OwnFlag("--no-cache", "no_cache", False, aliases=("--no-sts-cache",),
            help="Do not reuse or store assumed-role credentials in the user's cache."),
    OwnFlag("--inject", "inject", True, metavar="env|relay", run_only=True,
            help="env (default): credentials as environment variables; relay: a per-run "
                 "credentials endpoint that keeps them fresh for as long as the container runs."),
    OwnFlag("--dry-run", "dry_run", False, run_only=True,
            help="Print the equivalent docker command (credentials as -e NAME) and create nothing."),
)

# The options every credential-fetching command takes (not run's and exec's --inject, --dry-run).
SOURCE_FLAGS: tuple[OwnFlag, ...] = tuple(flag for flag in OWN_FLAGS if not flag.run_only)

_BY_NAME = {name: flag for flag in OWN_FLAGS for name in flag.names}


def own_flag(name: str) -> OwnFlag | None:
    """The own flag called ``name`` (its long form or an alias), or None."""
    return _BY_NAME.get(name)


# An own option's value as parsed or read from its variable (a repeatable one: a tuple), and the
# values by ``OwnFlag.dest``: the one definition every command's parser and reader uses.
OwnValue = str | bool | tuple[str, ...]
OwnValues = Mapping[str, OwnValue]


@dataclass(frozen=True)
class SourceOptions:
    """Which credentials, and how to get them. Values are as typed; sources validate them."""

    source: SourceName = "auto"
    role_arn: str | None = None
    session_name: str | None = None
    duration: str | None = None
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_token: str | None = None
    policy_arns: tuple[str, ...] = ()
    policy_file: str | None = None
    source_identity: str | None = None
    tags: tuple[str, ...] = ()
    profile: str | None = None
    region: str | None = None
    no_cache: bool = False


@dataclass(frozen=True)
class RunOwnOptions:
    source: SourceOptions
    inject: InjectMode = "env"
    dry_run: bool = False


# Spelled out so that a looked-up value has the Literal type the options' fields declare.
_SOURCES: dict[str, SourceName] = {"auto": "auto", "endpoint": "endpoint", "sts": "sts", "chain": "chain"}
_INJECT: dict[str, InjectMode] = {"env": "env", "relay": "relay"}


def source_options(values: OwnValues) -> SourceOptions:
    """SourceOptions from parsed own-flag values (keys are ``OwnFlag.dest``)."""
    from cloudshell_docker.errors import UsageError

    given = str(values.get("source", "auto"))
    source = _SOURCES.get(given)
    if source is None:
        raise UsageError(f"invalid value {given!r} for --source: expected one of {', '.join(_SOURCES)}")
    kwargs: dict[str, object] = {}
    for flag in OWN_FLAGS:
        if flag.run_only or flag.dest == "source" or flag.dest not in values:
            continue
        value = values[flag.dest]
        kwargs[flag.dest] = tuple(value) if flag.repeatable and isinstance(value, list | tuple) else value
    # The keys are OWN_FLAGS' dests, their types follow from takes_value/repeatable (test_options checks
    # both against SourceOptions' fields); a dict cannot carry one type per key to the checker.
    return SourceOptions(source=source, **kwargs)  # type: ignore[arg-type]


def run_own_options(values: OwnValues) -> RunOwnOptions:
    from cloudshell_docker.errors import UsageError

    given = str(values.get("inject", "env"))
    inject = _INJECT.get(given)
    if inject is None:
        raise UsageError(f"invalid value {given!r} for --inject: expected env or relay")
    return RunOwnOptions(
        source=source_options(values),
        inject=inject,
        dry_run=bool(values.get("dry_run", False)),
    )


# The options whose value is one of a few words, by dest (options.environ checks a variable's against them).
CHOICES: dict[str, tuple[str, ...]] = {"source": tuple(_SOURCES), "inject": tuple(_INJECT)}
