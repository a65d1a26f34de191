"""Docker Compose v2 for the compose tests: a private DOCKER_CONFIG whose cli-plugins holds it.

``scripts/testbed.sh compose`` installs it there (pinned by sha256); only the compose tests see it,
through the ``compose_env`` fixture's ``DOCKER_CONFIG``: every other test compares against a docker
CLI without plugins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["COMPOSE_DOCKER_CONFIG", "COMPOSE_SHA256", "compose_ready"]

COMPOSE_DOCKER_CONFIG = Path("/var/lib/csdocker-testbed/compose-docker-config")  # as scripts/testbed.sh
COMPOSE_SHA256 = "dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372"


def compose_ready() -> bool:
    plugin = COMPOSE_DOCKER_CONFIG / "cli-plugins" / "docker-compose"
    if not os.access(plugin, os.X_OK):
        return False
    return hashlib.sha256(plugin.read_bytes()).hexdigest() == COMPOSE_SHA256
