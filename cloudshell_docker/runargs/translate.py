"""ParsedRun -> RunSpec: each docker flag to the Engine API field the docker CLI fills."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cloudshell_docker.runargs.spec import ParsedRun, RunSpec

__all__ = ["TranslateContext", "translate"]


@dataclass(frozen=True)
class TranslateContext:
    """What translation may consult besides argv: the caller's environment
    (``-e NAME`` without a value, proxies) and working directory (relative ``-v``)."""

    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: str = "/"
    docker_config_dir: str | None = None  # for the proxies of config.json


def translate(parsed: ParsedRun, context: TranslateContext) -> RunSpec:
    """The RunSpec the docker CLI would act on; UsageError (exit 125) for a bad value."""
    raise NotImplementedError
