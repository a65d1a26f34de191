"""The engine a command will talk to: resolved once, connected when the command gets that far.

The docker CLI checks the whole command line before it complains about the engine (an unknown
context, missing TLS files), so a failure to resolve is kept here and raised only by ``connect``;
translation meanwhile asks for the address (``host``: config.json's proxies, --use-api-socket).

``connect`` is where the docker SDK is first imported: ``--help``, ``--dry-run`` and a bad
command line never load it (start-up time is a feature).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cloudshell_docker.engine.endpoint import Endpoint, config_dir, load_config_file, resolve_endpoint
from cloudshell_docker.errors import CsDockerError
from cloudshell_docker.options.globalopts import GlobalOptions, check_log_level

if TYPE_CHECKING:
    from cloudshell_docker.engine.api import Engine

__all__ = ["EngineTarget"]


class EngineTarget:
    """docker's global options and the environment, and the endpoint they name (or why not)."""

    def __init__(self, options: GlobalOptions, environ: Mapping[str, str]) -> None:
        self.options = options
        self.environ = environ
        self._endpoint: Endpoint | None = None
        self._error: CsDockerError | None = None
        try:
            self._endpoint = resolve_endpoint(options, environ)
        except CsDockerError as err:
            self._error = err

    @property
    def docker_config(self) -> Mapping[str, Any]:
        """config.json as the endpoint loaded it; read here only when the endpoint could not be resolved
        (its error comes after the command line's, and translation still needs the file)."""
        if self._endpoint is not None:
            return self._endpoint.config
        return load_config_file(config_dir(self.options, self.environ))

    @property
    def host(self) -> str | None:
        """The engine's address, or None when it could not be resolved."""
        return self._endpoint.host if self._endpoint is not None else None

    def connect(self) -> Engine:
        """Ping the engine, negotiate the API version; EngineError (or the resolution's error)."""
        if self._endpoint is None:
            check_log_level(self.options)  # the CLI checks the log level before the endpoint
            assert self._error is not None
            raise self._error
        from cloudshell_docker.engine.api import Engine
        from cloudshell_docker.engine.connect import connect

        return Engine(connect(self.options, self.environ, self._endpoint))
