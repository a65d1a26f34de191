"""The package's imports, read from its source with ``ast`` (nothing is imported): for the layering tests."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import cloudshell_docker

__all__ = ["PACKAGE", "Import", "imports_of", "package_imports"]

PACKAGE = Path(cloudshell_docker.__file__).resolve().parent


@dataclass(frozen=True)
class Import:
    module: str  # the top-level package: "docker" for ``from docker.errors import APIError``
    line: int
    module_level: bool  # runs when the module is imported (not in a function, not under TYPE_CHECKING)

    def where(self, path: str) -> str:
        return f"{path}:{self.line}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _dynamic_import(node: ast.Call) -> str | None:
    """``importlib.import_module("x")`` / ``__import__("x")`` with a literal name."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def imports_of(source: str) -> list[Import]:
    """Every absolute import in ``source``, and whether it runs at import time."""
    found: list[Import] = []

    def visit(node: ast.AST, module_level: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name.split(".")[0], node.lineno, module_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(Import(node.module.split(".")[0], node.lineno, module_level))
        elif isinstance(node, ast.Call) and (name := _dynamic_import(node)):
            found.append(Import(name.split(".")[0], node.lineno, module_level))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            module_level = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, module_level)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, module_level)

    visit(ast.parse(source), True)
    return found


def package_imports() -> dict[str, list[Import]]:
    """Each module's path relative to the package ("relay/network.py") and its imports."""
    return {
        path.relative_to(PACKAGE).as_posix(): imports_of(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
