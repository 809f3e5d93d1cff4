"""The shared ``bff`` package stays shared (issue #12): it imports neither BFF (their specs and
documents are passed in, or named by module path for ``bff-manifest``), and it uses
aiodataloader through its public options only."""

from __future__ import annotations

import ast
from pathlib import Path

from servicekit.topology import PROJECT_ROOT

BFF = PROJECT_ROOT / "bff"
PRIVATE_LOADER_PARTS = {"_queue", "_cache", "do_resolve_reject", "dispatch_queue", "Loader"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(BFF.glob("*.py"))]


def _imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_shared_package_imports_no_bff() -> None:
    offending = {
        path.name: sorted(
            n for n in _imported(tree) if n.split(".")[0] in {"bff_web", "bff_mobile"}
        )
        for path, tree in _modules()
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_shared_package_imports_no_router_internals() -> None:
    offending = {
        path.name: sorted(n for n in _imported(tree) if n.split(".")[0] == "router")
        for path, tree in _modules()
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_dataloaders_use_public_options_only() -> None:
    used = {
        path.name: sorted(
            {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} & PRIVATE_LOADER_PARTS
            | {
                f"aiodataloader.{alias.name}"
                for n in ast.walk(tree)
                if isinstance(n, ast.ImportFrom) and n.module == "aiodataloader"
                for alias in n.names
                if alias.name != "DataLoader"
            }
        )
        for path, tree in _modules()
        if path.name == "loaders.py"
    }
    assert used == {"loaders.py": []}
