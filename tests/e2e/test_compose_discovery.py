"""Which files ``csdocker compose`` names when the user gave no ``-f``: compose itself is the oracle.

For each layout, ``docker compose config --format json`` (compose's own discovery) must print the
same project as ``docker compose -f F1 -f F2 ... config --format json`` with the files
``compose.discovery.compose_files`` found. No container is made for those; one ``up`` (a
``compose.override.yaml``, a ``.env`` and ``COMPOSE_FILE``) shows csdocker's override merged last.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cloudshell_docker.compose.discovery import compose_files
from tests.support.engine import docker, unique_name
from tests.support.proc import clean_env, run_csdocker, run_docker

pytestmark = pytest.mark.engine

SERVICE = "services:\n  {name}:\n    image: local/busybox\n    environment: {{FROM: {origin}}}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def config(compose_env: dict[str, str], cwd: Path, args: list[str], env: dict[str, str]) -> dict[str, object]:
    done = run_docker(["compose", *args, "config", "--format", "json"], env={**compose_env, **env}, cwd=str(cwd))
    assert done.returncode == 0, done.stderr.decode()
    model: dict[str, object] = json.loads(done.stdout)
    return model


def layout_upward(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / "compose.yaml", SERVICE.format(name="s", origin="main"))
    write(root / "docker-compose.yml", SERVICE.format(name="t", origin="loser"))
    write(root / "compose.override.yml", SERVICE.format(name="s", origin="override-yml"))
    write(root / "compose.override.yaml", SERVICE.format(name="s", origin="override-yaml"))
    (root / "a" / "b").mkdir(parents=True)
    return root / "a" / "b", [], {}


def layout_legacy_names(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / "docker-compose.yaml", SERVICE.format(name="s", origin="main"))
    write(root / "docker-compose.override.yaml", SERVICE.format(name="s", origin="override"))
    return root, [], {}


def layout_dotenv_compose_file(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / "one.yml", SERVICE.format(name="s", origin="one"))
    write(root / "sub" / "two.yml", SERVICE.format(name="s", origin="two"))
    write(root / "compose.yaml", SERVICE.format(name="unused", origin="unused"))
    write(root / ".env", "# the project's files\nexport COMPOSE_FILE='one.yml;sub/two.yml'\nCOMPOSE_PATH_SEPARATOR=;\n")
    return root, [], {}


def layout_environment_wins_over_dotenv(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / "one.yml", SERVICE.format(name="s", origin="one"))
    write(root / "two.yml", SERVICE.format(name="s", origin="two"))
    write(root / ".env", "COMPOSE_FILE=one.yml\n")
    return root, [], {"COMPOSE_FILE": "one.yml:two.yml"}


def layout_project_directory(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / "proj" / "compose.yml", SERVICE.format(name="s", origin="proj"))
    write(root / "proj" / "docker-compose.override.yml", SERVICE.format(name="s", origin="proj-override"))
    write(root / "compose.yaml", SERVICE.format(name="s", origin="cwd"))
    return root, ["--project-directory", "proj"], {}


def layout_project_directory_dotenv(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    # .env is the project directory's, but COMPOSE_FILE's paths are the working directory's.
    write(root / "proj" / ".env", "COMPOSE_FILE=other/x.yml\n")
    write(root / "other" / "x.yml", SERVICE.format(name="x", origin="other"))
    return root, ["--project-directory", "proj"], {}


def layout_env_file_flag(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / "settings.env", "COMPOSE_FILE=picked.yml\n")
    write(root / "picked.yml", SERVICE.format(name="p", origin="picked"))
    write(root / "compose.yaml", SERVICE.format(name="s", origin="default"))
    return root, ["--env-file", "settings.env"], {}


def layout_dotenv_disabled(root: Path) -> tuple[Path, list[str], dict[str, str]]:
    write(root / ".env", "COMPOSE_FILE=ignored.yml\n")
    write(root / "compose.yml", SERVICE.format(name="s", origin="yml"))
    return root, [], {"COMPOSE_DISABLE_ENV_FILE": "true"}


LAYOUTS = [layout_dotenv_disabled, layout_upward, layout_legacy_names, layout_dotenv_compose_file,
           layout_environment_wins_over_dotenv, layout_project_directory, layout_project_directory_dotenv,
           layout_env_file_flag]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_the_files_found_are_the_ones_compose_finds(compose_env, tmp_path, layout):
    cwd, args, env = layout(tmp_path)
    project_dir = args[args.index("--project-directory") + 1] if "--project-directory" in args else None
    env_files = [args[args.index("--env-file") + 1]] if "--env-file" in args else []
    found = compose_files({**clean_env(env)}, str(cwd), project_dir, env_files)
    assert found, "nothing found"
    by_compose = config(compose_env, cwd, args, env)
    by_files = config(compose_env, cwd, [*args, *(word for f in found for word in ("-f", f))], env)
    assert by_files == by_compose


def test_up_without_f_reads_the_override_dotenv_and_compose_file_then_csdockers(compose_env, busybox, endpoint,
                                                                                tmp_path):
    project = unique_name("proj")
    write(tmp_path / "base.yml", "services:\n  app:\n    image: local/busybox\n    command: [sleep, '300']\n"
          "    init: true\n    environment: {LAYER: base}\n")
    write(tmp_path / "extra.yml", "services:\n  app:\n    environment: {LAYER: extra, EXTRA: '1'}\n")
    write(tmp_path / "compose.yaml", SERVICE.format(name="decoy", origin="decoy"))
    write(tmp_path / "compose.override.yaml", SERVICE.format(name="decoy", origin="decoy"))
    write(tmp_path / ".env", f"COMPOSE_FILE=base.yml:extra.yml\nCOMPOSE_PROJECT_NAME={project}\n")
    env = {**compose_env, **endpoint.environ(), "AWS_REGION": "eu-north-1"}
    try:
        done = run_csdocker(["compose", "up", "-d"], env=env, cwd=str(tmp_path))
        assert done.returncode == 0, done.stderr.decode()
        seen = docker("exec", f"{project}-app-1", "env").stdout.splitlines()
        issued = endpoint.issued[-1]
        assert "LAYER=extra" in seen
        assert "EXTRA=1" in seen
        assert f"AWS_SECRET_ACCESS_KEY={issued.secret_access_key}" in seen
        assert "AWS_REGION=eu-north-1" in seen
        names = run_docker(["compose", "ps", "--format", "{{.Service}}"], env=compose_env, cwd=str(tmp_path))
        assert names.stdout.decode().split() == ["app"]
    finally:
        run_docker(["compose", "down", "-t", "0"], env=compose_env, cwd=str(tmp_path))
    assert os.listdir(tmp_path)  # nothing of csdocker's was added to the project: see the next line
    assert sorted(os.listdir(tmp_path)) == [".env", "base.yml", "compose.override.yaml", "compose.yaml", "extra.yml"]
