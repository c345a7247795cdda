"""The package's shape (docs/architecture.md): layers whose dependencies point down, no import circle.

Every ``import`` of a zero module is read from the source with :mod:`ast`, wherever it stands (at
the top, inside a function, under ``TYPE_CHECKING``): a lazy import is still a dependency. A
module may import its own layer and the layers below it, never one above; and no chain of imports
leads from a module back to itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zero

PACKAGE = Path(zero.__file__).resolve().parent

# Lowest first. A name is a module or a package (then every module under it belongs to the layer).
LAYERS: list[tuple[str, ...]] = [
    ("zero", "zero.errors", "zero.schema", "zero.stats", "zero.store", "zero.progress"),  # foundation: no zero imports but these
    ("zero.lang",),  # the language: ops, programs, spaces, random programs, simplification
    ("zero.tasks",),  # task families and their data
    ("zero.interpreter",),  # programs x tasks -> fitness: kernels, oracle, evaluator
    ("zero.search",),  # experiments, variation, the compiled loop, islands, pools, the run driver
    ("zero.baselines",),  # rivals on the same tasks
    ("zero.champion",),  # what a run found: loading, inspection, replay, export, comparison
    ("zero.bench",),  # measuring
    ("zero.api",),  # the Python API (the package root forwards its names lazily, by name, not by import)
    ("zero.cli",),  # the zero command
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The zero modules ``name`` imports (``from zero.lang import ops`` is zero.lang.ops)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def layer(name: str) -> int:
    """The index in LAYERS of the most specific entry that holds ``name``."""
    best, best_len = None, -1
    for index, members in enumerate(LAYERS):
        for member in members:
            if (name == member or name.startswith(member + ".")) and len(member) > best_len:
                best, best_len = index, len(member)
    if best is None:
        raise AssertionError(f"{name} belongs to no layer: add it to LAYERS and docs/architecture.md")
    return best


GRAPH = {name: imports(name) for name in MODULES}


def test_every_module_has_a_layer():
    for name in MODULES:
        layer(name)


def test_dependencies_point_down():
    upward = [f"{name} ({LAYERS[layer(name)][0]}) imports {dep} ({LAYERS[layer(dep)][0]})"
              for name, deps in sorted(GRAPH.items()) for dep in sorted(deps) if layer(dep) > layer(name)]  # fmt: skip
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_checks_can_fail():
    """The walker sees lazy imports, and the two checks catch what they are for."""
    assert "zero.search.ray_pool" in GRAPH["zero.search.driver"]  # imported inside open_pool only
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert layer("zero.lang.ops") < layer("zero.search.driver")
    with pytest.raises(AssertionError, match="no layer"):
        layer("elsewhere.module")


@pytest.mark.parametrize("package", sorted({n for n, p in MODULES.items() if p.name == "__init__.py"}))
def test_every_package_says_what_it_holds_and_may_import(package):
    doc = ast.get_docstring(ast.parse(MODULES[package].read_text()))
    assert doc and len(doc) > 200, f"{package}/__init__.py needs a docstring: what it holds, what it may import"
    if package != "zero":
        assert "import" in doc, f"{package}: the docstring must say what the package may import"
