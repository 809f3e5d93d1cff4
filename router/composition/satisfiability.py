"""Satisfiability: every field of the API schema can be resolved by some chain of fetches.

A simplified form of Apollo's query-graph validation ("Satisfiability" in the composition
docs): states are (type, subgraph, fields provided by an enclosing ``@provides``); queries enter
through root fields; a field of the current subgraph moves to its return type in the same
subgraph; a resolvable ``@key`` (or an ``@interfaceObject`` key) whose fields the current
subgraph can supply jumps to another subgraph. A field is satisfiable in a state when the
subgraph resolves it (not only ``@external``, not overridden away) and its ``@requires`` fields
can be collected for the entity at every level of the field set, from this subgraph or through
key jumps. Each field of a reachable type
that no state resolves is a SATISFIABILITY_ERROR, shown with an example query reaching it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

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


_Positions = frozenset[_State]


def _provided_tree(selection_set: SelectionSetNode | None) -> Provided:
    if selection_set is None:
        return ()
    return tuple(
        (s.name.value, _provided_tree(s.selection_set))
        for s in selection_set.selections
        if isinstance(s, FieldNode)
    )


class _Graph:
    def __init__(self, state: MergeState, labels: dict[str, bool]) -> None:
        self.state = state
        self.subgraphs = state.subgraphs
        self.overridden = self._overridden(labels)
        self.resolving: set[tuple[str, str, int]] = set()

    def _overridden(self, labels: dict[str, bool]) -> set[tuple[str, str, int]]:
        """(type, field, subgraph) a subgraph does not resolve, given progressive labels."""
        names = [s.name for s in self.subgraphs]
        result = set()
        for index, subgraph in enumerate(self.subgraphs):
            for sub_type in subgraph.types.values():
                for sub_field in sub_type.fields.values():
                    if sub_field.override not in names:
                        continue
                    label = sub_field.override_label
                    if label is None or labels.get(label, True):
                        result.add((sub_type.name, sub_field.name, names.index(sub_field.override)))
                    else:
                        result.add((sub_type.name, sub_field.name, index))
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

    def local_type(self, subgraph: Subgraph, type_name: str) -> str:
        """The type that stands for ``type_name`` in ``subgraph`` (itself or an interface object)."""
        if type_name in subgraph.types:
            return type_name
        merged = self.state.merged.get(type_name)
        for interface in merged.interfaces if merged else ():
            sub_type = subgraph.types.get(interface)
            if sub_type is not None and sub_type.interface_object:
                return interface
        return type_name

    def can_supply(self, index: int, type_name: str, fields: str) -> bool:
        """Whether subgraph ``index`` resolves every field of a key/field set on the type."""
        subgraph = self.subgraphs[index]
        paths = field_set_paths(subgraph, self.local_type(subgraph, type_name), fields)
        if not paths:
            return False
        for parent, name in paths:
            found = self.field_in(subgraph, parent, name)
            if found is None or found.fully_external or (parent, name, index) in self.overridden:
                return False
        return True

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
        if found.requires and not self.requires_ok(current, name, found.requires):
            return None
        return found

    def requires_ok(self, current: _State, name: str, requires: str) -> bool:
        """Whether the ``@requires`` fields can be collected for the entity, as Apollo's
        condition resolution does: starting at this subgraph's entity, any chain of local
        fields (non-``@external`` or provided) and key jumps, at every level of the field set.
        A ``@requires`` cycle through the same field is not a way to collect it."""
        selection_set = parse_field_set(requires)
        coordinate = (current.type_name, name, current.subgraph)
        if isinstance(selection_set, str) or coordinate in self.resolving:
            return False
        self.resolving.add(coordinate)
        try:
            return self.collectable(frozenset({current}), selection_set)
        finally:
            self.resolving.discard(coordinate)

    def collectable(self, positions: _Positions, selection_set: SelectionSetNode) -> bool:
        """Whether every selection can be fetched for objects at one of these positions."""
        reachable = _closure(self, positions)
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                if not self._fragment_collectable(reachable, selection):
                    return False
            elif (
                isinstance(selection, FieldNode)
                and selection.name.value != "__typename"
                and not any(self._field_collectable(p, selection) for p in reachable)
            ):
                return False
        return True

    def _field_collectable(self, position: _State, selection: FieldNode) -> bool:
        name = selection.name.value
        found = self.resolves(position, name)
        if found is None or selection.selection_set is None:
            return found is not None
        provided = _provided_tree(_parsed(found.provides)) or dict(position.provided).get(name, ())
        child = _State(base_type(found.type), position.subgraph, provided)
        return self.collectable(frozenset({child}), selection.selection_set)

    def _fragment_collectable(self, reachable: set[_State], fragment: InlineFragmentNode) -> bool:
        """``... on T``: from the positions whose subgraph knows ``T`` (none: no such objects)."""
        if fragment.type_condition is None:
            return self.collectable(frozenset(reachable), fragment.selection_set)
        condition = fragment.type_condition.name.value
        narrowed = frozenset(
            _State(condition, p.subgraph, p.provided)
            for p in reachable
            if condition in self.subgraphs[p.subgraph].types
        )
        return not narrowed or self.collectable(narrowed, fragment.selection_set)


def _label_assignments(state: MergeState) -> list[dict[str, bool]]:
    """Every on/off combination of the progressive @override labels (uniform ones past 4)."""
    labels = sorted(
        {
            f.override_label
            for s in state.subgraphs
            for t in s.types.values()
            for f in t.fields.values()
            if f.override_label is not None
        }
    )
    if len(labels) > 4:
        return [dict.fromkeys(labels, True), dict.fromkeys(labels, False)]
    assignments: list[dict[str, bool]] = [{}]
    for label in labels:
        assignments = [{**a, label: value} for a in assignments for value in (True, False)]
    return assignments


def check_satisfiability(state: MergeState) -> list[CompositionError]:
    """SATISFIABILITY_ERROR for each reachable API field no chain of fetches resolves, under
    every combination of progressive ``@override`` labels."""
    errors: dict[str, CompositionError] = {}
    for labels in _label_assignments(state):
        for error in _check(state, _Graph(state, labels)):
            errors.setdefault(error.message, error)
    return list(errors.values())


_ROOTS = ("Query", "Mutation", "Subscription")


@dataclass(frozen=True)
class _Failure:
    path: list[str]
    origin: int


def _check(state: MergeState, graph: _Graph) -> list[CompositionError]:
    """Walk every query path from the roots. A path ends in a set of positions (the subgraphs
    that could be answering there); each field of the type must be resolvable from one of them,
    directly or after key jumps, as Apollo's validation of every query path requires."""
    queue: deque[tuple[str, _Positions, list[str]]] = deque()
    for root in _ROOTS:
        positions = frozenset(
            _State(root, i) for i, s in enumerate(state.subgraphs) if root in s.types
        )
        if root in state.merged and positions:
            queue.append((root, positions, [root]))
    seen: set[tuple[str, _Positions]] = set()
    failures: dict[tuple[str, str, _Positions], _Failure] = {}
    shared: dict[tuple[str, str], tuple[list[str], dict[str, list[str]]]] = {}
    while queue:
        type_name, positions, path = queue.popleft()
        if (type_name, positions) in seen or type_name not in state.merged:
            continue
        seen.add((type_name, positions))
        reachable = _closure(graph, positions)
        for name, merged_field in state.merged[type_name].fields.items():
            resolving = [(p, f) for p in reachable if (f := graph.resolves(p, name)) is not None]
            if not resolving:
                origin = min(p.subgraph for p in positions)
                failures.setdefault((type_name, name, positions), _Failure(path, origin))
                continue
            mismatch = _runtime_mismatch(graph, resolving, merged_field.type)
            if mismatch is not None:
                shared.setdefault((type_name, name), (path, mismatch))
            for target, next_positions in _follow(state, graph, resolving, name, merged_field.type):
                queue.append((target, next_positions, [*path, name]))
    return [*_errors(graph, failures), *_runtime_errors(state, shared)]


def _runtime_mismatch(
    graph: _Graph, resolving: list[tuple[_State, SubField]], field_type: str
) -> dict[str, list[str]] | None:
    """Runtime types per subgraph of a shared abstract field, when no type is common to all."""
    target = base_type(field_type)
    merged = graph.state.merged.get(target)
    subgraphs = sorted({position.subgraph for position, _ in resolving})
    if merged is None or merged.kind not in ("UNION", "INTERFACE") or len(subgraphs) < 2:
        return None
    runtime: dict[str, list[str]] = {}
    for index in subgraphs:
        subgraph = graph.subgraphs[index]
        local = subgraph.types.get(target)
        if local is None or local.interface_object:
            return None
        if local.kind == "UNION":
            runtime[subgraph.name] = sorted(local.members)
        else:
            runtime[subgraph.name] = sorted(
                t.name
                for t in subgraph.types.values()
                if target in t.interfaces and t.kind == "OBJECT"
            )
    common = set.intersection(*(set(types) for types in runtime.values()))
    return None if common else runtime


def _runtime_errors(
    state: MergeState, shared: dict[tuple[str, str], tuple[list[str], dict[str, list[str]]]]
) -> Iterator[CompositionError]:
    """SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES, worded as Apollo does."""
    for (type_name, name), (path, runtime) in shared.items():
        field_type = state.merged[type_name].fields[name].type
        lines = [
            f' - in subgraph "{subgraph}", {_types_text(types)}'
            for subgraph, types in runtime.items()
        ]
        listing = ";\n".join(lines) + "."
        yield CompositionError(
            "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
            f"For the following supergraph API query:\n{_example([*path, name], '...')}\nShared field"
            f' "{type_name}.{name}" return type "{field_type}" has a non-intersecting set of'
            " possible runtime types across subgraphs. Runtime types in subgraphs are:\n"
            f"{listing}\nThis is not allowed as shared fields must resolve the same way in all"
            " subgraphs, and that implies at least some common runtime types between the"
            " subgraphs.",
            tuple(runtime),
            f"{type_name}.{name}",
        )


def _types_text(types: list[str]) -> str:
    quoted = [f'"{t}"' for t in types]
    if not quoted:
        return "no runtime type"
    if len(quoted) == 1:
        return f"type {quoted[0]}"
    return f"types {', '.join(quoted[:-1])} and {quoted[-1]}"


def _closure(graph: _Graph, positions: _Positions) -> set[_State]:
    """The positions plus every position key jumps lead to (same type)."""
    seen, stack = set(positions), list(positions)
    while stack:
        current = stack.pop()
        for index in graph.key_jumps(current):
            jumped = _State(current.type_name, index)
            if jumped not in seen:
                seen.add(jumped)
                stack.append(jumped)
    return seen


def _follow(
    state: MergeState,
    graph: _Graph,
    resolving: list[tuple[_State, SubField]],
    name: str,
    field_type: str,
) -> list[tuple[str, _Positions]]:
    """The path states a field leads to: per possible runtime type, the positions answering."""
    target = base_type(field_type)
    by_type: dict[str, set[_State]] = {}
    for current, found in sorted(resolving, key=lambda item: item[0].subgraph):
        provided = _provided_tree(_parsed(found.provides)) or dict(current.provided).get(name, ())
        subgraph = state.subgraphs[current.subgraph]
        in_subgraph = subgraph.types.get(target)
        for implementation in graph.implementations(target):
            if implementation in subgraph.types or (in_subgraph and in_subgraph.interface_object):
                by_type.setdefault(implementation, set()).add(
                    _State(implementation, current.subgraph, provided)
                )
    return [(t, frozenset(p)) for t, p in by_type.items()]


def _parsed(fields: str | None) -> SelectionSetNode | None:
    if fields is None:
        return None
    result = parse_field_set(fields)
    return None if isinstance(result, str) else result


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
        if not keys:
            reasons.append(
                f'cannot move to subgraph "{subgraph.name}", which has field "{type_name}.{name}",'
                f' because type "{type_name}" has no @key defined in subgraph "{subgraph.name}".'
            )
            continue
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
    graph: _Graph, failures: dict[tuple[str, str, _Positions], _Failure]
) -> Iterator[CompositionError]:
    """One error per field and set of subgraphs a query can reach it from, as Apollo."""
    state = graph.state
    for (type_name, name, _), failure in failures.items():
        merged = state.merged[type_name]
        if merged.inaccessible or "@inaccessible" in merged.fields[name].directives:
            continue
        subgraph = state.subgraphs[failure.origin].name
        reasons = "\n".join(f"  - {r}" for r in _reasons(graph, type_name, name, failure.origin))
        yield CompositionError(
            "SATISFIABILITY_ERROR",
            f"The following supergraph API query:\n{_example(failure.path, name)}\ncannot be"
            f' satisfied by the subgraphs because:\n- from subgraph "{subgraph}":\n{reasons}',
            (subgraph,),
            f"{type_name}.{name}",
        )
