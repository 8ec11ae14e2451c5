"""The package's modules import each other in one direction only: no cycle, not even one hidden from the runtime.

Imports under `if TYPE_CHECKING:` and inside functions count: a cycle there is still two modules that
cannot be read, tested or changed apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "build" / "demarche"


def module_name(path: Path) -> str:
    return "demarche" if path.stem == "__init__" else f"demarche.{path.stem}"


def _imported(node: ast.Import | ast.ImportFrom, here: str) -> set[str]:
    """The package's modules one import statement names (`from demarche import svg` names demarche.svg)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name.split(".")[0] == "demarche"}
    module = node.module or ""
    if node.level:  # a relative import, from inside the package
        module = "demarche" + (f".{module}" if module else "")
    if module == "demarche":
        return {f"demarche.{a.name}" if (PACKAGE / f"{a.name}.py").exists() else "demarche" for a in node.names}
    return {module} if module.startswith("demarche.") and module != here else set()


def imports_of(path: Path) -> set[str]:
    """Every module of the package that a module imports, anywhere in it: at the top, under TYPE_CHECKING, in a function."""
    here = module_name(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found |= _imported(node, here)
    return found - {here}


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sorted(PACKAGE.glob("*.py"))}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as the modules along it, first repeated at the end; [] when there is none."""
    state: dict[str, str] = {}  # module -> "open" while on the current path, "done" once all below it is seen
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for other in sorted(graph.get(module, ())):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other]
            if other not in state and (cycle := visit(other)):
                return cycle
        path.pop()
        state[module] = "done"
        return []

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return []


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_every_kind_of_import_is_counted() -> None:
    graph = import_graph()
    assert "demarche.ledger" in graph["demarche.cli"]  # inside a function
    assert "demarche.link" in graph["demarche.cite"]  # under TYPE_CHECKING
    assert {"demarche.cite", "demarche.svg"} <= graph["demarche.record_pages"]  # from demarche import cite, svg
    assert "demarche.urls" in graph["demarche.plan"]  # at the top


def test_a_cycle_is_found_with_the_modules_along_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"d"}, "c": {"b"}, "d": set()}) == []
