"""One pipeline from a command's own options to its credentials, for every command that fetches them.

    options = command_options(given, environ, flags)   own options over their CSDOCKER_* variables
    session = options.open_session(prompt)             the region, the source chosen (nothing fetched)
    creds = session.fetch()                            the secrets registered for redaction, always

``run``, ``exec``, ``build``, ``pull``, ``push``, ``env`` and ``whoami`` all come through here (botocore's one
``create_credential_resolver`` is the model): what differs per command is only where the credentials go
(a create ``Env``, an exec ``Env``, a BuildKit secret, a registry auth header, the relay). Every
command that starts nothing reads only ``SOURCE_FLAGS``; ``run`` and ``exec`` read ``--inject`` and
``--dry-run`` too. The options are checked and the source chosen before anything is fetched, and the
source is wrapped (``RedactedSource``, as ``with_cache`` wraps it) so that whatever fetches from it,
now or later (the relay's refresher, a registry token), registers the secrets: no command can forget.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from cloudshell_docker.console import warn
from cloudshell_docker.credentials import select_source
from cloudshell_docker.credentials.model import AwsCredentials, CredentialSource, credential_env
from cloudshell_docker.credentials.region import resolve_region
from cloudshell_docker.options.environ import attributed, merge_own
from cloudshell_docker.options.own import OWN_FLAGS, OwnFlag, OwnValues, RunOwnOptions, run_own_options
from cloudshell_docker.redact import register_secret

__all__ = ["CommandOptions", "CredentialSession", "RedactedSource", "command_options", "credential_session",
           "redacted"]


class RedactedSource:
    """``inner``, whose every fetch registers the secrets it returns for redaction."""

    def __init__(self, inner: CredentialSource) -> None:
        self.inner = inner

    @property
    def description(self) -> str:
        return self.inner.description

    def fetch(self) -> AwsCredentials:
        creds = self.inner.fetch()
        register_secret(creds.secret_access_key)
        register_secret(creds.session_token)
        return creds


def redacted(source: CredentialSource) -> RedactedSource:
    """``source`` wrapped in ``RedactedSource``, unless it already is: for a holder of a source that may
    be handed one from outside the pipeline (the relay's keeper), so that it never registers twice."""
    return source if isinstance(source, RedactedSource) else RedactedSource(source)


@dataclass(frozen=True)
class CredentialSession:
    source: CredentialSource  # a RedactedSource
    region: str | None
    profile: str | None = None  # --profile: also for the registry's (ECR's) own calls

    def fetch(self) -> AwsCredentials:
        """Fetch now (the secrets are registered for redaction)."""
        return self.source.fetch()

    def variables(self, creds: AwsCredentials) -> dict[str, str]:
        """The AWS_* variables of ``creds`` for a process, with the region."""
        return credential_env(creds, self.region)

    def environment(self) -> dict[str, str]:
        """Fetch now; the AWS_* variables for a process."""
        return self.variables(self.fetch())

    def warn_if_no_region(self, consequence: str = "the container gets none", *,
                          stream: TextIO | None = None) -> None:
        """The one warning for a missing region; ``consequence`` says what the receiver misses."""
        if self.region is None:
            warn("no AWS region configured (--region, AWS_REGION, AWS_DEFAULT_REGION or the profile); "
                 f"{consequence}", stream=stream)


@dataclass(frozen=True)
class CommandOptions:
    """A command's own options: the command line's over the CSDOCKER_* variables, which came from a
    variable (dest -> its name, so that a complaint names it), and the environment they apply in."""

    own: RunOwnOptions
    origins: Mapping[str, str]
    environ: Mapping[str, str]

    @functools.cached_property
    def region(self) -> str | None:
        """--region > AWS_REGION > AWS_DEFAULT_REGION > the profile's (None: no region)."""
        source = self.own.source
        with attributed(self.origins):
            return resolve_region(source.region, self.environ, source.profile)

    def open_session(self, prompt: Callable[[str], str] | None = None) -> CredentialSession:
        """Check the source options and choose the source (nothing fetched yet). ``prompt``: how an MFA
        code is asked for (default: on /dev/tty)."""
        region = self.region
        with attributed(self.origins):
            source = select_source(self.own.source, self.environ, prompt=prompt)
        return CredentialSession(redacted(source), region, self.own.source.profile)


def command_options(given: OwnValues, environ: Mapping[str, str],
                    flags: Sequence[OwnFlag] = OWN_FLAGS) -> CommandOptions:
    """The own options of ``flags`` typed (``given``) over their variables; UsageError naming a bad one.

    ``flags``: ``SOURCE_FLAGS`` for a command that starts nothing (a CSDOCKER_INJECT meant for ``run``
    is no concern of ``build``'s)."""
    merged = merge_own(given, environ, flags)
    with attributed(merged.origins):
        own = run_own_options(merged.values)
    return CommandOptions(own, merged.origins, environ)


def credential_session(given: OwnValues, environ: Mapping[str, str], flags: Sequence[OwnFlag] = OWN_FLAGS,
                       *, prompt: Callable[[str], str] | None = None) -> CredentialSession:
    """``command_options(given, environ, flags).open_session(prompt)``: the whole pipeline in one call."""
    return command_options(given, environ, flags).open_session(prompt)
