"""The runner's tests go through the real code: no stand-in parser, no RunSpec built by hand, no fallback.

Side-by-side tests run the real ``csdocker run``; in-process tests get their RunSpec from
``parse_run_args`` + ``translate`` + ``adapt_to_api``. A hand-built spec would test the runner against
what a test author believes the translator sends, not against what it sends.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
from pathlib import Path

from tests.support import compare

TESTS = Path(__file__).resolve().parents[1]
RUNNER_TEST_FILES = sorted([
    *TESTS.glob("unit/test_runner_*.py"),
    *TESTS.glob("unit/test_attach_*.py"),
    *TESTS.glob("e2e/test_run_*.py"),
    *(TESTS / "support" / name for name in ("compare.py", "ptyrun.py", "registry.py")),
])


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _imported_modules(tree: ast.AST) -> set[str]:
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_the_stand_in_parser_is_gone():
    assert importlib.util.find_spec("tests.support.run_spec") is None


def test_no_runner_test_builds_a_run_spec_by_hand():
    assert len(RUNNER_TEST_FILES) >= 12  # the glob found the runner's tests
    offenders = []
    for path in RUNNER_TEST_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Call) and _called_name(node) == "RunSpec"]
        if "tests.support.run_spec" in _imported_modules(tree):
            offenders.append(f"{path.name}: imports tests.support.run_spec")
    assert offenders == []


def test_side_by_side_runs_have_no_fallback():
    assert not hasattr(compare, "csdocker_run_ready")
    assert "real" not in {field.name for field in dataclasses.fields(compare.Runner)}
    assert compare.ours_command(["local/busybox", "true"])[-3:] == ["run", "local/busybox", "true"]
