"""``@fromContext`` values for an ``_entities`` fetch (a fetch node's ``contextRewrites``).

Apollo Router's semantics (``query_planner/subgraph_context.rs``): each rewrite is a
``KeyRenamer`` whose path starts at the entity, ``..`` going one field up the response tree
(list items skipped), ``... on T`` keeping objects of type ``T``, then response keys; the first
rewrite of a variable that finds a value gives it. When every entity has the same values they
are plain variables of the one ``_entities`` call. When they differ, the operation is rewritten
with one aliased ``_entities`` call per distinct set of values (``_0``, ``_1``...), each with
its own ``$representations_<i>`` and ``$<variable>_<i>``, in one request (Apollo Router sends
every representation to every alias; here each alias gets only its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from router.execution.paths import Matcher
from router.planning.plan import KeyRenamer

__all__ = [
    "Located",
    "aliased_operation",
    "collect_with_parents",
    "context_values",
    "group_by_values",
]

_FRAGMENT_PREFIX = "... on "
_MISSING = object()

Located = tuple[dict[str, Any], tuple[dict[str, Any], ...]]
"""An object at a Flatten path and the objects enclosing it, outermost first."""


def collect_with_parents(data: Any, path: Sequence[str], matches: Matcher) -> list[Located]:
    """Every object at ``path`` (as :func:`paths.collect_objects`) with its enclosing objects."""
    current: list[tuple[Any, tuple[dict[str, Any], ...]]] = [(data, ())]
    for element in path:
        following: list[tuple[Any, tuple[dict[str, Any], ...]]] = []
        if element == "@":
            for value, parents in current:
                if isinstance(value, list):
                    following.extend((v, parents) for v in value if v is not None)
        elif element.startswith(_FRAGMENT_PREFIX):
            condition = element[len(_FRAGMENT_PREFIX) :]
            following = [
                (v, parents)
                for v, parents in current
                if isinstance(v, dict) and matches(v.get("__typename"), condition)
            ]
        else:
            for value, parents in current:
                if isinstance(value, dict) and value.get(element) is not None:
                    following.append((value[element], (*parents, value)))
        current = following
    found: list[Located] = []
    stack = list(reversed(current))
    while stack:
        value, parents = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed([(v, parents) for v in value if v is not None]))
        elif isinstance(value, dict):
            found.append((value, parents))
    return found


def _read(value: Any, path: Sequence[str], matches: Matcher) -> Any:
    for position, element in enumerate(path):
        if isinstance(value, list):
            items = [_read(item, path[position:], matches) for item in value]
            return [item for item in items if item is not _MISSING]
        if not isinstance(value, dict):
            return _MISSING
        if element.startswith(_FRAGMENT_PREFIX):
            if not matches(value.get("__typename"), element[len(_FRAGMENT_PREFIX) :]):
                return _MISSING
            continue
        if element not in value:
            return _MISSING
        value = value[element]
    return value


def context_values(
    located: Located, rewrites: Sequence[KeyRenamer], matches: Matcher
) -> dict[str, Any]:
    """The ``@fromContext`` variables of one entity (a variable no rewrite finds is left out:
    the argument is then null, as in Apollo Router)."""
    obj, parents = located
    values: dict[str, Any] = {}
    for rewrite in rewrites:
        if rewrite.rename_key_to in values:
            continue
        ups = 0
        while ups < len(rewrite.path) and rewrite.path[ups] == "..":
            ups += 1
        if ups > len(parents):
            continue
        start: Any = parents[len(parents) - ups] if ups else obj
        found = _read(start, rewrite.path[ups:], matches)
        if found is not _MISSING:
            values[rewrite.rename_key_to] = found
    return values


def group_by_values(
    located: Sequence[Located], rewrites: Sequence[KeyRenamer], matches: Matcher
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Entities grouped by their context values (first-seen order)."""
    groups: dict[bytes, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for item in located:
        values = context_values(item, rewrites, matches)
        key = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
        groups.setdefault(key, (values, []))[1].append(item[0])
    return list(groups.values())


class _Renamer(Visitor):
    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def enter_variable(self, node: VariableNode, *_: object) -> VariableNode | None:
        new = self.names.get(node.name.value)
        return VariableNode(name=NameNode(value=new)) if new is not None else None


@lru_cache(maxsize=256)
def aliased_operation(operation: str, variables: tuple[str, ...], count: int) -> str:
    """``operation`` with its ``_entities`` call repeated ``count`` times as ``_<i>``, each
    reading ``$representations_<i>`` and ``$<v>_<i>`` for each of ``variables``."""
    document = parse(operation, no_location=True)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    renamed = ("representations", *variables)
    definitions: list[VariableDefinitionNode] = []
    for node in definition.variable_definitions or ():
        name = node.variable.name.value
        if name not in renamed:
            definitions.append(node)
            continue
        for index in range(count):
            variable = VariableNode(name=NameNode(value=f"{name}_{index}"))
            definitions.append(
                VariableDefinitionNode(
                    variable=variable,
                    type=node.type,
                    default_value=node.default_value,
                    directives=node.directives,
                )
            )
    entities = definition.selection_set.selections[0]
    assert isinstance(entities, FieldNode)
    calls = []
    for index in range(count):
        names = {name: f"{name}_{index}" for name in renamed}
        call = visit(entities, _Renamer(names))
        calls.append(
            FieldNode(
                alias=NameNode(value=f"_{index}"),
                name=call.name,
                arguments=call.arguments,
                directives=call.directives,
                selection_set=call.selection_set,
            )
        )
    selection_set = type(definition.selection_set)(selections=tuple(calls))
    rewritten = OperationDefinitionNode(
        operation=definition.operation,
        name=definition.name,
        variable_definitions=tuple(definitions),
        directives=definition.directives,
        selection_set=selection_set,
    )
    return print_ast(rewritten)
