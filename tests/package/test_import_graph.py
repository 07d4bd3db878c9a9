"""The modules of ``src/hatchway`` import each other without a cycle.

Every import statement counts, wherever it stands: at module level, inside a
function (imported on first use) and under ``if TYPE_CHECKING:``. A cycle
through a function-level import works at run time, but it still means two
modules that cannot be read, tested or moved apart; so none is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hatchway

PACKAGE = Path(hatchway.__file__).parent


def module_name(path: Path) -> str:
    parts = ["hatchway", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports: ``from . import x`` counts
    as an import of module ``x`` where ``x`` is one, else of the package."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in modules else origin)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imported_modules(path, modules) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the modules along it, or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(start, iter(sorted(graph[start])))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, targets = stack[-1]
            for target in targets:
                if target in on_path:
                    return [*path[path.index(target) :], target]
                if target not in done:
                    stack.append((target, iter(sorted(graph[target]))))
                    path.append(target)
                    on_path.add(target)
                    break
            else:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
    return None


def test_the_graph_is_read_as_python_reads_imports() -> None:
    graph = import_graph()
    assert "hatchway.sources.base" in graph["hatchway.adapter"]
    assert "hatchway.sources.gateway" in graph["hatchway.sources.alb"]  # from . import gateway
    assert "hatchway.asgi" in graph["hatchway.adapter"]  # inside a method
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or ())
