"""The import graph of app/: no cycle, and every arrow points down the layers.

The graph is read from the source with `ast`, so it sees every import: at module level, inside
functions (the lazy imports that keep start-up fast) and under `if TYPE_CHECKING:`. A cycle hidden
in a function still means two modules that cannot be understood, tested or moved apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# Lowest first. A module may import its own top-level package and any lower layer, never a higher
# one and never a sibling layer of the same rank. `app.i18n` sits above models because `label()`
# reads the vocabulary labels of the catalogue; `app.config` (the settings registry) above i18n
# because it validates with French messages and reads the Setting table.
RANKS = {
    "app": 0, "app.resources": 0,
    "app.models": 1,
    "app.i18n": 2,
    "app.config": 3,
    "app.store": 4,
    "app.core": 5, "app.logging_setup": 5,
    "app.sync": 6,
    "app.reports": 7,  # the report prints each month's sync state
    "app.ui": 8,
    "app.cli": 9,
    "app.__main__": 10,
}


def module_names(root: Path) -> dict[str, Path]:
    out = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def import_graph(root: Path = APP) -> dict[str, set[str]]:
    """module → the in-tree modules it imports anywhere in its body."""
    modules = module_names(root)
    top = root.name
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from app.store import crypto` imports the module app.store.crypto
                targets.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                               for alias in node.names)
        resolved = set()
        for target in targets:
            if target != top and not target.startswith(top + "."):
                continue
            while target not in modules:  # `import app.x.y` of a name inside a module
                target = target.rpartition(".")[0]
            resolved.add(target)
        resolved.discard(name)
        graph[name] = resolved
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def describe(component: list[str], graph: dict[str, set[str]]) -> str:
    arrows = [f"{a} -> {b}" for a in component for b in sorted(graph[a]) if b in component]
    return "cycle: " + ", ".join(arrows)


def test_the_graph_sees_imports_inside_functions_and_finds_their_cycles(tmp_path):
    pkg = tmp_path / "app"
    (pkg / "store").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "store" / "__init__.py").write_text("")
    (pkg / "store" / "a.py").write_text("from app.store import b\n")
    (pkg / "store" / "b.py").write_text("def f():\n    from app.store.a import g\n")
    (pkg / "store" / "c.py").write_text("from . import a\nimport app.store.b\n")
    graph = import_graph(pkg)
    assert graph["app.store.c"] == {"app.store.a", "app.store.b"}
    assert cycles(graph) == [["app.store.a", "app.store.b"]]


def test_app_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 100  # the whole tree was read
    assert [describe(c, graph) for c in cycles(graph)] == []


def test_every_top_level_module_has_a_layer():
    unknown = sorted({layer(m) for m in import_graph()} - set(RANKS))
    assert unknown == [], f"give these a rank in RANKS: {unknown}"


def test_imports_point_down_the_layers():
    """ui → reports → sync → core → store → config → i18n → models → resources; nothing imports ui."""
    graph = import_graph()
    upward = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = layer(source), layer(target)
            if a != b and RANKS[b] >= RANKS[a]:
                upward.append(f"{source} -> {target}")
    assert upward == []


def test_models_import_nothing_from_app_but_resources():
    graph = import_graph()
    outside = sorted(f"{m} -> {t}" for m, targets in graph.items() if layer(m) == "app.models"
                     for t in targets if layer(t) not in ("app.models", "app.resources"))
    assert outside == []


def test_no_module_of_the_tree_is_imported_by_name():
    """Every app module exists: importing one by a string (importlib, find_spec, __import__)
    only hides it from this graph and from PyInstaller."""
    dynamic = []
    for name, path in module_names(APP).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if called in ("import_module", "find_spec", "__import__"):
                dynamic.append(f"{name}:{node.lineno} {called}")
    assert dynamic == []
