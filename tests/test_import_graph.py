"""The import graph has no cycles (issue #12): between the router's packages (``router.limits``,
``router.security``, ...; top-level modules such as ``router.config`` count as their own node),
and shared plumbing (``servicekit``) never imports a service package. Read from the source with
``ast`` (every import, including those inside functions and ``TYPE_CHECKING`` blocks)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from servicekit.topology import PROJECT_ROOT

SERVICE_PACKAGES = ("router", "bff", "bff_web", "bff_mobile", "subgraphs")


def _imports(path: Path, module: str) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.module


def _modules(root: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((PROJECT_ROOT / root).rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        yield ".".join(parts), path


def _node(module: str) -> str | None:
    """``router.limits.cost`` → ``router.limits``; ``router.config`` stays itself."""
    parts = module.split(".")
    if parts[0] != "router" or len(parts) == 1:
        return None
    return ".".join(parts[:2])


def router_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in _modules("router"):
        source = _node(module)
        if source is None:
            continue
        targets = graph.setdefault(source, set())
        for imported in _imports(path, module):
            target = _node(imported)
            if target is not None and target != source:
                targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (``[a, b, a]``), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if state.get(target) is None and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_router_packages_import_each_other_without_cycles() -> None:
    graph = router_graph()
    assert {"router.limits", "router.security", "router.operations", "router.config"} <= set(graph)
    assert find_cycle(graph) is None


def test_settings_live_next_to_their_package() -> None:
    """Each ``router/<package>/settings.py`` stands alone, and only ``router.config`` (which
    assembles the YAML sections) reads another package's settings module for configuration:
    ``limits`` and ``resilience`` used to take theirs from ``router.security.settings``."""
    settings_modules = [m for m, _ in _modules("router") if m.endswith(".settings")]
    assert {"router.limits.settings", "router.resilience.settings"} <= set(settings_modules)
    offenders = []
    for module, path in _modules("router"):
        for imported in _imports(path, module):
            if _node(imported) is None:
                continue
            reads_security = imported == "router.security.settings"
            allowed = _node(module) in ("router.security", "router.config")
            if module.endswith(".settings") or (reads_security and not allowed):
                offenders.append(f"{module} -> {imported}")
    assert offenders == []


def test_servicekit_imports_no_service_package() -> None:
    offenders = [
        f"{module} -> {imported}"
        for module, path in _modules("servicekit")
        for imported in _imports(path, module)
        if imported.split(".")[0] in SERVICE_PACKAGES
    ]
    assert offenders == []
