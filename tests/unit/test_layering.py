"""The package's layers, read from its source with ``ast`` (nothing is imported, so nothing can hide).

* only ``engine/`` talks to the Docker SDK (``docker``); the runners, the attached session (``attach/``) and
  the runner's helper modules (pull, cidfile, run status, image references) go through ``engine.api`` like
  everyone else;
* only ``cli/`` imports Typer;
* boto3 and botocore belong to the credential sources (``credentials/``, ``commands/whoami.py``)
  and to the ECR token (``registry/ecr.py``),
  and even there they are imported lazily, inside the function that needs them: start-up time is a feature;
* docker-py's private attributes are named only in ``engine/dockerpy.py``, botocore's only in
  ``credentials/boto.py``.
"""

from __future__ import annotations

import ast

import pytest

from tests.support.imports import PACKAGE, Import, imports_of, package_imports

DOCKER_ALLOWED = ("engine/",)
TYPER_ALLOWED = ("cli/",)
# registry/ecr.py asks ECR for a registry token with the run's own credentials: an AWS API call like
# the credential sources' own, and just as lazily (only when a pull or push of an ECR image happens).
BOTO_ALLOWED = ("credentials/", "commands/whoami.py", "registry/ecr.py")


def _allowed(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path.startswith(prefix) if prefix.endswith("/") else path == prefix for prefix in prefixes)


def offenders(modules: set[str], allowed: tuple[str, ...], *, module_level_only: bool = False) -> list[str]:
    return [
        found.where(path)
        for path, imports in package_imports().items()
        if not _allowed(path, allowed)
        for found in imports
        if found.module in modules and (found.module_level or not module_level_only)
    ]


def test_only_the_engine_imports_the_docker_sdk():
    assert offenders({"docker"}, DOCKER_ALLOWED) == []


def engine_client_uses(source: str) -> list[int]:
    """Lines that reach past the Engine facade to its docker.APIClient (``engine.client``, ``self.engine.client``)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "client"
        and ((isinstance(node.value, ast.Name) and node.value.id == "engine")
             or (isinstance(node.value, ast.Attribute) and node.value.attr == "engine"))
    ]


def test_nobody_else_reaches_through_the_engine_facade_to_the_docker_client():
    reached = [
        f"{path.relative_to(PACKAGE).as_posix()}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not _allowed(path.relative_to(PACKAGE).as_posix(), DOCKER_ALLOWED)
        for line in engine_client_uses(path.read_text(encoding="utf-8"))
    ]
    assert reached == []


@pytest.mark.parametrize(("source", "expected"), [
    ("engine.client.close()", [1]),
    ("x = self.engine.client", [1]),
    ("session.client('sts')\nengine.api_version\nengine_client = 1", []),
])
def test_engine_client_uses_finds_the_reach_through(source, expected):
    assert engine_client_uses(source) == expected


def test_only_the_cli_imports_typer():
    assert offenders({"typer"}, TYPER_ALLOWED) == []


def test_only_the_credential_sources_import_boto3_or_botocore():
    assert offenders({"boto3", "botocore"}, BOTO_ALLOWED) == []


def test_boto3_and_botocore_are_never_imported_when_a_module_is():
    assert offenders({"boto3", "botocore"}, (), module_level_only=True) == []


def test_the_scan_sees_the_imports_that_are_there():
    # Without this a scan that found nothing would pass every rule above.
    scanned = package_imports()
    assert any(found.module == "docker" and found.module_level for found in scanned["engine/api.py"])
    assert any(found.module == "typer" and found.module_level for found in scanned["cli/app.py"])
    assert any(found.module == "boto3" and not found.module_level for found in scanned["credentials/sts.py"])
    assert any(found.module == "boto3" and not found.module_level for found in scanned["registry/ecr.py"])
    assert {"relay/network.py", "relay/follower.py", "run/runner.py", "exec/runner.py", "attach/session.py",
            "attach/streams.py"} <= set(scanned)


@pytest.mark.parametrize(("source", "expected"), [
    ("import docker", [Import("docker", 1, True)]),
    ("import docker.errors as e", [Import("docker", 1, True)]),
    ("from docker.errors import APIError", [Import("docker", 1, True)]),
    ("def f():\n    import docker.errors", [Import("docker", 2, False)]),
    ("class C:\n    def m(self):\n        from boto3 import Session", [Import("boto3", 3, False)]),
    ("class C:\n    import typer", [Import("typer", 2, True)]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import boto3",
     [Import("typing", 1, True), Import("boto3", 3, False)]),
    ("import typing\nif typing.TYPE_CHECKING:\n    pass\nelse:\n    import boto3",
     [Import("typing", 1, True), Import("boto3", 5, True)]),
    ("try:\n    import botocore\nexcept ImportError:\n    pass", [Import("botocore", 2, True)]),
    ("import importlib\nm = importlib.import_module('docker.errors')",
     [Import("importlib", 1, True), Import("docker", 2, True)]),
    ("f = lambda: __import__('typer')", [Import("typer", 1, False)]),
    ("from . import docker\nfrom .docker import x", []),  # relative: a module of the package, not the SDK
])
def test_imports_of_reads_every_form(source, expected):
    assert imports_of(source) == expected


# docker-py's (and the response's) private attributes csdocker uses: engine/dockerpy.py is their one place.
DOCKERPY_PRIVATE = {"_url", "_post", "_get", "_version", "_general_configs", "_auth_configs", "_proxy_configs",
                    "_custom_adapter", "_raise_for_status", "_get_raw_response_socket", "_fp"}
BOTOCORE_PRIVATE = {"_expiry_time"}


def private_uses(source: str, names: set[str]) -> list[int]:
    """Lines that name one of ``names`` on something other than ``self`` (``client._url``, ``getattr(x, "_fp")``)."""
    def names_one(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            return node.attr in names and not on_self
        return isinstance(node, ast.Constant) and node.value in names

    return [node.lineno for node in ast.walk(ast.parse(source)) if names_one(node)]


@pytest.mark.parametrize(("names", "home"), [(DOCKERPY_PRIVATE, "engine/dockerpy.py"),
                                             (BOTOCORE_PRIVATE, "credentials/boto.py")])
def test_private_attributes_of_the_sdks_are_used_in_one_place(names, home):
    used = {
        path.relative_to(PACKAGE).as_posix(): private_uses(path.read_text(encoding="utf-8"), names)
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert used[home], "the scan must see the uses that are there"
    assert {path: lines for path, lines in used.items() if lines and path != home} == {}


@pytest.mark.parametrize(("source", "expected"), [
    ("client._url('/x')", [1]),
    ("getattr(client, '_custom_adapter', None)", [1]),
    ("self._url = url\nself._get(h)", []),
])
def test_private_uses_finds_them(source, expected):
    assert private_uses(source, DOCKERPY_PRIVATE) == expected
