"""Which compose files ``docker compose`` reads when no ``-f`` is given, found as compose finds them.

csdocker adds its override as one more ``-f``, and any ``-f`` turns compose's own discovery off:
so csdocker names the files compose would have found (Docker Compose v2, compose-go's
``cli`` options, in compose's order):

1. the project environment: the process's environment, over the ``.env`` file (``--env-file``
   files instead when given; none when ``COMPOSE_DISABLE_ENV_FILE`` is true) in the project
   directory (``--project-directory``, else the working directory);
2. ``COMPOSE_FILE`` in it: its paths, split on ``COMPOSE_PATH_SEPARATOR`` (default ``:``), each
   made absolute against the working directory (not the project directory: compose's rule);
3. else, from the project directory upwards, the first directory holding one of
   ``compose.yaml``, ``compose.yml``, ``docker-compose.yml``, ``docker-compose.yaml`` (the first
   of those), with the first of ``compose.override.yml``, ``compose.override.yaml``,
   ``docker-compose.override.yml``, ``docker-compose.override.yaml`` beside it.

tests/e2e/test_compose_discovery.py holds this against compose itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

__all__ = ["DEFAULT_FILE_NAMES", "OVERRIDE_FILE_NAMES", "compose_files", "project_environment", "read_dotenv"]

DEFAULT_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILE_NAMES = ("compose.override.yml", "compose.override.yaml", "docker-compose.override.yml",
                       "docker-compose.override.yaml")
_TRUE = ("1", "t", "T", "TRUE", "true", "True")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    comment = value.find(" #")
    return (value[:comment] if comment >= 0 else value).strip()


def read_dotenv(path: str) -> dict[str, str]:
    """The ``KEY=VALUE`` lines of a dotenv file (``export`` prefix, quotes and comments as dotenv
    takes them; csdocker reads only compose's own variables from it)."""
    found: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            line = line.removeprefix("export ").lstrip()
            name, sep, value = line.partition("=")
            if sep and name.strip():
                found[name.strip()] = _unquote(value)
    return found


def project_environment(environ: Mapping[str, str], cwd: str, project_dir: str | None,
                        env_files: Sequence[str]) -> dict[str, str]:
    """The environment compose interpolates with: the process's, over its dotenv files'."""
    workdir = project_dir or cwd
    files = [os.path.join(cwd, path) for path in env_files]
    if not files and environ.get("COMPOSE_DISABLE_ENV_FILE", "") not in _TRUE:
        default = os.path.join(workdir, ".env")
        if os.path.isfile(default):
            files = [default]
    merged: dict[str, str] = {}
    for path in files:
        try:
            merged.update(read_dotenv(path))
        except OSError:
            continue  # compose says what is wrong with it, in its own words
    merged.update(environ)
    return merged


def _first_existing(directory: str, names: Sequence[str]) -> str | None:
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def compose_files(environ: Mapping[str, str], cwd: str, project_dir: str | None = None,
                  env_files: Sequence[str] = ()) -> list[str]:
    """The files compose reads without ``-f``, in order (empty: none found; compose will say so)."""
    project = os.path.abspath(os.path.join(cwd, project_dir)) if project_dir else None
    env = project_environment(environ, cwd, project, env_files)
    if "COMPOSE_FILE" in env:
        separator = env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        return [os.path.abspath(os.path.join(cwd, path)) for path in env["COMPOSE_FILE"].split(separator)]
    directory = project or cwd
    while True:
        main = _first_existing(directory, DEFAULT_FILE_NAMES)
        if main is not None:
            override = _first_existing(directory, OVERRIDE_FILE_NAMES)
            return [main, *([override] if override else [])]
        parent = os.path.dirname(directory)
        if parent == directory:
            return []
        directory = parent
