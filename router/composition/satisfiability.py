"""Satisfiability: every field of the API schema can be resolved by some chain of fetches.

A simplified form of Apollo's query-graph validation ("Satisfiability" in the composition
docs): states are (type, subgraph, fields provided by an enclosing ``@provides``); queries enter
through root fields; a field of the current subgraph moves to its return type in the same
subgraph; a resolvable ``@key`` (or an ``@interfaceObject`` key) whose fields the current
subgraph can supply jumps to another subgraph. A field is satisfiable in a state when the
subgraph resolves it (not only ``@external``, not overridden away) and its ``@requires`` fields
can be fetched from another subgraph the entity can jump to. Each field of a reachable type
that no state resolves is a SATISFIABILITY_ERROR, shown with an example query reaching it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import FieldNode, SelectionSetNode

from router.composition.context import MergeState
from router.composition.errors import CompositionError
from router.composition.fieldsets import base_type, field_set_paths, parse_field_set
from router.composition.model import SubField, Subgraph

__all__ = ["check_satisfiability"]

Provided = tuple[tuple[str, "Provided"], ...]


@dataclass(frozen=True)
class _State:
    type_name: str
    subgraph: int
    provided: Provided = ()


def _provided_tree(selection_set: SelectionSetNode | None) -> Provided:
    if selection_set is None:
        return ()
    return tuple(
        (s.name.value, _provided_tree(s.selection_set))
        for s in selection_set.selections
        if isinstance(s, FieldNode)
    )


class _Graph:
    def __init__(self, state: MergeState) -> None:
        self.state = state
        self.subgraphs = state.subgraphs
        self.overridden = self._overridden()

    def _overridden(self) -> set[tuple[str, str, int]]:
        names = [s.name for s in self.subgraphs]
        result = set()
        for subgraph in self.subgraphs:
            for sub_type in subgraph.types.values():
                for sub_field in sub_type.fields.values():
                    if sub_field.override in names and sub_field.override_label is None:
                        result.add((sub_type.name, sub_field.name, names.index(sub_field.override)))
        return result

    def implementations(self, type_name: str) -> list[str]:
        merged = self.state.merged.get(type_name)
        if merged is None:
            return []
        if merged.kind == "UNION":
            return list(merged.members)
        if merged.kind == "INTERFACE":
            return [
                t.name
                for t in self.state.merged.values()
                if type_name in t.interfaces and t.kind == "OBJECT"
            ]
        return [type_name]

    def field_in(self, subgraph: Subgraph, type_name: str, name: str) -> SubField | None:
        sub_type = subgraph.types.get(type_name)
        if sub_type is not None and name in sub_type.fields:
            return sub_type.fields[name]
        merged = self.state.merged.get(type_name)
        for interface in merged.interfaces if merged else ():
            itf = subgraph.types.get(interface)
            if itf is not None and itf.interface_object and name in itf.fields:
                return itf.fields[name]
        return None

    def can_supply(self, index: int, type_name: str, fields: str) -> bool:
        subgraph = self.subgraphs[index]
        for parent, name in field_set_paths(subgraph, type_name, fields) or {(type_name, "?")}:
            found = self.field_in(subgraph, parent, name)
            if found is None or found.fully_external:
                return False
        return bool(field_set_paths(subgraph, type_name, fields))

    def key_jumps(self, current: _State) -> Iterator[int]:
        merged = self.state.merged.get(current.type_name)
        candidates = [current.type_name] + (merged.interfaces if merged else [])
        for index, subgraph in enumerate(self.subgraphs):
            if index == current.subgraph:
                continue
            for type_name in candidates:
                sub_type = subgraph.types.get(type_name)
                if sub_type is None or (
                    type_name != current.type_name and not sub_type.interface_object
                ):
                    continue
                if any(
                    k.resolvable and self.can_supply(current.subgraph, current.type_name, k.fields)
                    for k in sub_type.keys
                ):
                    yield index
                    break

    def resolves(self, current: _State, name: str) -> SubField | None:
        subgraph = self.subgraphs[current.subgraph]
        found = self.field_in(subgraph, current.type_name, name)
        if found is None or (current.type_name, name, current.subgraph) in self.overridden:
            return None
        if found.external and name not in dict(current.provided):
            return None
        if found.requires and not self.requires_ok(current, found.requires):
            return None
        return found

    def requires_ok(self, current: _State, requires: str) -> bool:
        selection_set = parse_field_set(requires)
        if isinstance(selection_set, str):
            return False
        for selection in selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            name = selection.name.value
            if not any(
                index != current.subgraph
                and (f := self.field_in(self.subgraphs[index], current.type_name, name)) is not None
                and not f.fully_external
                and index in set(self.key_jumps(current))
                for index in range(len(self.subgraphs))
            ):
                return False
        return True


def check_satisfiability(state: MergeState) -> list[CompositionError]:
    """SATISFIABILITY_ERROR for each reachable API field no chain of fetches resolves."""
    graph = _Graph(state)
    paths: dict[_State, list[str]] = {}
    queue: deque[_State] = deque()
    for root in ("Query", "Mutation", "Subscription"):
        for index, subgraph in enumerate(state.subgraphs):
            if root in subgraph.types and root in state.merged:
                start = _State(root, index)
                paths[start] = [root]
                queue.append(start)
    satisfied: set[tuple[str, str]] = set()
    first_path: dict[str, tuple[list[str], int]] = {}
    while queue:
        current = queue.popleft()
        merged = state.merged.get(current.type_name)
        if merged is None:
            continue
        first_path.setdefault(current.type_name, (paths[current], current.subgraph))
        for jump in graph.key_jumps(current):
            _push(paths, queue, _State(current.type_name, jump), paths[current])
        for name, merged_field in merged.fields.items():
            found = graph.resolves(current, name)
            if found is None:
                continue
            satisfied.add((current.type_name, name))
            target = base_type(merged_field.type)
            provided = _provided_tree(_parsed(found.provides)) or dict(current.provided).get(
                name, ()
            )
            for implementation in graph.implementations(target):
                subgraph = state.subgraphs[current.subgraph]
                if implementation in subgraph.types or target in subgraph.types:
                    next_state = _State(implementation, current.subgraph, provided)
                    _push(paths, queue, next_state, paths[current] + [name])
    return list(_errors(graph, satisfied, first_path))


def _parsed(fields: str | None) -> SelectionSetNode | None:
    if fields is None:
        return None
    result = parse_field_set(fields)
    return None if isinstance(result, str) else result


def _push(
    paths: dict[_State, list[str]], queue: deque[_State], state: _State, path: list[str]
) -> None:
    if state not in paths:
        paths[state] = path
        queue.append(state)


def _example(path: list[str], field_name: str) -> str:
    """The example operation Apollo prints: nested selections, two-space indent."""
    names = [*path[1:], field_name]
    lines = [f"{'  ' * (depth + 1)}{name} {{" for depth, name in enumerate(names[:-1])]
    lines.append(f"{'  ' * len(names)}{names[-1]}")
    lines += [f"{'  ' * depth}}}" for depth in range(len(names) - 1, 0, -1)]
    head = {"Query": "{", "Mutation": "mutation {", "Subscription": "subscription {"}[path[0]]
    return "\n".join([head, *lines, "}"])


def _reasons(graph: _Graph, type_name: str, name: str, origin: int) -> list[str]:
    """Why each subgraph defining the field could not be used from ``origin``."""
    reasons = [f'cannot find field "{type_name}.{name}".']
    origin_name = graph.subgraphs[origin].name
    for index, subgraph in enumerate(graph.subgraphs):
        found = graph.field_in(subgraph, type_name, name)
        if index == origin or found is None or found.fully_external:
            continue
        sub_type = subgraph.types.get(type_name)
        keys = sub_type.keys if sub_type else []
        resolvable = [k for k in keys if k.resolvable]
        if not resolvable:
            reasons.append(
                f'cannot move to subgraph "{subgraph.name}", which has field "{type_name}.{name}",'
                f' because none of the @key defined on type "{type_name}" in subgraph'
                f' "{subgraph.name}" are resolvable (they are all declared with their'
                ' "resolvable" argument set to false).'
            )
            continue
        for key in resolvable:
            if not graph.can_supply(origin, type_name, key.fields):
                reasons.append(
                    f'cannot move to subgraph "{subgraph.name}" using @key(fields: "{key.fields}")'
                    f' of "{type_name}", the key field(s) cannot be resolved from subgraph'
                    f' "{origin_name}".'
                )
        if found.requires:
            reasons.append(
                f'from subgraph "{subgraph.name}": cannot satisfy @require conditions on field'
                f' "{type_name}.{name}".'
            )
    return reasons


def _errors(
    graph: _Graph,
    satisfied: set[tuple[str, str]],
    first_path: dict[str, tuple[list[str], int]],
) -> Iterator[CompositionError]:
    state = graph.state
    for type_name, (path, index) in first_path.items():
        merged = state.merged[type_name]
        if merged.inaccessible:
            continue
        for name, merged_field in merged.fields.items():
            if (type_name, name) in satisfied or "@inaccessible" in merged_field.directives:
                continue
            subgraph = state.subgraphs[index].name
            reasons = "\n".join(f"  - {r}" for r in _reasons(graph, type_name, name, index))
            yield CompositionError(
                "SATISFIABILITY_ERROR",
                f"The following supergraph API query:\n{_example(path, name)}\ncannot be"
                f' satisfied by the subgraphs because:\n- from subgraph "{subgraph}":\n{reasons}',
                (subgraph,),
                f"{type_name}.{name}",
            )
