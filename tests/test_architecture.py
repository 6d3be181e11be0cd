"""The shape of the code, checked: no import loops under imagestudio/ and the layer rules hold.

Every import statement counts — at module level, inside functions and methods alike — except those under
`if TYPE_CHECKING:`, which never run. A loop held together by a function-level import is still a loop.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "imagestudio"
DOMAIN_APPS = ("accounts", "billing", "catalog", "gallery", "generation", "projects")
PURE = ("engine", "falemu")  # plain Python: no Django, nothing of the studio's but themselves (and engine)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules() -> dict[str, Path]:
    return {_module_name(path): path for path in (ROOT / PACKAGE).rglob("*.py")}


def _is_type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _import_nodes(tree: ast.AST):
    """Every import statement, however deeply nested, skipping `if TYPE_CHECKING:` blocks."""
    for node in ast.iter_child_nodes(tree):
        if _is_type_checking_block(node):
            yield from (n for child in node.orelse for n in _import_nodes_with(child))
            continue
        yield from _import_nodes_with(node)


def _import_nodes_with(node: ast.AST):
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _import_nodes(node)


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The studio modules `module` imports (a `from package import name` resolves to the submodule)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        found.update(target for target in targets if target in modules and target != module)
    return found


@cache
def import_graph() -> dict[str, set[str]]:
    modules = _all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each a loop of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_checker_finds_loops_through_function_level_imports(tmp_path):
    """The loop finder itself: a loop made by an import inside a function is reported."""
    pkg = tmp_path / "imagestudio"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from imagestudio import b\n")
    (pkg / "b.py").write_text("def later():\n    from imagestudio.a import thing\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from imagestudio import a\n")
    modules = {_module_name_in(tmp_path, path): path for path in pkg.rglob("*.py")}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["imagestudio.b"] == {"imagestudio.a"}
    assert graph["imagestudio.c"] == set()  # type-checking-only imports never run
    assert import_cycles(graph) == [["imagestudio.a", "imagestudio.b"]]


def _module_name_in(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_loops_anywhere():
    assert import_cycles(import_graph()) == []


def test_the_graph_sees_imports_inside_functions():
    # generation.apps imports generation.tasks inside ready(): it must be in the graph.
    assert "imagestudio.generation.tasks" in import_graph()["imagestudio.generation.apps"]


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_domain_apps_never_import_the_web_layer(app):
    graph = import_graph()
    offenders = {
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _app(module) == app
        for target in targets
        if _app(target) == "web" or target in ("imagestudio.urls", "imagestudio.api")
    }
    assert offenders == set()


def test_gallery_never_imports_generation():
    graph = import_graph()
    offenders = {
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _app(module) == "gallery"
        for target in targets
        if _app(target) == "generation"
    }
    assert offenders == set()


def test_nothing_imports_the_task_module_but_entry_points():
    entry_points = {"imagestudio.generation.apps", "imagestudio.generation.management.commands.worker"}
    importers = {module for module, targets in import_graph().items() if "imagestudio.generation.tasks" in targets}
    assert importers <= entry_points


def test_generation_api_does_not_import_views():
    assert "imagestudio.generation.views" not in import_graph()["imagestudio.generation.api"]


@pytest.mark.parametrize("pure", PURE)
def test_pure_modules_import_no_django_and_nothing_else_of_ours(pure):
    modules = _all_modules()
    for name, path in modules.items():
        if _app(name) != pure:
            continue
        for target in imports_of(name, path, modules):
            assert _app(target) in (pure, "engine"), f"{name} imports {target}"
        for node in _import_nodes(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(n == "django" or n.startswith("django.") for n in names), f"{name} imports Django"
