"""The TranslateContext ``csdocker run`` builds, for tests that call the translator in-process."""

from __future__ import annotations

from collections.abc import Mapping

from cloudshell_docker.engine.endpoint import config_dir, load_config_file
from cloudshell_docker.options.globalopts import split_global_options
from cloudshell_docker.run.translate import TranslateContext

__all__ = ["translate_context"]


def translate_context(environ: Mapping[str, str], cwd: str, daemon_host: str | None = None) -> TranslateContext:
    """``environ``'s config.json (DOCKER_CONFIG or HOME/.docker) loaded by the endpoint's code, as run_command does."""
    options = split_global_options([])[0]
    return TranslateContext(environ=dict(environ), cwd=cwd, daemon_host=daemon_host,
                            docker_config=load_config_file(config_dir(options, environ)))
