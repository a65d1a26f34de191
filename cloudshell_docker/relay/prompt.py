"""A prompt for MFA codes that closes once the container has the terminal.

An MFA-gated role cannot be assumed again without a new code. Before the container starts,
the person at the terminal can be asked (the first fetch); afterwards the terminal belongs
to the container (raw mode, its stdin), and a detached relay has none. The relay's refreshes
therefore go through a closed gate: the source's request for a code becomes a CredentialError
that says why, the relay answers 500 with it, and the container's SDK reports it.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudshell_docker.errors import CredentialError

__all__ = ["PromptGate"]

Prompt = Callable[[str], str]


class PromptGate:
    """Pass prompts to ``prompt`` until ``close()``; refuse them after that."""

    def __init__(self, prompt: Prompt | None = None) -> None:
        if prompt is None:
            from cloudshell_docker.credentials.mfa import tty_prompt

            prompt = tty_prompt
        self._prompt = prompt
        self._open = True

    def close(self) -> None:
        self._open = False

    def __call__(self, text: str) -> str:
        if not self._open:
            raise CredentialError(
                "the role needs a new MFA code to be assumed again, and nobody can be asked while the "
                "container runs: its credentials end with the session that was started with the code"
            )
        return self._prompt(text)
