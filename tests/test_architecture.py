"""The layout holds: the core imports no satellite, satellites import only the core,
no module takes another's private names, and no imports go round in a circle.

Read from the source with ``ast`` (imports inside functions count too), so a cycle
cannot hide behind a function-local import; only imports for type checkers are left
out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = "coding"
SATELLITES = ("agreement", "analysis", "interop", "network", "privacy")
APPS = (CORE, *SATELLITES)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


SOURCES = _sources()


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except those under ``if TYPE_CHECKING:`` (never imported when the
    code runs, so they cannot close a circle)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if not _is_type_checking(node):
            stack.extend(ast.iter_child_nodes(node))


def _imports(module: str, path: Path) -> Iterator[tuple[str, list[str], int]]:
    """``(imported module, imported names, line)`` for every import in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, target] if target else base)
            yield target, [alias.name for alias in node.names], node.lineno


def _owner(module: str) -> str:
    return module.split(".")[0]


def _resolve(target: str, names: list[str]) -> list[str]:
    """The project modules an import statement loads (a package's submodules too)."""
    loaded = []
    if target in SOURCES:
        loaded.append(target)
    for name in names:
        if f"{target}.{name}" in SOURCES:
            loaded.append(f"{target}.{name}")
    return loaded


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in SOURCES}
    for module, path in SOURCES.items():
        for target, names, _line in _imports(module, path):
            graph[module].update(_resolve(target, names))
    return graph


def test_the_core_imports_no_satellite():
    wrong = [
        f"{module}:{line} imports {target}"
        for module, path in SOURCES.items()
        if _owner(module) == CORE
        for target, _names, line in _imports(module, path)
        if _owner(target) in SATELLITES
    ]
    assert wrong == []


@pytest.mark.parametrize("satellite", SATELLITES)
def test_a_satellite_imports_only_the_core(satellite):
    others = set(SATELLITES) - {satellite}
    wrong = [
        f"{module}:{line} imports {target}"
        for module, path in SOURCES.items()
        if _owner(module) == satellite
        for target, _names, line in _imports(module, path)
        if _owner(target) in others
    ]
    assert wrong == []


def test_no_private_names_cross_modules():
    wrong = [
        f"{module}:{line} takes {name} from {target}"
        for module, path in SOURCES.items()
        for target, names, line in _imports(module, path)
        if _owner(target) in APPS and target != module
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert wrong == []


def test_no_import_cycles():
    graph = _edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []
