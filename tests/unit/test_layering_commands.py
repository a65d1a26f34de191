"""The commands' layering, read from the source with ``ast`` (as test_layering does for the whole package):

* ``exec/`` goes through ``engine.api`` like everyone else (no docker SDK), and its runner reuses the run's
  stream, terminal, signal and detach-key modules instead of copies;
* the modules that help, dry runs and bad command lines load (``run/command.py``, ``exec/command.py`` and
  what they import at module level) reach the engine's side (the SDK, the runners, the relay) only lazily.
"""

from __future__ import annotations

import ast

import pytest

from tests.support.imports import PACKAGE, package_imports


def module_level_package_imports(source: str) -> set[str]:
    """The ``cloudshell_docker.*`` modules a source imports when it is imported (full dotted names)."""
    found: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cloudshell_docker"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("cloudshell_docker"))
    return found


ENGINE_SIDE = ("cloudshell_docker.engine.api", "cloudshell_docker.engine.connect", "cloudshell_docker.run.runner",
               "cloudshell_docker.exec.runner", "cloudshell_docker.relay")


@pytest.mark.parametrize("path", ["run/command.py", "exec/command.py", "run/inject.py", "engine/target.py",
                                  "credentials/session.py", "options/environ.py"])
def test_the_commands_reach_the_engine_side_lazily(path):
    loaded = module_level_package_imports((PACKAGE / path).read_text(encoding="utf-8"))
    assert [name for name in loaded if name.startswith(ENGINE_SIDE)] == []


def test_the_exec_runner_reuses_the_runs_stream_terminal_signal_and_detach_key_modules():
    loaded = module_level_package_imports((PACKAGE / "exec/runner.py").read_text(encoding="utf-8"))
    assert {"cloudshell_docker.attach.streams", "cloudshell_docker.attach.terminal", "cloudshell_docker.attach.signals",
            "cloudshell_docker.attach.detachkeys"} <= loaded
    assert not any(found.module == "docker" for found in package_imports()["exec/runner.py"])


def test_the_relay_imports_nothing_of_the_commands_that_use_it():
    # run/ and exec/ use the relay (lazily); the relay reading run's RunSpec was an upward arrow and,
    # with run.inject's lazy import of the relay, a hidden cycle. It takes the create body instead.
    upward = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted((PACKAGE / "relay").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module
        and node.module.startswith(("cloudshell_docker.run", "cloudshell_docker.exec", "cloudshell_docker.cli"))
    ]
    assert upward == []
