"""Helpers for composition tests: compose inline SDLs, compare schemas, run the reference.

``normalize_schema`` turns an SDL into plain data where order does not matter (types, fields,
arguments, values, members, directive applications and their arguments), so our supergraph and
@apollo/composition's can be compared as the same schema. ``reference_compose`` runs the pinned
@apollo/composition (tests/composition/reference) with Node.js, installed by ``npm ci`` into the
git-ignored ``.cache/composition-reference``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from graphql import (
    DefinitionNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    UnionTypeDefinitionNode,
    parse,
    print_ast,
)

from router.composition import CompositionResult, SubgraphInput, compose

__all__ = [
    "REFERENCE_DIR",
    "compose_case",
    "ensure_reference_installed",
    "normalize_schema",
    "reference_compose",
    "reference_compose_many",
    "url_of",
]

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
MODULES_DIR = ROOT / ".cache" / "composition-reference"

Subgraphs = list[tuple[str, str]]


def url_of(name: str) -> str:
    return f"http://{name}.example:4000/graphql"


def compose_case(subgraphs: Subgraphs) -> CompositionResult:
    return compose([SubgraphInput(name, url_of(name), sdl) for name, sdl in subgraphs])


def _directives(nodes: Any) -> list[str]:
    rendered = []
    for directive in nodes or ():
        args = sorted(f"{a.name.value}: {print_ast(a.value)}" for a in directive.arguments or ())
        rendered.append(f"@{directive.name.value}({', '.join(args)})")
    return sorted(rendered)


def _description(node: Any) -> str | None:
    return node.description.value if getattr(node, "description", None) else None


def _definition(node: DefinitionNode) -> tuple[str, dict[str, Any]]:
    if isinstance(node, SchemaDefinitionNode):
        roots = sorted(f"{o.operation.value}:{o.type.name.value}" for o in node.operation_types)
        return "schema", {"directives": _directives(node.directives), "roots": roots}
    data: dict[str, Any] = {
        "kind": type(node).__name__,
        "description": _description(node),
        "directives": _directives(getattr(node, "directives", ())),
    }
    if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        data["interfaces"] = sorted(i.name.value for i in node.interfaces or ())
    if isinstance(
        node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | InputObjectTypeDefinitionNode
    ):
        data["fields"] = {
            f.name.value: {
                "type": print_ast(f.type),
                "description": _description(f),
                "default": print_ast(f.default_value)
                if getattr(f, "default_value", None)
                else None,
                "directives": _directives(f.directives),
                "args": {
                    a.name.value: (
                        print_ast(a.type),
                        print_ast(a.default_value) if a.default_value else None,
                        _description(a),
                        _directives(a.directives),
                    )
                    for a in getattr(f, "arguments", None) or ()
                },
            }
            for f in node.fields or ()
        }
    if isinstance(node, UnionTypeDefinitionNode):
        data["members"] = sorted(t.name.value for t in node.types or ())
    if isinstance(node, EnumTypeDefinitionNode):
        data["values"] = {
            v.name.value: (_description(v), _directives(v.directives)) for v in node.values or ()
        }
    if hasattr(node, "arguments") and hasattr(node, "locations"):
        data["definition"] = print_ast(node)
    return node.name.value, data


def normalize_schema(sdl: str) -> dict[str, Any]:
    """The schema as order-free data, for comparing two SDLs as schemas."""
    return dict(_definition(node) for node in parse(sdl).definitions)


def ensure_reference_installed() -> str | None:
    """Install the pinned reference with ``npm ci``; the reason it cannot be used, or None."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js/npm are not installed: the @apollo/composition cross-check needs them"
    marker = MODULES_DIR / "node_modules" / "@apollo" / "composition" / "package.json"
    lock = REFERENCE_DIR / "package-lock.json"
    installed_lock = MODULES_DIR / "package-lock.json"
    if (
        marker.exists()
        and installed_lock.exists()
        and installed_lock.read_bytes() == lock.read_bytes()
    ):
        return None
    MODULES_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(REFERENCE_DIR / name, MODULES_DIR / name)
    completed = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
        cwd=MODULES_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if completed.returncode != 0:
        return f"npm ci of the reference failed: {completed.stderr[-500:]}"
    return None


def _payload(subgraphs: Subgraphs) -> list[dict[str, str]]:
    return [{"name": name, "url": url_of(name), "sdl": sdl} for name, sdl in subgraphs]


def reference_compose(subgraphs: Subgraphs) -> dict[str, Any]:
    """@apollo/composition's answer: {"supergraphSdl": ...} or {"errors": [{code, message}]}."""
    result: dict[str, Any] = _run_reference(_payload(subgraphs))
    return result


def reference_compose_many(cases: dict[str, Subgraphs]) -> dict[str, dict[str, Any]]:
    """:func:`reference_compose` for many cases in one Node.js process."""
    batch = {name: _payload(subgraphs) for name, subgraphs in cases.items()}
    result: dict[str, dict[str, Any]] = _run_reference({"batch": batch})
    return result


def _run_reference(payload: object) -> Any:
    completed = subprocess.run(
        ["node", str(REFERENCE_DIR / "compose.cjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"COMPOSITION_REFERENCE_MODULES": str(MODULES_DIR), "PATH": _path()},
    )
    return json.loads(completed.stdout)


def _path() -> str:
    import os

    return os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
