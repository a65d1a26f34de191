"""A build's command line: which words name the command, csdocker's own options taken out. Pure.

docker build's flags are interspersed (``docker build . -t x`` is fine) and follow
pflag's syntax: ``--flag=value``, ``--flag value``, ``-t=x``, ``-tx``, clusters
``-qt x``, a value flag taking the next word whatever it looks like, ``--`` ending
the flags. csdocker's source options (``options.own``, long only) may appear
anywhere among them; the three whose names docker build uses (``--tag``,
``--no-cache``, ``--policy``) mean docker's flag here, and csdocker's option is
spelled by its alias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from cloudshell_docker.errors import UsageError
from cloudshell_docker.imagebuild.flags import BUILD_TABLE, BUILDX_ROOT_TABLE
from cloudshell_docker.options import pflag
from cloudshell_docker.options.own import OWN_FLAGS, OwnFlag, OwnValue

__all__ = ["BUILD_OWN_FLAGS", "BuildArgs", "BuildCommand", "parse_build_args", "split_build_command"]


def _in_a_build(flag: OwnFlag) -> OwnFlag | None:
    """``flag`` spelled only by its names that docker build does not use; None if it has none left."""
    names = [name for name in flag.names if BUILD_TABLE.by_long(name) is None]
    return replace(flag, name=names[0], aliases=tuple(names[1:])) if names else None


# csdocker's own options by the names they have in a build (run-only ones too, to be refused by name).
BUILD_OWN_FLAGS: tuple[OwnFlag, ...] = tuple(
    spelled for flag in OWN_FLAGS if (spelled := _in_a_build(flag)) is not None
)


@dataclass(frozen=True)
class BuildCommand:
    """``build``, ``image build``, ``builder build``, ``buildx [ROOT FLAGS] build``: the words and the rest."""

    words: tuple[str, ...]
    args: tuple[str, ...]
    via_buildx: bool  # the buildx plugin is named: it must be there


@dataclass(frozen=True)
class BuildArgs:
    kept: tuple[str, ...]  # the build's argv without csdocker's own options, for the docker CLI
    own: dict[str, OwnValue] = field(default_factory=dict)
    build_args: tuple[str, ...] = ()  # every --build-arg value
    secrets: tuple[str, ...] = ()  # every --secret value
    help_requested: bool = False
    positionals: tuple[str, ...] = ()  # PATH | URL | - (and whatever else was typed)
    dockerfile: str | None = None  # the last -f/--file
    target: str | None = None  # the last --target


def _buildx_root_words(rest: Sequence[str]) -> int | None:
    """How many words of buildx's root flags (``--builder X``, ``-D``) stand between ``buildx`` and
    ``build`` (or its alias ``b``); None when the command is another one, or the flags are bad (the
    CLI then reports them itself)."""
    try:
        parsed = pflag.parse(rest, BUILDX_ROOT_TABLE, interspersed=False)
    except UsageError:
        return None
    if parsed.positionals[:1] in (("build",), ("b",)):
        return len(rest) - len(parsed.positionals)
    return None


def split_build_command(rest: Sequence[str]) -> BuildCommand | None:
    """The build command at the start of ``rest`` (the argv after docker's global options), or None."""
    if rest[:1] == ["build"]:
        return BuildCommand(("build",), tuple(rest[1:]), via_buildx=False)
    if rest[:2] in (["image", "build"], ["builder", "build"]):
        return BuildCommand(tuple(rest[:2]), tuple(rest[2:]), via_buildx=False)
    if rest[:1] == ["buildx"]:
        skip = _buildx_root_words(rest[1:])
        if skip is not None:
            end = skip + 2
            return BuildCommand(tuple(rest[:end]), tuple(rest[end:]), via_buildx=True)
    return None


def parse_build_args(argv: Sequence[str]) -> BuildArgs:
    """Split a build's argv (after the command words); UsageError for a flag that no build knows."""
    parsed = pflag.parse(argv, BUILD_TABLE, own=BUILD_OWN_FLAGS, interspersed=True)
    for flag in BUILD_OWN_FLAGS:
        if flag.run_only and flag.dest in parsed.own:
            raise UsageError(f"{flag.name} is an option of csdocker run only")
    return BuildArgs(
        kept=parsed.kept,
        own=dict(parsed.own),
        build_args=tuple(parsed.converted.texts("--build-arg")),
        secrets=tuple(parsed.converted.texts("--secret")),
        help_requested=any(parsed.all("--help")),  # any --help given true (not only the last)
        positionals=parsed.positionals,
        dockerfile=parsed.last("--file"),
        target=parsed.last("--target"),
    )
