"""The credentials of a compose command: one session per source, each fetched at most once.

Every service uses the command's source (``--role-arn`` and the other options, over their
``CSDOCKER_*`` variables, as ``run`` reads them: ``credentials.session``), except one whose
``x-csdocker`` names its own ``role-arn``: that role is assumed with the same options otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.credentials.session import CommandOptions, CredentialSession

__all__ = ["Sessions"]


class Sessions:
    """Sessions by role (None: the command's own source), opened and fetched on first use."""

    def __init__(self, options: CommandOptions, prompt: Callable[[str], str] | None = None) -> None:
        self.options = options
        self.prompt = prompt
        self._sessions: dict[str | None, CredentialSession] = {}
        self._fetched: dict[str | None, AwsCredentials] = {}

    def session(self, role_arn: str | None) -> CredentialSession:
        if role_arn not in self._sessions:
            if role_arn is None:
                self._sessions[None] = self.options.open_session(prompt=self.prompt)
            else:
                own = self.options.own
                source = dataclasses.replace(own.source, role_arn=role_arn)
                options = dataclasses.replace(self.options, own=dataclasses.replace(own, source=source))
                self._sessions[role_arn] = options.open_session(prompt=self.prompt)
        return self._sessions[role_arn]

    def credentials(self, role_arn: str | None) -> AwsCredentials:
        if role_arn not in self._fetched:
            self._fetched[role_arn] = self.session(role_arn).fetch()
        return self._fetched[role_arn]
