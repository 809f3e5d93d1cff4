"""Render the merged model as the standard supergraph SDL (link v1.0 + join spec).

The schema ``@link``s the link spec, the join spec ``for: EXECUTION`` (version chosen by the
highest federation version in use) and, only when the supergraph uses them, the tag,
inaccessible, authenticated, requiresScopes, policy and cost specs, as @apollo/composition does.
"""

from __future__ import annotations

from graphql import print_ast

from router.composition.context import MergeState
from router.composition.printer import print_supergraph
from router.composition.specs import (
    FEATURE_DIRECTIVE_DEFINITIONS,
    LINK_PREAMBLE_DEFINITIONS,
    join_definitions,
    join_version,
)
from router.composition.supergraph_model import MType

__all__ = ["render_supergraph"]

_LINK_PURPOSE = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''
_FEATURE_ORDER = (
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "cost",
)


def _feature_links(used: set[str]) -> list[str]:
    links = []
    for name in _FEATURE_ORDER:
        if name == "cost":
            if "cost" not in used and "listSize" not in used:
                continue
            url = FEATURE_DIRECTIVE_DEFINITIONS["cost"][0]
            imports = ', import: ["@listSize"]' if "listSize" in used else ""
            links.append(f'@link(url: "{url}"{imports})')
            continue
        if name not in used:
            continue
        url, purpose, _, _ = FEATURE_DIRECTIVE_DEFINITIONS[name]
        links.append(f'@link(url: "{url}"' + (f", for: {purpose})" if purpose else ")"))
    return links


def _graph_enum(state: MergeState) -> str:
    lines = [
        f'  {graph} @join__graph(name: "{subgraph.name}", url: "{subgraph.url}")'
        for graph, subgraph in zip(state.graphs, state.subgraphs, strict=True)
    ]
    return "enum join__Graph {\n" + "\n".join(lines) + "\n}"


def _composed_directives(state: MergeState) -> tuple[list[str], dict[str, str]]:
    """``@composeDirective``'d directives: their spec ``@link``s and definitions."""
    imports: dict[str, list[str]] = {}
    definitions: dict[str, str] = {}
    for subgraph in state.subgraphs:
        for name, (url, entry, directive) in subgraph.composed_directives.items():
            if name in definitions:
                continue
            definitions[name] = print_ast(directive.ast_node)
            imports.setdefault(url, []).append(entry)
    links = [
        f'@link(url: "{url}", import: [{", ".join(_import(e) for e in entries)}])'
        for url, entries in imports.items()
    ]
    return links, definitions


def _import(entry: str) -> str:
    if " as " not in entry:
        return f'"{entry}"'
    name, alias = entry.split(" as ")
    return f'{{name: "{name}", as: "{alias}"}}'


def _executable_directives(state: MergeState) -> dict[str, str]:
    """Executable directives every subgraph defines (Apollo keeps the intersection), with the
    locations they all accept."""
    first, *others = state.subgraphs
    kept = {}
    for name, node in first.executable_directives.items():
        if not all(name in other.executable_directives for other in others):
            continue
        locations = [loc.value for loc in node.locations]
        for other in others:
            theirs = {loc.value for loc in other.executable_directives[name].locations}
            locations = [loc for loc in locations if loc in theirs]
        if locations:
            text = print_ast(node)
            kept[name] = text[: text.rindex(" on ")] + " on " + " | ".join(locations)
    return kept


def render_supergraph(state: MergeState) -> str:
    """The supergraph SDL for a merge without errors."""
    version = max((s.version or (2, 0) for s in state.subgraphs), default=(2, 0))
    join = join_version(version)
    join_directives, join_types = join_definitions(join)
    used = set(state.used_features)
    schema_directives = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "https://specs.apollo.dev/join/v{join[0]}.{join[1]}", for: EXECUTION)',
        *_feature_links(used),
    ]
    directives = {**LINK_PREAMBLE_DEFINITIONS, **join_directives}
    types: dict[str, str | MType] = {**join_types, "link__Import": "scalar link__Import"}
    types["link__Purpose"] = _LINK_PURPOSE
    types["join__Graph"] = _graph_enum(state)
    if "context" in used:  # the context spec also brings its @fromContext definition
        directives["context__fromContext"] = (
            "directive @context__fromContext(field: context__ContextFieldValue)"
            " on ARGUMENT_DEFINITION"
        )
    listsize_imported = "listSize" in used
    if used & {"cost", "listSize"}:
        used = used | {"cost", "listSize"}  # the cost spec brings both definitions
    for feature in sorted(used & set(FEATURE_DIRECTIVE_DEFINITIONS)):
        _, _, definition, extra_types = FEATURE_DIRECTIVE_DEFINITIONS[feature]
        if feature == "listSize" and not listsize_imported:
            # the cost spec's @listSize keeps its namespaced name when not imported
            directives["cost__listSize"] = definition.replace("@listSize", "@cost__listSize")
        else:
            directives[feature] = definition
        types.update(extra_types)
    directives.update(_executable_directives(state))
    custom_links, custom_definitions = _composed_directives(state)
    schema_directives += custom_links
    directives.update(custom_definitions)
    roots = {
        op: name
        for op, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        )
        if name in state.merged
    }
    types.update(state.merged)
    return print_supergraph(schema_directives, roots, directives, types)
