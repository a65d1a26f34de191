"""csdocker's additions to a project, as one more compose file. Pure.

The file is JSON (which compose reads as YAML), given to compose as the LAST ``-f`` so that it
merges over the user's files: per service ``environment`` (merged with the service's own: a
name the service sets is never written here, see ``policy``), ``labels``, ``networks`` (a
service's own networks are repeated, since naming any network in a file replaces the implicit
``default``) and ``build.secrets``; top-level ``secrets`` and ``networks`` for those. compose
interpolates every file: each ``$`` in a value is written ``$$``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BUILD_SECRET_NAMES", "Override", "escape"]

# Top-level secret name (csdocker's, so as not to clash with the user's) -> the id a Dockerfile mounts.
BUILD_SECRET_NAMES = {"csdocker-aws": "aws", "csdocker-aws-config": "aws-config"}


def escape(value: Any) -> Any:
    """``value`` with every ``$`` of every string in it doubled (compose's interpolation escape)."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, Mapping):
        return {key: escape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [escape(item) for item in value]
    return value


@dataclass
class Override:
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _service(self, name: str) -> dict[str, Any]:
        return self.services.setdefault(name, {})

    def add_environment(self, service: str, variables: Mapping[str, str]) -> None:
        if variables:
            self._service(service).setdefault("environment", {}).update(variables)

    def add_labels(self, service: str, labels: Mapping[str, str]) -> None:
        if labels:
            self._service(service).setdefault("labels", {}).update(labels)

    def add_network(self, service: str, own_networks: Mapping[str, Any] | None, network: str,
                    settings: Mapping[str, Any], *, external_name: str) -> None:
        """Connect ``service`` to ``network`` too (its own networks kept as they are)."""
        networks = {name: (value or {}) for name, value in (own_networks or {"default": None}).items()}
        networks[network] = dict(settings)
        self._service(service)["networks"] = networks
        self.networks[network] = {"name": external_name, "external": True}

    def add_build_secrets(self, service: str, files: Mapping[str, str]) -> None:
        """``files``: secret id (``aws``) -> the path compose reads it from."""
        by_id = {secret_id: name for name, secret_id in BUILD_SECRET_NAMES.items()}
        entries = []
        for secret_id, path in files.items():
            name = by_id[secret_id]
            self.secrets[name] = {"file": path}
            entries.append({"source": name, "target": secret_id})
        if entries:
            self._service(service)["build"] = {"secrets": entries}

    def render(self) -> bytes:
        document: dict[str, Any] = {"services": self.services}
        if self.secrets:
            document["secrets"] = self.secrets
        if self.networks:
            document["networks"] = self.networks
        return json.dumps(escape(document), indent=1, sort_keys=True).encode()
