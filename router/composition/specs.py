"""The specs a subgraph links and a supergraph is written against.

Federation v2 spec versions (https://specs.apollo.dev/federation/v2.x) and the directives each
version defines, the join spec version composition emits for the highest federation version in
use (join v0.3 for 2.0-2.6, v0.4 for 2.7, v0.5 from 2.8, as @apollo/composition 2.14 does) and
the definitions of the link, join and composed feature specs as they appear in a supergraph.
"""

from __future__ import annotations

__all__ = [
    "FEATURE_DIRECTIVE_DEFINITIONS",
    "FEDERATION_1_DIRECTIVES",
    "FEDERATION_URL_PREFIX",
    "FEDERATION_VERSIONS",
    "LINK_PREAMBLE_DEFINITIONS",
    "directives_of_version",
    "join_definitions",
    "join_version",
]

FEDERATION_URL_PREFIX = "https://specs.apollo.dev/federation/"
FEDERATION_VERSIONS = tuple((2, minor) for minor in range(15))

FEDERATION_1_DIRECTIVES = frozenset({"key", "requires", "provides", "external", "tag", "extends"})

_DIRECTIVES_SINCE: dict[str, tuple[int, int]] = {
    "key": (2, 0),
    "requires": (2, 0),
    "provides": (2, 0),
    "external": (2, 0),
    "tag": (2, 0),
    "extends": (2, 0),
    "shareable": (2, 0),
    "inaccessible": (2, 0),
    "override": (2, 0),
    "composeDirective": (2, 1),
    "interfaceObject": (2, 3),
    "authenticated": (2, 5),
    "requiresScopes": (2, 5),
    "policy": (2, 6),
    "context": (2, 8),
    "fromContext": (2, 8),
    "cost": (2, 9),
    "listSize": (2, 9),
    "cacheTag": (2, 12),
}


def directives_of_version(version: tuple[int, int]) -> frozenset[str]:
    """The directive names (without @) the federation spec of ``version`` defines."""
    return frozenset(name for name, since in _DIRECTIVES_SINCE.items() if version >= since)


def join_version(federation_version: tuple[int, int]) -> tuple[int, int]:
    """The join spec version @apollo/composition emits for the highest federation version."""
    if federation_version >= (2, 8):
        return (0, 5)
    if federation_version >= (2, 7):
        return (0, 4)
    return (0, 3)


LINK_PREAMBLE_DEFINITIONS = {
    "link": "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA",
}

_JOIN_FIELD_ARGS = {
    (
        0,
        3,
    ): "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean",
    (
        0,
        4,
    ): "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String",
    (
        0,
        5,
    ): "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]",
}


def join_definitions(version: tuple[int, int]) -> tuple[dict[str, str], dict[str, str]]:
    """Directive and type definitions of the join spec ``version``, keyed by name."""
    directives = {
        "join__enumValue": "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
        "join__field": f"directive @join__field({_JOIN_FIELD_ARGS[version]}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
        "join__graph": "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "join__implements": "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE",
        "join__type": "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
        "join__unionMember": "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION",
    }
    types = {"join__FieldSet": "scalar join__FieldSet"}
    if version >= (0, 4):
        directives["join__directive"] = (
            "directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments)"
            " repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION"
        )
        types["join__DirectiveArguments"] = "scalar join__DirectiveArguments"
    if version >= (0, 5):
        types["join__ContextArgument"] = (
            "input join__ContextArgument {\n  name: String!\n  type: String!\n"
            "  context: String!\n  selection: join__FieldValue!\n}"
        )
        types["join__FieldValue"] = "scalar join__FieldValue"
    return directives, types


_INACCESSIBLE_LOCATIONS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_ACCESS_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"

# name -> (spec url, link purpose, directive definition, extra type definitions)
FEATURE_DIRECTIVE_DEFINITIONS: dict[str, tuple[str, str | None, str, dict[str, str]]] = {
    "tag": (
        "https://specs.apollo.dev/tag/v0.3",
        None,
        f"directive @tag(name: String!) repeatable on {_INACCESSIBLE_LOCATIONS} | SCHEMA",
        {},
    ),
    "inaccessible": (
        "https://specs.apollo.dev/inaccessible/v0.2",
        "SECURITY",
        f"directive @inaccessible on {_INACCESSIBLE_LOCATIONS}",
        {},
    ),
    "authenticated": (
        "https://specs.apollo.dev/authenticated/v0.1",
        "SECURITY",
        f"directive @authenticated on {_ACCESS_LOCATIONS}",
        {},
    ),
    "requiresScopes": (
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "SECURITY",
        f"directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on {_ACCESS_LOCATIONS}",
        {"requiresScopes__Scope": "scalar requiresScopes__Scope"},
    ),
    "policy": (
        "https://specs.apollo.dev/policy/v0.1",
        "SECURITY",
        f"directive @policy(policies: [[policy__Policy!]!]!) on {_ACCESS_LOCATIONS}",
        {"policy__Policy": "scalar policy__Policy"},
    ),
    "context": (
        "https://specs.apollo.dev/context/v0.1",
        "SECURITY",
        "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION",
        {
            "context__ContextFieldValue": "scalar context__ContextFieldValue",
        },
    ),
    "cost": (
        "https://specs.apollo.dev/cost/v0.1",
        None,
        "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
        {},
    ),
    "listSize": (
        "https://specs.apollo.dev/cost/v0.1",
        None,
        "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
        {},
    ),
}
