"""``csdocker compose`` 's command line: compose's global flags and csdocker's options, then the subcommand. Pure.

    csdocker [GLOBAL] compose [COMPOSE GLOBALS] [CSDOCKER OPTIONS] SUBCOMMAND [ARGS...]

compose's globals and csdocker's options may be mixed before the subcommand (pflag's grammar,
non-interspersed: the first word that is not a flag is the subcommand). What compose is to see
(``kept``) is the command line without csdocker's options, exactly as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cloudshell_docker.compose.flags import COMPOSE_OWN_FLAGS, GLOBAL_TABLE
from cloudshell_docker.options.own import OwnValues
from cloudshell_docker.options.pflag import ParsedArgs, parse

__all__ = ["CREATING", "ComposeArgs", "parse_compose_args"]

# The subcommands that create containers: their services get credentials.
CREATING = frozenset({"up", "create", "run", "scale", "watch"})


@dataclass(frozen=True)
class ComposeArgs:
    """``globals_kept``: compose's global words as typed (no csdocker option); ``subcommand``: None
    when there is none (``csdocker compose --help``); ``args``: the subcommand's own words."""

    parsed: ParsedArgs
    globals_kept: tuple[str, ...]
    subcommand: str | None
    args: tuple[str, ...]

    @property
    def own(self) -> OwnValues:
        return dict(self.parsed.own)

    def values(self, name: str) -> list[str]:
        return self.parsed.converted.texts(name)

    @property
    def files(self) -> list[str]:
        return self.values("--file")

    @property
    def project_directory(self) -> str | None:
        given = self.values("--project-directory") or self.values("--workdir")
        return given[-1] if given else None

    @property
    def env_files(self) -> list[str]:
        return self.values("--env-file")

    @property
    def asks_help(self) -> bool:
        return self.parsed.given("--help")


def parse_compose_args(argv: Sequence[str]) -> ComposeArgs:
    """Split ``argv`` (the words after ``compose``); UsageError for a bad flag (pflag's words)."""
    parsed = parse(argv, GLOBAL_TABLE, own=COMPOSE_OWN_FLAGS)
    positionals = parsed.positionals
    kept = parsed.kept
    globals_kept = kept[: len(kept) - len(positionals)]
    if not positionals:
        return ComposeArgs(parsed, tuple(globals_kept), None, ())
    return ComposeArgs(parsed, tuple(globals_kept), positionals[0], tuple(positionals[1:]))
