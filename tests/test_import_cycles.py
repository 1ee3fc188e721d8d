"""No import cycles in ``riskaudit/``: every import of every module, at module level or inside a function.

The graph has an edge from a module to each module it imports and to the packages above it (importing
``riskaudit.detectors.base`` runs ``riskaudit/detectors/__init__.py`` first), and from the detector registry
to every detector module it imports by name. The catalogue must not reach the detectors or libcst at all.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import riskaudit
from riskaudit.detectors.registry import detector_modules

PACKAGE = Path(riskaudit.__file__).parent


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([package, *parts])] = path
    return found


def imported(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The modules of ``known`` an import statement anywhere in the module names, with their packages."""
    is_package = path.name == "__init__.py"
    targets: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            targets += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    edges = set()
    for target in targets:
        parts = target.split(".")
        edges.update(prefix for i in range(1, len(parts) + 1) if (prefix := ".".join(parts[:i])) in known)
    edges.discard(name)
    return edges


def graph(root: Path, package: str, dynamic: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Import edges of every module of the package (``dynamic``: imports made by name at run time)."""
    known = modules(root, package)
    edges = {name: imported(name, path, known) for name, path in known.items()}
    for name, targets in dynamic.items():
        edges[name] |= set(targets)
    return edges


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
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
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _riskaudit() -> dict[str, set[str]]:
    return graph(PACKAGE, "riskaudit", {"riskaudit.detectors.registry": detector_modules()})


def reachable(edges: Mapping[str, set[str]], start: str) -> set[str]:
    """Every module an import of ``start`` runs."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(edges.get(current, ()))
    return seen


def test_riskaudit_has_no_import_cycle() -> None:
    assert cycles(_riskaudit()) == []


def test_the_graph_sees_the_imports_inside_functions() -> None:
    edges = _riskaudit()
    # the CLI imports the scan inside the scan command, so that `rules` and `explain` stay light
    assert "riskaudit.scan" in edges["riskaudit.cli"]
    assert set(detector_modules()) <= edges["riskaudit.detectors.registry"]


def top_level_imports(path: Path) -> set[str]:
    """The first name of every absolute import in a module (``libcst`` for ``from libcst.metadata import ...``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_catalogue_reaches_neither_the_detectors_nor_libcst() -> None:
    reached = reachable(_riskaudit(), "riskaudit.catalogue")
    assert not {name for name in reached if name.startswith("riskaudit.detectors")}
    known = modules(PACKAGE, "riskaudit")
    assert not [name for name in sorted(reached) if "libcst" in top_level_imports(known[name])]


CYCLIC = {
    "__init__.py": "",
    "a.py": "from pkg.b import thing\n",
    "b.py": "def thing():\n    from pkg import c\n",
    "c.py": "from . import a\n",
    "sub/__init__.py": "from pkg.sub import leaf\n",
    "sub/leaf.py": "from pkg import d\n",
    "d.py": "import pkg.sub.leaf\n",
    "e.py": "import pkg.d\n",
}


def test_a_cycle_through_a_function_level_and_a_relative_import_is_found(tmp_path: Path) -> None:
    for name, text in CYCLIC.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = cycles(graph(tmp_path, "pkg", {}))
    assert found == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.sub", "pkg.sub.leaf"]]
