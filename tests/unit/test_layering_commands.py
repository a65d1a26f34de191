"""The commands' layering, read from the source with ``ast`` (as test_layering does for the whole package):

* run and exec share one attached session (``attach/``): both runners use ``attach.session``, and only
  ``attach/`` wires the streams, signals, raw mode and detach keys (no copy of them in a command);
  ``attach/`` knows no command and no engine (the caller hands it the connection and the resize);
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


@pytest.mark.parametrize("path", ["run/runner.py", "exec/runner.py"])
def test_run_and_exec_share_one_attached_session(path):
    loaded = module_level_package_imports((PACKAGE / path).read_text(encoding="utf-8"))
    assert "cloudshell_docker.attach.session.AttachedSession" in loaded


# The session's parts: whoever names one outside attach/ is writing a session of its own again.
SESSION_PARTS = {"AttachStreams", "SignalRelay", "EscapeFilter", "make_raw", "size_tty", "parse_detach_keys",
                 "detach_sequence", "DEFAULT_DETACH_KEYS", "copy_frames", "copy_raw", "copy_stdin"}


def names_used(source: str) -> set[str]:
    """Every name a source uses or imports (``x``, ``a.x``, ``from m import x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            found.update(alias.name for alias in node.names)
    return found


def test_only_the_attach_room_wires_a_session():
    wiring = {
        path.relative_to(PACKAGE).as_posix(): sorted(names_used(path.read_text(encoding="utf-8")) & SESSION_PARTS)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "attach"
    }
    assert {path: names for path, names in wiring.items() if names} == {}
    assert names_used("from m import AttachStreams\nx.make_raw()\nSignalRelay()") >= {
        "AttachStreams", "make_raw", "SignalRelay"}  # the scan sees each form


def test_the_attach_room_knows_no_command_and_no_engine():
    scanned = package_imports()
    attach = {path: imports for path, imports in scanned.items() if path.startswith("attach/")}
    assert {"attach/session.py", "attach/streams.py", "attach/signals.py", "attach/terminal.py"} <= set(attach)
    reaching = [
        found.where(path)
        for path, imports in attach.items()
        for found in imports
        if found.module == "docker"
    ]
    reaching += [
        f"{path}:{node.lineno}"
        for path in sorted(attach)
        for node in ast.walk(ast.parse((PACKAGE / path).read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module
        and node.module.startswith(tuple(f"cloudshell_docker.{room}" for room in
                                         ("run", "exec", "compose", "cli", "engine", "relay", "commands")))
    ]
    assert reaching == []


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
