"""The module map stays acyclic: no atmo_lab module imports, directly or through others, a
module that imports it back (imports inside functions count; ``if TYPE_CHECKING:`` ones don't,
as they never run)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import atmo_lab

PACKAGE = Path(atmo_lab.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def typing_only(tree: ast.Module) -> set[int]:
    """The nodes under ``if TYPE_CHECKING:`` blocks."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            found.update(id(child) for child in ast.walk(node))
    return found


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """The atmo_lab modules the module at `path` imports (a package's names count as the
    package unless they are its submodules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = typing_only(tree)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in known else module)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    paths = {
        module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "labextension" not in path.relative_to(PACKAGE).parts
    }
    known = set(paths)
    return {name: imported(path, name, known) for name, path in paths.items()}


def test_the_graph_sees_the_imports_it_should():
    graph = import_graph()
    assert "atmo_lab.store" in graph["atmo_lab.core"]
    assert "atmo_lab.emr_clusters.models" in graph["atmo_lab.store"]
    assert "atmo_lab.backend" in graph["atmo_lab.widgets.cluster"]
    assert "atmo_lab.widgets.cluster" in graph["atmo_lab.api"]  # so no widget may import it
    assert "atmo_lab.spark_connect.session" in graph["atmo_lab"]  # inside a function


def test_no_module_imports_itself_through_others():
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as cycle:
        raise AssertionError(f"import cycle: {' -> '.join(cycle.args[1])}") from None
